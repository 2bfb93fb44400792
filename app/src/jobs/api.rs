//! Server functions for the job queue's admin view (ADMIN; keys need `admin`).

use leptos::prelude::*;

use super::QueueOverview;
use crate::error::AppError;

/// `POST /api/jobs/overview` → jobs per kind and state, how long the oldest due job has
/// waited, and the 100 most recent failed jobs with their errors.
#[server(prefix = "/api", endpoint = "jobs/overview", input = server_fn::codec::Json)]
pub async fn jobs_overview() -> Result<QueueOverview, AppError> {
    crate::auth::caller::authorize(crate::domain::Access::Admin).await?;
    let state = crate::state::app_state()?;
    super::store::overview(&state.pool, state.clock.now()).await
}

/// `POST /api/jobs/retry` with `{"id"}`: runs a failed job again now with fresh attempts.
#[server(prefix = "/api", endpoint = "jobs/retry", input = server_fn::codec::Json)]
pub async fn retry_job(id: i64) -> Result<(), AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::Admin).await?;
    let state = crate::state::app_state()?;
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

/// `POST /api/jobs/cancel` with `{"id"}`: cancels a pending or failed job.
#[server(prefix = "/api", endpoint = "jobs/cancel", input = server_fn::codec::Json)]
pub async fn cancel_job(id: i64) -> Result<(), AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::Admin).await?;
    let state = crate::state::app_state()?;
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
