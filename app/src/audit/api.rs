//! Server function for reading the audit log (ADMIN).

use leptos::prelude::*;

use super::AuditPage;
use crate::error::AppError;

/// `POST /api/audit/list` with `{"before":null,"action":"","limit":50}` → a page of entries,
/// newest first. `action` filters by prefix (`user.`, `login.`); `before` is the previous
/// page's `next_before`.
#[server(prefix = "/api", endpoint = "audit/list", input = server_fn::codec::Json)]
pub async fn list_audit(
    before: Option<i64>,
    action: String,
    limit: i64,
) -> Result<AuditPage, AppError> {
    crate::auth::caller::authorize(crate::domain::Access::Admin).await?;
    let state = crate::state::app_state()?;
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
