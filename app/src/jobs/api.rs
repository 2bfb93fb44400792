//! Server functions for the job queue's admin view: shells over `ops` (ADMIN; keys need
//! `admin`).

use leptos::prelude::*;

use super::QueueOverview;
use crate::error::AppError;

/// `POST /api/jobs/overview` → jobs per kind and state, how long the oldest due job has
/// waited, and the 100 most recent failed jobs with their errors.
#[server(prefix = "/api", endpoint = "jobs/overview", input = server_fn::codec::Json)]
pub async fn jobs_overview() -> Result<QueueOverview, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::overview(&state, &caller).await
}

/// `POST /api/jobs/retry` with `{"id"}`: runs a failed job again now with fresh attempts.
#[server(prefix = "/api", endpoint = "jobs/retry", input = server_fn::codec::Json)]
pub async fn retry_job(id: i64) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::retry(&state, &caller, id).await
}

/// `POST /api/jobs/cancel` with `{"id"}`: cancels a pending or failed job.
#[server(prefix = "/api", endpoint = "jobs/cancel", input = server_fn::codec::Json)]
pub async fn cancel_job(id: i64) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::cancel(&state, &caller, id).await
}
