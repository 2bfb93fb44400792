//! `/api/v1/schedules/{id}/overrides`: a schedule's overrides (add, remove or replace someone
//! for a window): list for a window, create, get and delete. Temporary schedules are in
//! `schedule_temporary`. Shells over `app::schedules::ops`.

use app::auth::caller::Caller;
use app::domain::{OverrideId, ScheduleId, UserId};
use app::schedules::{OverrideRow, Person, ops};
use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::schedules::{ScheduleUser, WindowParams, user};
use super::schema::ErrorBody;
use super::wire::{ApiResult, Json, Query, created, id};

/// Adds this resource's routes (and their operations in the document).
pub fn register(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    let router = router
        .routes(routes!(list, create))
        .routes(routes!(get, delete));
    super::schedule_temporary::register(router)
}

/// An override: inside its window, ADD puts `user` on call too, REMOVE takes `replaces` off,
/// REPLACE has `user` take over from `replaces` (only while `replaces` is on call).
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleOverride {
    pub id: Uuid,
    /// ADD, REMOVE or REPLACE.
    pub kind: String,
    /// Who is added or takes over (ADD, REPLACE).
    pub user: Option<ScheduleUser>,
    /// Who is removed or replaced (REMOVE, REPLACE).
    pub replaces: Option<ScheduleUser>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub note: String,
    /// Who made it (a name).
    pub created_by: Option<String>,
}

/// The override as read, with names from `people`.
pub fn override_out(o: &OverrideRow, people: &[Person]) -> ScheduleOverride {
    ScheduleOverride {
        id: o.rule.id.0,
        kind: o.rule.kind.as_str().into(),
        user: o.rule.user.map(|u| user(people, u)),
        replaces: o.rule.replaces.map(|u| user(people, u)),
        start: o.rule.start,
        end: o.rule.end,
        note: o.note.clone(),
        created_by: o.created_by.clone(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleOverrideList {
    /// The overrides overlapping the window, oldest first (later ones apply on top).
    pub overrides: Vec<ScheduleOverride>,
}

/// The schedule's definition for the window `w` (default now and 7 days on).
pub async fn in_window(
    state: &AppState,
    caller: &Caller,
    schedule: ScheduleId,
    w: &WindowParams,
) -> ApiResult<app::schedules::ScheduleDetail> {
    let span = ops::window(
        state.clock.now(),
        w.since,
        w.until,
        chrono::Duration::days(7),
    )?;
    Ok(ops::get(state, caller, schedule, span.start, span.end).await?)
}

#[utoipa::path(get, path = "/api/v1/schedules/{id}/overrides", tag = "schedules",
    params(("id" = Uuid, Path, description = "The schedule's id"), WindowParams),
    responses(
        (status = 200, body = ScheduleOverrideList),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "A bad window, named in `field` (`since`, `until`)", body = ErrorBody),
    ),
    security(("api_key" = ["schedules:read"]), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Query(w): Query<WindowParams>,
) -> ApiResult<axum::Json<ScheduleOverrideList>> {
    let detail = in_window(&state, &caller, id(&raw, "schedule")?, &w).await?;
    Ok(axum::Json(ScheduleOverrideList {
        overrides: detail
            .overrides
            .iter()
            .map(|o| override_out(o, &detail.people))
            .collect(),
    }))
}

/// A new override.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewScheduleOverride {
    /// ADD, REMOVE or REPLACE.
    pub kind: String,
    /// Who is added or takes over: required for ADD and REPLACE.
    #[serde(default)]
    pub user: Option<Uuid>,
    /// Who is removed or replaced: required for REMOVE and REPLACE.
    #[serde(default)]
    pub replaces: Option<Uuid>,
    pub start: DateTime<Utc>,
    /// After `start`, at most 400 days later.
    pub end: DateTime<Utc>,
    /// At most 500 characters.
    #[serde(default)]
    pub note: Option<String>,
}

fn answer(o: &OverrideRow, people: &[Person]) -> Response {
    axum::response::IntoResponse::into_response(axum::Json(override_out(o, people)))
}

#[utoipa::path(post, path = "/api/v1/schedules/{id}/overrides", tag = "schedules",
    request_body = NewScheduleOverride,
    params(("id" = Uuid, Path, description = "The schedule's id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key get the first answer")),
    responses(
        (status = 201, description = "Created; `Location` names it", body = ScheduleOverride),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The Idempotency-Key is still being answered", body = ErrorBody),
        (status = 422, description = "A bad field, named in `field`", body = ErrorBody),
    ),
    security(("api_key" = ["schedules:write"]), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Json(new): Json<NewScheduleOverride>,
) -> ApiResult<Response> {
    let schedule: ScheduleId = id(&raw, "schedule")?;
    let row = ops::create_override(
        &state,
        &caller,
        schedule,
        ops::NewOverride {
            kind: &new.kind,
            user: new.user.map(UserId),
            replaces: new.replaces.map(UserId),
            start: new.start,
            end: new.end,
            note: new.note.as_deref(),
        },
    )
    .await?;
    let (row, people) = ops::get_override(&state, &caller, schedule, row.rule.id).await?;
    Ok(created(
        &format!("/api/v1/schedules/{schedule}/overrides/{}", row.rule.id),
        answer(&row, &people),
    ))
}

#[utoipa::path(get, path = "/api/v1/schedules/{id}/overrides/{override_id}", tag = "schedules",
    params(("id" = Uuid, Path, description = "The schedule's id"), ("override_id" = Uuid, Path)),
    responses(
        (status = 200, body = ScheduleOverride),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("api_key" = ["schedules:read"]), ("session" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, o)): Path<(String, String)>,
) -> ApiResult<Response> {
    let o: OverrideId = id(&o, "override")?;
    let (row, people) = ops::get_override(&state, &caller, id(&raw, "schedule")?, o).await?;
    Ok(answer(&row, &people))
}

#[utoipa::path(delete, path = "/api/v1/schedules/{id}/overrides/{override_id}", tag = "schedules",
    params(("id" = Uuid, Path, description = "The schedule's id"), ("override_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("api_key" = ["schedules:write"]), ("session" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, o)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    ops::delete_override(&state, &caller, id(&raw, "schedule")?, id(&o, "override")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
