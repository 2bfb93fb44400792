//! Server functions for analytics. Reading needs any role (keys: `incidents:read`).

use leptos::prelude::*;

use super::Overview;
use crate::error::AppError;

/// `POST /api/analytics/overview` with `{}` → MTTA / MTTR for 7 and 30 days, the daily
/// series, and the getting-started counts.
#[server(prefix = "/api", endpoint = "analytics/overview", input = server_fn::codec::Json)]
pub async fn analytics_overview() -> Result<Overview, AppError> {
    use crate::domain::{Access, Area};
    crate::auth::caller::authorize(Access::Read(Area::Incidents)).await?;
    let state = crate::state::app_state()?;
    super::store::overview(state.pool.stale_reads(), state.clock.now()).await
}
