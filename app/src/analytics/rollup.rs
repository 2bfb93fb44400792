//! The analytics rollup: each UTC day's facts summed per service, urgency and priority
//! (`analytics_daily`), its noisiest keys and titles (`analytics_daily_noise`, the top
//! `NOISE_KEEP` per service), and `analytics_days` saying which days are done. The hourly
//! task recomputes today and yesterday, the days whose incidents changed since they were
//! computed, and missing days (self-healing, `HEAL_DAYS` per run); `opsknight rollup --from`
//! recomputes any span.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::PgConnection;

use super::agg::{Agg, Fact};
use super::report::{AnalyticsFilter, midnight};
use crate::domain::ServiceId;
use crate::error::AppError;

/// Keys (and titles) kept per service and day.
pub const NOISE_KEEP: usize = 20;
/// Missing or changed days one hourly run computes at most (the rest heal on later runs).
pub const HEAL_DAYS: usize = 31;

/// Noise sums of one key or title.
#[derive(Debug, Clone, Default)]
pub struct NoiseSum {
    pub title: String,
    pub incidents: i64,
    pub alerts: i64,
    pub flapping: i64,
    pub quick_resolved: i64,
}

impl NoiseSum {
    pub fn add(&mut self, f: &Fact) {
        if self.title.is_empty() {
            self.title = f.title.clone();
        }
        self.incidents += 1;
        self.alerts += f.alerts;
        self.flapping += i64::from(f.flapping);
        self.quick_resolved += i64::from(f.quick());
    }
}

/// The facts' noise per (service, KEY or TITLE, label).
pub fn noise(facts: &[Fact]) -> HashMap<(ServiceId, &'static str, String), NoiseSum> {
    let mut out: HashMap<(ServiceId, &'static str, String), NoiseSum> = HashMap::new();
    for f in facts {
        out.entry((f.service_id, "KEY", f.dedup_key.clone()))
            .or_default()
            .add(f);
        out.entry((f.service_id, "TITLE", f.title.clone()))
            .or_default()
            .add(f);
    }
    out
}

/// Recomputes `day` from its incidents (facts as of `now`).
pub async fn compute_day(
    tx: &mut PgConnection,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let (from, to) = (midnight(day), midnight(day + Duration::days(1)));
    let facts = super::facts::read(tx, from, to, &AnalyticsFilter::default(), now).await?;
    let mut groups: BTreeMap<(ServiceId, &'static str, String), Agg> = BTreeMap::new();
    for f in &facts {
        groups
            .entry((f.service_id, f.urgency.as_str(), f.priority.clone()))
            .or_default()
            .add(f);
    }
    for delete in [
        "DELETE FROM analytics_daily WHERE day = $1",
        "DELETE FROM analytics_daily_noise WHERE day = $1",
    ] {
        sqlx::query(delete).bind(day).execute(&mut *tx).await?;
    }
    for ((service, urgency, priority), a) in &groups {
        sqlx::query(
            "INSERT INTO analytics_daily (day, service_id, urgency, priority, opened, acknowledged, resolved,
                ack_secs, resolve_secs, escalated, reopened, auto_resolved, quick_resolved, flapping, alerts,
                ack_breached, ack_measured, res_breached, res_measured, ack_hist, resolve_hist, hours)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
                     $20, $21, $22)",
        )
        .bind(day)
        .bind(service)
        .bind(urgency)
        .bind(priority)
        .bind(a.opened as i32)
        .bind(a.acknowledged as i32)
        .bind(a.resolved as i32)
        .bind(a.ack_secs)
        .bind(a.resolve_secs)
        .bind(a.escalated as i32)
        .bind(a.reopened as i32)
        .bind(a.auto_resolved as i32)
        .bind(a.quick_resolved as i32)
        .bind(a.flapping as i32)
        .bind(a.alerts)
        .bind(a.ack_breached as i32)
        .bind(a.ack_measured as i32)
        .bind(a.resolve_breached as i32)
        .bind(a.resolve_measured as i32)
        .bind(a.ack_hist.0.iter().map(|c| *c as i32).collect::<Vec<_>>())
        .bind(a.resolve_hist.0.iter().map(|c| *c as i32).collect::<Vec<_>>())
        .bind(a.hours.iter().map(|c| *c as i32).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
    }
    let mut kept: BTreeMap<(ServiceId, &'static str), Vec<(String, NoiseSum)>> = BTreeMap::new();
    for ((service, by, label), sum) in noise(&facts) {
        kept.entry((service, by)).or_default().push((label, sum));
    }
    for ((service, by), mut rows) in kept {
        rows.sort_by(|a, b| {
            b.1.incidents
                .cmp(&a.1.incidents)
                .then_with(|| a.0.cmp(&b.0))
        });
        rows.truncate(NOISE_KEEP);
        for (label, n) in rows {
            sqlx::query(
                "INSERT INTO analytics_daily_noise (day, service_id, by_what, label, title, incidents, alerts,
                                                    flapping, quick_resolved)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(day)
            .bind(service)
            .bind(by)
            .bind(&label)
            .bind(&n.title)
            .bind(n.incidents as i32)
            .bind(n.alerts)
            .bind(n.flapping as i32)
            .bind(n.quick_resolved as i32)
            .execute(&mut *tx)
            .await?;
        }
    }
    sqlx::query(
        "INSERT INTO analytics_days (day, computed_at) VALUES ($1, $2)
         ON CONFLICT (day) DO UPDATE SET computed_at = EXCLUDED.computed_at",
    )
    .bind(day)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(groups.len())
}

/// The days one hourly run recomputes: yesterday and today, then (at most `HEAL_DAYS`,
/// oldest first) days with incidents that are missing or whose incidents changed since.
pub async fn due_days(
    tx: &mut PgConnection,
    now: DateTime<Utc>,
) -> Result<Vec<NaiveDate>, AppError> {
    let today = now.date_naive();
    let stale: Vec<NaiveDate> = sqlx::query_scalar(
        "SELECT DISTINCT (i.created_at AT TIME ZONE 'UTC')::date AS day
         FROM incidents i LEFT JOIN analytics_days d ON d.day = (i.created_at AT TIME ZONE 'UTC')::date
         WHERE i.created_at < $1 AND (d.day IS NULL OR i.updated_at > d.computed_at)
         ORDER BY day LIMIT $2",
    )
    .bind(midnight(today - Duration::days(1)))
    .bind(HEAL_DAYS as i64)
    .fetch_all(&mut *tx)
    .await?;
    let mut days = stale;
    days.extend([today - Duration::days(1), today]);
    Ok(days)
}

/// Refreshes the planner's statistics of the rollup tables, after a backfill wrote many days:
/// until autovacuum gets to them (a minute or more later) the report's plans assume empty
/// tables, which made a 90-day report over a million incidents 50% slower.
pub async fn analyze(conn: &mut PgConnection) -> Result<(), AppError> {
    sqlx::query("ANALYZE analytics_days, analytics_daily, analytics_daily_noise")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The hourly run: recomputes `due_days`. Returns the rows written.
pub async fn run(tx: &mut PgConnection, now: DateTime<Utc>) -> Result<u64, AppError> {
    let mut rows = 0;
    for day in due_days(tx, now).await? {
        rows += compute_day(tx, day, now).await? as u64;
    }
    Ok(rows)
}
