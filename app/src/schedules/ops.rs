//! Every schedule operation, once: the caller's check, validation and the change. Server
//! functions are shells over these. Reading needs any role (keys: `schedules:read`); changing
//! needs RESPONDER (keys: `schedules:write`) and, for a team's schedule, the team rule
//! (`teams::perm`: also `schedules_admin_only`). Every change is audited in its own
//! transaction. The schedule itself is here; its layers, overrides and temporary schedules in
//! `parts`; reads (lists, timelines, who is on call, shifts) in `reads`, calendar feeds in
//! `feeds`.

use crate::auth::caller::Caller;
use crate::domain::schedule::Layer;
use crate::domain::{Access, Area, ScheduleId, TeamId};
use crate::error::AppError;
use crate::state::AppState;
use crate::teams::perm::{self, Edit, Kind, Object};

mod feeds;
mod oncall;
mod parts;
mod reads;
mod window;

pub use feeds::{create_feed, get_feed, revoke_feed};
pub use oncall::{
    LOOKAROUND_DAYS, MAX_FILTER_IDS, OnCallEntry, OnCallQuery, OnCallUser, ScheduleRef, TeamRef,
    oncalls,
};
pub use parts::{
    NewOverride, create_override, delete_layer, delete_override, delete_temporary, save_layer,
    save_temporary,
};
pub use reads::{
    FinalSchedule, final_schedule, get, get_override, get_temporary, list, my_shifts, on_call_now,
};
pub use window::{MAX_READ_WINDOW_DAYS, window};

/// A schedule's editable fields, as given (validated by `save`).
#[derive(Debug, Clone, Copy)]
pub struct ScheduleInput<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub time_zone: &'a str,
    /// The owning team (None: no team).
    pub team_id: Option<TeamId>,
}

/// The validated fields of `input`; errors name the field.
fn parse_input(input: ScheduleInput<'_>) -> Result<super::store::ScheduleFields, AppError> {
    let name = crate::domain::parse_name("name", input.name, super::NAME_MAX)?;
    if input.description.chars().count() > super::DESCRIPTION_MAX {
        return Err(AppError::invalid(
            "description",
            format!("must be at most {} characters", super::DESCRIPTION_MAX),
        ));
    }
    let time_zone = crate::domain::parse_time_zone("time_zone", input.time_zone)?;
    Ok(super::store::ScheduleFields {
        name,
        description: input.description.trim().to_owned(),
        time_zone,
        team_id: input.team_id,
    })
}

/// The team rule's view of creating (`id` None) or updating a schedule.
fn edit<'a>(id: Option<ScheduleId>, input: &ScheduleInput<'a>, action: &'a str) -> Edit<'a> {
    match id {
        None => Edit::create(Kind::Schedule, input.name, input.team_id, action),
        Some(id) => Edit::change(Object::Schedule(id), action).owned_by(input.team_id),
    }
}

/// Creates (`id` None) or updates a schedule → its id. Changing the zone keeps each layer's
/// wall-clock handoffs.
pub async fn save(
    state: &AppState,
    caller: &Caller,
    id: Option<ScheduleId>,
    input: ScheduleInput<'_>,
) -> Result<ScheduleId, AppError> {
    caller.check(Access::Write(Area::Schedules))?;
    let action = if id.is_some() {
        "schedule.update"
    } else {
        "schedule.create"
    };
    let mut tx = perm::begin(state, caller, edit(id, &input, action)).await?;
    let fields = parse_input(input)?;
    let now = state.clock.now();
    let saved = super::store::save(&mut tx, id, &fields, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            action,
            &fields.name,
            serde_json::json!({"schedule_id": saved, "time_zone": fields.time_zone,
                "team_id": fields.team_id}),
        )
        .await?;
    tx.commit().await?;
    Ok(saved)
}

/// Creates a schedule with its layers, all or nothing, in one transaction → its id. Errors
/// name the field; a layer's under `layers[i]` (`layers[1].participants[0]`). Audited as the
/// schedule's creation and each layer's save.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    input: ScheduleInput<'_>,
    layers: Vec<Layer>,
) -> Result<ScheduleId, AppError> {
    caller.check(Access::Write(Area::Schedules))?;
    let mut tx = perm::begin(state, caller, edit(None, &input, "schedule.create")).await?;
    let fields = parse_input(input)?;
    if layers.len() > crate::domain::schedule::MAX_LAYERS {
        return Err(AppError::invalid(
            "layers",
            format!("at most {} layers", crate::domain::schedule::MAX_LAYERS),
        ));
    }
    let mut layers = layers;
    for (i, layer) in layers.iter_mut().enumerate() {
        layer.validate(&format!("layers[{i}]"))?;
        layer.name = layer.name.trim().to_owned();
    }
    let now = state.clock.now();
    let id = super::store::save(&mut tx, None, &fields, now).await?;
    let name = &fields.name;
    caller
        .audit(
            &mut *tx,
            now,
            "schedule.create",
            name,
            serde_json::json!({"schedule_id": id, "time_zone": fields.time_zone,
                "team_id": fields.team_id}),
        )
        .await?;
    for (i, layer) in layers.iter().enumerate() {
        super::store::save_layer(&mut tx, id, layer, now)
            .await
            .map_err(|e| match e {
                AppError::Invalid { field, message } => AppError::Invalid {
                    field: format!("layers[{i}].{field}"),
                    message,
                },
                other => other,
            })?;
        caller
            .audit(
                &mut *tx,
                now,
                "schedule.layer.save",
                name,
                serde_json::json!({"schedule_id": id, "layer_id": layer.id, "layer": layer.name,
                    "participants": layer.participants.len(), "rotation": layer.rotation.label()}),
            )
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Deletes the schedule; 409 while an escalation policy pages it.
pub async fn delete(state: &AppState, caller: &Caller, id: ScheduleId) -> Result<(), AppError> {
    caller.check(Access::Write(Area::Schedules))?;
    let edit = Edit::change(Object::Schedule(id), "schedule.delete");
    let mut tx = perm::begin(state, caller, edit).await?;
    let now = state.clock.now();
    let name = super::store::delete(&mut tx, id).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "schedule.delete",
            &name,
            serde_json::json!({"schedule_id": id}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}
