//! `/api/v1/schedules/{id}/final-schedule`: the schedule rendered for a window: who is on
//! call when (overrides and temporary schedules applied), the gaps, and each layer's own
//! shifts. A shell over `app::schedules::ops::final_schedule`.

use app::auth::caller::Caller;
use app::domain::schedule::Source;
use app::schedules::ops;
use app::state::AppState;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::schedules::{ScheduleUser, WindowParams, user};
use super::schema::ErrorBody;
use super::wire::{ApiResult, Query, id};

/// Adds this resource's routes (and their operations in the document).
pub fn register(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router.routes(routes!(final_schedule))
}

/// Someone on call in a stretch of the final schedule, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinalOnCall {
    pub user: ScheduleUser,
    /// LAYER, OVERRIDE or TEMPORARY: what puts them on call.
    pub source: String,
    /// The layer's, override's or temporary schedule's id.
    pub source_id: Uuid,
}

/// A stretch with the same people on call.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinalEntry {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub on_call: Vec<FinalOnCall>,
}

/// A stretch with nobody on call.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinalGap {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// One shift of one layer.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinalShift {
    pub user: ScheduleUser,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A layer's own shifts in the window (before priorities, overrides and temporary schedules).
#[derive(Debug, Serialize, ToSchema)]
pub struct FinalLayer {
    pub id: Uuid,
    pub name: String,
    pub shifts: Vec<FinalShift>,
}

/// The schedule rendered for `since`..`until`: `entries` and `gaps` are sorted, disjoint and
/// together cover the window exactly.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinalSchedule {
    pub schedule_id: Uuid,
    pub time_zone: String,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub entries: Vec<FinalEntry>,
    pub gaps: Vec<FinalGap>,
    pub layers: Vec<FinalLayer>,
}

fn source(s: Source) -> (String, Uuid) {
    match s {
        Source::Layer(id) => ("LAYER".into(), id.0),
        Source::Override(id) => ("OVERRIDE".into(), id.0),
        Source::Temporary(id) => ("TEMPORARY".into(), id.0),
    }
}

#[utoipa::path(get, path = "/api/v1/schedules/{id}/final-schedule", tag = "schedules",
    params(("id" = Uuid, Path, description = "The schedule's id"), WindowParams),
    responses(
        (status = 200, description = "Who is on call when in the window", body = FinalSchedule),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "A bad window, named in `field` (`since`, `until`)", body = ErrorBody),
    ),
    security(("api_key" = ["schedules:read"]), ("session" = [])))]
pub async fn final_schedule(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Query(w): Query<WindowParams>,
) -> ApiResult<axum::Json<FinalSchedule>> {
    let f = ops::final_schedule(&state, &caller, id(&raw, "schedule")?, w.since, w.until).await?;
    let people = &f.detail.people;
    Ok(axum::Json(FinalSchedule {
        schedule_id: f.detail.id.0,
        time_zone: f.detail.definition.time_zone.clone(),
        since: f.window.start,
        until: f.window.end,
        entries: f
            .timeline
            .segments
            .iter()
            .map(|s| FinalEntry {
                start: s.start,
                end: s.end,
                on_call: s
                    .on_call
                    .iter()
                    .map(|o| {
                        let (source, source_id) = source(o.source);
                        FinalOnCall {
                            user: user(people, o.user),
                            source,
                            source_id,
                        }
                    })
                    .collect(),
            })
            .collect(),
        gaps: f
            .timeline
            .gaps
            .iter()
            .map(|g| FinalGap {
                start: g.start,
                end: g.end,
            })
            .collect(),
        layers: f
            .detail
            .definition
            .layers
            .iter()
            .zip(&f.layers)
            .map(|(l, shifts)| FinalLayer {
                id: l.id.0,
                name: l.name.clone(),
                shifts: shifts
                    .iter()
                    .map(|s| FinalShift {
                        user: user(people, s.user),
                        start: s.start,
                        end: s.end,
                    })
                    .collect(),
            })
            .collect(),
    }))
}
