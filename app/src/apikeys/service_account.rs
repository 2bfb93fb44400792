//! All SQL for teams' service accounts: the one user a team's API keys act as (made with its
//! first key, deleted with the team), and the team role a user holds for team-key rules.

use chrono::{DateTime, Utc};

use crate::domain::{TeamId, UserId};
use crate::error::AppError;

/// The email of a team's service account: under the reserved `.invalid` domain (RFC 2606), so
/// nothing is ever sent to it, and unique per team.
pub fn email_of(team: TeamId) -> String {
    format!("team-{team}@service-accounts.invalid")
}

/// The team's service account, made now if the team has none: RESPONDER, ACTIVE, no password,
/// named after the team. `NotFound` when there is no such team. Two first keys made at once
/// make one account (the second insert waits on the unique key, then does nothing).
/// → (its id, whether it was made now).
pub async fn ensure(
    tx: &mut sqlx::PgConnection,
    team: TeamId,
    now: DateTime<Utc>,
) -> Result<(UserId, bool), AppError> {
    let made: Option<UserId> = sqlx::query_scalar(
        "INSERT INTO users (id, email, name, role, status, time_zone, created_at, updated_at, service_team_id)
         SELECT $1, $2, left(t.name, 80) || ' (service account)', 'RESPONDER', 'ACTIVE', 'UTC', $3, $3, t.id
         FROM teams t WHERE t.id = $4
         ON CONFLICT DO NOTHING
         RETURNING id",
    )
    .bind(UserId::new())
    .bind(email_of(team))
    .bind(now)
    .bind(team)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = made {
        return Ok((id, true));
    }
    let found: Option<UserId> =
        sqlx::query_scalar("SELECT id FROM users WHERE service_team_id = $1")
            .bind(team)
            .fetch_optional(&mut *tx)
            .await?;
    found
        .map(|id| (id, false))
        .ok_or_else(|| AppError::NotFound {
            what: "team".into(),
        })
}

/// Whether the team exists.
pub(super) async fn team_exists<'e>(
    db: impl sqlx::PgExecutor<'e>,
    team: TeamId,
) -> Result<bool, AppError> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM teams WHERE id = $1)")
            .bind(team)
            .fetch_one(db)
            .await?,
    )
}
