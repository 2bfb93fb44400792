//! Server functions for the caller's own API keys. Managing keys is an own-account action:
//! a session, or a key with the `admin` scope.

use leptos::prelude::*;

use super::{ApiKeySummary, CreatedApiKey};
use crate::domain::ApiKeyId;
use crate::error::AppError;

/// `POST /api/apikeys/list` → the caller's keys (never their secrets).
#[server(prefix = "/api", endpoint = "apikeys/list", input = server_fn::codec::Json)]
pub async fn list_api_keys() -> Result<Vec<ApiKeySummary>, AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::OwnAccount).await?;
    let state = crate::state::app_state()?;
    super::store::list_for_user(&state.pool, caller.user.id).await
}

/// `POST /api/apikeys/create` with `{"name","scopes":["incidents:read"],"expires_in_days":90}`
/// (`expires_in_days` may be null for no expiry) → the key with its secret, shown once.
#[server(prefix = "/api", endpoint = "apikeys/create", input = server_fn::codec::Json)]
pub async fn create_api_key(
    name: String,
    scopes: Vec<String>,
    expires_in_days: Option<i64>,
) -> Result<CreatedApiKey, AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::OwnAccount).await?;
    let state = crate::state::app_state()?;
    let new = super::NewApiKey::parse(caller.user.role, &name, &scopes, expires_in_days)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let created = super::store::create(&mut *tx, caller.user.id, &new, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "apikey.create",
            &created.key.prefix,
            serde_json::json!({"name": new.name, "scopes": new.scopes, "expires_at": created.key.expires_at}),
        )
        .await?;
    tx.commit().await?;
    Ok(created)
}

/// `POST /api/apikeys/revoke` with `{"id"}`: revokes one of the caller's keys (admins may
/// revoke anyone's). 404 when no live key matches.
#[server(prefix = "/api", endpoint = "apikeys/revoke", input = server_fn::codec::Json)]
pub async fn revoke_api_key(id: ApiKeyId) -> Result<(), AppError> {
    use crate::domain::{Access, Role};
    let caller = crate::auth::caller::authorize(Access::OwnAccount).await?;
    let state = crate::state::app_state()?;
    let now = state.clock.now();
    let owner = (caller.user.role != Role::Admin).then_some(caller.user.id);
    let mut tx = state.pool.begin().await?;
    let name = super::store::revoke(&mut *tx, id, owner, now)
        .await?
        .ok_or_else(|| AppError::NotFound {
            what: "API key".into(),
        })?;
    caller
        .audit(
            &mut *tx,
            now,
            "apikey.revoke",
            &id.to_string(),
            serde_json::json!({"name": name}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}
