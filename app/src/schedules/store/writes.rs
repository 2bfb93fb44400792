//! Saving each part of a schedule: the schedule itself (name, description, zone, owning
//! team), its layers with their participants, overrides and temporary schedules. Every part's
//! write marks the schedule changed and locks its row first, so concurrent edits queue up.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{not_found, used_by};
use crate::domain::schedule::{Layer, Override, Temporary};
use crate::domain::{LayerId, OverrideId, ScheduleId, TeamId, TemporaryId, UserId};
use crate::error::AppError;

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

/// A schedule's own fields, validated.
#[derive(Debug, Clone)]
pub struct ScheduleFields {
    pub name: String,
    pub description: String,
    /// An IANA zone name.
    pub time_zone: String,
    pub team_id: Option<TeamId>,
}

/// Creates a schedule (`id` None) or changes one's name, description, zone and owning team.
pub async fn save(
    conn: &mut PgConnection,
    id: Option<ScheduleId>,
    f: &ScheduleFields,
    now: DateTime<Utc>,
) -> Result<ScheduleId, AppError> {
    let taken: Option<ScheduleId> = sqlx::query_scalar(
        "SELECT id FROM schedules WHERE lower(name) = lower($1) AND id IS DISTINCT FROM $2",
    )
    .bind(&f.name)
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
                "INSERT INTO schedules (id, name, description, time_zone, created_at, updated_at, team_id)
                 VALUES ($1, $2, $3, $4, $5, $5, $6)",
            )
            .bind(id)
            .bind(&f.name)
            .bind(&f.description)
            .bind(&f.time_zone)
            .bind(now)
            .bind(f.team_id)
            .execute(&mut *conn)
            .await?;
            Ok(id)
        }
        Some(id) => {
            let done = sqlx::query(
                "UPDATE schedules SET name = $2, description = $3, time_zone = $4, updated_at = $5,
                        team_id = $6
                 WHERE id = $1",
            )
            .bind(id)
            .bind(&f.name)
            .bind(&f.description)
            .bind(&f.time_zone)
            .bind(now)
            .bind(f.team_id)
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
