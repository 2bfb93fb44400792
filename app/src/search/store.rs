//! The global search's SQL: one statement, a few hits of each kind. Services and schedules
//! of teams the access settings hide from the caller are left out (`visible`).

use crate::db::Db;

use super::{Hit, Kind, PER_KIND};
use crate::domain::TeamId;
use crate::error::AppError;

/// Hits for `query`; `visible` (None: all) are the teams whose services and schedules the
/// caller sees besides unowned ones.
pub async fn search(
    pool: &Db,
    query: &str,
    visible: Option<&[TeamId]>,
) -> Result<Vec<Hit>, AppError> {
    let pattern = crate::sql::contains_pattern(query);
    let rows: Vec<(String, uuid::Uuid, String, Option<String>)> = sqlx::query_as(
        "(SELECT 'incident', id, '#' || number || ' ' || title, lower(status) FROM incidents
          WHERE lower(title) LIKE $1 OR number::text = $2 ORDER BY number DESC LIMIT $3)
         UNION ALL
         (SELECT 'service', id, name, NULL FROM services WHERE lower(name) LIKE $1
          AND ($4::uuid[] IS NULL OR team_id IS NULL OR team_id = ANY($4)) ORDER BY lower(name) LIMIT $3)
         UNION ALL
         (SELECT 'user', id, name, email FROM users
          WHERE service_team_id IS NULL AND (lower(name) LIKE $1 OR lower(email) LIKE $1)
          ORDER BY lower(name) LIMIT $3)
         UNION ALL
         (SELECT 'team', id, name, NULL FROM teams WHERE lower(name) LIKE $1 ORDER BY lower(name) LIMIT $3)
         UNION ALL
         (SELECT 'schedule', id, name, NULL FROM schedules WHERE lower(name) LIKE $1
          AND ($4::uuid[] IS NULL OR team_id IS NULL OR team_id = ANY($4)) ORDER BY lower(name) LIMIT $3)",
    )
    .bind(&pattern)
    .bind(query.trim().trim_start_matches('#'))
    .bind(PER_KIND)
    .bind(visible)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(kind, id, label, detail)| {
            Some(Hit {
                kind: Kind::parse(&kind)?,
                id,
                label,
                detail,
            })
        })
        .collect())
}
