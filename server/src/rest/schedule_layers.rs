//! `/api/v1/schedules/{id}/layers`: a schedule's rotation layers: list, add, get (with ETag),
//! replace (with `If-Match`) and delete. Shells over `app::schedules::ops`.

use app::auth::caller::Caller;
use app::domain::schedule::{Layer, Restriction, Rotation, RotationUnit};
use app::domain::{Access, Area, LayerId, ScheduleId, UserId};
use app::error::AppError;
use app::schedules::{Person, ops};
use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::schedules::{ScheduleUser, read, user};
use super::schema::ErrorBody;
use super::wire::{ApiResult, Json, check_if_match, created, etag, id, with_etag};

/// Adds this resource's routes (and their operations in the document).
pub fn register(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router
        .routes(routes!(list, add))
        .routes(routes!(get, replace, delete))
}

/// Hand off every `every` units.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRotation {
    /// HOURS, DAYS, WEEKS or MONTHS (calendar months).
    pub unit: String,
    /// 1 to 365.
    pub every: u32,
}

/// A weekly window in the schedule's zone during which the layer may be on call.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRestriction {
    /// Mon, Tue, Wed, Thu, Fri, Sat or Sun.
    pub weekday: String,
    /// Wall-clock `HH:MM:SS`.
    #[schema(value_type = String, example = "09:00:00")]
    pub start: NaiveTime,
    /// Earlier than `start` wraps past midnight; equal to `start` is the whole day.
    #[schema(value_type = String, example = "17:00:00")]
    pub end: NaiveTime,
    /// States the wrap past midnight explicitly; must then agree with the times.
    #[serde(default)]
    pub overnight: bool,
}

/// A rotation layer as read.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleLayer {
    pub id: Uuid,
    pub name: String,
    /// Higher wins where layers overlap.
    pub priority: i32,
    /// In rotation order: shift k goes to participant k mod n.
    pub participants: Vec<ScheduleUser>,
    pub rotation: ScheduleRotation,
    /// The first handoff, wall-clock in the schedule's zone (no offset).
    #[schema(value_type = String, example = "2026-03-07T09:00:00")]
    pub start: NaiveDateTime,
    /// No shifts start at or after this wall-clock time.
    #[schema(value_type = Option<String>, example = "2026-12-31T09:00:00")]
    pub end: Option<NaiveDateTime>,
    /// Each shift lasts this long from its handoff; null covers the whole rotation.
    pub shift_minutes: Option<u32>,
    /// Empty: no restriction.
    pub restrictions: Vec<ScheduleRestriction>,
}

/// A layer as written (created or replaced whole).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleLayerInput {
    /// 1 to 100 characters.
    pub name: String,
    /// Higher wins where layers overlap; default 0.
    #[serde(default)]
    pub priority: i32,
    /// User ids in rotation order, 1 to 100.
    pub participants: Vec<Uuid>,
    pub rotation: ScheduleRotation,
    /// The first handoff, wall-clock in the schedule's zone, without an offset; its time of
    /// day is the handoff time.
    #[schema(value_type = String, example = "2026-03-07T09:00:00")]
    pub start: NaiveDateTime,
    /// After `start`: no shifts start at or after it.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub end: Option<NaiveDateTime>,
    /// 1 minute to the rotation's length; absent covers the whole rotation.
    #[serde(default)]
    pub shift_minutes: Option<u32>,
    /// At most 50 windows.
    #[serde(default)]
    pub restrictions: Vec<ScheduleRestriction>,
}

impl ScheduleLayerInput {
    /// The engine's layer with id `id`; errors name the field under `prefix` (`layers[0].`).
    /// The shape rules (`Layer::validate`) are the op's.
    pub fn into_layer(self, id: LayerId, prefix: &str) -> ApiResult<Layer> {
        let unit = RotationUnit::parse(&self.rotation.unit).ok_or_else(|| {
            AppError::invalid(
                format!("{prefix}rotation.unit"),
                "must be HOURS, DAYS, WEEKS or MONTHS",
            )
        })?;
        let restrictions = self
            .restrictions
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let weekday = r.weekday.trim().parse::<chrono::Weekday>().map_err(|_| {
                    AppError::invalid(
                        format!("{prefix}restrictions[{i}].weekday"),
                        "must be Mon, Tue, Wed, Thu, Fri, Sat or Sun",
                    )
                })?;
                Ok(Restriction {
                    weekday,
                    start: r.start,
                    end: r.end,
                    overnight: r.overnight,
                })
            })
            .collect::<ApiResult<Vec<_>>>()?;
        Ok(Layer {
            id,
            name: self.name,
            priority: self.priority,
            participants: self.participants.into_iter().map(UserId).collect(),
            rotation: Rotation {
                unit,
                every: self.rotation.every,
            },
            start: self.start,
            end: self.end,
            shift_minutes: self.shift_minutes,
            restrictions,
        })
    }
}

/// The layer as read, with names from `people`.
pub fn layer_out(l: &Layer, people: &[Person]) -> ScheduleLayer {
    ScheduleLayer {
        id: l.id.0,
        name: l.name.clone(),
        priority: l.priority,
        participants: l.participants.iter().map(|u| user(people, *u)).collect(),
        rotation: ScheduleRotation {
            unit: l.rotation.unit.as_str().into(),
            every: l.rotation.every,
        },
        start: l.start,
        end: l.end,
        shift_minutes: l.shift_minutes,
        restrictions: l
            .restrictions
            .iter()
            .map(|r| ScheduleRestriction {
                weekday: r.weekday.to_string(),
                start: r.start,
                end: r.end,
                overnight: r.overnight,
            })
            .collect(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleLayerList {
    /// In the schedule's order.
    pub layers: Vec<ScheduleLayer>,
}

#[utoipa::path(get, path = "/api/v1/schedules/{id}/layers", tag = "schedules",
    params(("id" = Uuid, Path, description = "The schedule's id")),
    responses(
        (status = 200, body = ScheduleLayerList),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("api_key" = ["schedules:read"]), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<ScheduleLayerList>> {
    let schedule = read(&state, &caller, id(&raw, "schedule")?).await?;
    Ok(axum::Json(ScheduleLayerList {
        layers: schedule.layers,
    }))
}

/// The schedule's layer `layer`, or 404.
async fn one(
    state: &AppState,
    caller: &Caller,
    schedule: ScheduleId,
    layer: LayerId,
) -> ApiResult<ScheduleLayer> {
    read(state, caller, schedule)
        .await?
        .layers
        .into_iter()
        .find(|l| l.id == layer.0)
        .ok_or_else(|| {
            AppError::NotFound {
                what: "layer".into(),
            }
            .into()
        })
}

fn tagged(layer: ScheduleLayer) -> Response {
    with_etag(&etag(&layer), axum::Json(layer))
}

#[utoipa::path(post, path = "/api/v1/schedules/{id}/layers", tag = "schedules",
    request_body = ScheduleLayerInput,
    params(("id" = Uuid, Path, description = "The schedule's id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key get the first answer")),
    responses(
        (status = 201, description = "Added; `Location` names it", body = ScheduleLayer),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The Idempotency-Key is still being answered", body = ErrorBody),
        (status = 422, description = "A bad field, named in `field` (`participants[1]`, `rotation.every`)", body = ErrorBody),
    ),
    security(("api_key" = ["schedules:write"]), ("session" = [])))]
pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Json(input): Json<ScheduleLayerInput>,
) -> ApiResult<Response> {
    let schedule: ScheduleId = id(&raw, "schedule")?;
    let layer_id = LayerId::new();
    let layer = input.into_layer(layer_id, "")?;
    ops::save_layer(&state, &caller, schedule, layer).await?;
    let layer = one(&state, &caller, schedule, layer_id).await?;
    Ok(created(
        &format!("/api/v1/schedules/{schedule}/layers/{layer_id}"),
        tagged(layer),
    ))
}

#[utoipa::path(get, path = "/api/v1/schedules/{id}/layers/{layer_id}", tag = "schedules",
    params(("id" = Uuid, Path, description = "The schedule's id"), ("layer_id" = Uuid, Path)),
    responses(
        (status = 200, description = "The layer; `ETag` is its version", body = ScheduleLayer),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("api_key" = ["schedules:read"]), ("session" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, layer)): Path<(String, String)>,
) -> ApiResult<Response> {
    let layer = one(&state, &caller, id(&raw, "schedule")?, id(&layer, "layer")?).await?;
    Ok(tagged(layer))
}

#[utoipa::path(put, path = "/api/v1/schedules/{id}/layers/{layer_id}", tag = "schedules",
    request_body = ScheduleLayerInput,
    params(("id" = Uuid, Path, description = "The schedule's id"), ("layer_id" = Uuid, Path),
           ("If-Match" = Option<String>, Header, description = "The ETag read; a changed layer answers 412")),
    responses(
        (status = 200, description = "The layer after the change", body = ScheduleLayer),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, description = "The layer changed since the `If-Match` version", body = ErrorBody),
        (status = 422, description = "A bad field, named in `field`; nothing changed", body = ErrorBody),
    ),
    security(("api_key" = ["schedules:write"]), ("session" = [])))]
pub async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, layer)): Path<(String, String)>,
    headers: HeaderMap,
    Json(input): Json<ScheduleLayerInput>,
) -> ApiResult<Response> {
    caller.check(Access::Write(Area::Schedules))?;
    let (schedule, layer_id): (ScheduleId, LayerId) = (id(&raw, "schedule")?, id(&layer, "layer")?);
    let layer = input.into_layer(layer_id, "")?;
    let before = one(&state, &caller, schedule, layer_id).await?;
    check_if_match(&headers, &etag(&before))?;
    ops::save_layer(&state, &caller, schedule, layer).await?;
    Ok(tagged(one(&state, &caller, schedule, layer_id).await?))
}

#[utoipa::path(delete, path = "/api/v1/schedules/{id}/layers/{layer_id}", tag = "schedules",
    params(("id" = Uuid, Path, description = "The schedule's id"), ("layer_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("api_key" = ["schedules:write"]), ("session" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((raw, layer)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    ops::delete_layer(&state, &caller, id(&raw, "schedule")?, id(&layer, "layer")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
