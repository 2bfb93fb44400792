//! Server function for reading the audit log (ADMIN): a shell over `ops`.

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
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::list(&state, &caller, before, &action, limit).await
}
