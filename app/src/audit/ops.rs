//! Reading the audit log, once: the caller's check (ADMIN) and validation.

use super::AuditPage;
use crate::auth::caller::Caller;
use crate::domain::Access;
use crate::error::AppError;
use crate::state::AppState;

/// A page of entries, newest first, before the entry `before`; `action` filters by prefix.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    before: Option<i64>,
    action: &str,
    limit: i64,
) -> Result<AuditPage, AppError> {
    caller.check(Access::Admin)?;
    if !(1..=super::MAX_LIMIT).contains(&limit) {
        return Err(AppError::invalid(
            "limit",
            format!("must be between 1 and {}", super::MAX_LIMIT),
        ));
    }
    if action.chars().count() > 100 {
        return Err(AppError::invalid(
            "action",
            "must be at most 100 characters",
        ));
    }
    super::store::list(state.pool.stale_reads(), before, action.trim(), limit).await
}
