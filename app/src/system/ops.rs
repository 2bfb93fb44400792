//! The system status operation: the caller's check (signed in) and the report.

use super::StatusReport;
use crate::auth::caller::Caller;
use crate::domain::Access;
use crate::error::AppError;
use crate::state::AppState;

/// Version, database status and the server's clock.
pub async fn status(state: &AppState, caller: &Caller) -> Result<StatusReport, AppError> {
    caller.check(Access::SignedIn)?;
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
