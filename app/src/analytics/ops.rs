//! The analytics operations: the caller's check (any role; keys: `incidents:read`; where the
//! access settings hide teams' objects from outsiders, a non-admin must choose one of their
//! teams) and the reads: the command center's overview and the analytics report.

use super::Overview;
use super::report::{AnalyticsFilter, Report};
use crate::auth::caller::Caller;
use crate::domain::{Access, Area};
use crate::error::AppError;
use crate::state::AppState;

/// MTTA / MTTR for 7 and 30 days, the daily series, and the getting-started counts.
pub async fn overview(state: &AppState, caller: &Caller) -> Result<Overview, AppError> {
    caller.check(Access::Read(Area::Incidents))?;
    super::store::overview(state.pool.stale_reads(), state.clock.now()).await
}

/// Checks that `caller` may read analytics for `filter` (see the module's note).
pub async fn check(
    state: &AppState,
    caller: &Caller,
    filter: &AnalyticsFilter,
) -> Result<(), AppError> {
    caller.check(Access::Read(Area::Incidents))?;
    let sight = crate::teams::perm::sight(&state.pool, caller).await?;
    if let Some(mine) = sight.teams()
        && !filter.team_id.is_some_and(|t| mine.contains(&t))
    {
        return Err(AppError::forbidden(
            "Choose one of your teams: other teams' incidents are hidden",
        )
        .on_field("team_id"));
    }
    Ok(())
}

/// The report for `filter` now, hours of the day in the caller's zone.
pub async fn report(
    state: &AppState,
    caller: &Caller,
    filter: &AnalyticsFilter,
) -> Result<Report, AppError> {
    check(state, caller, filter).await?;
    let now = state.clock.now();
    filter.window(now)?;
    let tz = crate::domain::timezone::lookup(&caller.user.time_zone).unwrap_or(chrono_tz::UTC);
    // One transaction: every part of the report reads the same snapshot.
    let mut tx = state.pool.stale_reads().begin().await?;
    // Planned for each request's own values: after five runs of a prepared statement Postgres
    // may switch to one generic plan, and for these statements (a span of days, the live
    // groups) that plan was three times slower.
    sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan")
        .execute(&mut *tx)
        .await?;
    let report = super::build::report(&mut tx, filter, tz, now).await?;
    tx.commit().await?;
    Ok(report)
}
