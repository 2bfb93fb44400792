//! Server functions for Web Push: shells over `ops`, which holds the rules (devices are the
//! caller's own; rotating the server's key is for admins and audited).

use leptos::prelude::*;

use super::{Device, NewSubscription};
use crate::domain::PushSubscriptionId;
use crate::error::AppError;

/// `POST /api/push/key` with `{}` → the server's current VAPID public key (base64url), for
/// `pushManager.subscribe({applicationServerKey})`.
#[server(prefix = "/api", endpoint = "push/key", input = server_fn::codec::Json)]
pub async fn push_key() -> Result<String, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::key(&state, &caller).await
}

/// `POST /api/push/subscribe` with `{"subscription":{"endpoint","p256dh","auth","device"}}`
/// → the device. Pushes go to the caller's PUSH contact method ("Push to my devices"),
/// which their notification rules can then use.
#[server(prefix = "/api", endpoint = "push/subscribe", input = server_fn::codec::Json)]
pub async fn push_subscribe(subscription: NewSubscription) -> Result<Device, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::subscribe(&state, &caller, subscription).await
}

/// `POST /api/push/devices` with `{}` → the caller's devices.
#[server(prefix = "/api", endpoint = "push/devices", input = server_fn::codec::Json)]
pub async fn push_devices() -> Result<Vec<Device>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::devices(&state, &caller).await
}

/// `POST /api/push/remove` with `{"id"}`: stops pushing to one of the caller's devices.
#[server(prefix = "/api", endpoint = "push/remove", input = server_fn::codec::Json)]
pub async fn push_remove(id: PushSubscriptionId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::remove(&state, &caller, id).await
}

/// `POST /api/push/rotate-key` with `{}` (ADMIN) → the new public key. Devices keep working
/// with the key they subscribed with; each subscribes again with the new one on its next visit.
#[server(prefix = "/api", endpoint = "push/rotate-key", input = server_fn::codec::Json)]
pub async fn push_rotate_key() -> Result<String, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::rotate_key(&state, &caller).await
}
