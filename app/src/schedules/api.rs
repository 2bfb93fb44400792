//! Server functions for schedules: shells over `ops`, which holds the rules (who may read and
//! change, validation, auditing). Who is on call is computed by `crate::domain::schedule` from
//! what the store loads.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::{Feed, MyShift, OverrideRow, ScheduleDetail, ScheduleOnCall, ScheduleSummary};
use crate::domain::schedule::{Layer, OverrideKind, Temporary};
use crate::domain::{LayerId, OverrideId, ScheduleId, TeamId, TemporaryId, UserId};
use crate::error::AppError;

/// Checks a window for a timeline: `to` after `from`, at most `MAX_WINDOW_DAYS` long.
pub fn check_window(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), AppError> {
    crate::domain::schedule::check_span("to", from, to, "from", "a window is at most")
}

/// `POST /api/schedules/list` → every schedule with who is on call now.
#[server(prefix = "/api", endpoint = "schedules/list", input = server_fn::codec::Json)]
pub async fn list_schedules() -> Result<Vec<ScheduleSummary>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::list(&state, &caller).await
}

/// `POST /api/schedules/get` with `{"id", "from", "to"}` → the schedule's definition with the
/// overrides and temporary schedules overlapping the window, names, and the policies using it.
#[server(prefix = "/api", endpoint = "schedules/get", input = server_fn::codec::Json)]
pub async fn get_schedule(
    id: ScheduleId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<ScheduleDetail, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::get(&state, &caller, id, from, to).await
}

/// `POST /api/schedules/save` with `{"id"?, "name", "description", "time_zone", "team_id"?}`
/// → the new or updated schedule's id. `team_id` (absent: null, no team) is the owning team;
/// the fields are the whole schedule. Changing the zone keeps each layer's wall-clock handoffs.
#[server(prefix = "/api", endpoint = "schedules/save", input = server_fn::codec::Json)]
pub async fn save_schedule(
    id: Option<ScheduleId>,
    name: String,
    description: String,
    time_zone: String,
    #[server(default)] team_id: Option<TeamId>,
) -> Result<ScheduleId, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    let input = super::ops::ScheduleInput {
        name: &name,
        description: &description,
        time_zone: &time_zone,
        team_id,
    };
    super::ops::save(&state, &caller, id, input).await
}

/// `POST /api/schedules/delete` with `{"id"}`; 409 while an escalation policy pages it.
#[server(prefix = "/api", endpoint = "schedules/delete", input = server_fn::codec::Json)]
pub async fn delete_schedule(id: ScheduleId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::delete(&state, &caller, id).await
}

/// `POST /api/schedules/layers/save` with `{"schedule_id", "layer": {...}}`: creates the layer
/// (a new `id`) or replaces the one with that id. Errors name the field (`participants`,
/// `rotation.every`, `shift_minutes`, `restrictions[0].end`).
#[server(prefix = "/api", endpoint = "schedules/layers/save", input = server_fn::codec::Json)]
pub async fn save_layer(schedule_id: ScheduleId, layer: Layer) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::save_layer(&state, &caller, schedule_id, layer).await
}

/// `POST /api/schedules/layers/delete` with `{"schedule_id", "layer_id"}`.
#[server(prefix = "/api", endpoint = "schedules/layers/delete", input = server_fn::codec::Json)]
pub async fn delete_layer(schedule_id: ScheduleId, layer_id: LayerId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::delete_layer(&state, &caller, schedule_id, layer_id).await
}

/// `POST /api/schedules/overrides/create` with `{"schedule_id", "kind": "ADD"|"REMOVE"|"REPLACE",
/// "user"?, "replaces"?, "start", "end", "note"}`. A replace or remove only acts while the
/// replaced person is on call.
#[server(prefix = "/api", endpoint = "schedules/overrides/create", input = server_fn::codec::Json)]
pub async fn create_override(
    schedule_id: ScheduleId,
    kind: OverrideKind,
    user: Option<UserId>,
    replaces: Option<UserId>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    note: Option<String>,
) -> Result<OverrideRow, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    let new = super::ops::NewOverride {
        kind: kind.as_str(),
        user,
        replaces,
        start,
        end,
        note: note.as_deref(),
    };
    super::ops::create_override(&state, &caller, schedule_id, new).await
}

/// `POST /api/schedules/overrides/delete` with `{"schedule_id", "id"}`.
#[server(prefix = "/api", endpoint = "schedules/overrides/delete", input = server_fn::codec::Json)]
pub async fn delete_override(schedule_id: ScheduleId, id: OverrideId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::delete_override(&state, &caller, schedule_id, id).await
}

/// `POST /api/schedules/temporary/save` with `{"schedule_id", "temporary": {"id", "start",
/// "end", "shifts": [{"user", "start", "end"}]}}`: fixed shifts that replace the schedule in
/// the window (uncovered time inside it is a gap). Upserts by id; refuses overlapping ones.
#[server(prefix = "/api", endpoint = "schedules/temporary/save", input = server_fn::codec::Json)]
pub async fn save_temporary(schedule_id: ScheduleId, temporary: Temporary) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::save_temporary(&state, &caller, schedule_id, &temporary).await
}

/// `POST /api/schedules/temporary/delete` with `{"schedule_id", "id"}`.
#[server(prefix = "/api", endpoint = "schedules/temporary/delete", input = server_fn::codec::Json)]
pub async fn delete_temporary(schedule_id: ScheduleId, id: TemporaryId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::delete_temporary(&state, &caller, schedule_id, id).await
}

/// `POST /api/schedules/on-call` with `{"user_id"?}` → who is on call now on each schedule
/// and until when; with `user_id`, only the schedules that person is on call for.
#[server(prefix = "/api", endpoint = "schedules/on-call", input = server_fn::codec::Json)]
pub async fn on_call_now(user_id: Option<UserId>) -> Result<Vec<ScheduleOnCall>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::on_call_now(&state, &caller, user_id).await
}

/// `POST /api/schedules/my-shifts` with `{"days"?}` (1–90, default 14) → the caller's shifts
/// on every schedule from now, merged where continuous, in time order.
#[server(prefix = "/api", endpoint = "schedules/my-shifts", input = server_fn::codec::Json)]
pub async fn my_shifts(days: Option<u32>) -> Result<Vec<MyShift>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::my_shifts(&state, &caller, days).await
}

/// `POST /api/schedules/feeds/get` with `{"schedule_id"?}` → the live calendar feed of that
/// schedule, or without it the caller's own; its URL is only shown when created.
#[server(prefix = "/api", endpoint = "schedules/feeds/get", input = server_fn::codec::Json)]
pub async fn get_feed(schedule_id: Option<ScheduleId>) -> Result<Option<Feed>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::get_feed(&state, &caller, schedule_id).await
}

/// `POST /api/schedules/feeds/create` with `{"schedule_id"?}` → a new secret iCal URL (for the
/// schedule, or the caller's own shifts), revoking the previous one. Shown once.
#[server(prefix = "/api", endpoint = "schedules/feeds/create", input = server_fn::codec::Json)]
pub async fn create_feed(schedule_id: Option<ScheduleId>) -> Result<Feed, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::create_feed(&state, &caller, schedule_id).await
}

/// `POST /api/schedules/feeds/revoke` with `{"schedule_id"?}`: the old URL stops working.
#[server(prefix = "/api", endpoint = "schedules/feeds/revoke", input = server_fn::codec::Json)]
pub async fn revoke_feed(schedule_id: Option<ScheduleId>) -> Result<bool, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::revoke_feed(&state, &caller, schedule_id).await
}
