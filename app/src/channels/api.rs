//! Server functions for service channels (`services/channels/*`). Reading a service's channels
//! needs any role (keys: `services:read`); changing them needs RESPONDER (`services:write`).
//! Webhooks of every service (`service_id` null) need ADMIN (keys: `admin`). Changes are
//! audited. Each kind's target is checked by `target::parse`; only webhooks have a secret.

use leptos::prelude::*;

use super::{AddedChannel, DeliveryPage, ServiceChannel};
use crate::domain::{ChannelId, ServiceId};
use crate::error::AppError;

/// Authorizes reading (`write` false) or changing a service's channels, or (`global`) the
/// webhooks of every service.
#[cfg(feature = "ssr")]
async fn authorize(global: bool, write: bool) -> Result<crate::auth::caller::Caller, AppError> {
    use crate::domain::{Access, Area};
    let access = match (global, write) {
        (true, _) => Access::Admin,
        (false, false) => Access::Read(Area::Services),
        (false, true) => Access::Write(Area::Services),
    };
    crate::auth::caller::authorize(access).await
}

#[cfg(feature = "ssr")]
fn parse_events(events: &[String]) -> Result<Vec<super::ChannelEvent>, AppError> {
    let mut out = Vec::new();
    for e in events {
        let event = super::ChannelEvent::parse(e).ok_or_else(|| {
            AppError::invalid(
                "events",
                format!(
                    "{e:?} is not an event; use {}",
                    super::ChannelEvent::ALL.map(|e| e.as_str()).join(", ")
                ),
            )
        })?;
        if !out.contains(&event) {
            out.push(event);
        }
    }
    if out.is_empty() {
        return Err(AppError::invalid("events", "choose at least one event"));
    }
    out.sort();
    Ok(out)
}

#[cfg(feature = "ssr")]
fn view(stored: super::store::Stored, last: Option<super::Delivery>) -> ServiceChannel {
    ServiceChannel {
        target: super::mask_target(stored.kind, &stored.target),
        id: stored.id,
        service_id: stored.service_id,
        kind: stored.kind,
        events: stored.events,
        enabled: stored.enabled,
        disabled_reason: stored.disabled_reason,
        last_delivery: last,
        created_at: stored.created_at,
    }
}

/// The channel `id` after authorizing for its service.
#[cfg(feature = "ssr")]
async fn channel_for(
    id: ChannelId,
    write: bool,
) -> Result<(crate::auth::caller::Caller, super::store::Stored), AppError> {
    // Who may act on a channel depends on whether it is global: look it up, then authorize.
    // An unknown id is authorized like a service's channel, so a caller who may not act
    // learns nothing from the answer (401/403 either way).
    let state = crate::state::app_state()?;
    let stored = super::store::get(&state.pool, id).await;
    let global = matches!(&stored, Ok(s) if s.service_id.is_none());
    let caller = authorize(global, write).await?;
    Ok((caller, stored?))
}

/// `POST /api/services/channels/list` with `{"service_id"}` (null: the webhooks of every
/// service) → the channels, each with its last delivery.
#[server(prefix = "/api", endpoint = "services/channels/list", input = server_fn::codec::Json)]
pub async fn list_channels(service_id: Option<ServiceId>) -> Result<Vec<ServiceChannel>, AppError> {
    authorize(service_id.is_none(), false).await?;
    let state = crate::state::app_state()?;
    Ok(super::store::list(&state.pool, service_id)
        .await?
        .into_iter()
        .map(|(c, last)| view(c, last))
        .collect())
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
    use super::ChannelKind;
    let caller = authorize(service_id.is_none(), true).await?;
    let state = crate::state::app_state()?;
    let kind = ChannelKind::parse(&kind).ok_or_else(|| {
        AppError::invalid(
            "kind",
            format!(
                "must be one of {}",
                ChannelKind::ALL.map(|k| k.as_str()).join(", ")
            ),
        )
    })?;
    if service_id.is_none() && kind != ChannelKind::Webhook {
        return Err(AppError::invalid(
            "service_id",
            "only webhooks can take every service's events; choose a service",
        ));
    }
    let target = super::target::parse(kind, &target).map_err(|m| AppError::invalid("target", m))?;
    let events = parse_events(&events)?;
    let secret = (kind == ChannelKind::Webhook).then(super::webhook::new_secret);
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    if let Some(service) = service_id {
        crate::services::store::get(&mut *tx, service).await?;
    }
    let id = super::store::insert(
        &mut tx,
        super::store::NewChannel {
            service_id,
            kind,
            target: &target,
            events: &events,
            sealed_secret: secret.as_deref().map(|s| state.keys.encrypt(s)),
        },
        now,
    )
    .await?;
    caller
        .audit(
            &mut *tx,
            now,
            "channel.add",
            kind.as_str(),
            serde_json::json!({"channel_id": id, "service_id": service_id}),
        )
        .await?;
    let stored = super::store::get(&mut *tx, id).await?;
    tx.commit().await?;
    Ok(AddedChannel {
        channel: view(stored, None),
        secret,
    })
}

/// `POST /api/services/channels/update` with `{"id","events":[…],"enabled":true}` → the channel.
/// Turning a channel back on clears why it was turned off.
#[server(prefix = "/api", endpoint = "services/channels/update", input = server_fn::codec::Json)]
pub async fn update_channel(
    id: ChannelId,
    events: Vec<String>,
    enabled: bool,
) -> Result<ServiceChannel, AppError> {
    let (caller, _) = channel_for(id, true).await?;
    let state = crate::state::app_state()?;
    let events = parse_events(&events)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    super::store::update(&mut *tx, id, &events, enabled, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "channel.update",
            &id.to_string(),
            serde_json::json!({"enabled": enabled}),
        )
        .await?;
    let stored = super::store::get(&mut *tx, id).await?;
    tx.commit().await?;
    Ok(view(stored, None))
}

/// `POST /api/services/channels/remove` with `{"id"}` → null. Its delivery log goes with it.
#[server(prefix = "/api", endpoint = "services/channels/remove", input = server_fn::codec::Json)]
pub async fn remove_channel(id: ChannelId) -> Result<(), AppError> {
    let (caller, stored) = channel_for(id, true).await?;
    let state = crate::state::app_state()?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    super::store::remove(&mut *tx, id).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "channel.remove",
            stored.kind.as_str(),
            serde_json::json!({"channel_id": id, "service_id": stored.service_id}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// `POST /api/services/channels/rotate_secret` with `{"id"}` → the webhook's new secret, shown
/// this once; the old one stops signing at once.
#[server(prefix = "/api", endpoint = "services/channels/rotate_secret", input = server_fn::codec::Json)]
pub async fn rotate_channel_secret(id: ChannelId) -> Result<String, AppError> {
    let (caller, stored) = channel_for(id, true).await?;
    if stored.kind != super::ChannelKind::Webhook {
        return Err(AppError::invalid(
            "id",
            "only webhooks have a signing secret",
        ));
    }
    let state = crate::state::app_state()?;
    let secret = super::webhook::new_secret();
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    super::store::set_secret(&mut *tx, id, &state.keys.encrypt(&secret), now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "channel.rotate_secret",
            &id.to_string(),
            serde_json::json!({}),
        )
        .await?;
    tx.commit().await?;
    Ok(secret)
}

/// `POST /api/services/channels/test` with `{"id"}` → the test delivery's event id. The
/// message goes out through the job queue at once; its outcome appears in the delivery log.
#[server(prefix = "/api", endpoint = "services/channels/test", input = server_fn::codec::Json)]
pub async fn test_channel(id: ChannelId) -> Result<String, AppError> {
    channel_for(id, true).await?;
    let state = crate::state::app_state()?;
    let now = state.clock.now();
    let event_id = format!("test_{}", uuid::Uuid::new_v4().simple());
    let payload = serde_json::json!({"channel_id": id, "event": "test", "event_id": event_id,
        "actor_user_id": null, "at": now, "incident": null});
    let mut tx = state.pool.begin().await?;
    crate::jobs::store::enqueue(
        &mut tx,
        crate::jobs::JobKind::ChannelDelivery,
        None,
        &payload,
        now,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(event_id)
}

/// `POST /api/services/channels/deliveries` with `{"id","before":null,"limit":50}` → a page of
/// its delivery log, newest first (status, HTTP status, latency, the start of the answer).
#[server(prefix = "/api", endpoint = "services/channels/deliveries", input = server_fn::codec::Json)]
pub async fn channel_deliveries(
    id: ChannelId,
    before: Option<i64>,
    limit: i64,
) -> Result<DeliveryPage, AppError> {
    channel_for(id, false).await?;
    if !(1..=super::MAX_PAGE).contains(&limit) {
        return Err(AppError::invalid(
            "limit",
            format!("must be between 1 and {}", super::MAX_PAGE),
        ));
    }
    super::store::deliveries(&crate::state::app_state()?.pool, id, before, limit).await
}

/// `POST /api/services/channels/redeliver` with `{"id","delivery_id"}` → null: sends that
/// delivery's event again, with the same `webhook-id` (within the job retention, 7 days).
#[server(prefix = "/api", endpoint = "services/channels/redeliver", input = server_fn::codec::Json)]
pub async fn redeliver(id: ChannelId, delivery_id: i64) -> Result<(), AppError> {
    channel_for(id, true).await?;
    let state = crate::state::app_state()?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let (incident, payload) = super::store::delivery_payload(&mut *tx, id, delivery_id).await?;
    crate::jobs::store::enqueue(
        &mut tx,
        crate::jobs::JobKind::ChannelDelivery,
        incident,
        &payload,
        now,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
