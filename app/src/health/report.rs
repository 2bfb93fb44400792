//! The weekly on-call report: one ONCALL_REPORT job per opted-in team (task key
//! `oncall-report:<team>`, so never a second chain), due Mondays 09:00 UTC; each run mails the
//! last seven days' health to the team's owners and queues the next. A team that opted out
//! meanwhile gets nothing and the chain ends.

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::ResponderHealth;
use crate::db::Db;
use crate::domain::TeamId;
use crate::error::AppError;
use crate::jobs::JobKind;
use crate::mail::Mail;

/// An ONCALL_REPORT job's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportJob {
    pub team_id: TeamId,
}

/// The days a weekly report covers.
pub const REPORT_DAYS: i64 = 7;

/// The job's task key: one live report job per team.
pub fn task_key(team: TeamId) -> String {
    format!("oncall-report:{}", team.0)
}

/// The first Monday 09:00 UTC strictly after `now`.
pub fn next_run(now: DateTime<Utc>) -> DateTime<Utc> {
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN);
    let today = now.date_naive();
    let back = i64::from(today.weekday().num_days_from_monday());
    let monday = Utc.from_utc_datetime(&(today - Duration::days(back)).and_time(nine));
    if monday > now {
        monday
    } else {
        monday + Duration::days(7)
    }
}

/// Queues the team's report at `at` unless one is already live.
pub async fn schedule(
    tx: &mut PgConnection,
    team: TeamId,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let payload =
        serde_json::to_value(ReportJob { team_id: team }).map_err(|e| AppError::Internal {
            message: format!("encode report payload: {e}"),
        })?;
    sqlx::query(
        "INSERT INTO jobs (kind, payload, run_at, task_key, max_attempts, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 10, $5, $5)
         ON CONFLICT DO NOTHING",
    )
    .bind(JobKind::OncallReport.as_str())
    .bind(payload)
    .bind(at)
    .bind(task_key(team))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    crate::jobs::store::wake(tx).await?;
    Ok(())
}

/// Cancels the team's queued report, if any.
pub async fn cancel(
    tx: &mut PgConnection,
    team: TeamId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE jobs SET status = 'CANCELLED', updated_at = $2
         WHERE task_key = $1 AND (status = 'PENDING' OR (status = 'FAILED' AND attempts < max_attempts))",
    )
    .bind(task_key(team))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The mails of the team's report for the week ending `now` (one per owner); `None` when the
/// team is gone or opted out.
pub async fn mails(
    db: &Db,
    team: TeamId,
    now: DateTime<Utc>,
    public_url: &str,
) -> Result<Option<Vec<Mail>>, AppError> {
    if super::store::weekly_report(db, team).await? != Some(true) {
        return Ok(None);
    }
    let name = crate::teams::store::name_of(db, team)
        .await?
        .unwrap_or_default();
    let since = now - Duration::days(REPORT_DAYS);
    let people = super::store::team_people(db, team).await?;
    let rows = super::ops::compute(db, &people, since, now).await?;
    let (subject, body) = render(&name, since, now, &rows, public_url);
    Ok(Some(
        super::store::owners(db, team)
            .await?
            .into_iter()
            .map(|(to, _)| Mail {
                to,
                subject: subject.clone(),
                body: body.clone(),
                html: None,
                headers: Vec::new(),
            })
            .collect(),
    ))
}

/// The report's subject and plain-text body.
pub fn render(
    team: &str,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    rows: &[ResponderHealth],
    public_url: &str,
) -> (String, String) {
    let subject = format!(
        "On-call health for {team}: week to {}",
        until.format("%Y-%m-%d")
    );
    let mut body = format!(
        "On-call health for {team}, {} to {} (UTC).\n\
         Interruptions are SMS, voice and push pages sent, email excluded, in each person's own zone.\n\n",
        since.format("%Y-%m-%d %H:%M"),
        until.format("%Y-%m-%d %H:%M"),
    );
    if rows.is_empty() {
        body.push_str("The team has no active members.\n");
    }
    for r in rows {
        let t = &r.interruptions;
        body.push_str(&format!(
            "{}: {} interruptions ({} business hours, {} off hours, {} sleep), {} nights interrupted, {:.1} h on call{}\n",
            r.name,
            t.total,
            t.business,
            t.off_hours,
            t.sleep,
            t.nights_interrupted,
            r.on_call_hours(),
            if r.suggest_day_off {
                ". Suggest a day off"
            } else {
                ""
            },
        ));
    }
    body.push_str(&format!(
        "\nThe full view: {}/oncall-health\n\
         You get this as an owner of {team}; its owners and admins can turn it off there.\n",
        public_url.trim_end_matches('/')
    ));
    (subject, body)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn next_run_is_the_next_monday_nine_utc() {
        // t0 of the tests is Sunday 2026-03-08 06:30Z.
        assert_eq!(
            next_run(at("2026-03-08T06:30:00Z")),
            at("2026-03-09T09:00:00Z")
        );
        assert_eq!(
            next_run(at("2026-03-09T08:59:59Z")),
            at("2026-03-09T09:00:00Z")
        );
        assert_eq!(
            next_run(at("2026-03-09T09:00:00Z")),
            at("2026-03-16T09:00:00Z")
        );
        assert_eq!(
            next_run(at("2026-03-10T12:00:00Z")),
            at("2026-03-16T09:00:00Z")
        );
    }
}
