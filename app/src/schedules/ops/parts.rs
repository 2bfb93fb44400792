//! A schedule's parts, once each: its layers, overrides and temporary schedules (create or
//! replace, delete). Changing any needs RESPONDER (keys: `schedules:write`) and, for a team's
//! schedule, the team rule (`teams::perm`, with `schedules_admin_only`); each change is
//! audited in its own transaction.

use chrono::{DateTime, Utc};

use crate::auth::caller::Caller;
use crate::domain::schedule::{Layer, Override, OverrideKind, Temporary};
use crate::domain::{Access, Area, LayerId, OverrideId, ScheduleId, TemporaryId, UserId};
use crate::error::AppError;
use crate::schedules::{OverrideRow, store};
use crate::state::AppState;
use crate::teams::perm::{self, Edit, Object};

/// The transaction of a change to a part of `schedule`, begun after the caller's checks.
async fn begin(
    state: &AppState,
    caller: &Caller,
    schedule: ScheduleId,
    action: &str,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, AppError> {
    caller.check(Access::Write(Area::Schedules))?;
    perm::begin(
        state,
        caller,
        Edit::change(Object::Schedule(schedule), action),
    )
    .await
}

/// Creates the layer (a new `id`) or replaces the one with that id. Errors name the field
/// (`participants`, `rotation.every`, `shift_minutes`, `restrictions[0].end`).
pub async fn save_layer(
    state: &AppState,
    caller: &Caller,
    schedule_id: ScheduleId,
    layer: Layer,
) -> Result<(), AppError> {
    let mut tx = begin(state, caller, schedule_id, "schedule.layer.save").await?;
    let mut layer = layer;
    layer.validate("")?;
    layer.name = layer.name.trim().to_owned();
    let now = state.clock.now();
    let name = store::save_layer(&mut tx, schedule_id, &layer, now).await?;
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
    let mut tx = begin(state, caller, schedule_id, "schedule.layer.delete").await?;
    let now = state.clock.now();
    let layer = store::delete_layer(&mut tx, schedule_id, layer_id, now).await?;
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
    let mut tx = begin(state, caller, schedule_id, "schedule.override.create").await?;
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
    if note.chars().count() > crate::schedules::NOTE_MAX {
        return Err(AppError::invalid(
            "note",
            format!("must be at most {} characters", crate::schedules::NOTE_MAX),
        ));
    }
    let now = state.clock.now();
    let name =
        store::create_override(&mut tx, schedule_id, &rule, &note, caller.user.id, now).await?;
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
    let mut tx = begin(state, caller, schedule_id, "schedule.override.delete").await?;
    let now = state.clock.now();
    let name = store::delete_override(&mut tx, schedule_id, id, now).await?;
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
    let mut tx = begin(state, caller, schedule_id, "schedule.temporary.save").await?;
    temporary.validate()?;
    let now = state.clock.now();
    let name = store::save_temporary(&mut tx, schedule_id, temporary, now).await?;
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
    let mut tx = begin(state, caller, schedule_id, "schedule.temporary.delete").await?;
    let now = state.clock.now();
    let name = store::delete_temporary(&mut tx, schedule_id, id, now).await?;
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
