//! All SQL for maintenance windows: create with services, list, cancel, and which windows
//! hold a set of services at an instant (read by ingest inside its transaction).

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use super::{WindowState, WindowView};
use crate::domain::window::TimeWindow;
use crate::domain::{MaintenanceId, ServiceId, UserId};
use crate::error::AppError;

/// A window as stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: MaintenanceId,
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub weekly: Option<TimeWindow>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

type Row = (
    MaintenanceId,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<serde_json::Value>,
    Option<DateTime<Utc>>,
);

fn stored(r: Row) -> Result<Stored, AppError> {
    let weekly = match r.4 {
        None => None,
        Some(v) => Some(serde_json::from_value::<TimeWindow>(v.clone()).map_err(|_| {
            AppError::Internal {
                message: format!("database column maintenance_windows.weekly holds {v}, which is not a weekly window"),
            }
        })?),
    };
    Ok(Stored {
        id: r.0,
        name: r.1,
        starts_at: r.2,
        ends_at: r.3,
        weekly,
        cancelled_at: r.5,
    })
}

impl Stored {
    /// Whether the window holds at `at` (and, if so, until when).
    pub fn state(
        &self,
        at: DateTime<Utc>,
    ) -> Result<(WindowState, Option<DateTime<Utc>>), AppError> {
        if self.cancelled_at.is_some() {
            return Ok((WindowState::Cancelled, None));
        }
        if self.ends_at.is_some_and(|e| at >= e) {
            return Ok((WindowState::Ended, None));
        }
        if at < self.starts_at {
            return Ok((WindowState::Scheduled, None));
        }
        match &self.weekly {
            None => Ok((WindowState::Active, self.ends_at)),
            Some(w) => {
                let w = w.compile("weekly")?;
                if !w.contains(at) {
                    return Ok((WindowState::Scheduled, None));
                }
                let end = match (w.occurrence_end(at), self.ends_at) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                Ok((WindowState::Active, end))
            }
        }
    }

    /// When this window next stops holding after `at` (where its end job runs).
    pub fn next_end(&self, at: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, AppError> {
        if self.cancelled_at.is_some() || self.ends_at.is_some_and(|e| at >= e) {
            return Ok(None);
        }
        let from = at.max(self.starts_at);
        Ok(match &self.weekly {
            None => self.ends_at,
            Some(w) => match (w.compile("weekly")?.occurrence_end(from), self.ends_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        })
    }
}

const COLUMNS: &str = "id, name, starts_at, ends_at, weekly, cancelled_at";

#[allow(clippy::too_many_arguments)]
pub async fn create(
    tx: &mut PgConnection,
    name: &str,
    services: &[ServiceId],
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    weekly: Option<&TimeWindow>,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<MaintenanceId, AppError> {
    let id = MaintenanceId::new();
    let weekly = weekly
        .map(serde_json::to_value)
        .transpose()
        .map_err(|e| AppError::Internal {
            message: format!("encode weekly window: {e}"),
        })?;
    sqlx::query(
        "WITH w AS (
            INSERT INTO maintenance_windows (id, name, starts_at, ends_at, weekly, created_by, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id)
         INSERT INTO maintenance_window_services (window_id, service_id)
         SELECT w.id, s FROM w, unnest($8::uuid[]) AS s",
    )
    .bind(id)
    .bind(name)
    .bind(starts_at)
    .bind(ends_at)
    .bind(weekly)
    .bind(by)
    .bind(now)
    .bind(services)
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

pub async fn get<'e>(db: impl PgExecutor<'e>, id: MaintenanceId) -> Result<Stored, AppError> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM maintenance_windows WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await?;
    stored(row.ok_or_else(|| AppError::NotFound {
        what: "maintenance window".into(),
    })?)
}

/// The services of a window (id, name, owning team).
pub async fn services<'e>(
    db: impl PgExecutor<'e>,
    id: MaintenanceId,
) -> Result<Vec<(ServiceId, String, Option<crate::domain::TeamId>)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT s.id, s.name, s.team_id FROM maintenance_window_services ws
         JOIN services s ON s.id = ws.service_id WHERE ws.window_id = $1 ORDER BY lower(s.name)",
    )
    .bind(id)
    .fetch_all(db)
    .await?)
}

/// Windows not over by `since` (and the recent past), newest start first; one service's
/// (`Some`) or all.
pub async fn list(
    db: &crate::db::Db,
    service: Option<ServiceId>,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<WindowView>, AppError> {
    type Listed = (
        MaintenanceId,
        String,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<serde_json::Value>,
        Option<DateTime<Utc>>,
        Option<String>,
    );
    let rows: Vec<Listed> = sqlx::query_as(
        "SELECT w.id, w.name, w.starts_at, w.ends_at, w.weekly, w.cancelled_at, u.name
         FROM maintenance_windows w LEFT JOIN users u ON u.id = w.created_by
         WHERE (w.ends_at IS NULL OR w.ends_at >= $2) AND (w.cancelled_at IS NULL OR w.cancelled_at >= $2)
           AND ($1::uuid IS NULL OR EXISTS (SELECT 1 FROM maintenance_window_services ws
                                            WHERE ws.window_id = w.id AND ws.service_id = $1))
         ORDER BY w.starts_at DESC, w.id LIMIT 500",
    )
    .bind(service)
    .bind(since)
    .fetch_all(db)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, name, starts_at, ends_at, weekly, cancelled_at, by) in rows {
        let w = stored((id, name, starts_at, ends_at, weekly, cancelled_at))?;
        let (state, active_until) = w.state(now)?;
        out.push(WindowView {
            services: services(db, w.id)
                .await?
                .into_iter()
                .map(|(id, name, _)| (id, name))
                .collect(),
            id: w.id,
            name: w.name,
            starts_at: w.starts_at,
            ends_at: w.ends_at,
            weekly: w.weekly,
            cancelled_at: w.cancelled_at,
            state,
            active_until,
            created_by: by,
        });
    }
    Ok(out)
}

/// Marks the window cancelled (false if it was already).
pub async fn cancel(
    tx: &mut PgConnection,
    id: MaintenanceId,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    Ok(sqlx::query(
        "UPDATE maintenance_windows SET cancelled_at = $2 WHERE id = $1 AND cancelled_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1)
}

/// The window holding each of `services` at `now` (the first by start, if several).
pub async fn holding(
    tx: &mut PgConnection,
    services: &[ServiceId],
    now: DateTime<Utc>,
) -> Result<Vec<(ServiceId, Stored)>, AppError> {
    type Held = (
        ServiceId,
        MaintenanceId,
        String,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<serde_json::Value>,
        Option<DateTime<Utc>>,
    );
    let rows: Vec<Held> = sqlx::query_as(
        "SELECT ws.service_id, w.id, w.name, w.starts_at, w.ends_at, w.weekly, w.cancelled_at
         FROM maintenance_window_services ws JOIN maintenance_windows w ON w.id = ws.window_id
         WHERE ws.service_id = ANY($1) AND w.cancelled_at IS NULL AND w.starts_at <= $2
           AND (w.ends_at IS NULL OR w.ends_at > $2)
         ORDER BY w.starts_at, w.id",
    )
    .bind(services)
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    let mut out: Vec<(ServiceId, Stored)> = Vec::new();
    for (service, id, name, starts_at, ends_at, weekly, cancelled_at) in rows {
        let w = stored((id, name, starts_at, ends_at, weekly, cancelled_at))?;
        if out.iter().any(|(s, _)| *s == service) {
            continue;
        }
        if w.state(now)?.0 == WindowState::Active {
            out.push((service, w));
        }
    }
    Ok(out)
}
