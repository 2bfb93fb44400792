//! `/api/v1/incidents`: list (filters, cursor paging), get, create, PATCH (status, assignee,
//! priority, urgency, with `If-Match`), notes, timeline and alerts. Shells over
//! `app::incidents::ops`.

use app::auth::caller::Caller;
use app::domain::{IncidentId, Status, Transition, Urgency};
use app::error::AppError;
use app::incidents::{IncidentDetail, IncidentFilter, IncidentSummary, ops};
use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::fields::rename;
use super::schema::ErrorBody;
use super::wire::{
    ApiResult, Json, Query, check_if_match, created, etag, id, list_param, with_etag,
};

/// Who an incident is assigned to.
#[derive(Debug, Serialize, ToSchema)]
pub struct Assignee {
    pub user_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    /// The user's or team's name.
    pub name: Option<String>,
}

/// Where an incident stands against its service's SLA targets, as of the response (snoozed
/// time excluded). Present only when a target applies to the incident.
#[derive(Debug, Serialize, ToSchema)]
pub struct Sla {
    /// When it must be acknowledged by; null without an acknowledge target.
    pub ack_due_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When it must be resolved by; null without a resolve target.
    pub resolve_due_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The acknowledge target was missed (acknowledged late, or still not acknowledged after it).
    pub ack_breached: bool,
    /// The resolve target was missed.
    pub resolve_breached: bool,
    /// Not breached yet, but inside the acknowledge target's warning window and unacknowledged.
    pub at_risk: bool,
}

impl From<app::sla::SlaState> for Sla {
    fn from(s: app::sla::SlaState) -> Self {
        Sla {
            ack_due_at: s.ack_due_at,
            resolve_due_at: s.resolve_due_at,
            ack_breached: s.ack_breached,
            resolve_breached: s.resolve_breached,
            at_risk: s.at_risk,
        }
    }
}

/// An incident. `description`, `dedup_key` and `escalation_policy` are given by `GET /incidents/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Incident {
    pub id: Uuid,
    /// The short number people say ("#42").
    pub number: i64,
    pub title: String,
    /// OPEN, ACKNOWLEDGED, SNOOZED, SUPPRESSED or RESOLVED.
    pub status: String,
    /// HIGH, MEDIUM or LOW.
    pub urgency: String,
    /// P1–P5, or null.
    pub priority: Option<String>,
    pub service_id: Uuid,
    pub service_name: String,
    pub assignee: Option<Assignee>,
    pub alert_count: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub snoozed_until: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dedup_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalation_policy: Option<String>,
    /// The SLA state; absent when no SLA target applies. Not part of the ETag (it moves with
    /// time, not with changes to the incident).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla: Option<Sla>,
}

impl From<IncidentSummary> for Incident {
    fn from(i: IncidentSummary) -> Self {
        let assigned = i.assignee_user_id.is_some() || i.assignee_team_id.is_some();
        Incident {
            id: i.id.0,
            number: i.number,
            title: i.title,
            status: i.status.as_str().into(),
            urgency: i.urgency.as_str().into(),
            priority: i.priority,
            service_id: i.service_id.0,
            service_name: i.service_name,
            assignee: assigned.then(|| Assignee {
                user_id: i.assignee_user_id.map(|u| u.0),
                team_id: i.assignee_team_id.map(|t| t.0),
                name: i.assignee,
            }),
            alert_count: i.alert_count,
            created_at: i.created_at,
            updated_at: i.updated_at,
            snoozed_until: i.snoozed_until,
            sla: i.sla.map(Sla::from),
            description: None,
            dedup_key: None,
            escalation_policy: None,
        }
    }
}

impl From<IncidentDetail> for Incident {
    fn from(d: IncidentDetail) -> Self {
        Incident {
            description: Some(d.description),
            dedup_key: Some(d.dedup_key),
            escalation_policy: d.escalation_policy,
            ..Incident::from(d.incident)
        }
    }
}

/// One page of incidents, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentList {
    pub incidents: Vec<Incident>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Comma-separated statuses: OPEN, ACKNOWLEDGED, SNOOZED, SUPPRESSED, RESOLVED.
    pub status: Option<String>,
    /// Comma-separated urgencies: HIGH, MEDIUM, LOW.
    pub urgency: Option<String>,
    pub service_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    /// Only incidents assigned or paged to the caller or their teams.
    pub mine: Option<bool>,
    /// Words in the title or the number.
    pub q: Option<String>,
    /// 1 to 200; default 25.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", params(ListParams),
    responses(
        (status = 200, description = "A page of incidents, newest first", body = IncidentList),
        (status = 401, description = "No or a bad credential", body = ErrorBody),
        (status = 403, description = "The role or the key's scopes do not allow it", body = ErrorBody),
        (status = 422, description = "A bad parameter, named in `field`", body = ErrorBody),
    ),
    security(("api_key" = ["incidents:read"]), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<ListParams>,
) -> ApiResult<axum::Json<IncidentList>> {
    let statuses = list_param(
        "status",
        p.status.as_deref(),
        Status::parse,
        "OPEN, ACKNOWLEDGED, SNOOZED, SUPPRESSED, RESOLVED",
    )?;
    let urgencies = list_param(
        "urgency",
        p.urgency.as_deref(),
        Urgency::parse,
        "HIGH, MEDIUM, LOW",
    )?;
    let before = p
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| AppError::invalid("cursor", "is not a cursor this API gave"))
        })
        .transpose()?;
    let filter = IncidentFilter {
        statuses,
        urgencies,
        service_id: p.service_id.map(app::domain::ServiceId),
        team_id: p.team_id.map(app::domain::TeamId),
        mine: p.mine.unwrap_or(false),
        query: p.q.unwrap_or_default(),
    };
    let page = ops::list(&state, &caller, &filter, before, p.limit.unwrap_or(25)).await?;
    Ok(axum::Json(IncidentList {
        incidents: page.incidents.into_iter().map(Incident::from).collect(),
        next_cursor: page.next_before.map(|n| n.to_string()),
    }))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = Uuid, Path, description = "The incident's id")),
    responses(
        (status = 200, description = "The incident; `ETag` is its version", body = Incident),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such incident", body = ErrorBody),
    ),
    security(("api_key" = ["incidents:read"]), ("session" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    let detail = ops::get(&state, &caller, id(&raw, "incident")?).await?;
    Ok(tagged(Incident::from(detail)))
}

/// The incident's version for `ETag`/`If-Match`: everything but the SLA state, which moves
/// with the clock (a snoozed incident's due times) rather than with changes.
fn version(incident: &Incident) -> String {
    let mut body = serde_json::to_value(incident).unwrap_or_default();
    if let Some(o) = body.as_object_mut() {
        o.remove("sla");
    }
    etag(&body)
}

/// The incident with its ETag.
fn tagged(incident: Incident) -> Response {
    with_etag(&version(&incident), axum::Json(incident))
}

/// A new incident, opened by hand.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    pub service_id: Uuid,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// HIGH (default), MEDIUM or LOW.
    #[serde(default)]
    pub urgency: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", request_body = NewIncident,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key get the first answer")),
    responses(
        (status = 201, description = "Created; `Location` names it", body = Incident),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The Idempotency-Key is still being answered", body = ErrorBody),
        (status = 422, description = "A bad field, named in `field`", body = ErrorBody),
    ),
    security(("api_key" = ["incidents:write"]), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewIncident>,
) -> ApiResult<Response> {
    let new_id = ops::create(
        &state,
        &caller,
        ops::NewIncident {
            service_id: app::domain::ServiceId(new.service_id),
            title: &new.title,
            description: &new.description,
            urgency: new.urgency.as_deref().unwrap_or("HIGH"),
        },
    )
    .await?;
    let detail = ops::get(&state, &caller, new_id).await?;
    Ok(created(
        &format!("/api/v1/incidents/{new_id}"),
        tagged(Incident::from(detail)),
    ))
}

/// Whom to assign to: one of the two, or null to unassign.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignTo {
    pub user_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
}

/// The changes to make; absent fields are left alone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentChange {
    /// ACKNOWLEDGED, SNOOZED (with `snooze_minutes`), RESOLVED, or OPEN (reopen a resolved one).
    pub status: Option<String>,
    /// 1 to 10080, with status SNOOZED.
    pub snooze_minutes: Option<i64>,
    /// Null unassigns.
    #[serde(default, deserialize_with = "super::fields::present")]
    #[schema(nullable)]
    pub assignee: Option<Option<AssignTo>>,
    /// P1–P5, or null to clear.
    #[serde(default, deserialize_with = "super::fields::present")]
    #[schema(nullable)]
    pub priority: Option<Option<String>>,
    /// HIGH, MEDIUM or LOW.
    pub urgency: Option<String>,
}

/// The transition that reaches `status`.
fn transition_to(status: &str) -> ApiResult<Transition> {
    match Status::parse(status) {
        Some(Status::Acknowledged) => Ok(Transition::Acknowledge),
        Some(Status::Snoozed) => Ok(Transition::Snooze),
        Some(Status::Resolved) => Ok(Transition::Resolve),
        Some(Status::Open) => Ok(Transition::Reopen),
        _ => Err(
            AppError::invalid("status", "must be ACKNOWLEDGED, SNOOZED, RESOLVED or OPEN").into(),
        ),
    }
}

#[utoipa::path(patch, path = "/api/v1/incidents/{id}", tag = "incidents", request_body = IncidentChange,
    params(("id" = Uuid, Path, description = "The incident's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag read; a changed incident answers 412")),
    responses(
        (status = 200, description = "The incident after the change", body = Incident),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, description = "The incident changed since the `If-Match` version", body = ErrorBody),
        (status = 422, description = "A bad field, named in `field`", body = ErrorBody),
    ),
    security(("api_key" = ["incidents:write"]), ("session" = [])))]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Json(change): Json<IncidentChange>,
) -> ApiResult<Response> {
    let incident: IncidentId = id(&raw, "incident")?;
    ops::may_act(&state, &caller, &[incident]).await?;
    // Every field is checked before anything changes.
    let transition = change.status.as_deref().map(transition_to).transpose()?;
    if change.snooze_minutes.is_some() && transition != Some(Transition::Snooze) {
        return Err(AppError::invalid("snooze_minutes", "goes with status SNOOZED").into());
    }
    if transition == Some(Transition::Snooze) && change.snooze_minutes.is_none() {
        return Err(AppError::invalid("snooze_minutes", "is required with status SNOOZED").into());
    }
    if let Some(p) = &change.priority {
        ops::parse_priority(p.as_deref())?;
    }
    if let Some(u) = &change.urgency
        && Urgency::parse(u).is_none()
    {
        return Err(AppError::invalid("urgency", "must be HIGH, MEDIUM or LOW").into());
    }
    if let Some(Some(AssignTo {
        user_id: Some(_),
        team_id: Some(_),
    })) = &change.assignee
    {
        return Err(
            AppError::invalid("assignee.team_id", "assign to a user or a team, not both").into(),
        );
    }
    let before = ops::get(&state, &caller, incident).await?;
    check_if_match(&headers, &version(&Incident::from(before)))?;
    if let Some(t) = transition {
        ops::transition(&state, &caller, &[incident], t, change.snooze_minutes)
            .await
            .map_err(|e| rename(e, &[("minutes", "snooze_minutes")]))?;
    }
    if let Some(to) = change.assignee {
        let (user, team) = to.map_or((None, None), |a| (a.user_id, a.team_id));
        ops::assign(
            &state,
            &caller,
            incident,
            user.map(app::domain::UserId),
            team.map(app::domain::TeamId),
        )
        .await
        .map_err(|e| {
            rename(
                e,
                &[
                    ("user_id", "assignee.user_id"),
                    ("team_id", "assignee.team_id"),
                ],
            )
        })?;
    }
    if let Some(p) = change.priority {
        ops::set_priority(&state, &caller, incident, p.as_deref()).await?;
    }
    if let Some(u) = change.urgency {
        ops::set_urgency(&state, &caller, incident, &u).await?;
    }
    let after = ops::get(&state, &caller, incident).await?;
    Ok(tagged(Incident::from(after)))
}
