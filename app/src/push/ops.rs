//! Every Web Push operation, once: the caller's check, validation and the change. Devices are
//! the caller's own (a session, or a key with the `admin` scope); rotating the server's key
//! is for admins and audited.

use super::{Device, NewSubscription};
use crate::auth::caller::Caller;
use crate::domain::{Access, PushSubscriptionId};
use crate::error::AppError;
use crate::state::AppState;

/// The server's current VAPID public key (base64url), made on first use.
pub async fn key(state: &AppState, caller: &Caller) -> Result<String, AppError> {
    caller.check(Access::SignedIn)?;
    Ok(
        super::store::ensure_key(&state.pool, &state.keys, state.clock.now())
            .await?
            .1,
    )
}

/// Subscribes one of the caller's devices → the device.
pub async fn subscribe(
    state: &AppState,
    caller: &Caller,
    subscription: NewSubscription,
) -> Result<Device, AppError> {
    caller.check(Access::OwnAccount)?;
    super::validate(&subscription)?;
    let sub = NewSubscription {
        endpoint: subscription.endpoint.trim().to_owned(),
        device: subscription.device.trim().to_owned(),
        ..subscription
    };
    super::store::subscribe(
        &state.pool,
        &state.keys,
        caller.user.id,
        &sub,
        state.clock.now(),
    )
    .await
}

/// The caller's devices.
pub async fn devices(state: &AppState, caller: &Caller) -> Result<Vec<Device>, AppError> {
    caller.check(Access::OwnAccount)?;
    super::store::devices(&state.pool, caller.user.id).await
}

/// Stops pushing to one of the caller's devices.
pub async fn remove(
    state: &AppState,
    caller: &Caller,
    id: PushSubscriptionId,
) -> Result<(), AppError> {
    caller.check(Access::OwnAccount)?;
    if super::store::remove(&state.pool, caller.user.id, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound {
            what: "device".into(),
        })
    }
}

/// A new VAPID key pair (ADMIN) → the new public key.
pub async fn rotate_key(state: &AppState, caller: &Caller) -> Result<String, AppError> {
    caller.check(Access::Admin)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let public = super::store::rotate(&mut tx, &state.keys, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "push.key.rotate",
            "vapid",
            serde_json::json!({"public_key": public}),
        )
        .await?;
    tx.commit().await?;
    Ok(public)
}
