//! Server functions for any user's sessions (ADMIN; your own with a session too): shells over
//! `ops`, which holds the rules and the audit.

use leptos::prelude::*;

use super::SessionInfo;
use crate::domain::{SessionId, UserId};
use crate::error::AppError;

/// `POST /api/sessions/list` with `{"user_id"}` → the user's live sessions (created, last
/// seen, IP, user agent); `current` marks the caller's own.
#[server(prefix = "/api", endpoint = "sessions/list", input = server_fn::codec::Json)]
pub async fn list_user_sessions(user_id: UserId) -> Result<Vec<SessionInfo>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::list(&state, &caller, user_id).await
}

/// `POST /api/sessions/revoke` with `{"user_id","id"}`: signs that session out. 404 unless it
/// is the user's and live.
#[server(prefix = "/api", endpoint = "sessions/revoke", input = server_fn::codec::Json)]
pub async fn revoke_user_session(user_id: UserId, id: SessionId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::revoke(&state, &caller, user_id, id).await
}

/// `POST /api/sessions/revoke-all` with `{"user_id"}`: signs the user out everywhere → how
/// many sessions ended. (Their API keys are separate: revoke them, or disable the user.)
#[server(prefix = "/api", endpoint = "sessions/revoke-all", input = server_fn::codec::Json)]
pub async fn revoke_all_user_sessions(user_id: UserId) -> Result<u64, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::revoke_all(&state, &caller, user_id).await
}
