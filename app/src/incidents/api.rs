//! Server functions for incidents. Reading needs any role (keys: `incidents:read`). Acting
//! (acknowledge, snooze, resolve, reopen, note) needs RESPONDER, or a USER to whom (or to
//! whose team) the incident or its service belongs; keys need `incidents:write`.

use leptos::prelude::*;

use super::{IncidentDetail, IncidentFilter, IncidentPage};
use crate::domain::{IncidentId, ServiceId};
use crate::error::AppError;

/// The caller, allowed to act on every one of `ids`.
#[cfg(feature = "ssr")]
async fn incident_actor(
    ids: &[IncidentId],
) -> Result<(crate::auth::caller::Caller, crate::state::AppState), AppError> {
    use crate::domain::{Access, Area, Role};
    let state = crate::state::app_state()?;
    let caller =
        crate::auth::caller::identify(&state, &crate::auth::session::request_info()).await?;
    caller.check_scope(Access::Write(Area::Incidents))?;
    if caller.user.role.at_least(Role::Responder) {
        return Ok((caller, state));
    }
    let mine = crate::teams::store::teams_of_user(&state.pool, caller.user.id).await?;
    for id in ids {
        let (assignee, teams) = super::reads::teams_of(&state.pool, *id).await?;
        if assignee != Some(caller.user.id) && !teams.iter().any(|t| mine.contains(t)) {
            return Err(AppError::forbidden(
                "a USER acts only on incidents assigned to them or to their teams",
            ));
        }
    }
    Ok((caller, state))
}

#[cfg(feature = "ssr")]
async fn transition_all(
    ids: Vec<IncidentId>,
    t: crate::domain::Transition,
    snooze_minutes: Option<i64>,
) -> Result<u64, AppError> {
    let (caller, state) = incident_actor(&ids).await?;
    if ids.is_empty() || ids.len() > 200 {
        return Err(AppError::invalid("ids", "give 1 to 200 incident ids"));
    }
    let now = state.clock.now();
    let snooze_until = match snooze_minutes {
        None => None,
        Some(m) if (1..=7 * 24 * 60).contains(&m) => Some(now + chrono::Duration::minutes(m)),
        Some(_) => {
            return Err(AppError::invalid(
                "minutes",
                "must be between 1 and 10080 (7 days)",
            ));
        }
    };
    let mut changed = 0;
    for id in ids {
        if crate::lifecycle::transition::by_person(
            &state.pool,
            id,
            t,
            caller.user.id,
            snooze_until,
            now,
        )
        .await?
        {
            changed += 1;
        }
    }
    Ok(changed)
}

/// `POST /api/incidents/list` with `{"filter":{"statuses":["OPEN"],"urgencies":[],"service_id":null,
/// "team_id":null,"mine":false,"query":""},"before":null,"limit":50}` → a page, newest first.
#[server(prefix = "/api", endpoint = "incidents/list", input = server_fn::codec::Json)]
pub async fn list_incidents(
    filter: IncidentFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<IncidentPage, AppError> {
    use crate::domain::{Access, Area};
    let caller = crate::auth::caller::authorize(Access::Read(Area::Incidents)).await?;
    if !(1..=super::MAX_PAGE).contains(&limit) {
        return Err(AppError::invalid(
            "limit",
            format!("must be between 1 and {}", super::MAX_PAGE),
        ));
    }
    if filter.query.chars().count() > 200 {
        return Err(AppError::invalid(
            "filter.query",
            "must be at most 200 characters",
        ));
    }
    super::reads::list(
        crate::state::app_state()?.pool.stale_reads(),
        &filter,
        caller.user.id,
        before,
        limit,
    )
    .await
}

/// `POST /api/incidents/get` with `{"id"}` → the incident, its timeline and newest alerts.
#[server(prefix = "/api", endpoint = "incidents/get", input = server_fn::codec::Json)]
pub async fn get_incident(id: IncidentId) -> Result<IncidentDetail, AppError> {
    use crate::domain::{Access, Area};
    crate::auth::caller::authorize(Access::Read(Area::Incidents)).await?;
    super::reads::get(&crate::state::app_state()?.pool, id).await
}

/// `POST /api/incidents/counters` with `{}` → open, acknowledged, high-urgency open,
/// unassigned, and resolved in the last 24 h.
#[server(prefix = "/api", endpoint = "incidents/counters", input = server_fn::codec::Json)]
pub async fn incident_counters() -> Result<super::Counters, AppError> {
    use crate::domain::{Access, Area};
    crate::auth::caller::authorize(Access::Read(Area::Incidents)).await?;
    let state = crate::state::app_state()?;
    super::reads::counters(&state.pool, state.clock.now()).await
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
    let (caller, state) = incident_actor(&[id]).await?;
    let note = note.trim();
    if note.is_empty() {
        return Err(AppError::invalid("note", "is required"));
    }
    if note.chars().count() > super::NOTE_MAX {
        return Err(AppError::invalid(
            "note",
            format!("must be at most {} characters", super::NOTE_MAX),
        ));
    }
    super::store::add_note(&state.pool, id, caller.user.id, note, state.clock.now()).await
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
    use crate::domain::{Access, Area, Urgency};
    let caller = crate::auth::caller::authorize(Access::Write(Area::Incidents)).await?;
    let state = crate::state::app_state()?;
    let title = crate::domain::parse_name("title", &title, super::SUMMARY_MAX)?;
    if description.chars().count() > super::NOTE_MAX {
        return Err(AppError::invalid(
            "description",
            format!("must be at most {} characters", super::NOTE_MAX),
        ));
    }
    let urgency = Urgency::parse(&urgency)
        .ok_or_else(|| AppError::invalid("urgency", "must be HIGH, MEDIUM or LOW"))?;
    crate::services::store::get(&state.pool, service_id)
        .await
        .map_err(|_| AppError::invalid("service_id", "no such service"))?;
    super::store::create_manual(
        &state.pool,
        service_id,
        &title,
        description.trim(),
        urgency,
        caller.user.id,
        state.clock.now(),
    )
    .await
}

/// `POST /api/incidents/assign` with `{"id","user_id":null,"team_id":null}`: assigns to a user
/// or a team (not both), or unassigns when both are null.
#[server(prefix = "/api", endpoint = "incidents/assign", input = server_fn::codec::Json)]
pub async fn assign_incident(
    id: IncidentId,
    user_id: Option<crate::domain::UserId>,
    team_id: Option<crate::domain::TeamId>,
) -> Result<(), AppError> {
    let (caller, state) = incident_actor(&[id]).await?;
    if user_id.is_some() && team_id.is_some() {
        return Err(AppError::invalid(
            "team_id",
            "assign to a user or a team, not both",
        ));
    }
    if let Some(u) = user_id {
        crate::users::store::get(&state.pool, u)
            .await
            .map_err(|_| AppError::invalid("user_id", "no such user"))?;
    }
    if let Some(t) = team_id {
        crate::teams::store::get(&state.pool, t)
            .await
            .map_err(|_| AppError::invalid("team_id", "no such team"))?;
    }
    super::store::assign(
        &state.pool,
        id,
        user_id,
        team_id,
        caller.user.id,
        state.clock.now(),
    )
    .await
}

/// `POST /api/incidents/set-priority` with `{"id","priority":"P1"}` (P1–P5, or null to clear).
#[server(prefix = "/api", endpoint = "incidents/set-priority", input = server_fn::codec::Json)]
pub async fn set_priority(id: IncidentId, priority: Option<String>) -> Result<(), AppError> {
    let (_, state) = incident_actor(&[id]).await?;
    let priority = match priority.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) if super::PRIORITIES.contains(&p) => Some(p),
        Some(_) => {
            return Err(AppError::invalid(
                "priority",
                "must be P1, P2, P3, P4, P5 or null",
            ));
        }
    };
    super::store::set_priority(&state.pool, id, priority, state.clock.now()).await
}
