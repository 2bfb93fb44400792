//! The global search's SQL: one statement, a few hits of each kind.

use crate::db::Db;

use super::{Hit, Kind, PER_KIND};
use crate::error::AppError;

pub async fn search(pool: &Db, query: &str) -> Result<Vec<Hit>, AppError> {
    let pattern = crate::sql::contains_pattern(query);
    let rows: Vec<(String, uuid::Uuid, String, Option<String>)> = sqlx::query_as(
        "(SELECT 'incident', id, '#' || number || ' ' || title, lower(status) FROM incidents
          WHERE lower(title) LIKE $1 OR number::text = $2 ORDER BY number DESC LIMIT $3)
         UNION ALL
         (SELECT 'service', id, name, NULL FROM services WHERE lower(name) LIKE $1 ORDER BY lower(name) LIMIT $3)
         UNION ALL
         (SELECT 'user', id, name, email FROM users
          WHERE service_team_id IS NULL AND (lower(name) LIKE $1 OR lower(email) LIKE $1)
          ORDER BY lower(name) LIMIT $3)
         UNION ALL
         (SELECT 'team', id, name, NULL FROM teams WHERE lower(name) LIKE $1 ORDER BY lower(name) LIMIT $3)
         UNION ALL
         (SELECT 'schedule', id, name, NULL FROM schedules WHERE lower(name) LIKE $1 ORDER BY lower(name) LIMIT $3)",
    )
    .bind(&pattern)
    .bind(query.trim().trim_start_matches('#'))
    .bind(PER_KIND)
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
