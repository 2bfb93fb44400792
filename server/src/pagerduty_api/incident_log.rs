//! An incident's notes (`GET`/`POST /incidents/{id}/notes`, unpaginated; a new note is 200
//! `{note}`) and log entries (`GET /incidents/{id}/log_entries`, newest first, paginated), both
//! read from OpsKnight's incident timeline.

use app::domain::IncidentId;
use app::incidents::{TimelineEntry, ops};
use app::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::actors::{Names, require_from};
use super::error::{Body, Id, Pd, PdError, PdResult};
use super::paging::Paging;
use super::query::Params;
use super::refs::{Kind, Urls, parse_id, ts};

/// Whether a timeline entry of `kind` changes the incident's status.
pub fn is_status_change(kind: &str) -> bool {
    matches!(
        kind,
        "TRIGGERED"
            | "ACKNOWLEDGED"
            | "SNOOZED"
            | "UNSNOOZED"
            | "RESOLVED"
            | "REOPENED"
            | "UNACKNOWLEDGED"
    )
}

/// PagerDuty's log entry type for a timeline entry kind.
fn log_type(kind: &str) -> &'static str {
    match kind {
        "TRIGGERED" | "ALERT_APPENDED" | "REOPENED" => "trigger_log_entry",
        "ACKNOWLEDGED" => "acknowledge_log_entry",
        "SNOOZED" => "snooze_log_entry",
        "UNSNOOZED" => "unsnooze_log_entry",
        "RESOLVED" => "resolve_log_entry",
        "ESCALATED" => "escalate_log_entry",
        "NOTIFIED" => "notify_log_entry",
        "ASSIGNED" => "assign_log_entry",
        "UNACKNOWLEDGED" => "unacknowledge_log_entry",
        _ => "annotate_log_entry",
    }
}

/// A reference to one log entry of the incident.
pub fn log_entry_ref(urls: &Urls, incident: IncidentId, entry: i64) -> Value {
    json!({
        "id": entry.to_string(), "type": "trigger_log_entry_reference",
        "summary": "Triggered",
        "self": urls.api(&format!("incidents/{incident}/log_entries")),
        "html_url": urls.web(&format!("/incidents/{incident}")),
    })
}

/// The text of a note entry.
fn note_text(t: &TimelineEntry) -> String {
    serde_json::from_str::<Value>(&t.details)
        .ok()
        .and_then(|d| d.get("note").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default()
}

async fn note_json(
    state: &AppState,
    caller: &app::auth::caller::Caller,
    urls: &Urls,
    names: &mut Names,
    t: &TimelineEntry,
) -> Value {
    json!({
        "id": t.id.to_string(),
        "user": names.reference(state, caller, urls, t.actor.as_deref()).await,
        "channel": {"summary": "The API"},
        "content": note_text(t),
        "created_at": ts(t.at),
    })
}

/// `GET /incidents/{id}/notes`: every note, oldest first.
pub async fn list_notes(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
) -> PdResult<Response> {
    let detail = ops::get(&state, &caller, parse_id(&raw, "incident")?).await?;
    let urls = Urls::new(&state);
    let mut names = Names::default();
    let mut notes = Vec::new();
    for t in detail.timeline.iter().filter(|t| t.kind == "NOTE") {
        notes.push(note_json(&state, &caller, &urls, &mut names, t).await);
    }
    Ok(axum::Json(json!({ "notes": notes })).into_response())
}

#[derive(Debug, Deserialize)]
pub struct NoteBody {
    note: NewNote,
}

#[derive(Debug, Deserialize)]
struct NewNote {
    content: String,
}

/// `POST /incidents/{id}/notes` with `{note: {content}}` (needs `From`) → 200 `{note}`.
pub async fn add_note(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
    headers: HeaderMap,
    Body(body): Body<NoteBody>,
) -> PdResult<Response> {
    let id: IncidentId = parse_id(&raw, "incident")?;
    require_from(&state, &caller, &headers).await?;
    let note_id = ops::add_note(&state, &caller, id, &body.note.content).await?;
    let detail = ops::get(&state, &caller, id).await?;
    let entry = detail
        .timeline
        .iter()
        .find(|t| t.id == note_id)
        .ok_or_else(|| PdError::not_found("note"))?;
    let urls = Urls::new(&state);
    let note = note_json(&state, &caller, &urls, &mut Names::default(), entry).await;
    Ok(axum::Json(json!({ "note": note })).into_response())
}

/// `GET /incidents/{id}/log_entries` (`since`, `until`; `is_overview` and `include[]` are
/// accepted and ignored): the timeline, newest first.
pub async fn log_entries(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
    RawQuery(query): RawQuery,
) -> PdResult<Response> {
    let q = Params::parse(query.as_deref());
    let paging = Paging::parse(&q)?;
    let (since, until) = (q.time("since")?, q.time("until")?);
    let detail = ops::get(&state, &caller, parse_id(&raw, "incident")?).await?;
    let urls = Urls::new(&state);
    let inc = &detail.incident;
    let incident_ref = urls.reference(
        Kind::Incident,
        &inc.id,
        &format!("[#{}] {}", inc.number, inc.title),
    );
    let service_ref = urls.reference(Kind::Service, &inc.service_id, &inc.service_name);
    let mut names = Names::default();
    let mut entries = Vec::new();
    let wanted = detail
        .timeline
        .iter()
        .rev()
        .filter(|t| since.is_none_or(|s| t.at >= s) && until.is_none_or(|u| t.at < u));
    for t in wanted {
        let agent = match t.actor.as_deref() {
            Some(name) => names.reference(&state, &caller, &urls, Some(name)).await,
            None if t.kind == "TRIGGERED" => service_ref.clone(),
            None => Value::Null,
        };
        let summary = app::incidents::describe::describe(&t.kind, &t.details)
            .unwrap_or_else(|| t.kind.to_lowercase().replace('_', " "));
        let channel = match (t.actor.is_some(), t.kind.as_str()) {
            (true, "TRIGGERED") => "web_trigger",
            (false, "TRIGGERED" | "ALERT_APPENDED") => "api",
            (true, _) => "website",
            (false, _) => "auto",
        };
        entries.push(json!({
            "id": t.id.to_string(),
            "type": log_type(&t.kind),
            "summary": summary,
            "self": urls.api(&format!("incidents/{}/log_entries", inc.id)),
            "html_url": urls.web(&format!("/incidents/{}", inc.id)),
            "created_at": ts(t.at),
            "channel": {"type": channel},
            "agent": agent,
            "service": service_ref,
            "incident": incident_ref,
            "teams": [],
            "contexts": [],
            "event_details": {"description": summary},
        }));
        if paging.need().is_some_and(|n| entries.len() >= n) {
            break;
        }
    }
    let complete = paging.need().is_none_or(|n| entries.len() < n);
    Ok(axum::Json(paging.answer("log_entries", entries, complete)).into_response())
}
