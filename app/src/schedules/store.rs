//! All SQL for schedules: loading definitions (layers, participants, and the overrides and
//! temporary schedules overlapping a window) for the engine, and saving each part.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{OverrideRow, Person, PolicyRef};
use crate::domain::schedule::{
    Layer, Override, OverrideKind, Restriction, Rotation, RotationUnit, Schedule, Temporary,
    TemporaryShift,
};
use crate::domain::{LayerId, OverrideId, ScheduleId, TemporaryId, UserId};
use crate::error::AppError;

pub mod oncall;

/// A schedule as stored, with its definition for a window.
pub struct Loaded {
    pub id: ScheduleId,
    pub name: String,
    pub description: String,
    pub updated_at: DateTime<Utc>,
    pub definition: Schedule,
    pub overrides: Vec<OverrideRow>,
}

fn not_found() -> AppError {
    AppError::NotFound {
        what: "schedule".into(),
    }
}

/// Loads schedules (`ids` None: all, by name) with overrides and temporary schedules that
/// overlap `[from, to)`, and who of the people they mention cannot be paged (not ACTIVE).
/// Five statements whatever the number of schedules.
pub async fn load(
    conn: &mut PgConnection,
    ids: Option<&[ScheduleId]>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Loaded>, AppError> {
    let heads: Vec<(ScheduleId, String, String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT id, name, description, time_zone, updated_at FROM schedules
         WHERE $1::uuid[] IS NULL OR id = ANY($1) ORDER BY lower(name), id LIMIT 1000",
    )
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    if heads.is_empty() {
        return Ok(Vec::new());
    }
    let all: Vec<ScheduleId> = heads.iter().map(|h| h.0).collect();
    type LayerRow = (
        LayerId,
        ScheduleId,
        String,
        i32,
        String,
        i32,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<i32>,
        String,
        Vec<Uuid>,
    );
    let layers: Vec<LayerRow> = sqlx::query_as(
        "SELECT l.id, l.schedule_id, l.name, l.priority, l.rotation_unit, l.rotation_every,
                l.start_local, l.end_local, l.shift_minutes, l.restrictions::text,
                COALESCE((SELECT array_agg(p.user_id ORDER BY p.ord) FROM schedule_participants p
                          WHERE p.layer_id = l.id), '{}')
         FROM schedule_layers l WHERE l.schedule_id = ANY($1) ORDER BY l.schedule_id, l.position, l.id",
    )
    .bind(&all)
    .fetch_all(&mut *conn)
    .await?;
    type OverrideRowDb = (
        OverrideId,
        ScheduleId,
        String,
        Option<UserId>,
        Option<UserId>,
        DateTime<Utc>,
        DateTime<Utc>,
        String,
        Option<String>,
    );
    let overrides: Vec<OverrideRowDb> = sqlx::query_as(
        "SELECT o.id, o.schedule_id, o.kind, o.user_id, o.replaced_user_id, o.starts_at, o.ends_at,
                o.note, u.name
         FROM schedule_overrides o LEFT JOIN users u ON u.id = o.created_by
         WHERE o.schedule_id = ANY($1) AND o.ends_at > $2 AND o.starts_at < $3
         ORDER BY o.created_at, o.id",
    )
    .bind(&all)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    type TempRow = (
        TemporaryId,
        ScheduleId,
        DateTime<Utc>,
        DateTime<Utc>,
        Vec<Uuid>,
        Vec<DateTime<Utc>>,
        Vec<DateTime<Utc>>,
    );
    let temps: Vec<TempRow> = sqlx::query_as(
        "SELECT t.id, t.schedule_id, t.starts_at, t.ends_at,
                COALESCE(array_agg(s.user_id ORDER BY s.ord) FILTER (WHERE s.ord IS NOT NULL), '{}'),
                COALESCE(array_agg(s.starts_at ORDER BY s.ord) FILTER (WHERE s.ord IS NOT NULL), '{}'),
                COALESCE(array_agg(s.ends_at ORDER BY s.ord) FILTER (WHERE s.ord IS NOT NULL), '{}')
         FROM schedule_temporary t LEFT JOIN schedule_temporary_shifts s ON s.temporary_id = t.id
         WHERE t.schedule_id = ANY($1) AND t.ends_at > $2 AND t.starts_at < $3
         GROUP BY t.id ORDER BY t.starts_at, t.id",
    )
    .bind(&all)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;

    let mut out: Vec<Loaded> = heads
        .into_iter()
        .map(|(id, name, description, time_zone, updated_at)| Loaded {
            id,
            name,
            description,
            updated_at,
            definition: Schedule {
                time_zone,
                layers: Vec::new(),
                overrides: Vec::new(),
                temporary: Vec::new(),
                unavailable: Vec::new(),
            },
            overrides: Vec::new(),
        })
        .collect();
    let index: HashMap<ScheduleId, usize> =
        out.iter().enumerate().map(|(i, l)| (l.id, i)).collect();
    for (id, sid, name, priority, unit, every, start, end, shift, restrictions, people) in layers {
        let Some(&i) = index.get(&sid) else { continue };
        out[i].definition.layers.push(Layer {
            id,
            name,
            priority,
            participants: people.into_iter().map(UserId).collect(),
            rotation: Rotation {
                unit: AppError::column(
                    "schedule_layers.rotation_unit",
                    &unit,
                    RotationUnit::parse(&unit),
                )?,
                every: AppError::column(
                    "schedule_layers.rotation_every",
                    &every.to_string(),
                    u32::try_from(every).ok(),
                )?,
            },
            start,
            end,
            shift_minutes: shift
                .map(|m| {
                    AppError::column(
                        "schedule_layers.shift_minutes",
                        &m.to_string(),
                        u32::try_from(m).ok(),
                    )
                })
                .transpose()?,
            restrictions: AppError::column(
                "schedule_layers.restrictions",
                &restrictions,
                serde_json::from_str::<Vec<Restriction>>(&restrictions).ok(),
            )?,
        });
    }
    for (id, sid, kind, user, replaces, start, end, note, by) in overrides {
        let kind = AppError::column("schedule_overrides.kind", &kind, OverrideKind::parse(&kind))?;
        let Some(&i) = index.get(&sid) else { continue };
        let rule = Override {
            id,
            kind,
            user,
            replaces,
            start,
            end,
        };
        out[i].definition.overrides.push(rule);
        out[i].overrides.push(OverrideRow {
            rule,
            note,
            created_by: by,
        });
    }
    for (id, sid, start, end, users, starts, ends) in temps {
        let Some(&i) = index.get(&sid) else { continue };
        let shifts = users
            .into_iter()
            .zip(starts)
            .zip(ends)
            .map(|((user, start), end)| TemporaryShift {
                user: UserId(user),
                start,
                end,
            })
            .collect();
        out[i].definition.temporary.push(Temporary {
            id,
            start,
            end,
            shifts,
        });
    }
    // Who of everyone mentioned cannot be paged (not ACTIVE): the engine skips them.
    let per_schedule: Vec<Vec<UserId>> = out.iter().map(|l| mentioned(&l.definition)).collect();
    let mut everyone: Vec<UserId> = per_schedule.iter().flatten().copied().collect();
    everyone.sort_unstable();
    everyone.dedup();
    if !everyone.is_empty() {
        let inactive: Vec<UserId> =
            sqlx::query_scalar("SELECT id FROM users WHERE id = ANY($1) AND status <> 'ACTIVE'")
                .bind(&everyone)
                .fetch_all(&mut *conn)
                .await?;
        if !inactive.is_empty() {
            for (l, mine) in out.iter_mut().zip(&per_schedule) {
                l.definition.unavailable = inactive
                    .iter()
                    .copied()
                    .filter(|u| mine.contains(u))
                    .collect();
            }
        }
    }
    Ok(out)
}

/// One schedule for a window, or 404.
pub async fn load_one(
    conn: &mut PgConnection,
    id: ScheduleId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Loaded, AppError> {
    load(conn, Some(&[id]), from, to)
        .await?
        .pop()
        .ok_or_else(not_found)
}

/// Names of the given users (any status), for display.
pub async fn people(conn: &mut PgConnection, ids: &[UserId]) -> Result<Vec<Person>, AppError> {
    let rows: Vec<(UserId, String)> =
        sqlx::query_as("SELECT id, name FROM users WHERE id = ANY($1) ORDER BY lower(name)")
            .bind(ids)
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| Person { id, name })
        .collect())
}

/// Every user a definition mentions.
pub fn mentioned(s: &Schedule) -> Vec<UserId> {
    let mut ids: Vec<UserId> = s
        .layers
        .iter()
        .flat_map(|l| l.participants.iter().copied())
        .chain(
            s.overrides
                .iter()
                .flat_map(|o| o.user.into_iter().chain(o.replaces)),
        )
        .chain(
            s.temporary
                .iter()
                .flat_map(|t| t.shifts.iter().map(|x| x.user)),
        )
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The policies that page this schedule.
pub async fn used_by(conn: &mut PgConnection, id: ScheduleId) -> Result<Vec<PolicyRef>, AppError> {
    let rows: Vec<(crate::domain::PolicyId, String)> = sqlx::query_as(
        "SELECT DISTINCT p.id, p.name FROM escalation_targets t
         JOIN escalation_policies p ON p.id = t.policy_id
         WHERE t.schedule_id = $1 ORDER BY p.name, p.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| PolicyRef { id, name })
        .collect())
}

/// Each of `ids` must be an existing user; the error names `field[i]`.
pub async fn check_users(
    conn: &mut PgConnection,
    field: &str,
    ids: &[UserId],
) -> Result<(), AppError> {
    let known: Vec<UserId> = sqlx::query_scalar("SELECT id FROM users WHERE id = ANY($1)")
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
    match ids.iter().position(|id| !known.contains(id)) {
        Some(i) => Err(AppError::invalid(format!("{field}[{i}]"), "no such user")),
        None => Ok(()),
    }
}

/// Creates a schedule (`id` None) or renames/re-zones one.
pub async fn save(
    conn: &mut PgConnection,
    id: Option<ScheduleId>,
    name: &str,
    description: &str,
    time_zone: &str,
    now: DateTime<Utc>,
) -> Result<ScheduleId, AppError> {
    let taken: Option<ScheduleId> = sqlx::query_scalar(
        "SELECT id FROM schedules WHERE lower(name) = lower($1) AND id IS DISTINCT FROM $2",
    )
    .bind(name)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    if taken.is_some() {
        return Err(AppError::invalid("name", "another schedule has this name"));
    }
    match id {
        None => {
            let id = ScheduleId::new();
            sqlx::query(
                "INSERT INTO schedules (id, name, description, time_zone, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(id)
            .bind(name)
            .bind(description)
            .bind(time_zone)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            Ok(id)
        }
        Some(id) => {
            let done = sqlx::query(
                "UPDATE schedules SET name = $2, description = $3, time_zone = $4, updated_at = $5
                 WHERE id = $1",
            )
            .bind(id)
            .bind(name)
            .bind(description)
            .bind(time_zone)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            crate::error::found(done, "schedule")?;
            Ok(id)
        }
    }
}

/// Marks the schedule changed (and locks its row, so concurrent edits queue up).
async fn touch(
    conn: &mut PgConnection,
    id: ScheduleId,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let name: Option<String> =
        sqlx::query_scalar("UPDATE schedules SET updated_at = $2 WHERE id = $1 RETURNING name")
            .bind(id)
            .bind(now)
            .fetch_optional(&mut *conn)
            .await?;
    name.ok_or_else(not_found)
}

/// Deletes a schedule unless a policy pages it (409 naming them). Returns its name.
pub async fn delete(conn: &mut PgConnection, id: ScheduleId) -> Result<String, AppError> {
    let users = used_by(conn, id).await?;
    if !users.is_empty() {
        let names: Vec<String> = users.into_iter().take(5).map(|p| p.name).collect();
        return Err(AppError::conflict(format!(
            "escalation policies page this schedule: {}; remove it from their steps first",
            names.join(", ")
        )));
    }
    let name: Option<String> =
        sqlx::query_scalar("DELETE FROM schedules WHERE id = $1 RETURNING name")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    name.ok_or_else(not_found)
}

/// Inserts or replaces (by id) one layer and its participants. Returns the schedule's name.
pub async fn save_layer(
    conn: &mut PgConnection,
    schedule: ScheduleId,
    layer: &Layer,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let name = touch(conn, schedule, now).await?;
    check_users(conn, "participants", &layer.participants).await?;
    let owner: Option<ScheduleId> =
        sqlx::query_scalar("SELECT schedule_id FROM schedule_layers WHERE id = $1")
            .bind(layer.id)
            .fetch_optional(&mut *conn)
            .await?;
    if owner.is_some_and(|o| o != schedule) {
        return Err(AppError::NotFound {
            what: "layer".into(),
        });
    }
    let restrictions = serde_json::to_string(&layer.restrictions).unwrap_or_else(|_| "[]".into());
    sqlx::query(
        "INSERT INTO schedule_layers (id, schedule_id, position, name, priority, rotation_unit,
             rotation_every, start_local, end_local, shift_minutes, restrictions, created_at, updated_at)
         VALUES ($1, $2, (SELECT COALESCE(max(position) + 1, 0) FROM schedule_layers WHERE schedule_id = $2),
                 $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $11)
         ON CONFLICT (id) DO UPDATE SET name = $3, priority = $4, rotation_unit = $5,
             rotation_every = $6, start_local = $7, end_local = $8, shift_minutes = $9,
             restrictions = $10::jsonb, updated_at = $11",
    )
    .bind(layer.id)
    .bind(schedule)
    .bind(&layer.name)
    .bind(layer.priority)
    .bind(layer.rotation.unit.as_str())
    .bind(i32::try_from(layer.rotation.every).unwrap_or(1))
    .bind(layer.start)
    .bind(layer.end)
    .bind(layer.shift_minutes.and_then(|m| i32::try_from(m).ok()))
    .bind(restrictions)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM schedule_participants WHERE layer_id = $1")
        .bind(layer.id)
        .execute(&mut *conn)
        .await?;
    let ids: Vec<UserId> = layer.participants.clone();
    sqlx::query(
        "INSERT INTO schedule_participants (layer_id, ord, user_id)
         SELECT $1, (o - 1)::int, u FROM unnest($2::uuid[]) WITH ORDINALITY AS x(u, o)",
    )
    .bind(layer.id)
    .bind(&ids)
    .execute(&mut *conn)
    .await?;
    Ok(name)
}

/// Deletes one layer of a schedule. Returns the layer's name.
pub async fn delete_layer(
    conn: &mut PgConnection,
    schedule: ScheduleId,
    layer: LayerId,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    touch(conn, schedule, now).await?;
    let name: Option<String> = sqlx::query_scalar(
        "DELETE FROM schedule_layers WHERE id = $1 AND schedule_id = $2 RETURNING name",
    )
    .bind(layer)
    .bind(schedule)
    .fetch_optional(&mut *conn)
    .await?;
    name.ok_or_else(|| AppError::NotFound {
        what: "layer".into(),
    })
}

pub async fn create_override(
    conn: &mut PgConnection,
    schedule: ScheduleId,
    o: &Override,
    note: &str,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let name = touch(conn, schedule, now).await?;
    for (field, user) in [("user", o.user), ("replaces", o.replaces)] {
        if let Some(u) = user {
            check_users(conn, field, &[u])
                .await
                .map_err(|_| AppError::invalid(field, "no such user"))?;
        }
    }
    sqlx::query(
        "INSERT INTO schedule_overrides (id, schedule_id, kind, user_id, replaced_user_id,
             starts_at, ends_at, note, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(o.id)
    .bind(schedule)
    .bind(o.kind.as_str())
    .bind(o.user)
    .bind(o.replaces)
    .bind(o.start)
    .bind(o.end)
    .bind(note)
    .bind(by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(name)
}

pub async fn delete_override(
    conn: &mut PgConnection,
    schedule: ScheduleId,
    id: OverrideId,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let name = touch(conn, schedule, now).await?;
    let done = sqlx::query("DELETE FROM schedule_overrides WHERE id = $1 AND schedule_id = $2")
        .bind(id)
        .bind(schedule)
        .execute(&mut *conn)
        .await?;
    crate::error::found(done, "override")?;
    Ok(name)
}

/// Inserts or replaces (by id) a temporary schedule; refuses one overlapping another.
pub async fn save_temporary(
    conn: &mut PgConnection,
    schedule: ScheduleId,
    t: &Temporary,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let name = touch(conn, schedule, now).await?;
    let users: Vec<UserId> = t.shifts.iter().map(|s| s.user).collect();
    check_users(conn, "shifts", &users).await?;
    let owner: Option<ScheduleId> =
        sqlx::query_scalar("SELECT schedule_id FROM schedule_temporary WHERE id = $1")
            .bind(t.id)
            .fetch_optional(&mut *conn)
            .await?;
    if owner.is_some_and(|o| o != schedule) {
        return Err(AppError::NotFound {
            what: "temporary schedule".into(),
        });
    }
    let clash: Option<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT starts_at FROM schedule_temporary
         WHERE schedule_id = $1 AND id <> $2 AND starts_at < $4 AND ends_at > $3 LIMIT 1",
    )
    .bind(schedule)
    .bind(t.id)
    .bind(t.start)
    .bind(t.end)
    .fetch_optional(&mut *conn)
    .await?;
    if clash.is_some() {
        return Err(AppError::invalid(
            "start",
            "overlaps another temporary schedule; change or delete that one first",
        ));
    }
    sqlx::query(
        "INSERT INTO schedule_temporary (id, schedule_id, starts_at, ends_at, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET starts_at = $3, ends_at = $4",
    )
    .bind(t.id)
    .bind(schedule)
    .bind(t.start)
    .bind(t.end)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM schedule_temporary_shifts WHERE temporary_id = $1")
        .bind(t.id)
        .execute(&mut *conn)
        .await?;
    let starts: Vec<DateTime<Utc>> = t.shifts.iter().map(|s| s.start).collect();
    let ends: Vec<DateTime<Utc>> = t.shifts.iter().map(|s| s.end).collect();
    sqlx::query(
        "INSERT INTO schedule_temporary_shifts (temporary_id, ord, user_id, starts_at, ends_at)
         SELECT $1, (o - 1)::int, u, s, e
         FROM unnest($2::uuid[], $3::timestamptz[], $4::timestamptz[]) WITH ORDINALITY AS x(u, s, e, o)",
    )
    .bind(t.id)
    .bind(&users)
    .bind(&starts)
    .bind(&ends)
    .execute(&mut *conn)
    .await?;
    Ok(name)
}

pub async fn delete_temporary(
    conn: &mut PgConnection,
    schedule: ScheduleId,
    id: TemporaryId,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let name = touch(conn, schedule, now).await?;
    let done = sqlx::query("DELETE FROM schedule_temporary WHERE id = $1 AND schedule_id = $2")
        .bind(id)
        .bind(schedule)
        .execute(&mut *conn)
        .await?;
    crate::error::found(done, "temporary schedule")?;
    Ok(name)
}

/// Who each of `ids` has on call at `at`, as (schedule, users in order).
pub async fn on_call_at(
    conn: &mut PgConnection,
    ids: &[ScheduleId],
    at: DateTime<Utc>,
) -> Result<Vec<(ScheduleId, Vec<UserId>)>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let loaded = load(conn, Some(ids), at, at + chrono::Duration::seconds(1)).await?;
    Ok(loaded
        .into_iter()
        .map(|l| {
            let users = crate::domain::schedule::on_call_at(&l.definition, at)
                .into_iter()
                .map(|o| o.user)
                .collect();
            (l.id, users)
        })
        .collect())
}
