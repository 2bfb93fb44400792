//! Every schedule operation, once: the caller's check, validation and the change. Server
//! functions are shells over these. Reading needs any role (keys: `schedules:read`); changing
//! needs RESPONDER (keys: `schedules:write`). Every change is audited in its own transaction.
//! Reads (lists, timelines, who is on call, shifts) are in `reads`, calendar feeds in `feeds`.

use chrono::{DateTime, Utc};

use super::OverrideRow;
use crate::auth::caller::Caller;
use crate::domain::schedule::{Layer, Override, OverrideKind, Temporary};
use crate::domain::{Access, Area, LayerId, OverrideId, ScheduleId, TemporaryId, UserId};
use crate::error::AppError;
use crate::state::AppState;

mod feeds;
mod oncall;
mod reads;
mod window;

pub use feeds::{create_feed, get_feed, revoke_feed};
pub use oncall::{
    LOOKAROUND_DAYS, MAX_FILTER_IDS, OnCallEntry, OnCallQuery, OnCallUser, ScheduleRef, TeamRef,
    oncalls,
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
}

/// The validated name and zone of `input`; errors name the field.
fn parse_input(input: ScheduleInput<'_>) -> Result<(String, String), AppError> {
    let name = crate::domain::parse_name("name", input.name, super::NAME_MAX)?;
    if input.description.chars().count() > super::DESCRIPTION_MAX {
        return Err(AppError::invalid(
            "description",
            format!("must be at most {} characters", super::DESCRIPTION_MAX),
        ));
    }
    let time_zone = crate::domain::parse_time_zone("time_zone", input.time_zone)?;
    Ok((name, time_zone))
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
    let (name, time_zone) = parse_input(input)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let saved = super::store::save(
        &mut tx,
        id,
        &name,
        input.description.trim(),
        &time_zone,
        now,
    )
    .await?;
    let action = if id.is_some() {
        "schedule.update"
    } else {
        "schedule.create"
    };
    caller
        .audit(
            &mut *tx,
            now,
            action,
            &name,
            serde_json::json!({"schedule_id": saved, "time_zone": time_zone}),
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
    let (name, time_zone) = parse_input(input)?;
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
    let mut tx = state.pool.begin().await?;
    let id = super::store::save(
        &mut tx,
        None,
        &name,
        input.description.trim(),
        &time_zone,
        now,
    )
    .await?;
    caller
        .audit(
            &mut *tx,
            now,
            "schedule.create",
            &name,
            serde_json::json!({"schedule_id": id, "time_zone": time_zone}),
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
                &name,
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
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
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

/// Creates the layer (a new `id`) or replaces the one with that id. Errors name the field
/// (`participants`, `rotation.every`, `shift_minutes`, `restrictions[0].end`).
pub async fn save_layer(
    state: &AppState,
    caller: &Caller,
    schedule_id: ScheduleId,
    layer: Layer,
) -> Result<(), AppError> {
    caller.check(Access::Write(Area::Schedules))?;
    let mut layer = layer;
    layer.validate("")?;
    layer.name = layer.name.trim().to_owned();
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let name = super::store::save_layer(&mut tx, schedule_id, &layer, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "schedule.layer.save",
            &name,
            serde_json::json!({"schedule_id": schedule_id, "layer_id": layer.id, "layer": layer.name,
                "participants": layer.participants.len(), "rotation": layer.rotation.label()}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes one layer of the schedule.
pub async fn delete_layer(
    state: &AppState,
    caller: &Caller,
    schedule_id: ScheduleId,
    layer_id: LayerId,
) -> Result<(), AppError> {
    caller.check(Access::Write(Area::Schedules))?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let layer = super::store::delete_layer(&mut tx, schedule_id, layer_id, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "schedule.layer.delete",
            &layer,
            serde_json::json!({"schedule_id": schedule_id, "layer_id": layer_id}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A new override, as given (validated by `create_override`). `user` is ignored for a
/// remove, `replaces` for an add.
#[derive(Debug, Clone, Copy)]
pub struct NewOverride<'a> {
    /// ADD, REMOVE or REPLACE (checked after the caller, like every field).
    pub kind: &'a str,
    pub user: Option<UserId>,
    pub replaces: Option<UserId>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub note: Option<&'a str>,
}

/// Adds an override to the schedule → it, with its note and author. A replace or remove only
/// acts while the replaced person is on call.
pub async fn create_override(
    state: &AppState,
    caller: &Caller,
    schedule_id: ScheduleId,
    new: NewOverride<'_>,
) -> Result<OverrideRow, AppError> {
    caller.check(Access::Write(Area::Schedules))?;
    let NewOverride {
        kind,
        user,
        replaces,
        start,
        end,
        note,
    } = new;
    let kind = OverrideKind::parse(kind)
        .ok_or_else(|| AppError::invalid("kind", "must be ADD, REMOVE or REPLACE"))?;
    let rule = Override {
        id: OverrideId::new(),
        kind,
        user: if kind == OverrideKind::Remove {
            None
        } else {
            user
        },
        replaces: if kind == OverrideKind::Add {
            None
        } else {
            replaces
        },
        start,
        end,
    };
    rule.validate()?;
    let note = note.unwrap_or_default().trim().to_owned();
    if note.chars().count() > super::NOTE_MAX {
        return Err(AppError::invalid(
            "note",
            format!("must be at most {} characters", super::NOTE_MAX),
        ));
    }
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let name =
        super::store::create_override(&mut tx, schedule_id, &rule, &note, caller.user.id, now)
            .await?;
    caller
        .audit(
            &mut *tx,
            now,
            "schedule.override.create",
            &name,
            serde_json::json!({"schedule_id": schedule_id, "override_id": rule.id, "kind": kind.as_str(),
                "user": rule.user, "replaces": rule.replaces, "start": start, "end": end}),
        )
        .await?;
    tx.commit().await?;
    Ok(OverrideRow {
        rule,
        note,
        created_by: Some(caller.user.name.clone()),
    })
}

/// Deletes one override of the schedule.
pub async fn delete_override(
    state: &AppState,
    caller: &Caller,
    schedule_id: ScheduleId,
    id: OverrideId,
) -> Result<(), AppError> {
    caller.check(Access::Write(Area::Schedules))?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let name = super::store::delete_override(&mut tx, schedule_id, id, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "schedule.override.delete",
            &name,
            serde_json::json!({"schedule_id": schedule_id, "override_id": id}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Saves a temporary schedule (fixed shifts replacing the schedule in its window); upserts by
/// id, refuses overlapping ones.
pub async fn save_temporary(
    state: &AppState,
    caller: &Caller,
    schedule_id: ScheduleId,
    temporary: &Temporary,
) -> Result<(), AppError> {
    caller.check(Access::Write(Area::Schedules))?;
    temporary.validate()?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let name = super::store::save_temporary(&mut tx, schedule_id, temporary, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "schedule.temporary.save",
            &name,
            serde_json::json!({"schedule_id": schedule_id, "temporary_id": temporary.id,
                "start": temporary.start, "end": temporary.end, "shifts": temporary.shifts.len()}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes one temporary schedule of the schedule.
pub async fn delete_temporary(
    state: &AppState,
    caller: &Caller,
    schedule_id: ScheduleId,
    id: TemporaryId,
) -> Result<(), AppError> {
    caller.check(Access::Write(Area::Schedules))?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let name = super::store::delete_temporary(&mut tx, schedule_id, id, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "schedule.temporary.delete",
            &name,
            serde_json::json!({"schedule_id": schedule_id, "temporary_id": id}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}
