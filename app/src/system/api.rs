//! Server functions for system status.

use leptos::prelude::*;

use super::StatusReport;
use crate::error::AppError;

/// `POST /api/system/status` (signed in) → version, database status and the server's clock.
#[server(prefix = "/api", endpoint = "system/status", input = server_fn::codec::Json)]
pub async fn system_status() -> Result<StatusReport, AppError> {
    crate::auth::caller::authorize(crate::domain::Access::SignedIn).await?;
    let state = crate::state::app_state()?;
    let database_ok = sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(&state.pool)
        .await
        .is_ok();
    Ok(StatusReport {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database_ok,
        server_time: state.clock.now(),
    })
}
