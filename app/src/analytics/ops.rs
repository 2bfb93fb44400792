//! The analytics operation: the caller's check (any role; keys: `incidents:read`) and the read.

use super::Overview;
use crate::auth::caller::Caller;
use crate::domain::{Access, Area};
use crate::error::AppError;
use crate::state::AppState;

/// MTTA / MTTR for 7 and 30 days, the daily series, and the getting-started counts.
pub async fn overview(state: &AppState, caller: &Caller) -> Result<Overview, AppError> {
    caller.check(Access::Read(Area::Incidents))?;
    super::store::overview(state.pool.stale_reads(), state.clock.now()).await
}
