//! Server functions for heartbeat monitors: shells over `ops`.

use leptos::prelude::*;

use super::{Heartbeat, NewHeartbeat};
use crate::domain::{HeartbeatId, ServiceId};
use crate::error::AppError;

/// `POST /api/heartbeats/list` → every monitor of the services the caller sees.
#[server(prefix = "/api", endpoint = "heartbeats/list", input = server_fn::codec::Json)]
pub async fn list_heartbeats() -> Result<Vec<Heartbeat>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::list(&state, &caller).await
}

/// `POST /api/heartbeats/create` with `{"service_id","name","period_secs","grace_secs"}` →
/// the monitor, its token and ping URL (shown once).
#[server(prefix = "/api", endpoint = "heartbeats/create", input = server_fn::codec::Json)]
pub async fn create_heartbeat(
    service_id: ServiceId,
    name: String,
    period_secs: i32,
    grace_secs: i32,
) -> Result<NewHeartbeat, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::create(&state, &caller, service_id, &name, period_secs, grace_secs).await
}

/// `POST /api/heartbeats/rotate` with `{"id"}` → a new token and ping URL; the old stop working.
#[server(prefix = "/api", endpoint = "heartbeats/rotate", input = server_fn::codec::Json)]
pub async fn rotate_heartbeat(id: HeartbeatId) -> Result<NewHeartbeat, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::rotate(&state, &caller, id).await
}

/// `POST /api/heartbeats/delete` with `{"id"}`.
#[server(prefix = "/api", endpoint = "heartbeats/delete", input = server_fn::codec::Json)]
pub async fn delete_heartbeat(id: HeartbeatId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::delete(&state, &caller, id).await
}
