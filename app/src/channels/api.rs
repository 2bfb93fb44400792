//! Server functions for service channels (`services/channels/*`): shells over `ops`, which
//! holds the rules (who may read and change, validation, auditing).

use leptos::prelude::*;

use super::{AddedChannel, DeliveryPage, ServiceChannel};
use crate::domain::{ChannelId, ServiceId};
use crate::error::AppError;

/// `POST /api/services/channels/list` with `{"service_id"}` (null: the webhooks of every
/// service) → the channels, each with its last delivery.
#[server(prefix = "/api", endpoint = "services/channels/list", input = server_fn::codec::Json)]
pub async fn list_channels(service_id: Option<ServiceId>) -> Result<Vec<ServiceChannel>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::list(&state, &caller, service_id).await
}

/// `POST /api/services/channels/add` with `{"service_id","kind":"WEBHOOK","target":"https://…",
/// "events":["triggered","resolved"]}` → the channel and, for a webhook, its signing secret
/// (`whsec_…`), shown this once.
#[server(prefix = "/api", endpoint = "services/channels/add", input = server_fn::codec::Json)]
pub async fn add_channel(
    service_id: Option<ServiceId>,
    kind: String,
    target: String,
    events: Vec<String>,
) -> Result<AddedChannel, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::add(&state, &caller, service_id, &kind, &target, &events).await
}

/// `POST /api/services/channels/update` with `{"id","events":[…],"enabled":true}` → the channel.
/// Turning a channel back on clears why it was turned off.
#[server(prefix = "/api", endpoint = "services/channels/update", input = server_fn::codec::Json)]
pub async fn update_channel(
    id: ChannelId,
    events: Vec<String>,
    enabled: bool,
) -> Result<ServiceChannel, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::update(&state, &caller, id, &events, enabled).await
}

/// `POST /api/services/channels/remove` with `{"id"}` → null. Its delivery log goes with it.
#[server(prefix = "/api", endpoint = "services/channels/remove", input = server_fn::codec::Json)]
pub async fn remove_channel(id: ChannelId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::remove(&state, &caller, id).await
}

/// `POST /api/services/channels/rotate_secret` with `{"id"}` → the webhook's new secret, shown
/// this once; the old one stops signing at once.
#[server(prefix = "/api", endpoint = "services/channels/rotate_secret", input = server_fn::codec::Json)]
pub async fn rotate_channel_secret(id: ChannelId) -> Result<String, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::rotate_secret(&state, &caller, id).await
}

/// `POST /api/services/channels/test` with `{"id"}` → the test delivery's event id. The
/// message goes out through the job queue at once; its outcome appears in the delivery log.
#[server(prefix = "/api", endpoint = "services/channels/test", input = server_fn::codec::Json)]
pub async fn test_channel(id: ChannelId) -> Result<String, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::test(&state, &caller, id).await
}

/// `POST /api/services/channels/deliveries` with `{"id","before":null,"limit":50}` → a page of
/// its delivery log, newest first (status, HTTP status, latency, the start of the answer).
#[server(prefix = "/api", endpoint = "services/channels/deliveries", input = server_fn::codec::Json)]
pub async fn channel_deliveries(
    id: ChannelId,
    before: Option<i64>,
    limit: i64,
) -> Result<DeliveryPage, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::deliveries(&state, &caller, id, before, limit).await
}

/// `POST /api/services/channels/redeliver` with `{"id","delivery_id"}` → null: sends that
/// delivery's event again, with the same `webhook-id` (within the job retention, 7 days).
#[server(prefix = "/api", endpoint = "services/channels/redeliver", input = server_fn::codec::Json)]
pub async fn redeliver(id: ChannelId, delivery_id: i64) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::redeliver(&state, &caller, id, delivery_id).await
}
