//! Server functions for schedules. Reading needs any role (keys: `schedules:read`); changing
//! needs RESPONDER (keys: `schedules:write`). Every change is audited. Who is on call is
//! computed by `crate::domain::schedule` from what the store loads.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::{Feed, MyShift, OverrideRow, ScheduleDetail, ScheduleOnCall, ScheduleSummary};
use crate::domain::schedule::{Layer, OverrideKind, Temporary};
use crate::domain::{LayerId, OverrideId, ScheduleId, TemporaryId, UserId};
use crate::error::AppError;

#[cfg(feature = "ssr")]
mod server {
    pub use crate::auth::caller::{Caller, authorize};
    pub use crate::domain::{Access, Area};
    pub use crate::state::app_state;

    pub async fn writer() -> Result<Caller, crate::error::AppError> {
        authorize(Access::Write(Area::Schedules)).await
    }

    pub async fn reader() -> Result<Caller, crate::error::AppError> {
        authorize(Access::Read(Area::Schedules)).await
    }
}

/// Checks a window for a timeline: `to` after `from`, at most `MAX_WINDOW_DAYS` long.
pub fn check_window(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), AppError> {
    crate::domain::schedule::check_span("to", from, to, "from", "a window is at most")
}

/// `POST /api/schedules/list` → every schedule with who is on call now.
#[server(prefix = "/api", endpoint = "schedules/list", input = server_fn::codec::Json)]
pub async fn list_schedules() -> Result<Vec<ScheduleSummary>, AppError> {
    use server::*;
    reader().await?;
    let state = app_state()?;
    let now = state.clock.now();
    let mut conn = state.pool.begin().await?;
    let loaded =
        super::store::load(&mut conn, None, now, now + chrono::Duration::seconds(1)).await?;
    let on_call: Vec<Vec<UserId>> = loaded
        .iter()
        .map(|l| {
            crate::domain::schedule::on_call_at(&l.definition, now)
                .into_iter()
                .map(|o| o.user)
                .collect()
        })
        .collect();
    let mut ids: Vec<UserId> = on_call.iter().flatten().copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let people = super::store::people(&mut conn, &ids).await?;
    Ok(loaded
        .into_iter()
        .zip(on_call)
        .map(|(l, users)| ScheduleSummary {
            id: l.id,
            name: l.name,
            description: l.description,
            time_zone: l.definition.time_zone,
            layers: l.definition.layers.len(),
            on_call: users
                .into_iter()
                .map(|u| super::Person {
                    id: u,
                    name: super::name_in(&people, u),
                })
                .collect(),
        })
        .collect())
}

/// `POST /api/schedules/get` with `{"id", "from", "to"}` → the schedule's definition with the
/// overrides and temporary schedules overlapping the window, names, and the policies using it.
#[server(prefix = "/api", endpoint = "schedules/get", input = server_fn::codec::Json)]
pub async fn get_schedule(
    id: ScheduleId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<ScheduleDetail, AppError> {
    use server::*;
    reader().await?;
    check_window(from, to)?;
    let state = app_state()?;
    let now = state.clock.now();
    let mut conn = state.pool.begin().await?;
    detail(&mut conn, id, from, to, now).await
}

#[cfg(feature = "ssr")]
async fn detail(
    conn: &mut sqlx::PgConnection,
    id: ScheduleId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<ScheduleDetail, AppError> {
    let l = super::store::load_one(conn, id, from, to).await?;
    let people = super::store::people(conn, &super::store::mentioned(&l.definition)).await?;
    let used_by = super::store::used_by(conn, id).await?;
    Ok(ScheduleDetail {
        id: l.id,
        name: l.name,
        description: l.description,
        definition: l.definition,
        overrides: l.overrides,
        people,
        used_by,
        updated_at: l.updated_at,
        now,
    })
}

/// `POST /api/schedules/save` with `{"id"?, "name", "description", "time_zone"}` → the new or
/// updated schedule's id. Changing the zone keeps each layer's wall-clock handoffs.
#[server(prefix = "/api", endpoint = "schedules/save", input = server_fn::codec::Json)]
pub async fn save_schedule(
    id: Option<ScheduleId>,
    name: String,
    description: String,
    time_zone: String,
) -> Result<ScheduleId, AppError> {
    use server::*;
    let caller = writer().await?;
    let name = crate::domain::parse_name("name", &name, super::NAME_MAX)?;
    if description.chars().count() > super::DESCRIPTION_MAX {
        return Err(AppError::invalid(
            "description",
            format!("must be at most {} characters", super::DESCRIPTION_MAX),
        ));
    }
    let time_zone = crate::domain::parse_time_zone("time_zone", &time_zone)?;
    let state = app_state()?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let saved = super::store::save(&mut tx, id, &name, description.trim(), &time_zone, now).await?;
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

/// `POST /api/schedules/delete` with `{"id"}`; 409 while an escalation policy pages it.
#[server(prefix = "/api", endpoint = "schedules/delete", input = server_fn::codec::Json)]
pub async fn delete_schedule(id: ScheduleId) -> Result<(), AppError> {
    use server::*;
    let caller = writer().await?;
    let state = app_state()?;
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

/// `POST /api/schedules/layers/save` with `{"schedule_id", "layer": {...}}`: creates the layer
/// (a new `id`) or replaces the one with that id. Errors name the field (`participants`,
/// `rotation.every`, `shift_minutes`, `restrictions[0].end`).
#[server(prefix = "/api", endpoint = "schedules/layers/save", input = server_fn::codec::Json)]
pub async fn save_layer(schedule_id: ScheduleId, layer: Layer) -> Result<(), AppError> {
    use server::*;
    let caller = writer().await?;
    let mut layer = layer;
    layer.validate("")?;
    layer.name = layer.name.trim().to_owned();
    let state = app_state()?;
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

/// `POST /api/schedules/layers/delete` with `{"schedule_id", "layer_id"}`.
#[server(prefix = "/api", endpoint = "schedules/layers/delete", input = server_fn::codec::Json)]
pub async fn delete_layer(schedule_id: ScheduleId, layer_id: LayerId) -> Result<(), AppError> {
    use server::*;
    let caller = writer().await?;
    let state = app_state()?;
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
    use crate::domain::schedule::Override;
    use server::*;
    let caller = writer().await?;
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
    let state = app_state()?;
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

/// `POST /api/schedules/overrides/delete` with `{"schedule_id", "id"}`.
#[server(prefix = "/api", endpoint = "schedules/overrides/delete", input = server_fn::codec::Json)]
pub async fn delete_override(schedule_id: ScheduleId, id: OverrideId) -> Result<(), AppError> {
    use server::*;
    let caller = writer().await?;
    let state = app_state()?;
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

/// `POST /api/schedules/temporary/save` with `{"schedule_id", "temporary": {"id", "start",
/// "end", "shifts": [{"user", "start", "end"}]}}`: fixed shifts that replace the schedule in
/// the window (uncovered time inside it is a gap). Upserts by id; refuses overlapping ones.
#[server(prefix = "/api", endpoint = "schedules/temporary/save", input = server_fn::codec::Json)]
pub async fn save_temporary(schedule_id: ScheduleId, temporary: Temporary) -> Result<(), AppError> {
    use server::*;
    let caller = writer().await?;
    temporary.validate()?;
    let state = app_state()?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let name = super::store::save_temporary(&mut tx, schedule_id, &temporary, now).await?;
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

/// `POST /api/schedules/temporary/delete` with `{"schedule_id", "id"}`.
#[server(prefix = "/api", endpoint = "schedules/temporary/delete", input = server_fn::codec::Json)]
pub async fn delete_temporary(schedule_id: ScheduleId, id: TemporaryId) -> Result<(), AppError> {
    use server::*;
    let caller = writer().await?;
    let state = app_state()?;
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

/// `POST /api/schedules/on-call` with `{"user_id"?}` → who is on call now on each schedule
/// and until when; with `user_id`, only the schedules that person is on call for.
#[server(prefix = "/api", endpoint = "schedules/on-call", input = server_fn::codec::Json)]
pub async fn on_call_now(user_id: Option<UserId>) -> Result<Vec<ScheduleOnCall>, AppError> {
    use server::*;
    reader().await?;
    let state = app_state()?;
    let now = state.clock.now();
    let horizon = now + chrono::Duration::days(31);
    let mut conn = state.pool.begin().await?;
    let loaded = super::store::load(&mut conn, None, now, horizon).await?;
    let mut rows = Vec::with_capacity(loaded.len());
    for l in loaded {
        let t = crate::domain::schedule::timeline(&l.definition, now, horizon);
        let users: Vec<UserId> = t.at(now).iter().map(|o| o.user).collect();
        if user_id.is_some_and(|u| !users.contains(&u)) {
            continue;
        }
        let until = t
            .segments
            .iter()
            .map(|s| (s.start, s.end))
            .chain(t.gaps.iter().map(|g| (g.start, g.end)))
            .find(|(s, e)| *s <= now && now < *e)
            .map(|(_, e)| e)
            .filter(|e| *e < horizon);
        rows.push((l, users, until));
    }
    let mut ids: Vec<UserId> = rows.iter().flat_map(|r| r.1.iter().copied()).collect();
    ids.sort_unstable();
    ids.dedup();
    let people = super::store::people(&mut conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|(l, users, until)| ScheduleOnCall {
            schedule_id: l.id,
            schedule_name: l.name,
            time_zone: l.definition.time_zone,
            on_call: users
                .into_iter()
                .map(|u| super::Person {
                    id: u,
                    name: super::name_in(&people, u),
                })
                .collect(),
            until,
        })
        .collect())
}

/// `POST /api/schedules/my-shifts` with `{"days"?}` (1–90, default 14) → the caller's shifts
/// on every schedule from now, merged where continuous, in time order.
#[server(prefix = "/api", endpoint = "schedules/my-shifts", input = server_fn::codec::Json)]
pub async fn my_shifts(days: Option<u32>) -> Result<Vec<MyShift>, AppError> {
    use server::*;
    let caller = reader().await?;
    let days = days.unwrap_or(14);
    if !(1..=90).contains(&days) {
        return Err(AppError::invalid("days", "must be between 1 and 90"));
    }
    let state = app_state()?;
    let now = state.clock.now();
    let to = now + chrono::Duration::days(i64::from(days));
    let mut conn = state.pool.begin().await?;
    let loaded = super::store::load(&mut conn, None, now, to).await?;
    let me = caller.user.id;
    let mut out: Vec<MyShift> = Vec::new();
    for l in &loaded {
        let t = crate::domain::schedule::timeline(&l.definition, now, to);
        out.extend(
            t.stretches()
                .into_iter()
                .filter(|s| s.user == me)
                .map(|s| MyShift {
                    schedule_id: l.id,
                    schedule_name: l.name.clone(),
                    time_zone: l.definition.time_zone.clone(),
                    start: s.start,
                    end: s.end,
                }),
        );
    }
    out.sort_by_key(|s| (s.start, s.schedule_id));
    Ok(out)
}

/// `POST /api/schedules/feeds/get` with `{"schedule_id"?}` → the live calendar feed of that
/// schedule, or without it the caller's own; its URL is only shown when created.
#[server(prefix = "/api", endpoint = "schedules/feeds/get", input = server_fn::codec::Json)]
pub async fn get_feed(schedule_id: Option<ScheduleId>) -> Result<Option<Feed>, AppError> {
    use super::feeds::Owner;
    use server::*;
    let owner = match schedule_id {
        Some(s) => {
            reader().await?;
            Owner::Schedule(s)
        }
        None => Owner::User(authorize(Access::OwnAccount).await?.user.id),
    };
    let mut conn = app_state()?.pool.begin().await?;
    super::feeds::live(&mut conn, owner).await
}

/// `POST /api/schedules/feeds/create` with `{"schedule_id"?}` → a new secret iCal URL (for the
/// schedule, or the caller's own shifts), revoking the previous one. Shown once.
#[server(prefix = "/api", endpoint = "schedules/feeds/create", input = server_fn::codec::Json)]
pub async fn create_feed(schedule_id: Option<ScheduleId>) -> Result<Feed, AppError> {
    use super::feeds::Owner;
    use server::*;
    let (caller, owner) = match schedule_id {
        Some(s) => (writer().await?, Owner::Schedule(s)),
        None => {
            let c = authorize(Access::OwnAccount).await?;
            let id = c.user.id;
            (c, Owner::User(id))
        }
    };
    let state = app_state()?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    if let Some(s) = schedule_id {
        super::store::load_one(&mut tx, s, now, now + chrono::Duration::seconds(1)).await?;
    }
    let feed = super::feeds::create(&mut tx, owner, caller.user.id, &state.public_url, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "schedule.feed.create",
            &schedule_id.map_or_else(|| caller.user.email.clone(), |s| s.to_string()),
            serde_json::json!({"feed_id": feed.id, "schedule_id": schedule_id}),
        )
        .await?;
    tx.commit().await?;
    Ok(feed)
}

/// `POST /api/schedules/feeds/revoke` with `{"schedule_id"?}`: the old URL stops working.
#[server(prefix = "/api", endpoint = "schedules/feeds/revoke", input = server_fn::codec::Json)]
pub async fn revoke_feed(schedule_id: Option<ScheduleId>) -> Result<bool, AppError> {
    use super::feeds::Owner;
    use server::*;
    let (caller, owner) = match schedule_id {
        Some(s) => (writer().await?, Owner::Schedule(s)),
        None => {
            let c = authorize(Access::OwnAccount).await?;
            let id = c.user.id;
            (c, Owner::User(id))
        }
    };
    let state = app_state()?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let revoked = super::feeds::revoke(&mut tx, owner, now).await?;
    if revoked {
        caller
            .audit(
                &mut *tx,
                now,
                "schedule.feed.revoke",
                &schedule_id.map_or_else(|| caller.user.email.clone(), |s| s.to_string()),
                serde_json::json!({"schedule_id": schedule_id}),
            )
            .await?;
    }
    tx.commit().await?;
    Ok(revoked)
}
