//! Server functions for on-call health: shells over `ops`.

use leptos::prelude::*;

use super::{HealthReport, MyHealth};
use crate::domain::TeamId;
use crate::error::AppError;

/// `POST /api/health/report` with `{"days": 7 | 30 | 90 | null, "team_id": null | id}` → the
/// caller's own row, a team's rows (its owners/admins, ADMINs) or everyone's (ADMIN, no team).
#[server(prefix = "/api", endpoint = "health/report", input = server_fn::codec::Json)]
pub async fn oncall_health(
    days: Option<u32>,
    team_id: Option<TeamId>,
) -> Result<HealthReport, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::report(&state, &caller, days, team_id).await
}

/// `POST /api/health/weekly-report` with `{"team_id", "enabled"}` → whether the team's owners
/// now get the weekly report (the team's owners/admins, ADMINs).
#[server(prefix = "/api", endpoint = "health/weekly-report", input = server_fn::codec::Json)]
pub async fn set_weekly_health_report(team_id: TeamId, enabled: bool) -> Result<bool, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::set_weekly_report(&state, &caller, team_id, enabled).await
}

/// `POST /api/health/mine` with `{}` → the caller's own on-call health over the last 7 and 30
/// days (any role; keys need `schedules:read`).
#[server(prefix = "/api", endpoint = "health/mine", input = server_fn::codec::Json)]
pub async fn my_oncall_health() -> Result<MyHealth, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::mine(&state, &caller).await
}
