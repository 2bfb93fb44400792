//! What the escalation engine reads of a policy: one step's plan (its delay, channel
//! overrides, SCHEDULE targets, conditions and the policy's shape), the people a step pages
//! now, and people's working hours (for the "outside working hours" condition).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use super::{parse_channels, parse_conditions};
use crate::domain::conditions::StepConditions;
use crate::domain::escalation::TargetKind;
use crate::domain::{PolicyId, ScheduleId, UserId};
use crate::error::AppError;
use crate::policies::{PagedUser, Target};
use crate::profile::ContactKind;

/// What the engine needs of one step: its delay, channel overrides, and the policy's shape.
#[derive(Debug, Clone)]
pub struct StepPlan {
    pub steps: usize,
    pub repeat_count: i32,
    pub delay_minutes: i32,
    pub channels: Vec<ContactKind>,
    /// The step's SCHEDULE targets as (target order, schedule), for `step_users`.
    pub schedules: Vec<(i32, ScheduleId)>,
    /// When the step runs (None: always).
    pub conditions: Option<StepConditions>,
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
        Option<serde_json::Value>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT (SELECT count(*) FROM escalation_steps WHERE policy_id = p.id), p.repeat_count,
                s.delay_minutes, s.channels, sched.ords, sched.ids, s.conditions
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
        Some((steps, repeat_count, Some(delay_minutes), channels, ords, ids, conditions)) => {
            Some(StepPlan {
                steps: usize::try_from(steps).unwrap_or(0),
                repeat_count,
                delay_minutes,
                channels: parse_channels(channels.unwrap_or_default())?,
                schedules: ords
                    .unwrap_or_default()
                    .into_iter()
                    .zip(ids.unwrap_or_default())
                    .collect(),
                conditions: parse_conditions(conditions)?,
            })
        }
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
