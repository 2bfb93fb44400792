//! Server functions for analytics: shells over `ops` (any role; keys: `incidents:read`).

use leptos::prelude::*;

use super::Overview;
use super::report::{AnalyticsFilter, Report};
use crate::error::AppError;

/// `POST /api/analytics/overview` with `{}` → MTTA / MTTR for 7 and 30 days, the daily
/// series, and the getting-started counts.
#[server(prefix = "/api", endpoint = "analytics/overview", input = server_fn::codec::Json)]
pub async fn analytics_overview() -> Result<Overview, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::overview(&state, &caller).await
}

/// `POST /api/analytics/report` with `{"filter": {"days", "from", "to", "service_id",
/// "team_id", "urgency", "priority", "responder"}}` (each optional) → the report: summary
/// and previous period, breakdowns, hours of the day, daily series, noisiest alerts.
#[server(prefix = "/api", endpoint = "analytics/report", input = server_fn::codec::Json)]
pub async fn analytics_report(filter: AnalyticsFilter) -> Result<Report, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::report(&state, &caller, &filter).await
}
