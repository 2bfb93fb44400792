//! All SQL for escalation policies: list, read with names, save (steps replaced whole, in one
//! transaction), delete (refused while a service uses it), and target resolution.

use std::collections::HashMap;

use crate::db::Db;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::{PagedUser, Policy, PolicySummary, ServiceRef, Step, Target};
use crate::domain::escalation::TargetKind;
use crate::domain::{PolicyId, ScheduleId, UserId};
use crate::error::AppError;
use crate::profile::ContactKind;

pub async fn list(pool: &Db) -> Result<Vec<PolicySummary>, AppError> {
    let rows: Vec<(PolicyId, String, String, i32, i64, i64)> = sqlx::query_as(
        "SELECT p.id, p.name, p.description, p.repeat_count,
                (SELECT count(*) FROM escalation_steps s WHERE s.policy_id = p.id),
                (SELECT count(*) FROM services v WHERE v.escalation_policy_id = p.id)
         FROM escalation_policies p ORDER BY lower(p.name), p.id LIMIT 1000",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, name, description, repeat_count, steps, services)| PolicySummary {
                id,
                name,
                description,
                repeat_count,
                steps,
                services,
            },
        )
        .collect())
}

/// A step's channels; an unknown kind is an error naming the column.
fn parse_channels(raw: Vec<String>) -> Result<Vec<ContactKind>, AppError> {
    raw.iter()
        .map(|c| AppError::column("escalation_steps.channels", c, ContactKind::parse(c)))
        .collect()
}

pub async fn get(conn: &mut PgConnection, id: PolicyId) -> Result<Policy, AppError> {
    let head: Option<(String, String, i32, DateTime<Utc>)> = sqlx::query_as(
        "SELECT name, description, repeat_count, updated_at FROM escalation_policies WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let (name, description, repeat_count, updated_at) = head.ok_or_else(|| AppError::NotFound {
        what: "escalation policy".into(),
    })?;
    let steps: Vec<(i32, i32, Vec<String>)> = sqlx::query_as(
        "SELECT position, delay_minutes, channels FROM escalation_steps WHERE policy_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let targets: Vec<(i32, String, Uuid, String)> = sqlx::query_as(
        "SELECT t.position, t.target_kind, COALESCE(t.user_id, t.team_id, t.schedule_id),
                COALESCE(u.name, m.name, c.name, '')
         FROM escalation_targets t
         LEFT JOIN users u ON u.id = t.user_id LEFT JOIN teams m ON m.id = t.team_id
         LEFT JOIN schedules c ON c.id = t.schedule_id
         WHERE t.policy_id = $1 ORDER BY t.position, t.ord",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_step: HashMap<i32, Vec<Target>> = HashMap::new();
    for (pos, kind, tid, tname) in targets {
        if let Some(kind) = TargetKind::parse(&kind) {
            by_step.entry(pos).or_default().push(Target {
                kind,
                id: tid,
                name: tname,
            });
        }
    }
    let services: Vec<(crate::domain::ServiceId, String)> = sqlx::query_as(
        "SELECT id, name FROM services WHERE escalation_policy_id = $1 ORDER BY lower(name)",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Policy {
        id,
        name,
        description,
        repeat_count,
        steps: steps
            .into_iter()
            .map(|(pos, delay_minutes, channels)| {
                Ok(Step {
                    delay_minutes,
                    channels: parse_channels(channels)?,
                    targets: by_step.remove(&pos).unwrap_or_default(),
                })
            })
            .collect::<Result<_, AppError>>()?,
        services: services
            .into_iter()
            .map(|(id, name)| ServiceRef { id, name })
            .collect(),
        updated_at,
    })
}

/// Validated policy fields.
pub struct PolicyFields {
    pub name: String,
    pub description: String,
    pub repeat_count: i32,
    pub steps: Vec<Step>,
}

/// What table a target's id lives in.
fn target_table(kind: TargetKind) -> &'static str {
    match kind {
        TargetKind::User => "user",
        TargetKind::Team | TargetKind::TeamLead => "team",
        TargetKind::Schedule => "schedule",
    }
}

/// Each referenced user, team and schedule must exist: an error names the target's field.
async fn check_targets(conn: &mut PgConnection, steps: &[Step]) -> Result<(), AppError> {
    let ids: Vec<Uuid> = steps
        .iter()
        .flat_map(|s| s.targets.iter().map(|t| t.id))
        .collect();
    let known: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT id, 'user' FROM users WHERE id = ANY($1)
         UNION ALL SELECT id, 'team' FROM teams WHERE id = ANY($1)
         UNION ALL SELECT id, 'schedule' FROM schedules WHERE id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    for (si, step) in steps.iter().enumerate() {
        for (ti, t) in step.targets.iter().enumerate() {
            let table = target_table(t.kind);
            if !known.iter().any(|(id, k)| *id == t.id && k == table) {
                return Err(AppError::invalid(
                    format!("steps[{si}].targets[{ti}].id"),
                    format!("no such {table}"),
                ));
            }
        }
    }
    Ok(())
}

/// Creates (`id` None) or replaces a policy and all its steps.
pub async fn save(
    conn: &mut PgConnection,
    id: Option<PolicyId>,
    f: &PolicyFields,
    now: DateTime<Utc>,
) -> Result<PolicyId, AppError> {
    check_targets(conn, &f.steps).await?;
    let id = match id {
        None => {
            let id = PolicyId::new();
            sqlx::query(
                "INSERT INTO escalation_policies (id, name, description, repeat_count, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(id)
            .bind(&f.name)
            .bind(&f.description)
            .bind(f.repeat_count)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            id
        }
        Some(id) => {
            let done = sqlx::query(
                "UPDATE escalation_policies SET name = $2, description = $3, repeat_count = $4, updated_at = $5
                 WHERE id = $1",
            )
            .bind(id)
            .bind(&f.name)
            .bind(&f.description)
            .bind(f.repeat_count)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            crate::error::found(done, "escalation policy")?;
            sqlx::query("DELETE FROM escalation_steps WHERE policy_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            id
        }
    };
    let (mut positions, mut delays, mut channels) = (Vec::new(), Vec::new(), Vec::new());
    let (mut t_pos, mut t_ord, mut t_kind) = (Vec::new(), Vec::new(), Vec::new());
    let (mut t_user, mut t_team, mut t_schedule) = (Vec::new(), Vec::new(), Vec::new());
    for (si, step) in f.steps.iter().enumerate() {
        let pos = i32::try_from(si).unwrap_or(i32::MAX);
        positions.push(pos);
        delays.push(step.delay_minutes);
        // A text[] per step, sent as one JSON array of arrays.
        channels.push(step.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>());
        for (ti, t) in step.targets.iter().enumerate() {
            t_pos.push(pos);
            t_ord.push(i32::try_from(ti).unwrap_or(i32::MAX));
            t_kind.push(t.kind.as_str());
            let table = target_table(t.kind);
            t_user.push((table == "user").then_some(t.id));
            t_team.push((table == "team").then_some(t.id));
            t_schedule.push((table == "schedule").then_some(t.id));
        }
    }
    let channels = serde_json::to_value(&channels).unwrap_or_default();
    sqlx::query(
        "INSERT INTO escalation_steps (policy_id, position, delay_minutes, channels)
         SELECT $1, p, d, ARRAY(SELECT jsonb_array_elements_text($4::jsonb -> (o - 1)::int))
         FROM unnest($2::int[], $3::int[]) WITH ORDINALITY AS s(p, d, o)",
    )
    .bind(id)
    .bind(&positions)
    .bind(&delays)
    .bind(channels)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO escalation_targets (policy_id, position, ord, target_kind, user_id, team_id, schedule_id)
         SELECT $1, p, o, k, u, t, s
         FROM unnest($2::int[], $3::int[], $4::text[], $5::uuid[], $6::uuid[], $7::uuid[]) AS x(p, o, k, u, t, s)",
    )
    .bind(id)
    .bind(&t_pos)
    .bind(&t_ord)
    .bind(&t_kind)
    .bind(&t_user)
    .bind(&t_team)
    .bind(&t_schedule)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Deletes a policy unless a service uses it (409 naming them).
pub async fn delete(conn: &mut PgConnection, id: PolicyId) -> Result<String, AppError> {
    let users: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM services WHERE escalation_policy_id = $1 ORDER BY lower(name) LIMIT 6",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    if !users.is_empty() {
        return Err(AppError::conflict(format!(
            "this policy is used by {}; give those services another policy first",
            users.join(", ")
        )));
    }
    let name: Option<String> =
        sqlx::query_scalar("DELETE FROM escalation_policies WHERE id = $1 RETURNING name")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    name.ok_or_else(|| AppError::NotFound {
        what: "escalation policy".into(),
    })
}

/// What the engine needs of one step: its delay, channel overrides, and the policy's shape.
#[derive(Debug, Clone)]
pub struct StepPlan {
    pub steps: usize,
    pub repeat_count: i32,
    pub delay_minutes: i32,
    pub channels: Vec<ContactKind>,
    /// The step's SCHEDULE targets as (target order, schedule), for `step_users`.
    pub schedules: Vec<(i32, ScheduleId)>,
}

/// A step's SCHEDULE targets as (target order, schedule), from its targets in order.
pub fn schedule_targets(targets: &[Target]) -> Vec<(i32, ScheduleId)> {
    targets
        .iter()
        .enumerate()
        .filter(|(_, t)| t.kind == TargetKind::Schedule)
        .map(|(i, t)| (i32::try_from(i).unwrap_or(i32::MAX), ScheduleId(t.id)))
        .collect()
}

/// The plan of step `step` of `policy`, or `None` when the policy has no such step.
pub async fn step_plan<'e>(
    db: impl PgExecutor<'e>,
    policy: PolicyId,
    step: i32,
) -> Result<Option<StepPlan>, AppError> {
    type Row = (
        i64,
        i32,
        Option<i32>,
        Option<Vec<String>>,
        Option<Vec<i32>>,
        Option<Vec<ScheduleId>>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT (SELECT count(*) FROM escalation_steps WHERE policy_id = p.id), p.repeat_count,
                s.delay_minutes, s.channels, sched.ords, sched.ids
         FROM escalation_policies p LEFT JOIN escalation_steps s ON s.policy_id = p.id AND s.position = $2
         LEFT JOIN LATERAL (
             SELECT array_agg(t.ord ORDER BY t.ord) AS ords, array_agg(t.schedule_id ORDER BY t.ord) AS ids
             FROM escalation_targets t
             WHERE t.policy_id = p.id AND t.position = $2 AND t.target_kind = 'SCHEDULE') sched ON true
         WHERE p.id = $1",
    )
    .bind(policy)
    .bind(step)
    .fetch_optional(db)
    .await?;
    Ok(match row {
        Some((steps, repeat_count, Some(delay_minutes), channels, ords, ids)) => Some(StepPlan {
            steps: usize::try_from(steps).unwrap_or(0),
            repeat_count,
            delay_minutes,
            channels: parse_channels(channels.unwrap_or_default())?,
            schedules: ords
                .unwrap_or_default()
                .into_iter()
                .zip(ids.unwrap_or_default())
                .collect(),
        }),
        _ => None,
    })
}

/// The active people step `step` of `policy` pages right now, each once, in target order.
/// `schedules` are the step's SCHEDULE targets (from `StepPlan` or `schedule_targets`),
/// resolved by the schedule engine at `now`: whoever is on call then (a gap adds nobody).
/// No extra round trip for a step without schedule targets.
pub async fn step_users(
    conn: &mut PgConnection,
    policy: PolicyId,
    step: i32,
    schedules: &[(i32, ScheduleId)],
    now: DateTime<Utc>,
) -> Result<Vec<PagedUser>, AppError> {
    let (mut s_ord, mut s_user) = (Vec::new(), Vec::new());
    if !schedules.is_empty() {
        let ids: Vec<ScheduleId> = schedules.iter().map(|s| s.1).collect();
        let on_call = crate::schedules::store::on_call_at(conn, &ids, now).await?;
        for (ord, sid) in schedules {
            for (_, users) in on_call.iter().filter(|(id, _)| id == sid) {
                for u in users {
                    s_ord.push(*ord);
                    s_user.push(*u);
                }
            }
        }
    }
    let rows: Vec<(UserId, String, String)> = sqlx::query_as(
        "SELECT id, name, email FROM (
            SELECT DISTINCT ON (u.id) u.id, u.name, u.email, w.ord, u.name AS sort_name
            FROM (
                SELECT t.ord, who.user_id
                FROM escalation_targets t
                JOIN LATERAL (
                    SELECT t.user_id AS user_id WHERE t.target_kind = 'USER'
                    UNION ALL
                    SELECT m.user_id FROM team_members m
                    WHERE m.team_id = t.team_id
                      AND (t.target_kind = 'TEAM' OR (t.target_kind = 'TEAM_LEAD' AND m.is_lead))
                ) who ON true
                WHERE t.policy_id = $1 AND t.position = $2
                UNION ALL
                SELECT o, u FROM unnest($3::int[], $4::uuid[]) AS s(o, u)
            ) w
            JOIN users u ON u.id = w.user_id AND u.status = 'ACTIVE'
            ORDER BY u.id, w.ord) x
         ORDER BY ord, lower(sort_name), id",
    )
    .bind(policy)
    .bind(step)
    .bind(&s_ord)
    .bind(&s_user)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email)| PagedUser { id, name, email })
        .collect())
}
