//! All SQL for escalation policies: list, read with names, save (steps replaced whole, in one
//! transaction), delete (refused while a service uses it); what the engine reads is in
//! `engine` (a step's plan, the people it pages).

use std::collections::HashMap;

use crate::db::Db;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Policy, PolicySummary, ServiceRef, Step, StepConditions, Target};
use crate::domain::escalation::TargetKind;
use crate::domain::{PolicyId, TeamId};
use crate::error::AppError;
use crate::profile::ContactKind;

mod engine;

pub use engine::{StepPlan, schedule_targets, step_plan, step_users};

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: PolicyId,
    name: String,
    description: String,
    team_id: Option<TeamId>,
    team_name: Option<String>,
    repeat_count: i32,
    steps: i64,
    services: i64,
}

pub async fn list(pool: &Db) -> Result<Vec<PolicySummary>, AppError> {
    let rows: Vec<SummaryRow> = sqlx::query_as(
        "SELECT p.id, p.name, p.description, p.team_id, t.name AS team_name, p.repeat_count,
                (SELECT count(*) FROM escalation_steps s WHERE s.policy_id = p.id) AS steps,
                (SELECT count(*) FROM services v WHERE v.escalation_policy_id = p.id) AS services
         FROM escalation_policies p LEFT JOIN teams t ON t.id = p.team_id
         ORDER BY lower(p.name), p.id LIMIT 1000",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PolicySummary {
            id: r.id,
            name: r.name,
            description: r.description,
            team_id: r.team_id,
            team_name: r.team_name,
            repeat_count: r.repeat_count,
            steps: r.steps,
            services: r.services,
        })
        .collect())
}

/// A step's channels; an unknown kind is an error naming the column.
pub(super) fn parse_channels(raw: Vec<String>) -> Result<Vec<ContactKind>, AppError> {
    raw.iter()
        .map(|c| AppError::column("escalation_steps.channels", c, ContactKind::parse(c)))
        .collect()
}

/// A step's conditions as stored; one this code cannot read is an error naming the column.
pub(super) fn parse_conditions(
    raw: Option<serde_json::Value>,
) -> Result<Option<StepConditions>, AppError> {
    raw.map(|v| {
        serde_json::from_value::<StepConditions>(v.clone()).map_err(|e| AppError::Internal {
            message: format!(
                "database column escalation_steps.conditions holds {v}, which is not a step condition: {e}"
            ),
        })
    })
    .transpose()
}

pub async fn get(conn: &mut PgConnection, id: PolicyId) -> Result<Policy, AppError> {
    type Head = (
        String,
        String,
        Option<TeamId>,
        Option<String>,
        i32,
        DateTime<Utc>,
    );
    let head: Option<Head> = sqlx::query_as(
        "SELECT p.name, p.description, p.team_id, t.name, p.repeat_count, p.updated_at
         FROM escalation_policies p LEFT JOIN teams t ON t.id = p.team_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let (name, description, team_id, team_name, repeat_count, updated_at) =
        head.ok_or_else(|| AppError::NotFound {
            what: "escalation policy".into(),
        })?;
    type StepRow = (i32, i32, Vec<String>, Option<serde_json::Value>);
    let steps: Vec<StepRow> = sqlx::query_as(
        "SELECT position, delay_minutes, channels, conditions FROM escalation_steps WHERE policy_id = $1
         ORDER BY position",
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
        team_id,
        team_name,
        repeat_count,
        steps: steps
            .into_iter()
            .map(|(pos, delay_minutes, channels, conditions)| {
                Ok(Step {
                    delay_minutes,
                    channels: parse_channels(channels)?,
                    targets: by_step.remove(&pos).unwrap_or_default(),
                    conditions: parse_conditions(conditions)?,
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
    pub team_id: Option<TeamId>,
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
                "INSERT INTO escalation_policies (id, name, description, repeat_count, created_at, updated_at,
                                                  team_id)
                 VALUES ($1, $2, $3, $4, $5, $5, $6)",
            )
            .bind(id)
            .bind(&f.name)
            .bind(&f.description)
            .bind(f.repeat_count)
            .bind(now)
            .bind(f.team_id)
            .execute(&mut *conn)
            .await?;
            id
        }
        Some(id) => {
            let done = sqlx::query(
                "UPDATE escalation_policies SET name = $2, description = $3, repeat_count = $4, updated_at = $5,
                        team_id = $6
                 WHERE id = $1",
            )
            .bind(id)
            .bind(&f.name)
            .bind(&f.description)
            .bind(f.repeat_count)
            .bind(now)
            .bind(f.team_id)
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
    let mut conditions: Vec<Option<serde_json::Value>> = Vec::new();
    let (mut t_pos, mut t_ord, mut t_kind) = (Vec::new(), Vec::new(), Vec::new());
    let (mut t_user, mut t_team, mut t_schedule) = (Vec::new(), Vec::new(), Vec::new());
    for (si, step) in f.steps.iter().enumerate() {
        let pos = i32::try_from(si).unwrap_or(i32::MAX);
        positions.push(pos);
        delays.push(step.delay_minutes);
        // A text[] per step, sent as one JSON array of arrays.
        channels.push(step.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>());
        conditions.push(
            step.conditions
                .as_ref()
                .map(serde_json::to_value)
                .transpose()
                .map_err(|e| AppError::Internal {
                    message: format!("step conditions: {e}"),
                })?,
        );
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
        "INSERT INTO escalation_steps (policy_id, position, delay_minutes, channels, conditions)
         SELECT $1, p, d, ARRAY(SELECT jsonb_array_elements_text($4::jsonb -> (o - 1)::int)), c
         FROM unnest($2::int[], $3::int[], $5::jsonb[]) WITH ORDINALITY AS s(p, d, c, o)",
    )
    .bind(id)
    .bind(&positions)
    .bind(&delays)
    .bind(channels)
    .bind(&conditions)
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
