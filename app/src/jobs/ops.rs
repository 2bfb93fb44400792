//! Every job-queue admin operation, once: the caller's check (ADMIN; keys need `admin`) and
//! the change. Retrying and cancelling are audited.

use super::QueueOverview;
use crate::auth::caller::Caller;
use crate::domain::Access;
use crate::error::AppError;
use crate::state::AppState;

/// Jobs per kind and state, the oldest due job's wait, and the most recent failed jobs.
pub async fn overview(state: &AppState, caller: &Caller) -> Result<QueueOverview, AppError> {
    caller.check(Access::Admin)?;
    super::store::overview(&state.pool, state.clock.now()).await
}

/// Runs a failed job again now with fresh attempts.
pub async fn retry(state: &AppState, caller: &Caller, id: i64) -> Result<(), AppError> {
    caller.check(Access::Admin)?;
    let now = state.clock.now();
    super::store::retry(&state.pool, id, now).await?;
    caller
        .audit(
            &state.pool,
            now,
            "job.retry",
            &id.to_string(),
            serde_json::json!({}),
        )
        .await
}

/// Cancels a pending or failed job.
pub async fn cancel(state: &AppState, caller: &Caller, id: i64) -> Result<(), AppError> {
    caller.check(Access::Admin)?;
    let now = state.clock.now();
    super::store::cancel(&state.pool, id, now).await?;
    caller
        .audit(
            &state.pool,
            now,
            "job.cancel",
            &id.to_string(),
            serde_json::json!({}),
        )
        .await
}
