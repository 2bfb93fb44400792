//! Server functions for the user directory (any signed-in caller) and user administration
//! (ADMIN): shells over `ops`, which holds the rules (who may read and change, validation,
//! auditing).

use leptos::prelude::*;

use super::{LinkIssued, UserPage, UserSummary};
use crate::domain::UserId;
use crate::error::AppError;

/// Users per page, at most.
pub const MAX_PER_PAGE: i64 = 200;

#[cfg(feature = "ssr")]
pub(crate) use super::ops::deliver_link;

/// `POST /api/users/list` with `{"query":"","page":1,"per_page":50}` → one page of users by name.
#[server(prefix = "/api", endpoint = "users/list", input = server_fn::codec::Json)]
pub async fn list_users(query: String, page: i64, per_page: i64) -> Result<UserPage, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::list(&state, &caller, &query, page, per_page).await
}

/// `POST /api/users/invite` with `{"email","name","role"}` (ADMIN): creates an INVITED user
/// and a 7-day invite link, emailed when SMTP is configured, otherwise returned.
#[server(prefix = "/api", endpoint = "users/invite", input = server_fn::codec::Json)]
pub async fn invite_user(
    email: String,
    name: String,
    role: String,
) -> Result<LinkIssued, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::invite(&state, &caller, &email, &name, &role).await
}

/// `POST /api/users/reset-link` with `{"user_id"}` (ADMIN): a 24-hour password-reset link
/// for an ACTIVE user (or a fresh invite link for an INVITED one), emailed or returned.
#[server(prefix = "/api", endpoint = "users/reset-link", input = server_fn::codec::Json)]
pub async fn issue_reset_link(user_id: UserId) -> Result<LinkIssued, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::issue_reset_link(&state, &caller, user_id).await
}

/// `POST /api/users/set-role` with `{"user_id","role"}` (ADMIN). Revokes the user's sessions.
#[server(prefix = "/api", endpoint = "users/set-role", input = server_fn::codec::Json)]
pub async fn set_user_role(user_id: UserId, role: String) -> Result<UserSummary, AppError> {
    // The role is checked before the caller, as it always has been.
    let role = super::ops::parse_role(&role)?;
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::set_role(&state, &caller, user_id, role).await
}

/// `POST /api/users/set-status` with `{"user_id","status":"DISABLED"|"ACTIVE"}` (ADMIN).
/// Disabling signs the user out everywhere and stops their API keys working.
#[server(prefix = "/api", endpoint = "users/set-status", input = server_fn::codec::Json)]
pub async fn set_user_status(user_id: UserId, status: String) -> Result<UserSummary, AppError> {
    // The status is checked before the caller, as it always has been.
    let status = super::ops::parse_status(&status)?;
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::set_status(&state, &caller, user_id, status).await
}
