//! Server functions for the caller's own API keys and, for admins, everyone's: shells over
//! `ops`, which holds the rules (a session, or a key with the `admin` scope). Team keys are in
//! `team_api`.

use leptos::prelude::*;

use super::{ApiKeySummary, CreatedApiKey, KeyPage};
use crate::domain::{ApiKeyId, UserId};
use crate::error::AppError;

/// `POST /api/apikeys/list` → the caller's keys (never their secrets).
#[server(prefix = "/api", endpoint = "apikeys/list", input = server_fn::codec::Json)]
pub async fn list_api_keys() -> Result<Vec<ApiKeySummary>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::list(&state, &caller).await
}

/// `POST /api/apikeys/create` with `{"name","scopes":["incidents:read"],"expires_in_days":90}`
/// (`expires_in_days` may be null for no expiry) → the key with its secret, shown once.
#[server(prefix = "/api", endpoint = "apikeys/create", input = server_fn::codec::Json)]
pub async fn create_api_key(
    name: String,
    scopes: Vec<String>,
    expires_in_days: Option<i64>,
) -> Result<CreatedApiKey, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::create(&state, &caller, &name, &scopes, expires_in_days).await
}

/// `POST /api/apikeys/revoke` with `{"id"}`: revokes one of the caller's keys (admins may
/// revoke anyone's). 404 when no live key matches.
#[server(prefix = "/api", endpoint = "apikeys/revoke", input = server_fn::codec::Json)]
pub async fn revoke_api_key(id: ApiKeyId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::revoke(&state, &caller, id).await
}

/// `POST /api/apikeys/list-all` with `{"owner":null,"live_only":true,"before":null,"limit":50}`
/// (ADMIN): every key of the workspace, people's and teams', with its owner and creator,
/// newest first; `owner` a user id for that user's keys only. `before` is the previous page's
/// `next_before`.
#[server(prefix = "/api", endpoint = "apikeys/list-all", input = server_fn::codec::Json)]
pub async fn list_all_api_keys(
    owner: Option<UserId>,
    live_only: bool,
    before: Option<String>,
    limit: i64,
) -> Result<KeyPage, AppError> {
    use super::ops::{ListQuery, Whose};
    let (state, caller) = crate::auth::caller::current().await?;
    let query = ListQuery {
        whose: owner.map_or(Whose::All, Whose::User),
        live_only,
        before: before.as_deref(),
        limit,
    };
    super::ops::list_page(&state, &caller, query).await
}
