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
    /// Also holds the incidents already open on its services when it starts.
    pub hold_open: bool,
}

/// A window's columns as read.
#[derive(sqlx::FromRow)]
struct Row {
    id: MaintenanceId,
    name: String,
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    weekly: Option<serde_json::Value>,
    cancelled_at: Option<DateTime<Utc>>,
    hold_open: bool,
}

const COLUMNS: &str = "w.id, w.name, w.starts_at, w.ends_at, w.weekly, w.cancelled_at, w.hold_open";

impl TryFrom<Row> for Stored {
    type Error = AppError;

    fn try_from(r: Row) -> Result<Stored, AppError> {
        let weekly = match r.weekly {
            None => None,
            Some(v) => Some(serde_json::from_value::<TimeWindow>(v.clone()).map_err(|_| {
                AppError::Internal {
                    message: format!("database column maintenance_windows.weekly holds {v}, which is not a weekly window"),
                }
            })?),
        };
        Ok(Stored {
            id: r.id,
            name: r.name,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            weekly,
            cancelled_at: r.cancelled_at,
            hold_open: r.hold_open,
        })
    }
}

/// The earlier of two ends, either of which may be absent.
fn earlier(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
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
                Ok((
                    WindowState::Active,
                    earlier(w.occurrence_end(at), self.ends_at),
                ))
            }
        }
    }

    /// When the occurrence holding at `at` started: a one-off window's start, a weekly one's
    /// current occurrence (never before the window's own start); `None` when it does not hold.
    pub fn occurrence_start(&self, at: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, AppError> {
        if self.state(at)?.0 != WindowState::Active {
            return Ok(None);
        }
        Ok(Some(match &self.weekly {
            None => self.starts_at,
            Some(w) => w
                .compile("weekly")?
                .occurrence_start(at)
                .map_or(self.starts_at, |s| s.max(self.starts_at)),
        }))
    }

    /// When this window next stops holding after `at` (where its end job runs).
    pub fn next_end(&self, at: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, AppError> {
        if self.cancelled_at.is_some() || self.ends_at.is_some_and(|e| at >= e) {
            return Ok(None);
        }
        let from = at.max(self.starts_at);
        Ok(match &self.weekly {
            None => self.ends_at,
            Some(w) => earlier(w.compile("weekly")?.occurrence_end(from), self.ends_at),
        })
    }

    /// When this window next starts holding after `at` (where its start job runs), if before
    /// its end.
    pub fn next_start(&self, at: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, AppError> {
        if self.cancelled_at.is_some() {
            return Ok(None);
        }
        let start = match &self.weekly {
            None => (self.starts_at > at).then_some(self.starts_at),
            Some(w) => {
                let w = w.compile("weekly")?;
                if self.starts_at > at && w.contains(self.starts_at) {
                    Some(self.starts_at)
                } else {
                    w.next_start(at.max(self.starts_at))
                }
            }
        };
        Ok(start.filter(|s| self.ends_at.is_none_or(|e| *s < e)))
    }
}

#[allow(clippy::too_many_arguments)]
pub async fn create(
    tx: &mut PgConnection,
    name: &str,
    services: &[ServiceId],
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    weekly: Option<&TimeWindow>,
    hold_open: bool,
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
            INSERT INTO maintenance_windows (id, name, starts_at, ends_at, weekly, created_by, created_at,
                                             hold_open)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $9) RETURNING id)
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
    .bind(hold_open)
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

pub async fn get<'e>(db: impl PgExecutor<'e>, id: MaintenanceId) -> Result<Stored, AppError> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM maintenance_windows w WHERE w.id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.ok_or_else(|| AppError::NotFound {
        what: "maintenance window".into(),
    })?
    .try_into()
}

/// The window if it is still on (neither deleted nor cancelled): what its jobs act on.
pub async fn live(tx: &mut PgConnection, id: MaintenanceId) -> Result<Option<Stored>, AppError> {
    match get(&mut *tx, id).await {
        Ok(w) if w.cancelled_at.is_none() => Ok(Some(w)),
        Ok(_) | Err(AppError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The services of a window.
pub async fn service_ids<'e>(
    db: impl PgExecutor<'e>,
    id: MaintenanceId,
) -> Result<Vec<ServiceId>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT service_id FROM maintenance_window_services WHERE window_id = $1 ORDER BY service_id",
    )
    .bind(id)
    .fetch_all(db)
    .await?)
}

/// A window as lists show it: its columns, its creator's name and its services.
#[derive(sqlx::FromRow)]
struct Listed {
    #[sqlx(flatten)]
    w: Row,
    created_by: Option<String>,
    services: sqlx::types::Json<Vec<(ServiceId, String)>>,
}

/// `SELECT` of [`Listed`], the services by name.
fn listed_select() -> String {
    format!(
        "SELECT {COLUMNS}, u.name AS created_by,
                COALESCE((SELECT jsonb_agg(jsonb_build_array(s.id, s.name) ORDER BY lower(s.name), s.id)
                          FROM maintenance_window_services ws JOIN services s ON s.id = ws.service_id
                          WHERE ws.window_id = w.id), '[]') AS services
         FROM maintenance_windows w LEFT JOIN users u ON u.id = w.created_by"
    )
}

fn view(l: Listed, now: DateTime<Utc>) -> Result<WindowView, AppError> {
    let w = Stored::try_from(l.w)?;
    let (state, active_until) = w.state(now)?;
    Ok(WindowView {
        id: w.id,
        name: w.name,
        services: l.services.0,
        starts_at: w.starts_at,
        ends_at: w.ends_at,
        weekly: w.weekly,
        cancelled_at: w.cancelled_at,
        hold_open: w.hold_open,
        state,
        active_until,
        created_by: l.created_by,
    })
}

/// Windows not over by `since`, newest start first; one service's (`Some`) or all.
pub async fn list(
    db: &crate::db::Db,
    service: Option<ServiceId>,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<WindowView>, AppError> {
    let rows: Vec<Listed> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{} WHERE (w.ends_at IS NULL OR w.ends_at >= $2) AND (w.cancelled_at IS NULL OR w.cancelled_at >= $2)
           AND ($1::uuid IS NULL OR EXISTS (SELECT 1 FROM maintenance_window_services ws
                                            WHERE ws.window_id = w.id AND ws.service_id = $1))
         ORDER BY w.starts_at DESC, w.id LIMIT 500",
        listed_select()
    )))
    .bind(service)
    .bind(since)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(|l| view(l, now)).collect()
}

/// One window as lists show it.
pub async fn get_view(
    db: &crate::db::Db,
    id: MaintenanceId,
    now: DateTime<Utc>,
) -> Result<WindowView, AppError> {
    let row: Option<Listed> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{} WHERE w.id = $1",
        listed_select()
    )))
    .bind(id)
    .fetch_optional(db)
    .await?;
    view(
        row.ok_or_else(|| AppError::NotFound {
            what: "maintenance window".into(),
        })?,
        now,
    )
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
    #[derive(sqlx::FromRow)]
    struct Held {
        service_id: ServiceId,
        #[sqlx(flatten)]
        w: Row,
    }
    let rows: Vec<Held> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT ws.service_id, {COLUMNS}
         FROM maintenance_window_services ws JOIN maintenance_windows w ON w.id = ws.window_id
         WHERE ws.service_id = ANY($1) AND w.cancelled_at IS NULL AND w.starts_at <= $2
           AND (w.ends_at IS NULL OR w.ends_at > $2)
         ORDER BY w.starts_at, w.id"
    )))
    .bind(services)
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    let mut out: Vec<(ServiceId, Stored)> = Vec::new();
    for Held {
        service_id: service,
        w,
    } in rows
    {
        let w = Stored::try_from(w)?;
        if out.iter().any(|(s, _)| *s == service) {
            continue;
        }
        if w.state(now)?.0 == WindowState::Active {
            out.push((service, w));
        }
    }
    Ok(out)
}
