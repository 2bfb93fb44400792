//! Server functions for system status: shells over `ops`.

use leptos::prelude::*;

use super::StatusReport;
use crate::error::AppError;

/// `POST /api/system/status` (signed in) → version, database status and the server's clock.
#[server(prefix = "/api", endpoint = "system/status", input = server_fn::codec::Json)]
pub async fn system_status() -> Result<StatusReport, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::status(&state, &caller).await
}
