//! Every operation on the caller's own API keys, once: the caller's check, validation and the
//! change. Managing keys is an own-account action: a session, or a key with the `admin` scope.
//! Changes are audited in their own transaction.

use super::{ApiKeySummary, CreatedApiKey};
use crate::auth::caller::Caller;
use crate::domain::{Access, ApiKeyId, Role};
use crate::error::AppError;
use crate::state::AppState;

/// The caller's keys (never their secrets).
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<ApiKeySummary>, AppError> {
    caller.check(Access::OwnAccount)?;
    super::store::list_for_user(&state.pool, caller.user.id).await
}

/// A new key for the caller (`expires_in_days` `None` for no expiry) → the key with its
/// secret, shown once.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    name: &str,
    scopes: &[String],
    expires_in_days: Option<i64>,
) -> Result<CreatedApiKey, AppError> {
    caller.check(Access::OwnAccount)?;
    let new = super::NewApiKey::parse(caller.user.role, name, scopes, expires_in_days)?;
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

/// Revokes one of the caller's keys (admins may revoke anyone's). Not found when no live key
/// matches.
pub async fn revoke(state: &AppState, caller: &Caller, id: ApiKeyId) -> Result<(), AppError> {
    caller.check(Access::OwnAccount)?;
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
