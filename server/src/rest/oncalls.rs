//! `/api/v1/oncalls`: who is on call over a window, for each schedule and for each
//! escalation-policy step, filtered by schedule, policy and user, paged. A shell over
//! `app::schedules::ops::oncalls`.

use app::auth::caller::Caller;
use app::domain::{PolicyId, ScheduleId, UserId};
use app::schedules::ops::{self, OnCallEntry, OnCallQuery};
use app::state::AppState;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::schedules::{page, page_bounds};
use super::schema::ErrorBody;
use super::wire::{ApiResult, Query, list_param};

/// Adds this resource's routes (and their operations in the document).
pub fn register(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router.routes(routes!(list))
}

/// A user on call.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnCallUser {
    pub id: Uuid,
    pub name: String,
    pub email: String,
}

/// A schedule, policy or team an entry names.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnCallRef {
    pub id: Uuid,
    pub name: String,
}

/// One stretch of one user being on call.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnCall {
    pub user: OnCallUser,
    /// The schedule that puts them on call; null for a user an escalation step targets
    /// directly (or through a team).
    pub schedule: Option<OnCallRef>,
    /// The policy whose step pages them; null for a schedule's own entries.
    pub escalation_policy: Option<OnCallRef>,
    /// The step's number, 1-based; null when `escalation_policy` is.
    pub escalation_level: Option<u32>,
    /// The team a TEAM or TEAM_LEAD target reaches them through.
    pub team: Option<OnCallRef>,
    /// The stretch's own bounds (not clipped to the window; followed up to 31 days beyond
    /// it). For a step's direct targets, always on call: the window itself.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl From<OnCallEntry> for OnCall {
    fn from(e: OnCallEntry) -> Self {
        OnCall {
            user: OnCallUser {
                id: e.user.id.0,
                name: e.user.name,
                email: e.user.email,
            },
            schedule: e.schedule.map(|s| OnCallRef {
                id: s.id.0,
                name: s.name,
            }),
            escalation_policy: e.escalation_policy.map(|p| OnCallRef {
                id: p.id.0,
                name: p.name,
            }),
            escalation_level: e.escalation_level,
            team: e.team.map(|t| OnCallRef {
                id: t.id.0,
                name: t.name,
            }),
            start: e.start,
            end: e.end,
        }
    }
}

/// One page of on-call entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnCallList {
    /// Schedules' own entries first (null `escalation_policy`), then by policy name and level;
    /// within those by schedule name, start and user name.
    pub oncalls: Vec<OnCall>,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OnCallParams {
    /// RFC 3339; default now.
    pub since: Option<DateTime<Utc>>,
    /// RFC 3339, not before `since`, at most 90 days after it; default `since` (who is on
    /// call at that instant).
    pub until: Option<DateTime<Utc>>,
    /// Comma-separated schedule ids: only entries from these schedules.
    pub schedule_ids: Option<String>,
    /// Comma-separated escalation policy ids: only these policies' step entries.
    pub policy_ids: Option<String>,
    /// Comma-separated user ids: only these users.
    pub user_ids: Option<String>,
    /// 1 to 500; default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn ids<T>(field: &str, raw: Option<&str>, wrap: fn(Uuid) -> T) -> ApiResult<Vec<T>> {
    list_param(
        field,
        raw,
        |s| s.parse::<Uuid>().ok().map(wrap),
        "a list of ids",
    )
}

#[utoipa::path(get, path = "/api/v1/oncalls", tag = "on-call", params(OnCallParams),
    responses(
        (status = 200, description = "Who is on call over the window: each schedule's own entries, \
            and each escalation step's (level 1 is the first step)", body = OnCallList),
        (status = 401, description = "No or a bad credential", body = ErrorBody),
        (status = 403, description = "The role or the key's scopes do not allow it", body = ErrorBody),
        (status = 422, description = "A bad parameter, named in `field` (`since`, `until`, `schedule_ids`, …)", body = ErrorBody),
    ),
    security(("api_key" = ["schedules:read"]), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<OnCallParams>,
) -> ApiResult<axum::Json<OnCallList>> {
    let (limit, offset) = page_bounds(p.limit, p.cursor.as_deref(), 100, 500)?;
    let since = p.since.unwrap_or_else(|| state.clock.now());
    let until = p.until.unwrap_or(since);
    let query = OnCallQuery {
        since: Some(since),
        until: Some(until),
        schedule_ids: ids("schedule_ids", p.schedule_ids.as_deref(), ScheduleId)?,
        policy_ids: ids("policy_ids", p.policy_ids.as_deref(), PolicyId)?,
        user_ids: ids("user_ids", p.user_ids.as_deref(), UserId)?,
    };
    let entries = ops::oncalls(&state, &caller, &query).await?;
    let (rows, next_cursor) = page(entries, limit, offset);
    Ok(axum::Json(OnCallList {
        oncalls: rows.into_iter().map(OnCall::from).collect(),
        since,
        until,
        next_cursor,
    }))
}
