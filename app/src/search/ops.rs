//! The global search operation: the caller's check (any signed-in role; keys:
//! `incidents:read`), validation and the read.

use super::Hit;
use crate::auth::caller::Caller;
use crate::domain::{Access, Area};
use crate::error::AppError;
use crate::state::AppState;

/// Up to 5 hits of each kind for `query` (none for a blank one).
pub async fn search(state: &AppState, caller: &Caller, query: &str) -> Result<Vec<Hit>, AppError> {
    caller.check(Access::Read(Area::Incidents))?;
    let query = query.trim();
    if query.is_empty() {
        return Ok(vec![]);
    }
    if query.chars().count() > super::QUERY_MAX {
        return Err(AppError::invalid(
            "query",
            format!("must be at most {} characters", super::QUERY_MAX),
        ));
    }
    let sight = crate::teams::perm::sight(&state.pool, caller).await?;
    super::store::search(&state.pool, query, sight.teams()).await
}
