//! All SQL for schedules: loading definitions (layers, participants, and the overrides and
//! temporary schedules overlapping a window) for the engine; saving each part is in `writes`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{OverrideRow, Person, PolicyRef};
use crate::domain::schedule::{
    Layer, Override, OverrideKind, Restriction, Rotation, RotationUnit, Schedule, Temporary,
    TemporaryShift,
};
use crate::domain::{LayerId, OverrideId, ScheduleId, TeamId, TemporaryId, UserId};
use crate::error::AppError;

pub mod oncall;
mod writes;

pub use writes::{
    ScheduleFields, check_users, create_override, delete, delete_layer, delete_override,
    delete_temporary, save, save_layer, save_temporary,
};

/// A schedule as stored, with its definition for a window.
pub struct Loaded {
    pub id: ScheduleId,
    pub name: String,
    pub description: String,
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub definition: Schedule,
    pub overrides: Vec<OverrideRow>,
}

pub(super) fn not_found() -> AppError {
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
    type Head = (
        ScheduleId,
        String,
        String,
        Option<TeamId>,
        Option<String>,
        String,
        DateTime<Utc>,
    );
    let heads: Vec<Head> = sqlx::query_as(
        "SELECT s.id, s.name, s.description, s.team_id, t.name, s.time_zone, s.updated_at
         FROM schedules s LEFT JOIN teams t ON t.id = s.team_id
         WHERE $1::uuid[] IS NULL OR s.id = ANY($1) ORDER BY lower(s.name), s.id LIMIT 1000",
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
        .map(
            |(id, name, description, team_id, team_name, time_zone, updated_at)| Loaded {
                id,
                name,
                description,
                team_id,
                team_name,
                updated_at,
                definition: Schedule {
                    time_zone,
                    layers: Vec::new(),
                    overrides: Vec::new(),
                    temporary: Vec::new(),
                    unavailable: Vec::new(),
                },
                overrides: Vec::new(),
            },
        )
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

/// The schedule's owning team, or `None` when there is no such schedule.
pub async fn owner(
    pool: &crate::db::Db,
    id: ScheduleId,
) -> Result<Option<Option<TeamId>>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT team_id FROM schedules WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?,
    )
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
