//! Server functions for incidents: shells over `ops`, which holds the rules (who may read and
//! act, validation).

use leptos::prelude::*;

use super::{IncidentDetail, IncidentFilter, IncidentPage};
use crate::domain::{IncidentId, ServiceId};
use crate::error::AppError;

/// The caller, then `transition` under them.
#[cfg(feature = "ssr")]
async fn transition_all(
    ids: Vec<IncidentId>,
    t: crate::domain::Transition,
    snooze_minutes: Option<i64>,
) -> Result<u64, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::transition(&state, &caller, &ids, t, snooze_minutes).await
}

/// `POST /api/incidents/list` with `{"filter":{"statuses":["OPEN"],"urgencies":[],"service_id":null,
/// "team_id":null,"mine":false,"query":""},"before":null,"limit":50}` → a page, newest first.
#[server(prefix = "/api", endpoint = "incidents/list", input = server_fn::codec::Json)]
pub async fn list_incidents(
    filter: IncidentFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<IncidentPage, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::list(&state, &caller, &filter, before, limit).await
}

/// `POST /api/incidents/get` with `{"id"}` → the incident, its timeline and newest alerts.
#[server(prefix = "/api", endpoint = "incidents/get", input = server_fn::codec::Json)]
pub async fn get_incident(id: IncidentId) -> Result<IncidentDetail, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::get(&state, &caller, id).await
}

/// `POST /api/incidents/counters` with `{}` → open, acknowledged, high-urgency open,
/// unassigned, and resolved in the last 24 h.
#[server(prefix = "/api", endpoint = "incidents/counters", input = server_fn::codec::Json)]
pub async fn incident_counters() -> Result<super::Counters, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::counters(&state, &caller).await
}

/// `POST /api/incidents/acknowledge` with `{"ids":[…]}` → how many changed (repeats change nothing).
#[server(prefix = "/api", endpoint = "incidents/acknowledge", input = server_fn::codec::Json)]
pub async fn acknowledge_incidents(ids: Vec<IncidentId>) -> Result<u64, AppError> {
    transition_all(ids, crate::domain::Transition::Acknowledge, None).await
}

/// `POST /api/incidents/resolve` with `{"ids":[…]}` → how many changed.
#[server(prefix = "/api", endpoint = "incidents/resolve", input = server_fn::codec::Json)]
pub async fn resolve_incidents(ids: Vec<IncidentId>) -> Result<u64, AppError> {
    transition_all(ids, crate::domain::Transition::Resolve, None).await
}

/// `POST /api/incidents/reopen` with `{"ids":[…]}`: a resolved incident starts over as OPEN.
#[server(prefix = "/api", endpoint = "incidents/reopen", input = server_fn::codec::Json)]
pub async fn reopen_incidents(ids: Vec<IncidentId>) -> Result<u64, AppError> {
    transition_all(ids, crate::domain::Transition::Reopen, None).await
}

/// `POST /api/incidents/snooze` with `{"ids":[…],"minutes":60}` (1 minute to 7 days).
#[server(prefix = "/api", endpoint = "incidents/snooze", input = server_fn::codec::Json)]
pub async fn snooze_incidents(ids: Vec<IncidentId>, minutes: i64) -> Result<u64, AppError> {
    transition_all(ids, crate::domain::Transition::Snooze, Some(minutes)).await
}

/// `POST /api/incidents/note` with `{"id","note"}`: adds a note to the timeline.
#[server(prefix = "/api", endpoint = "incidents/note", input = server_fn::codec::Json)]
pub async fn add_note(id: IncidentId, note: String) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::add_note(&state, &caller, id, &note)
        .await
        .map(|_| ())
}

/// `POST /api/incidents/create` with `{"service_id","title","description","urgency":"HIGH"}`
/// (RESPONDER; keys `incidents:write`) → the new incident's id.
#[server(prefix = "/api", endpoint = "incidents/create", input = server_fn::codec::Json)]
pub async fn create_incident(
    service_id: ServiceId,
    title: String,
    description: String,
    urgency: String,
) -> Result<IncidentId, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    let new = super::ops::NewIncident {
        service_id,
        title: &title,
        description: &description,
        urgency: &urgency,
    };
    super::ops::create(&state, &caller, new).await
}

/// `POST /api/incidents/assign` with `{"id","user_id":null,"team_id":null}`: assigns to a user
/// or a team (not both), or unassigns when both are null.
#[server(prefix = "/api", endpoint = "incidents/assign", input = server_fn::codec::Json)]
pub async fn assign_incident(
    id: IncidentId,
    user_id: Option<crate::domain::UserId>,
    team_id: Option<crate::domain::TeamId>,
) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::assign(&state, &caller, id, user_id, team_id).await
}

/// `POST /api/incidents/set-priority` with `{"id","priority":"P1"}` (P1–P5, or null to clear).
#[server(prefix = "/api", endpoint = "incidents/set-priority", input = server_fn::codec::Json)]
pub async fn set_priority(id: IncidentId, priority: Option<String>) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::set_priority(&state, &caller, id, priority.as_deref()).await
}

/// `POST /api/incidents/escalate` with `{"id"}`: the next escalation step runs now (an OPEN
/// incident; 409 otherwise, or when the policy has no further step).
#[server(prefix = "/api", endpoint = "incidents/escalate", input = server_fn::codec::Json)]
pub async fn escalate_incident(id: IncidentId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::merge::escalate(&state, &caller, id).await
}

/// `POST /api/incidents/merge` with `{"target_id", "source_ids": […], "source_numbers": […]}`
/// → how many incidents were merged into the target (their alerts and notes move; they are
/// resolved with a link, and their pages stop).
#[server(prefix = "/api", endpoint = "incidents/merge", input = server_fn::codec::Json)]
pub async fn merge_incidents(
    target_id: IncidentId,
    #[server(default)] source_ids: Vec<IncidentId>,
    #[server(default)] source_numbers: Vec<i64>,
) -> Result<usize, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::merge::merge(&state, &caller, target_id, &source_ids, &source_numbers).await
}
