//! Incident writes, all needing the `From` header: `PUT /incidents/{id}` (`{incident}`), the
//! bulk `PUT /incidents` (`{incidents: [...]}` → `{incidents}`) and `POST /incidents` (201).
//! Status, urgency, priority, assignment and a resolution note map onto
//! `app::incidents::ops`; escalation levels, policies and titles cannot be changed here.

use app::auth::caller::Caller;
use app::domain::{IncidentId, ServiceId, Status, Transition, UserId};
use app::incidents::ops;
use app::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::actors::require_from;
use super::error::{Body, Id, Pd, PdError, PdResult};
use super::incident_shape::{Lookup, incident_detail};
use super::refs::{parse_id, pd_status, pd_urgency, ref_id, urgency_to_set};

/// The most incidents one bulk PUT changes (PagerDuty's limit).
const BULK_MAX: usize = 250;

/// One incident's changes, as PagerDuty takes them (unknown and read-only fields ignored).
#[derive(Debug, Default, Deserialize)]
pub struct Change {
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    resolution: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    priority: Option<Value>,
    #[serde(default)]
    urgency: Option<String>,
    #[serde(default)]
    escalation_level: Option<Value>,
    #[serde(default)]
    escalation_policy: Option<Value>,
    #[serde(default)]
    assignments: Option<Vec<Value>>,
}

/// The transitions that take an incident from `from` to the PagerDuty status `to`.
fn transitions(from: Status, to: &str) -> PdResult<&'static [Transition]> {
    use Transition::*;
    Ok(match (to, from) {
        ("resolved", Status::Resolved) => &[],
        ("resolved", _) => &[Resolve],
        ("acknowledged", Status::Resolved) => &[Reopen, Acknowledge],
        ("acknowledged", Status::Open | Status::Suppressed) => &[Acknowledge],
        ("acknowledged", _) => &[],
        ("triggered", Status::Resolved) => &[Reopen],
        ("triggered", Status::Acknowledged) => &[Unacknowledge],
        ("triggered", Status::Snoozed) => &[Unsnooze],
        ("triggered", _) => &[],
        (other, _) => {
            return Err(PdError::invalid(format!(
                "status must be triggered, acknowledged or resolved, not {other:?}"
            )));
        }
    })
}

/// The priority a change asks for: an object with an id, a name, or null (clear).
fn priority_of(v: &Value) -> PdResult<Option<String>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Object(_) => v
            .get("id")
            .or_else(|| v.get("name"))
            .and_then(Value::as_str)
            .map(|s| Some(s.to_owned()))
            .ok_or_else(|| PdError::invalid("priority must be a priority reference with an id")),
        _ => Err(PdError::invalid("priority must be a priority reference")),
    }
}

/// Applies `c` to incident `id` in PagerDuty's order: assignment, priority, urgency, then the
/// status (a resolution becomes a note first).
async fn apply(state: &AppState, caller: &Caller, id: IncidentId, c: &Change) -> PdResult<()> {
    if let Some(k) = c.kind.as_deref()
        && !matches!(k, "incident" | "incident_reference")
    {
        return Err(PdError::invalid(
            "type must be incident or incident_reference",
        ));
    }
    let detail = ops::get(state, caller, id).await?;
    let now = &detail.incident;
    if c.title.as_deref().is_some_and(|t| t.trim() != now.title) {
        return Err(PdError::invalid(
            "OpsKnight cannot change an incident's title",
        ));
    }
    if c.escalation_level.as_ref().is_some_and(|v| !v.is_null()) {
        return Err(PdError::invalid(
            "OpsKnight escalates by its policy's steps; escalation_level cannot be set",
        ));
    }
    if let Some(p) = c.escalation_policy.as_ref().and_then(ref_id) {
        let current = app::services::ops::get(state, caller, now.service_id)
            .await?
            .service
            .escalation_policy_id;
        if current.is_none_or(|cur| cur.to_string() != p) {
            return Err(PdError::invalid(
                "OpsKnight pages an incident by its service's escalation policy; escalation_policy cannot be changed",
            ));
        }
    }
    let status_plan = match c.status.as_deref() {
        Some(s) => transitions(now.status, s.trim())?,
        None => &[],
    };
    let urgency =
        match c.urgency.as_deref() {
            Some(u) => Some(urgency_to_set(u).ok_or_else(|| {
                PdError::invalid(format!("urgency must be high or low, not {u:?}"))
            })?),
            None => None,
        };
    if let Some(list) = &c.assignments {
        let users: Vec<UserId> = list
            .iter()
            .map(|a| {
                a.get("assignee")
                    .and_then(ref_id)
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| {
                        PdError::invalid("assignments[].assignee must be a user reference")
                    })
            })
            .collect::<PdResult<_>>()?;
        if users.len() > 1 {
            return Err(PdError::invalid(
                "OpsKnight assigns an incident to one user",
            ));
        }
        if users.first().copied() != now.assignee_user_id {
            ops::assign(state, caller, id, users.first().copied(), None).await?;
        }
    }
    if let Some(p) = &c.priority {
        let wanted = priority_of(p)?;
        if wanted != now.priority {
            ops::set_priority(state, caller, id, wanted.as_deref()).await?;
        }
    }
    if let Some(u) = urgency
        && pd_urgency(u) != pd_urgency(now.urgency)
    {
        ops::set_urgency(state, caller, id, u.as_str()).await?;
    }
    if let Some(r) = c.resolution.as_deref().filter(|r| !r.trim().is_empty())
        && c.status.as_deref() == Some("resolved")
        && pd_status(now.status) != "resolved"
    {
        ops::add_note(state, caller, id, r).await?;
    }
    for t in status_plan {
        ops::transition(state, caller, &[id], *t, None).await?;
    }
    Ok(())
}

/// The incident as it is now.
async fn current(
    state: &AppState,
    caller: &Caller,
    look: &Lookup,
    id: IncidentId,
) -> PdResult<Value> {
    let detail = ops::get(state, caller, id).await?;
    Ok(incident_detail(state, caller, look, &detail).await)
}

#[derive(Debug, Deserialize)]
pub struct One {
    incident: Change,
}

/// `PUT /incidents/{id}` with `{incident: {type, status, …}}` → `{incident}`.
pub async fn update(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
    headers: HeaderMap,
    Body(body): Body<One>,
) -> PdResult<Response> {
    let id: IncidentId = parse_id(&raw, "incident")?;
    require_from(&state, &caller, &headers).await?;
    apply(&state, &caller, id, &body.incident).await?;
    let look = Lookup::load(&state, &caller).await;
    let out = current(&state, &caller, &look, id).await?;
    Ok(axum::Json(json!({ "incident": out })).into_response())
}

#[derive(Debug, Deserialize)]
pub struct Many {
    incidents: Vec<Change>,
}

/// `PUT /incidents` with `{incidents: [{id, type, status}, …]}` → `{incidents}`. Each is
/// changed in turn; the first failure stops the rest and is the answer.
pub async fn update_many(
    State(state): State<AppState>,
    Pd(caller): Pd,
    headers: HeaderMap,
    Body(body): Body<Many>,
) -> PdResult<Response> {
    require_from(&state, &caller, &headers).await?;
    if body.incidents.len() > BULK_MAX {
        return Err(PdError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            super::error::code::INVALID_INPUT,
            "Request Entity Too Large",
            vec![format!("at most {BULK_MAX} incidents per request")],
        ));
    }
    let mut ids = Vec::with_capacity(body.incidents.len());
    for c in &body.incidents {
        let raw =
            c.id.as_deref()
                .ok_or_else(|| PdError::invalid("incidents[].id is required"))?;
        ids.push(parse_id::<IncidentId>(raw, "incident")?);
    }
    for (id, c) in ids.iter().zip(&body.incidents) {
        apply(&state, &caller, *id, c).await?;
    }
    let look = Lookup::load(&state, &caller).await;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(current(&state, &caller, &look, id).await?);
    }
    Ok(axum::Json(json!({ "incidents": out })).into_response())
}

#[derive(Debug, Deserialize)]
pub struct NewBody {
    incident: NewIncident,
}

#[derive(Debug, Deserialize)]
struct NewIncident {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    title: String,
    service: Value,
    #[serde(default)]
    urgency: Option<String>,
    #[serde(default)]
    body: Option<Value>,
    #[serde(default)]
    priority: Option<Value>,
    #[serde(default)]
    assignments: Option<Vec<Value>>,
    #[serde(default)]
    incident_key: Option<String>,
}

/// `POST /incidents` with `{incident: {type, title, service, urgency?, body?, priority?,
/// assignments?}}` → 201 `{incident}`. `incident_key` is refused (keys are generated).
pub async fn create(
    State(state): State<AppState>,
    Pd(caller): Pd,
    headers: HeaderMap,
    Body(body): Body<NewBody>,
) -> PdResult<Response> {
    require_from(&state, &caller, &headers).await?;
    let new = body.incident;
    if new.kind.as_deref().is_some_and(|k| k != "incident") {
        return Err(PdError::invalid("incident.type must be incident"));
    }
    if new.incident_key.is_some() {
        return Err(PdError::invalid(
            "OpsKnight generates incident keys; send events to /v2/enqueue to deduplicate by key",
        ));
    }
    let service: ServiceId = ref_id(&new.service)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| PdError::invalid("incident.service must be a service reference"))?;
    let urgency = match new.urgency.as_deref() {
        None => app::domain::Urgency::High,
        Some(u) => urgency_to_set(u)
            .ok_or_else(|| PdError::invalid(format!("urgency must be high or low, not {u:?}")))?,
    };
    let details = new
        .body
        .as_ref()
        .and_then(|b| b.get("details"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let id = ops::create(
        &state,
        &caller,
        ops::NewIncident {
            service_id: service,
            title: &new.title,
            description: details,
            urgency: urgency.as_str(),
        },
    )
    .await?;
    let follow_up = Change {
        priority: new.priority,
        assignments: new.assignments,
        ..Change::default()
    };
    apply(&state, &caller, id, &follow_up).await?;
    let look = Lookup::load(&state, &caller).await;
    let out = current(&state, &caller, &look, id).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "incident": out }))).into_response())
}
