//! The SQL of the postmortem lists: postmortems by status, and the overdue action items with
//! their team (the incident's service's), both limited to the teams the caller sees.

use chrono::NaiveDate;

use super::{OverdueItem, PmStatus, PostmortemRow};
use crate::domain::TeamId;
use crate::error::AppError;

/// Postmortems, newest change first; of one status or all; of services owned by no team or
/// by one of `teams` (`None`: every one).
pub async fn list(
    db: &crate::db::Db,
    status: Option<PmStatus>,
    teams: Option<&[TeamId]>,
) -> Result<Vec<PostmortemRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT p.id, p.title, p.status, i.number AS incident_number, s.name AS service_name,
                s.team_id, t.name AS team_name,
                (SELECT count(*) FROM postmortem_actions a
                 WHERE a.postmortem_id = p.id AND a.status <> 'DONE') AS open_actions,
                p.updated_at
         FROM postmortems p JOIN incidents i ON i.id = p.incident_id
         JOIN services s ON s.id = i.service_id LEFT JOIN teams t ON t.id = s.team_id
         WHERE ($1::text IS NULL OR p.status = $1)
           AND ($2::uuid[] IS NULL OR s.team_id IS NULL OR s.team_id = ANY($2))
         ORDER BY p.updated_at DESC, p.id LIMIT 500",
    )
    .bind(status.map(PmStatus::as_str))
    .bind(teams)
    .fetch_all(db)
    .await?)
}

/// Action items not done and due before `today`, oldest due first, with their team (the
/// incident's service's); `teams` as in [`list`].
pub async fn overdue(
    db: &crate::db::Db,
    today: NaiveDate,
    teams: Option<&[TeamId]>,
) -> Result<Vec<OverdueItem>, AppError> {
    Ok(sqlx::query_as(
        "SELECT p.id AS postmortem_id, p.title AS postmortem_title, a.id, a.title,
                u.name AS owner, a.due_on, a.status, s.team_id, t.name AS team_name
         FROM postmortem_actions a JOIN postmortems p ON p.id = a.postmortem_id
         JOIN incidents i ON i.id = p.incident_id JOIN services s ON s.id = i.service_id
         LEFT JOIN teams t ON t.id = s.team_id LEFT JOIN users u ON u.id = a.owner_user_id
         WHERE a.status <> 'DONE' AND a.due_on < $1
           AND ($2::uuid[] IS NULL OR s.team_id IS NULL OR s.team_id = ANY($2))
         ORDER BY a.due_on, a.id LIMIT 1000",
    )
    .bind(today)
    .bind(teams)
    .fetch_all(db)
    .await?)
}
