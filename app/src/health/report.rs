//! The weekly on-call report: one ONCALL_REPORT job chain per opted-in team (task key
//! `oncall-report:<team>`, so never a second chain). Each owner is due Monday 09:00 on their
//! own wall clock (`weekly`), for the week since the previous Monday 09:00 there; the chain
//! runs at the first of its owners' due times, mails every owner whose week is due and not
//! yet sent (the weeks sent are recorded per owner, so nobody gets a week twice), and queues
//! the next run. A team that opted out meanwhile gets nothing and the chain ends.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::{ResponderHealth, store, weekly};
use crate::db::Db;
use crate::domain::timezone::{Tz, UTC, format_zoned, lookup};
use crate::domain::{TeamId, UserId};
use crate::error::AppError;
use crate::jobs::JobKind;
use crate::mail::Mail;

/// An ONCALL_REPORT job's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportJob {
    pub team_id: TeamId,
    /// When the team opted in: no week due before it is sent (none on chains queued before
    /// reports went per zone).
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
}

/// The days a weekly report covers (from the previous local Monday 09:00).
pub const REPORT_DAYS: i64 = 7;

/// The job's task key: one live report job per team.
pub fn task_key(team: TeamId) -> String {
    format!("oncall-report:{}", team.0)
}

/// The zone a report to someone in `zone` is read in (UTC for an unknown name).
fn zone_of(zone: &str) -> Tz {
    lookup(zone).unwrap_or(UTC)
}

/// When the team's chain runs next after `now`: the first of its owners' next Monday 09:00s.
pub async fn next_run(
    db: &Db,
    team: TeamId,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, AppError> {
    let zones: Vec<Tz> = store::owners(db, team)
        .await?
        .iter()
        .map(|o| zone_of(&o.3))
        .collect();
    Ok(weekly::next_run(now, &zones))
}

/// Queues the team's report at `at` unless one is already live.
pub async fn schedule(
    tx: &mut PgConnection,
    job: ReportJob,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let payload = serde_json::to_value(job).map_err(|e| AppError::Internal {
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
    .bind(task_key(job.team_id))
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

/// One owner's report that is due: to whom, the week (their local Monday), the mail.
#[derive(Debug, Clone)]
pub struct Due {
    pub user_id: UserId,
    pub week: NaiveDate,
    pub mail: Mail,
}

/// The reports due at `now` on `job`'s chain: each ACTIVE OWNER whose latest local Monday
/// 09:00 is past, after the opt-in and after they joined the team, and whose week was not yet
/// sent. `None` when the team is gone or opted out.
pub async fn due(
    db: &Db,
    job: &ReportJob,
    now: DateTime<Utc>,
    public_url: &str,
) -> Result<Option<Vec<Due>>, AppError> {
    let team = job.team_id;
    if store::weekly_report(db, team).await? != Some(true) {
        return Ok(None);
    }
    let name = crate::teams::store::name_of(db, team)
        .await?
        .unwrap_or_default();
    let mut people = None;
    // Owners whose weeks start and end at the same instants share one computation.
    type Window = (DateTime<Utc>, DateTime<Utc>);
    let mut computed: Vec<(Window, Vec<ResponderHealth>)> = Vec::new();
    let mut out = Vec::new();
    for (user_id, email, _, zone, joined) in store::owners(db, team).await? {
        let tz = zone_of(&zone);
        let (week, until) = weekly::last_due(now, &tz);
        if job.since.is_some_and(|s| until <= s)
            || until <= joined
            || store::reported(db, team, user_id, week).await?
        {
            continue;
        }
        // From the previous local Monday 09:00: consecutive reports tile, a DST week being
        // an hour shorter or longer than seven days.
        let since = weekly::nine_on(week - Duration::days(REPORT_DAYS), &tz);
        if !computed.iter().any(|(w, _)| *w == (since, until)) {
            if people.is_none() {
                people = Some(store::team_people(db, team).await?);
            }
            let who = people.as_deref().unwrap_or_default();
            let rows = super::ops::compute(db, who, since, until).await?;
            computed.push(((since, until), rows));
        }
        let rows = computed
            .iter()
            .find(|(w, _)| *w == (since, until))
            .map(|(_, r)| r.as_slice())
            .unwrap_or_default();
        let (subject, body) = render(&name, since, until, tz, rows, public_url);
        out.push(Due {
            user_id,
            week,
            mail: Mail {
                to: email,
                subject,
                body,
                html: None,
                headers: Vec::new(),
            },
        });
    }
    Ok(Some(out))
}

/// Records a sent report (after the mail went out).
pub async fn sent(db: &Db, team: TeamId, due: &Due, now: DateTime<Utc>) -> Result<(), AppError> {
    store::record_report(db, team, due.user_id, due.week, now).await
}

/// The report's subject and plain-text body, its times on the recipient's wall clock.
pub fn render(
    team: &str,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    tz: Tz,
    rows: &[ResponderHealth],
    public_url: &str,
) -> (String, String) {
    let subject = format!(
        "On-call health for {team}: week to {}",
        until.with_timezone(&tz).format("%Y-%m-%d")
    );
    let mut body = format!(
        "On-call health for {team}, {} to {} ({}).\n\
         Interruptions are SMS, voice and push pages sent, email excluded, in each person's own zone.\n\n",
        format_zoned(since, tz, "%Y-%m-%d %H:%M"),
        format_zoned(until, tz, "%Y-%m-%d %H:%M"),
        tz.name(),
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
         You get this as an owner of {team}, Mondays at 09:00 your time ({}); its owners and admins can turn it off there.\n",
        public_url.trim_end_matches('/'),
        tz.name(),
    ));
    (subject, body)
}
