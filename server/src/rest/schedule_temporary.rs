//! `/api/v1/schedules/{id}/temporary-schedules`: fixed shifts that replace a schedule for a
//! window (uncovered time inside it is a gap): list for a window, create, get (with ETag),
//! replace (with `If-Match`) and delete. Shells over `app::schedules::ops`.

use app::auth::caller::Caller;
use app::domain::schedule::{Temporary, TemporaryShift};
use app::domain::{Access, Area, ScheduleId, TemporaryId, UserId};
use app::error::AppError;
use app::schedules::{Person, ops};
use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::schedule_overrides::in_window;
use super::schedules::{ScheduleUser, WindowParams, user};
use super::schema::ErrorBody;
use super::wire::{ApiResult, Json, Query, check_if_match, created, etag, id, with_etag};

/// Adds this resource's routes (and their operations in the document).
pub fn register(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router
        .routes(routes!(list, create))
        .routes(routes!(get, replace, delete))
}

/// One fixed shift.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemporaryScheduleShift {
    pub user: ScheduleUser,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A temporary schedule: in `[start, end)` only its shifts are on call.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemporarySchedule {
    pub id: Uuid,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub shifts: Vec<TemporaryScheduleShift>,
}

fn temporary_out(t: &Temporary, people: &[Person]) -> TemporarySchedule {
    TemporarySchedule {
        id: t.id.0,
        start: t.start,
        end: t.end,
        shifts: t
            .shifts
            .iter()
            .map(|s| TemporaryScheduleShift {
                user: user(people, s.user),
                start: s.start,
                end: s.end,
            })
            .collect(),
    }
}

fn tagged(t: &Temporary, people: &[Person]) -> Response {
    let body = temporary_out(t, people);
    with_etag(&etag(&body), axum::Json(body))
}

/// One fixed shift, as written.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemporaryShiftInput {
    pub user: Uuid,
    /// Inside the temporary schedule's window.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A temporary schedule as written (created or replaced whole).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemporaryScheduleInput {
    /// Must not overlap another temporary schedule of the schedule.
    pub start: DateTime<Utc>,
    /// After `start`, at most 400 days later.
    pub end: DateTime<Utc>,
    /// At most 200.
    #[serde(default)]
    pub shifts: Vec<TemporaryShiftInput>,
}

impl TemporaryScheduleInput {
    fn into_temporary(self, id: TemporaryId) -> Temporary {
        Temporary {
            id,
            start: self.start,
            end: self.end,
            shifts: self
                .shifts
                .into_iter()
                .map(|s| TemporaryShift {
                    user: UserId(s.user),
                    start: s.start,
                    end: s.end,
                })
                .collect(),
        }
    }
}

/// Saves through the op; its `shifts[i]` (an unknown user) is the body's `shifts[i].user`.
async fn save(
    state: &AppState,
    caller: &Caller,
    schedule: ScheduleId,
    t: &Temporary,
) -> ApiResult<()> {
    ops::save_temporary(state, caller, schedule, t)
        .await
        .map_err(|e| match e {
            AppError::Invalid { field, message }
                if field.starts_with("shifts[") && field.ends_with(']') =>
            {
                AppError::Invalid {
                    field: format!("{field}.user"),
                    message,
                }
            }
            other => other,
        })?;
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemporaryScheduleList {
    /// The temporary schedules overlapping the window, by start.
    pub temporary_schedules: Vec<TemporarySchedule>,
}

#[utoipa::path(get, path = "/api/v1/schedules/{id}/temporary-schedules", tag = "schedules",
    params(("id" = Uuid, Path, description = "The schedule's id"), WindowParams),
    responses(
        (status = 200, body = TemporaryScheduleList),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "A bad window, named in `field` (`since`, `until`)", body = ErrorBody),
    ),
    security(("api_key" = ["schedules:read"]), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Query(w): Query<WindowParams>,
) -> ApiResult<axum::Json<TemporaryScheduleList>> {
    let detail = in_window(&state, &caller, id(&raw, "schedule")?, &w).await?;
    Ok(axum::Json(TemporaryScheduleList {
        temporary_schedules: detail
            .definition
            .temporary
            .iter()
            .map(|t| temporary_out(t, &detail.people))
            .collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/schedules/{id}/temporary-schedules", tag = "schedules",
    request_body = TemporaryScheduleInput,
    params(("id" = Uuid, Path, description = "The schedule's id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key get the first answer")),
    responses(
        (status = 201, description = "Created; `Location` names it", body = TemporarySchedule),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The Idempotency-Key is still being answered", body = ErrorBody),
        (status = 422, description = "A bad field, named in `field` (`shifts[0].end`; `start` when it overlaps another)", body = ErrorBody),
    ),
    security(("api_key" = ["schedules:write"]), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Json(input): Json<TemporaryScheduleInput>,
) -> ApiResult<Response> {
    let schedule: ScheduleId = id(&raw, "schedule")?;
    let t = input.into_temporary(TemporaryId::new());
    save(&state, &caller, schedule, &t).await?;
    let (t, people) = ops::get_temporary(&state, &caller, schedule, t.id).await?;
    Ok(created(
        &format!("/api/v1/schedules/{schedule}/temporary-schedules/{}", t.id),
        tagged(&t, &people),
    ))
}

#[utoipa::path(get, path = "/api/v1/schedules/{id}/temporary-schedules/{temporary_id}", tag = "schedules",
    params(("id" = Uuid, Path, description = "The schedule's id"), ("temporary_id" = Uuid, Path)),
    responses(
        (status = 200, description = "The temporary schedule; `ETag` is its version", body = TemporarySchedule),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("api_key" = ["schedules:read"]), ("session" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, t)): Path<(String, String)>,
) -> ApiResult<Response> {
    let t: TemporaryId = id(&t, "temporary schedule")?;
    let (t, people) = ops::get_temporary(&state, &caller, id(&raw, "schedule")?, t).await?;
    Ok(tagged(&t, &people))
}

#[utoipa::path(put, path = "/api/v1/schedules/{id}/temporary-schedules/{temporary_id}", tag = "schedules",
    request_body = TemporaryScheduleInput,
    params(("id" = Uuid, Path, description = "The schedule's id"), ("temporary_id" = Uuid, Path),
           ("If-Match" = Option<String>, Header, description = "The ETag read; a changed one answers 412")),
    responses(
        (status = 200, description = "The temporary schedule after the change", body = TemporarySchedule),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, description = "It changed since the `If-Match` version", body = ErrorBody),
        (status = 422, description = "A bad field, named in `field`; nothing changed", body = ErrorBody),
    ),
    security(("api_key" = ["schedules:write"]), ("session" = [])))]
pub async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, t)): Path<(String, String)>,
    headers: HeaderMap,
    Json(input): Json<TemporaryScheduleInput>,
) -> ApiResult<Response> {
    caller.check(Access::Write(Area::Schedules))?;
    let (schedule, t): (ScheduleId, TemporaryId) =
        (id(&raw, "schedule")?, id(&t, "temporary schedule")?);
    let (before, people) = ops::get_temporary(&state, &caller, schedule, t).await?;
    check_if_match(&headers, &etag(&temporary_out(&before, &people)))?;
    save(&state, &caller, schedule, &input.into_temporary(t)).await?;
    let (after, people) = ops::get_temporary(&state, &caller, schedule, t).await?;
    Ok(tagged(&after, &people))
}

#[utoipa::path(delete, path = "/api/v1/schedules/{id}/temporary-schedules/{temporary_id}", tag = "schedules",
    params(("id" = Uuid, Path, description = "The schedule's id"), ("temporary_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("api_key" = ["schedules:write"]), ("session" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, t)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let t: TemporaryId = id(&t, "temporary schedule")?;
    ops::delete_temporary(&state, &caller, id(&raw, "schedule")?, t).await?;
    Ok(StatusCode::NO_CONTENT)
}
