//! Every service-channel operation, once: the caller's check, validation and the change.
//! Reading a service's channels needs any role (keys: `services:read`); changing them needs
//! RESPONDER (`services:write`). Webhooks of every service (`service_id` null) need ADMIN
//! (keys: `admin`). A team's service's channels follow the team rule (`teams::perm`): they
//! are changed like the service, and hidden with it. Changes are audited. Each kind's target
//! is checked by `target::parse`; only webhooks have a secret.

use super::{AddedChannel, DeliveryPage, ServiceChannel};
use crate::auth::caller::Caller;
use crate::domain::{Access, Area, ChannelId, ServiceId};
use crate::error::AppError;
use crate::state::AppState;
use crate::teams::perm::{self, Edit, Object};

/// The transaction of a change to a channel of `service` (None: a global webhook, ADMIN's
/// alone), begun and checked against the service's team rule.
async fn begin_write(
    state: &AppState,
    caller: &Caller,
    service: Option<ServiceId>,
    action: &str,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, AppError> {
    match service {
        Some(s) => perm::begin(state, caller, Edit::change(Object::Service(s), action)).await,
        None => Ok(state.pool.begin().await?),
    }
}

/// `Ok` when the caller sees `service` (the access settings may hide a team's service).
async fn sees_service(
    state: &AppState,
    caller: &Caller,
    service: Option<ServiceId>,
) -> Result<(), AppError> {
    if let Some(s) = service {
        let owner = crate::services::store::get(&state.pool, s).await?.team_id;
        perm::sight(&state.pool, caller)
            .await?
            .require(owner, "service")?;
    }
    Ok(())
}

/// What reading (`write` false) or changing a service's channels, or (`global`) the webhooks
/// of every service, needs.
fn access(global: bool, write: bool) -> Access {
    match (global, write) {
        (true, _) => Access::Admin,
        (false, false) => Access::Read(Area::Services),
        (false, true) => Access::Write(Area::Services),
    }
}

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

/// The channel `id` after checking the caller for its service.
async fn channel_for(
    state: &AppState,
    caller: &Caller,
    id: ChannelId,
    write: bool,
) -> Result<super::store::Stored, AppError> {
    // Who may act on a channel depends on whether it is global: look it up, then check.
    // An unknown id is checked like a service's channel, so a caller who may not act
    // learns nothing from the answer (401/403 either way).
    let stored = super::store::get(&state.pool, id).await;
    let global = matches!(&stored, Ok(s) if s.service_id.is_none());
    caller.check(access(global, write))?;
    let stored = stored?;
    if !write {
        sees_service(state, caller, stored.service_id).await?;
    }
    Ok(stored)
}

/// The channels of `service_id` (None: the webhooks of every service), each with its last
/// delivery.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    service_id: Option<ServiceId>,
) -> Result<Vec<ServiceChannel>, AppError> {
    caller.check(access(service_id.is_none(), false))?;
    sees_service(state, caller, service_id).await?;
    Ok(super::store::list(&state.pool, service_id)
        .await?
        .into_iter()
        .map(|(c, last)| view(c, last))
        .collect())
}

/// Adds a channel → it and, for a webhook, its signing secret, shown this once.
pub async fn add(
    state: &AppState,
    caller: &Caller,
    service_id: Option<ServiceId>,
    kind: &str,
    target: &str,
    events: &[String],
) -> Result<AddedChannel, AppError> {
    use super::ChannelKind;
    caller.check(access(service_id.is_none(), true))?;
    let mut tx = begin_write(state, caller, service_id, "channel.add").await?;
    let kind = ChannelKind::parse(kind).ok_or_else(|| {
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
    let target = super::target::parse(kind, target).map_err(|m| AppError::invalid("target", m))?;
    let events = parse_events(events)?;
    let secret = (kind == ChannelKind::Webhook).then(super::webhook::new_secret);
    let now = state.clock.now();
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

/// Sets the channel's events and whether it is on → the channel. Turning it back on clears
/// why it was turned off.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: ChannelId,
    events: &[String],
    enabled: bool,
) -> Result<ServiceChannel, AppError> {
    let stored = channel_for(state, caller, id, true).await?;
    let mut tx = begin_write(state, caller, stored.service_id, "channel.update").await?;
    let events = parse_events(events)?;
    let now = state.clock.now();
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

/// Removes the channel and its delivery log.
pub async fn remove(state: &AppState, caller: &Caller, id: ChannelId) -> Result<(), AppError> {
    let stored = channel_for(state, caller, id, true).await?;
    let mut tx = begin_write(state, caller, stored.service_id, "channel.remove").await?;
    let now = state.clock.now();
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

/// A new signing secret for the webhook → the secret, shown this once.
pub async fn rotate_secret(
    state: &AppState,
    caller: &Caller,
    id: ChannelId,
) -> Result<String, AppError> {
    let stored = channel_for(state, caller, id, true).await?;
    let mut tx = begin_write(state, caller, stored.service_id, "channel.rotate_secret").await?;
    if stored.kind != super::ChannelKind::Webhook {
        return Err(AppError::invalid(
            "id",
            "only webhooks have a signing secret",
        ));
    }
    let secret = super::webhook::new_secret();
    let now = state.clock.now();
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

/// Queues a test delivery → its event id.
pub async fn test(state: &AppState, caller: &Caller, id: ChannelId) -> Result<String, AppError> {
    let stored = channel_for(state, caller, id, true).await?;
    let mut tx = begin_write(state, caller, stored.service_id, "channel.test").await?;
    let now = state.clock.now();
    let event_id = format!("test_{}", uuid::Uuid::new_v4().simple());
    let payload = serde_json::json!({"channel_id": id, "event": "test", "event_id": event_id,
        "actor_user_id": null, "at": now, "incident": null});
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

/// A page of the channel's delivery log, newest first.
pub async fn deliveries(
    state: &AppState,
    caller: &Caller,
    id: ChannelId,
    before: Option<i64>,
    limit: i64,
) -> Result<DeliveryPage, AppError> {
    channel_for(state, caller, id, false).await?;
    if !(1..=super::MAX_PAGE).contains(&limit) {
        return Err(AppError::invalid(
            "limit",
            format!("must be between 1 and {}", super::MAX_PAGE),
        ));
    }
    super::store::deliveries(&state.pool, id, before, limit).await
}

/// Sends one delivery's event again, with the same `webhook-id`.
pub async fn redeliver(
    state: &AppState,
    caller: &Caller,
    id: ChannelId,
    delivery_id: i64,
) -> Result<(), AppError> {
    let stored = channel_for(state, caller, id, true).await?;
    let mut tx = begin_write(state, caller, stored.service_id, "channel.redeliver").await?;
    let now = state.clock.now();
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
