//! `/api/v1/schedules`: list (paged), get (with ETag), create (with layers, all or nothing),
//! PATCH (name, description, zone, with `If-Match`) and delete. The rendered final schedule,
//! layers, overrides and temporary schedules are in their own modules. Shells over
//! `app::schedules::ops`; a team's schedule (and every part of it) is changed only by the
//! team's OWNER/ADMIN members or a workspace ADMIN.

use app::auth::caller::Caller;
use app::domain::{Access, Area, ScheduleId, TeamId};
use app::error::AppError;
use app::schedules::{Person, ScheduleDetail, name_in, ops};
use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::fields::present;
use super::schedule_layers::{ScheduleLayer, ScheduleLayerInput, layer_out};
use super::schema::ErrorBody;
use super::wire::{ApiResult, Json, Query, check_if_match, created, etag, id, with_etag};

/// Adds this resource's routes (and their operations in the document).
pub fn register(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    let router = router
        .routes(routes!(list, create))
        .routes(routes!(get, patch, delete));
    let router = super::schedule_final::register(router);
    let router = super::schedule_layers::register(router);
    super::schedule_overrides::register(router)
}

/// A user as schedules name them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScheduleUser {
    pub id: Uuid,
    pub name: String,
}

/// `id` with its name from `people`.
pub fn user(people: &[Person], id: app::domain::UserId) -> ScheduleUser {
    ScheduleUser {
        id: id.0,
        name: name_in(people, id),
    }
}

/// The time window of a read: `since` (default now) to `until`, RFC 3339.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WindowParams {
    /// Default now.
    pub since: Option<DateTime<Utc>>,
    /// After `since`, at most 90 days later; default 7 days after `since`.
    pub until: Option<DateTime<Utc>>,
}

/// A row of the schedules list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleSummary {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub team_id: Option<Uuid>,
    pub team_name: Option<String>,
    /// An IANA zone name.
    pub time_zone: String,
    pub layer_count: usize,
    /// Who is on call right now (empty: nobody, a gap).
    pub on_call_now: Vec<ScheduleUser>,
}

/// One page of schedules, by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleList {
    pub schedules: Vec<ScheduleSummary>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ScheduleListParams {
    /// Words in the name (case-insensitive).
    pub q: Option<String>,
    /// 1 to 200; default 25.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// `limit` (1 to `max`, default `default`) and the offset `cursor` names; errors name them.
pub fn page_bounds(
    limit: Option<i64>,
    cursor: Option<&str>,
    default: usize,
    max: i64,
) -> ApiResult<(usize, usize)> {
    let limit = match limit {
        None => default,
        Some(n) if (1..=max).contains(&n) => usize::try_from(n).unwrap_or(default),
        Some(_) => {
            return Err(AppError::invalid("limit", format!("must be between 1 and {max}")).into());
        }
    };
    let offset = cursor
        .map(|c| {
            c.parse::<usize>()
                .map_err(|_| AppError::invalid("cursor", "is not a cursor this API gave"))
        })
        .transpose()?
        .unwrap_or(0);
    Ok((limit, offset))
}

/// The page of `items` at `offset`, and the cursor of the next one.
pub fn page<T>(items: Vec<T>, limit: usize, offset: usize) -> (Vec<T>, Option<String>) {
    let total = items.len();
    let rows: Vec<T> = items.into_iter().skip(offset).take(limit).collect();
    let next = (offset.saturating_add(limit) < total).then(|| (offset + limit).to_string());
    (rows, next)
}

#[utoipa::path(get, path = "/api/v1/schedules", tag = "schedules", params(ScheduleListParams),
    responses(
        (status = 200, description = "A page of schedules, by name", body = ScheduleList),
        (status = 401, description = "No or a bad credential", body = ErrorBody),
        (status = 403, description = "The role or the key's scopes do not allow it", body = ErrorBody),
        (status = 422, description = "A bad parameter, named in `field`", body = ErrorBody),
    ),
    security(("api_key" = ["schedules:read"]), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<ScheduleListParams>,
) -> ApiResult<axum::Json<ScheduleList>> {
    let (limit, offset) = page_bounds(p.limit, p.cursor.as_deref(), 25, 200)?;
    let words = p.q.unwrap_or_default().to_lowercase();
    let all: Vec<ScheduleSummary> = ops::list(&state, &caller)
        .await?
        .into_iter()
        .filter(|s| s.name.to_lowercase().contains(words.trim()))
        .map(|s| ScheduleSummary {
            id: s.id.0,
            name: s.name,
            description: s.description,
            team_id: s.team_id.map(|t| t.0),
            team_name: s.team_name,
            time_zone: s.time_zone,
            layer_count: s.layers,
            on_call_now: s
                .on_call
                .into_iter()
                .map(|p| ScheduleUser {
                    id: p.id.0,
                    name: p.name,
                })
                .collect(),
        })
        .collect();
    let (schedules, next_cursor) = page(all, limit, offset);
    Ok(axum::Json(ScheduleList {
        schedules,
        next_cursor,
    }))
}

/// A policy that pages the schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchedulePolicy {
    pub id: Uuid,
    pub name: String,
}

/// A schedule: its layers (overrides and temporary schedules are sub-resources).
#[derive(Debug, Serialize, ToSchema)]
pub struct Schedule {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    /// The owning team: only its OWNER and ADMIN members (and workspace ADMINs) change the
    /// schedule and its parts. Null: no team.
    pub team_id: Option<Uuid>,
    pub team_name: Option<String>,
    /// An IANA zone name; layers hand off on its wall clock.
    pub time_zone: String,
    pub layers: Vec<ScheduleLayer>,
    /// The escalation policies that page this schedule (it cannot be deleted while any do).
    pub escalation_policies: Vec<SchedulePolicy>,
    pub updated_at: DateTime<Utc>,
}

impl From<&ScheduleDetail> for Schedule {
    fn from(d: &ScheduleDetail) -> Self {
        Schedule {
            id: d.id.0,
            name: d.name.clone(),
            description: d.description.clone(),
            team_id: d.team_id.map(|t| t.0),
            team_name: d.team_name.clone(),
            time_zone: d.definition.time_zone.clone(),
            layers: d
                .definition
                .layers
                .iter()
                .map(|l| layer_out(l, &d.people))
                .collect(),
            escalation_policies: d
                .used_by
                .iter()
                .map(|p| SchedulePolicy {
                    id: p.id.0,
                    name: p.name.clone(),
                })
                .collect(),
            updated_at: d.updated_at,
        }
    }
}

/// The schedule as it is now (its definition does not depend on a window).
pub async fn read(state: &AppState, caller: &Caller, schedule: ScheduleId) -> ApiResult<Schedule> {
    let now = state.clock.now();
    let detail = ops::get(
        state,
        caller,
        schedule,
        now,
        now + chrono::Duration::seconds(1),
    )
    .await?;
    Ok(Schedule::from(&detail))
}

fn tagged(schedule: Schedule) -> Response {
    with_etag(&etag(&schedule), axum::Json(schedule))
}

#[utoipa::path(get, path = "/api/v1/schedules/{id}", tag = "schedules",
    params(("id" = Uuid, Path, description = "The schedule's id")),
    responses(
        (status = 200, description = "The schedule; `ETag` is its version", body = Schedule),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such schedule", body = ErrorBody),
    ),
    security(("api_key" = ["schedules:read"]), ("session" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    Ok(tagged(read(&state, &caller, id(&raw, "schedule")?).await?))
}

/// A new schedule, optionally with its layers (all created or none).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSchedule {
    /// 1 to 100 characters, unique.
    pub name: String,
    /// At most 2000 characters.
    #[serde(default)]
    pub description: String,
    /// An IANA zone name (`Europe/Berlin`).
    pub time_zone: String,
    /// The owning team (needs its OWNER/ADMIN role, or a workspace ADMIN); absent or null: none.
    #[serde(default)]
    pub team_id: Option<Uuid>,
    /// At most 20.
    #[serde(default)]
    pub layers: Vec<ScheduleLayerInput>,
}

#[utoipa::path(post, path = "/api/v1/schedules", tag = "schedules", request_body = NewSchedule,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key get the first answer")),
    responses(
        (status = 201, description = "Created; `Location` names it", body = Schedule),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The Idempotency-Key is still being answered", body = ErrorBody),
        (status = 422, description = "A bad field, named in `field` (`layers[0].participants[1]`)", body = ErrorBody),
    ),
    security(("api_key" = ["schedules:write"]), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewSchedule>,
) -> ApiResult<Response> {
    let layers = new
        .layers
        .into_iter()
        .enumerate()
        .map(|(i, l)| l.into_layer(app::domain::LayerId::new(), &format!("layers[{i}].")))
        .collect::<ApiResult<Vec<_>>>()?;
    let input = ops::ScheduleInput {
        name: &new.name,
        description: &new.description,
        time_zone: &new.time_zone,
        team_id: new.team_id.map(TeamId),
    };
    let new_id = ops::create(&state, &caller, input, layers).await?;
    let schedule = read(&state, &caller, new_id).await?;
    Ok(created(
        &format!("/api/v1/schedules/{new_id}"),
        tagged(schedule),
    ))
}

/// The changes to make; absent fields are left alone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleChange {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Changing the zone keeps each layer's wall-clock handoffs.
    pub time_zone: Option<String>,
    /// Another owning team (moving needs the OWNER/ADMIN role in both); null: no team.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable)]
    pub team_id: Option<Option<Uuid>>,
}

#[utoipa::path(patch, path = "/api/v1/schedules/{id}", tag = "schedules", request_body = ScheduleChange,
    params(("id" = Uuid, Path, description = "The schedule's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag read; a changed schedule answers 412")),
    responses(
        (status = 200, description = "The schedule after the change", body = Schedule),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, description = "The schedule changed since the `If-Match` version", body = ErrorBody),
        (status = 422, description = "A bad field, named in `field`; nothing changed", body = ErrorBody),
    ),
    security(("api_key" = ["schedules:write"]), ("session" = [])))]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Json(change): Json<ScheduleChange>,
) -> ApiResult<Response> {
    caller.check(Access::Write(Area::Schedules))?;
    let schedule: ScheduleId = id(&raw, "schedule")?;
    let before = read(&state, &caller, schedule).await?;
    check_if_match(&headers, &etag(&before))?;
    // One op: every field is validated before anything is written.
    let input = ops::ScheduleInput {
        name: change.name.as_deref().unwrap_or(&before.name),
        description: change.description.as_deref().unwrap_or(&before.description),
        time_zone: change.time_zone.as_deref().unwrap_or(&before.time_zone),
        team_id: change.team_id.unwrap_or(before.team_id).map(TeamId),
    };
    ops::save(&state, &caller, Some(schedule), input).await?;
    Ok(tagged(read(&state, &caller, schedule).await?))
}

#[utoipa::path(delete, path = "/api/v1/schedules/{id}", tag = "schedules",
    params(("id" = Uuid, Path, description = "The schedule's id")),
    responses(
        (status = 204, description = "Deleted, with its layers, overrides and temporary schedules"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "An escalation policy pages it", body = ErrorBody),
    ),
    security(("api_key" = ["schedules:write"]), ("session" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    ops::delete(&state, &caller, id(&raw, "schedule")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
