//! SQL for "who is on call where": every escalation step's targets (teams expanded to their
//! members), the people entries name, and the windows of one override or temporary schedule.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::domain::{OverrideId, PolicyId, ScheduleId, TeamId, TemporaryId, UserId};
use crate::error::AppError;

/// One target of an escalation step: a schedule, or one user (named directly, or a member or
/// the lead of a targeted team).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepTarget {
    pub policy: PolicyId,
    pub policy_name: String,
    /// The step's 0-based position.
    pub position: i32,
    pub schedule: Option<ScheduleId>,
    pub user: Option<UserId>,
    /// The team a TEAM or TEAM_LEAD target reaches `user` through.
    pub team: Option<(TeamId, String)>,
}

/// The targets of every step of the policies (`ids` None: all), in policy name, step and
/// target order. A team target yields one row per member (its lead only, for TEAM_LEAD);
/// a team without one yields nothing.
pub async fn step_targets(
    conn: &mut PgConnection,
    ids: Option<&[PolicyId]>,
) -> Result<Vec<StepTarget>, AppError> {
    type Row = (
        PolicyId,
        String,
        i32,
        Option<ScheduleId>,
        Option<UserId>,
        Option<TeamId>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT t.policy_id, p.name, t.position, t.schedule_id, who.user_id, t.team_id, m.name
         FROM escalation_targets t
         JOIN escalation_policies p ON p.id = t.policy_id
         LEFT JOIN teams m ON m.id = t.team_id
         LEFT JOIN LATERAL (
             SELECT t.user_id AS user_id WHERE t.target_kind = 'USER'
             UNION ALL
             SELECT tm.user_id FROM team_members tm
             WHERE tm.team_id = t.team_id
               AND (t.target_kind = 'TEAM' OR (t.target_kind = 'TEAM_LEAD' AND tm.is_lead))
         ) who ON true
         WHERE ($1::uuid[] IS NULL OR t.policy_id = ANY($1))
           AND (t.schedule_id IS NOT NULL OR who.user_id IS NOT NULL)
         ORDER BY lower(p.name), p.id, t.position, t.ord, who.user_id",
    )
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(policy, policy_name, position, schedule, user, team, team_name)| StepTarget {
                policy,
                policy_name,
                position,
                schedule,
                user,
                team: team.map(|t| (t, team_name.unwrap_or_default())),
            },
        )
        .collect())
}

/// A user as on-call entries name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: UserId,
    pub name: String,
    pub email: String,
    /// ACTIVE: can be paged.
    pub active: bool,
}

/// The given users (any status).
pub async fn contacts(conn: &mut PgConnection, ids: &[UserId]) -> Result<Vec<Contact>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(UserId, String, String, bool)> =
        sqlx::query_as("SELECT id, name, email, status = 'ACTIVE' FROM users WHERE id = ANY($1)")
            .bind(ids)
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email, active)| Contact {
            id,
            name,
            email,
            active,
        })
        .collect())
}

/// The window of the schedule's override `id`, or 404.
pub async fn override_span(
    conn: &mut PgConnection,
    schedule: ScheduleId,
    id: OverrideId,
) -> Result<(DateTime<Utc>, DateTime<Utc>), AppError> {
    let row: Option<(DateTime<Utc>, DateTime<Utc>)> = sqlx::query_as(
        "SELECT starts_at, ends_at FROM schedule_overrides WHERE id = $1 AND schedule_id = $2",
    )
    .bind(id)
    .bind(schedule)
    .fetch_optional(&mut *conn)
    .await?;
    row.ok_or_else(|| AppError::NotFound {
        what: "override".into(),
    })
}

/// The window of the schedule's temporary schedule `id`, or 404.
pub async fn temporary_span(
    conn: &mut PgConnection,
    schedule: ScheduleId,
    id: TemporaryId,
) -> Result<(DateTime<Utc>, DateTime<Utc>), AppError> {
    let row: Option<(DateTime<Utc>, DateTime<Utc>)> = sqlx::query_as(
        "SELECT starts_at, ends_at FROM schedule_temporary WHERE id = $1 AND schedule_id = $2",
    )
    .bind(id)
    .bind(schedule)
    .fetch_optional(&mut *conn)
    .await?;
    row.ok_or_else(|| AppError::NotFound {
        what: "temporary schedule".into(),
    })
}
