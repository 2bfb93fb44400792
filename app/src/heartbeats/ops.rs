//! Every heartbeat-monitor operation, once: who may do what, validation and the change.
//! Reading needs any role (keys: `services:read`) and sight of the service; creating,
//! deleting and a new token are changes to the service (RESPONDER, keys: `services:write`,
//! and the team rule for a team's service), audited in their own transaction.

use super::{Heartbeat, NewHeartbeat};
use crate::auth::caller::Caller;
use crate::domain::{Access, Area, HeartbeatId, ServiceId};
use crate::error::AppError;
use crate::state::AppState;
use crate::teams::perm::{self, Edit, Object};

/// Every monitor of the services the caller sees.
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<Heartbeat>, AppError> {
    caller.check(Access::Read(Area::Services))?;
    let sight = perm::sight(&state.pool, caller).await?;
    let mut all = super::store::list(&state.pool).await?;
    all.retain(|h| sight.sees(h.team_id));
    Ok(all)
}

/// A new monitor on the service → it and its ping URL, shown once.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    service_id: ServiceId,
    name: &str,
    period_secs: i32,
    grace_secs: i32,
) -> Result<NewHeartbeat, AppError> {
    caller.check(Access::Write(Area::Services))?;
    let edit = Edit::change(Object::Service(service_id), "heartbeat.create");
    let mut tx = perm::begin(state, caller, edit).await?;
    let name = crate::domain::parse_name("name", name, super::NAME_MAX)?;
    let timing = super::parse_timing(period_secs, grace_secs)?;
    let now = state.clock.now();
    let service = crate::services::store::get(&mut *tx, service_id).await?;
    let token = super::store::generate_token();
    let id = super::store::insert(&mut tx, service_id, &name, timing, &token, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "heartbeat.create",
            &service.name,
            serde_json::json!({"heartbeat_id": id, "name": name,
                "period_secs": timing.0, "grace_secs": timing.1}),
        )
        .await?;
    let heartbeat = super::store::get(&mut *tx, id).await?;
    tx.commit().await?;
    Ok(shown_once(state, heartbeat, token))
}

/// The write's transaction on the monitor's service (404 for an unknown monitor).
async fn begin_on(
    state: &AppState,
    caller: &Caller,
    id: HeartbeatId,
    action: &str,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, AppError> {
    caller.check(Access::Write(Area::Services))?;
    let service = super::store::service_of(&state.pool, id)
        .await?
        .ok_or_else(super::store::not_found)?;
    perm::begin(
        state,
        caller,
        Edit::change(Object::Service(service), action),
    )
    .await
}

/// Deletes the monitor (an incident it opened stays, for people to resolve).
pub async fn delete(state: &AppState, caller: &Caller, id: HeartbeatId) -> Result<(), AppError> {
    let mut tx = begin_on(state, caller, id, "heartbeat.delete").await?;
    let now = state.clock.now();
    let before = super::store::get(&mut *tx, id).await?;
    super::store::delete(&mut tx, id, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "heartbeat.delete",
            &before.service_name,
            serde_json::json!({"heartbeat_id": id, "name": before.name}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A new token for the monitor; the old one stops working at once.
pub async fn rotate(
    state: &AppState,
    caller: &Caller,
    id: HeartbeatId,
) -> Result<NewHeartbeat, AppError> {
    let mut tx = begin_on(state, caller, id, "heartbeat.rotate").await?;
    let now = state.clock.now();
    let token = super::store::generate_token();
    super::store::set_token(&mut tx, id, &token, now).await?;
    let heartbeat = super::store::get(&mut *tx, id).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "heartbeat.rotate",
            &heartbeat.service_name,
            serde_json::json!({"heartbeat_id": id, "name": heartbeat.name}),
        )
        .await?;
    tx.commit().await?;
    Ok(shown_once(state, heartbeat, token))
}

fn shown_once(state: &AppState, heartbeat: Heartbeat, token: String) -> NewHeartbeat {
    NewHeartbeat {
        heartbeat,
        ping_url: super::ping_url(&state.public_url, &token),
        token,
    }
}
