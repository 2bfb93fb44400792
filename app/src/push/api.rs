//! Server functions for Web Push. Devices are the caller's own (a session, or a key with the
//! `admin` scope); rotating the server's key is for admins and audited.

use leptos::prelude::*;

use super::{Device, NewSubscription};
use crate::domain::PushSubscriptionId;
use crate::error::AppError;

/// `POST /api/push/key` with `{}` → the server's current VAPID public key (base64url), for
/// `pushManager.subscribe({applicationServerKey})`.
#[server(prefix = "/api", endpoint = "push/key", input = server_fn::codec::Json)]
pub async fn push_key() -> Result<String, AppError> {
    use crate::domain::Access;
    crate::auth::caller::authorize(Access::SignedIn).await?;
    let state = crate::state::app_state()?;
    Ok(
        super::store::ensure_key(&state.pool, &state.keys, state.clock.now())
            .await?
            .1,
    )
}

/// `POST /api/push/subscribe` with `{"subscription":{"endpoint","p256dh","auth","device"}}`
/// → the device. Pushes go to the caller's PUSH contact method ("Push to my devices"),
/// which their notification rules can then use.
#[server(prefix = "/api", endpoint = "push/subscribe", input = server_fn::codec::Json)]
pub async fn push_subscribe(subscription: NewSubscription) -> Result<Device, AppError> {
    use crate::domain::Access;
    let caller = crate::auth::caller::authorize(Access::OwnAccount).await?;
    super::validate(&subscription)?;
    let state = crate::state::app_state()?;
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

/// `POST /api/push/devices` with `{}` → the caller's devices.
#[server(prefix = "/api", endpoint = "push/devices", input = server_fn::codec::Json)]
pub async fn push_devices() -> Result<Vec<Device>, AppError> {
    use crate::domain::Access;
    let caller = crate::auth::caller::authorize(Access::OwnAccount).await?;
    super::store::devices(&crate::state::app_state()?.pool, caller.user.id).await
}

/// `POST /api/push/remove` with `{"id"}`: stops pushing to one of the caller's devices.
#[server(prefix = "/api", endpoint = "push/remove", input = server_fn::codec::Json)]
pub async fn push_remove(id: PushSubscriptionId) -> Result<(), AppError> {
    use crate::domain::Access;
    let caller = crate::auth::caller::authorize(Access::OwnAccount).await?;
    if super::store::remove(&crate::state::app_state()?.pool, caller.user.id, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound {
            what: "device".into(),
        })
    }
}

/// `POST /api/push/rotate-key` with `{}` (ADMIN) → the new public key. Devices keep working
/// with the key they subscribed with; each subscribes again with the new one on its next visit.
#[server(prefix = "/api", endpoint = "push/rotate-key", input = server_fn::codec::Json)]
pub async fn push_rotate_key() -> Result<String, AppError> {
    use crate::domain::Access;
    let caller = crate::auth::caller::authorize(Access::Admin).await?;
    let state = crate::state::app_state()?;
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
