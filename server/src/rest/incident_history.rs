//! `/api/v1/incidents/{id}/…`: what happened to an incident: its notes (list, read, add), its
//! timeline and its alerts. Shells over `app::incidents::ops`.

use app::auth::caller::Caller;
use app::domain::IncidentId;
use app::error::AppError;
use app::incidents::{IncidentDetail, ops};
use app::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::fields::rename;
use super::schema::ErrorBody;
use super::wire::{ApiError, ApiResult, Json, created, id};

/// A note on an incident's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct Note {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who wrote it (a name), if a person did.
    pub author: Option<String>,
    pub text: String,
}

/// One timeline entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    /// TRIGGERED, ACKNOWLEDGED, NOTE, NOTIFIED, ESCALATED, …
    pub kind: String,
    pub actor: Option<String>,
    /// The entry's details object.
    pub details: serde_json::Value,
}

/// An alert (one event) on the incident.
#[derive(Debug, Serialize, ToSchema)]
pub struct Alert {
    pub id: i64,
    pub summary: String,
    pub severity: String,
    pub source: String,
    pub received_at: chrono::DateTime<chrono::Utc>,
    /// The event as received.
    pub payload: serde_json::Value,
}

fn entries(detail: &IncidentDetail) -> Vec<TimelineEntry> {
    detail
        .timeline
        .iter()
        .map(|e| TimelineEntry {
            id: e.id,
            at: e.at,
            kind: e.kind.clone(),
            actor: e.actor.clone(),
            details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
        })
        .collect()
}

fn notes(detail: &IncidentDetail) -> Vec<Note> {
    entries(detail)
        .into_iter()
        .filter(|e| e.kind == "NOTE")
        .map(|e| Note {
            id: e.id,
            at: e.at,
            author: e.actor,
            text: e.details["note"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoteList {
    pub notes: Vec<Note>,
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/notes", tag = "incidents",
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "Notes, oldest first", body = NoteList),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_key" = ["incidents:read"]), ("session" = [])))]
pub async fn list_notes(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<NoteList>> {
    let detail = ops::get(&state, &caller, id(&raw, "incident")?).await?;
    Ok(axum::Json(NoteList {
        notes: notes(&detail),
    }))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/notes/{note_id}", tag = "incidents",
    params(("id" = Uuid, Path), ("note_id" = i64, Path)),
    responses((status = 200, body = Note),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_key" = ["incidents:read"]), ("session" = [])))]
pub async fn get_note(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, note_id)): Path<(String, String)>,
) -> ApiResult<axum::Json<Note>> {
    let detail = ops::get(&state, &caller, id(&raw, "incident")?).await?;
    let note_id: i64 = id(&note_id, "note")?;
    notes(&detail)
        .into_iter()
        .find(|n| n.id == note_id)
        .map(axum::Json)
        .ok_or_else(|| {
            ApiError(AppError::NotFound {
                what: "note".into(),
            })
        })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    /// 1 to 10,000 characters.
    pub text: String,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/notes", tag = "incidents", request_body = NewNote,
    params(("id" = Uuid, Path),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key get the first answer")),
    responses((status = 201, description = "Added; `Location` names it", body = Note),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = ["incidents:write"]), ("session" = [])))]
pub async fn add_note(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Json(new): Json<NewNote>,
) -> ApiResult<Response> {
    let incident: IncidentId = id(&raw, "incident")?;
    let note_id = ops::add_note(&state, &caller, incident, &new.text)
        .await
        .map_err(|e| rename(e, &[("note", "text")]))?;
    let detail = ops::get(&state, &caller, incident).await?;
    let note = notes(&detail)
        .into_iter()
        .find(|n| n.id == note_id)
        .ok_or_else(|| AppError::NotFound {
            what: "note".into(),
        })?;
    Ok(created(
        &format!("/api/v1/incidents/{incident}/notes/{note_id}"),
        axum::Json(note),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    pub entries: Vec<TimelineEntry>,
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/timeline", tag = "incidents",
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "Everything that happened, oldest first", body = Timeline),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_key" = ["incidents:read"]), ("session" = [])))]
pub async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Timeline>> {
    let detail = ops::get(&state, &caller, id(&raw, "incident")?).await?;
    Ok(axum::Json(Timeline {
        entries: entries(&detail),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertList {
    /// The newest 50 alerts, newest first.
    pub alerts: Vec<Alert>,
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/alerts", tag = "incidents",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = AlertList),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_key" = ["incidents:read"]), ("session" = [])))]
pub async fn alerts(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<AlertList>> {
    let detail = ops::get(&state, &caller, id(&raw, "incident")?).await?;
    Ok(axum::Json(AlertList {
        alerts: detail
            .alerts
            .into_iter()
            .map(|a| Alert {
                id: a.id,
                summary: a.summary,
                severity: a.severity,
                source: a.source,
                received_at: a.received_at,
                payload: serde_json::from_str(&a.payload).unwrap_or(serde_json::Value::Null),
            })
            .collect(),
    }))
}
