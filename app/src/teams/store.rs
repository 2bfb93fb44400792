//! All SQL for teams and team membership.

use crate::db::Db;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use super::{TeamMember, TeamRole, TeamSummary};
use crate::domain::{Role, TeamId, UserId};
use crate::error::AppError;

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: TeamId,
    name: String,
    description: String,
    member_count: i64,
    lead: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<SummaryRow> for TeamSummary {
    fn from(r: SummaryRow) -> Self {
        TeamSummary {
            id: r.id,
            name: r.name,
            description: r.description,
            member_count: r.member_count,
            lead: r.lead,
            created_at: r.created_at,
        }
    }
}

macro_rules! summary_select {
    () => {
        "SELECT t.id, t.name, t.description, t.created_at,
                (SELECT count(*) FROM team_members m WHERE m.team_id = t.id) AS member_count,
                (SELECT u.name FROM team_members m JOIN users u ON u.id = m.user_id
                  WHERE m.team_id = t.id AND m.is_lead) AS lead
         FROM teams t"
    };
}

pub async fn list(pool: &Db) -> Result<Vec<TeamSummary>, AppError> {
    let rows: Vec<SummaryRow> = sqlx::query_as(concat!(
        summary_select!(),
        " ORDER BY lower(t.name), t.id LIMIT 1000"
    ))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn get<'e>(db: impl PgExecutor<'e>, id: TeamId) -> Result<TeamSummary, AppError> {
    let row: Option<SummaryRow> = sqlx::query_as(concat!(summary_select!(), " WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.map(Into::into).ok_or_else(|| AppError::NotFound {
        what: "team".into(),
    })
}

pub async fn members(pool: &Db, team: TeamId) -> Result<Vec<TeamMember>, AppError> {
    let rows: Vec<(UserId, String, String, String, String, bool)> = sqlx::query_as(
        "SELECT u.id, u.name, u.email, u.role, m.role, m.is_lead
         FROM team_members m JOIN users u ON u.id = m.user_id
         WHERE m.team_id = $1 ORDER BY m.is_lead DESC, lower(u.name), u.id",
    )
    .bind(team)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(user_id, name, email, user_role, role, is_lead)| {
            Ok(TeamMember {
                user_id,
                name,
                email,
                user_role: AppError::column("users.role", &user_role, Role::parse(&user_role))?,
                role: AppError::column("team_members.role", &role, TeamRole::parse(&role))?,
                is_lead,
            })
        })
        .collect()
}

/// `user`'s role in `team`, or `None` when not a member (ADMIN for the team's own service
/// account): the one lookup every team-scoped permission asks (`teams::ops::may_manage`,
/// `teams::perm`, the team keys in `apikeys::ops`).
pub async fn team_role_of<'e>(
    db: impl PgExecutor<'e>,
    user: UserId,
    team: TeamId,
) -> Result<Option<TeamRole>, AppError> {
    // A team's service account (the user its API keys act as) holds no membership row but
    // acts for the team as one of its ADMINs.
    let role: Option<String> = sqlx::query_scalar(
        "SELECT role FROM team_members WHERE team_id = $1 AND user_id = $2
         UNION ALL
         SELECT 'ADMIN' FROM users WHERE id = $2 AND service_team_id = $1
         LIMIT 1",
    )
    .bind(team)
    .bind(user)
    .fetch_optional(db)
    .await?;
    role.map(|r| AppError::column("team_members.role", &r, TeamRole::parse(&r)))
        .transpose()
}

/// The team owning `object` (a service's, for an integration) and the owning object's name,
/// with that row locked against a concurrent change (FOR NO KEY UPDATE, which event ingest's
/// foreign-key checks do not wait for) until the transaction ends; `None` when there is no
/// such object.
pub async fn owner_of(
    conn: &mut sqlx::PgConnection,
    object: super::perm::Object,
) -> Result<Option<(Option<TeamId>, String)>, AppError> {
    use super::perm::Object;
    let (sql, id) = match object {
        Object::Service(id) => (
            "SELECT team_id, name FROM services WHERE id = $1 FOR NO KEY UPDATE",
            id.0,
        ),
        Object::Integration(id) => (
            "SELECT s.team_id, s.name FROM integrations i JOIN services s ON s.id = i.service_id
             WHERE i.id = $1 FOR NO KEY UPDATE OF s",
            id.0,
        ),
        Object::Policy(id) => (
            "SELECT team_id, name FROM escalation_policies WHERE id = $1 FOR NO KEY UPDATE",
            id.0,
        ),
        Object::Schedule(id) => (
            "SELECT team_id, name FROM schedules WHERE id = $1 FOR NO KEY UPDATE",
            id.0,
        ),
    };
    Ok(sqlx::query_as(sql).bind(id).fetch_optional(conn).await?)
}

/// A team's name, or `None` when there is no such team.
pub async fn name_of<'e>(
    db: impl PgExecutor<'e>,
    team: TeamId,
) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar("SELECT name FROM teams WHERE id = $1")
        .bind(team)
        .fetch_optional(db)
        .await?)
}

pub async fn create<'e>(
    db: impl PgExecutor<'e>,
    name: &str,
    description: &str,
    now: DateTime<Utc>,
) -> Result<TeamId, AppError> {
    let id = TeamId::new();
    sqlx::query(
        "INSERT INTO teams (id, name, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(id)
    .bind(name)
    .bind(description)
    .bind(now)
    .execute(db)
    .await?;
    Ok(id)
}

pub async fn update<'e>(
    db: impl PgExecutor<'e>,
    id: TeamId,
    name: &str,
    description: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let done =
        sqlx::query("UPDATE teams SET name = $2, description = $3, updated_at = $4 WHERE id = $1")
            .bind(id)
            .bind(name)
            .bind(description)
            .bind(now)
            .execute(db)
            .await?;
    crate::error::found(done, "team")
}

pub async fn delete<'e>(db: impl PgExecutor<'e>, id: TeamId) -> Result<(), AppError> {
    let done = sqlx::query("DELETE FROM teams WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    crate::error::found(done, "team")
}

/// Adds or updates a membership. Making someone lead clears the previous lead first, in
/// the caller's transaction.
pub async fn set_member(
    tx: &mut sqlx::PgConnection,
    team: TeamId,
    user: UserId,
    role: TeamRole,
    is_lead: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if is_lead {
        sqlx::query("UPDATE team_members SET is_lead = false WHERE team_id = $1 AND is_lead AND user_id <> $2")
            .bind(team)
            .bind(user)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO team_members (team_id, user_id, role, is_lead, added_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (team_id, user_id) DO UPDATE SET role = EXCLUDED.role, is_lead = EXCLUDED.is_lead",
    )
    .bind(team)
    .bind(user)
    .bind(role.as_str())
    .bind(is_lead)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn remove_member<'e>(
    db: impl PgExecutor<'e>,
    team: TeamId,
    user: UserId,
) -> Result<(), AppError> {
    let done = sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
        .bind(team)
        .bind(user)
        .execute(db)
        .await?;
    crate::error::found(done, "team member")
}

/// The teams a user belongs to.
pub async fn teams_of_user(pool: &Db, user: UserId) -> Result<Vec<TeamId>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT team_id FROM team_members WHERE user_id = $1")
            .bind(user)
            .fetch_all(pool)
            .await?,
    )
}
