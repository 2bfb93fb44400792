//! The status page's public reads: settings, components with their derived status, hand-written
//! incidents with updates, maintenance from maintenance windows (read only), and the incident
//! intervals behind the uptime bars. Only urgencies and times are read from incidents.

use chrono::{DateTime, TimeDelta, Utc};

use super::derive::{self, Day};
use super::{ComponentStatus, Impact, IncidentStatus, IncidentView, UpdateView};
use crate::db::Db;
use crate::domain::window::TimeWindow;
use crate::domain::{MaintenanceId, ServiceId, StatusComponentId, StatusIncidentId, Urgency};
use crate::error::AppError;
use crate::maintenance::WindowState;
use crate::maintenance::store::Stored;

/// The page's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub page_name: String,
    pub show_maintenance: bool,
    pub updated_at: Option<DateTime<Utc>>,
}

pub async fn settings(db: &Db) -> Result<Settings, AppError> {
    let (page_name, show_maintenance, updated_at): (String, bool, Option<DateTime<Utc>>) =
        sqlx::query_as(
            "SELECT page_name, show_maintenance, updated_at FROM status_settings WHERE id",
        )
        .fetch_optional(db)
        .await?
        .unwrap_or_else(|| ("Status".to_owned(), true, None));
    Ok(Settings {
        page_name,
        show_maintenance,
        updated_at,
    })
}

/// A component with its status now. `service_id` is for the server's own use; it is never
/// rendered publicly.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub id: StatusComponentId,
    pub service_id: ServiceId,
    pub display_name: String,
    pub group_name: String,
    pub position: i32,
    pub override_status: Option<ComponentStatus>,
    pub status: ComponentStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ComponentRow {
    id: StatusComponentId,
    service_id: ServiceId,
    display_name: String,
    group_name: String,
    position: i32,
    override_status: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    worst_open: Option<String>,
    open_changed: Option<DateTime<Utc>>,
}

/// Every component in page order (group, position, name), its status derived at `now`:
/// one statement for the components and their services' open incidents, one for maintenance.
pub async fn components(db: &Db, now: DateTime<Utc>) -> Result<Vec<Component>, AppError> {
    let rows: Vec<ComponentRow> = sqlx::query_as(
        "SELECT c.id, c.service_id, c.display_name, c.group_name, c.position, c.override_status,
                c.created_at, c.updated_at, o.worst_open, o.open_changed
         FROM status_components c
         LEFT JOIN LATERAL (
             SELECT CASE max(CASE i.urgency WHEN 'HIGH' THEN 3 WHEN 'MEDIUM' THEN 2 ELSE 1 END)
                        WHEN 3 THEN 'HIGH' WHEN 2 THEN 'MEDIUM' WHEN 1 THEN 'LOW' END AS worst_open,
                    max(i.updated_at) AS open_changed
             FROM incidents i
             WHERE i.service_id = c.service_id AND i.status NOT IN ('RESOLVED', 'SUPPRESSED')) o ON true
         ORDER BY c.group_name, c.position, c.display_name, c.id",
    )
    .fetch_all(db)
    .await?;
    let maintenance = maintenance(db, now).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let override_status = match r.override_status {
            None => None,
            Some(raw) => Some(AppError::column(
                "status_components.override_status",
                &raw,
                ComponentStatus::parse(&raw),
            )?),
        };
        let worst_open = match r.worst_open {
            None => None,
            Some(raw) => Some(AppError::column(
                "incidents.urgency",
                &raw,
                Urgency::parse(&raw),
            )?),
        };
        let in_maintenance = maintenance
            .iter()
            .any(|m| m.in_progress && m.components.contains(&r.id));
        out.push(Component {
            id: r.id,
            service_id: r.service_id,
            status: derive::component_status(override_status, in_maintenance, worst_open),
            display_name: r.display_name,
            group_name: r.group_name,
            position: r.position,
            override_status,
            created_at: r.created_at,
            updated_at: r.open_changed.map_or(r.updated_at, |o| o.max(r.updated_at)),
        });
    }
    Ok(out)
}

/// Maintenance as the public sees it: no window name, only times and components.
#[derive(Debug, Clone, PartialEq)]
pub struct Maintenance {
    pub id: MaintenanceId,
    pub in_progress: bool,
    /// This occurrence's start (in progress) or the next one's (scheduled).
    pub scheduled_for: DateTime<Utc>,
    pub scheduled_until: Option<DateTime<Utc>>,
    pub components: Vec<StatusComponentId>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct WindowRow {
    id: MaintenanceId,
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    weekly: Option<serde_json::Value>,
    created_at: DateTime<Utc>,
    components: Vec<StatusComponentId>,
}

/// Windows covering a component's service that are in progress at `now` or start within 30
/// days (maintenance windows' own rules decide, through `maintenance::store::Stored`).
pub async fn maintenance(db: &Db, now: DateTime<Utc>) -> Result<Vec<Maintenance>, AppError> {
    let rows: Vec<WindowRow> = sqlx::query_as(
        "SELECT w.id, w.starts_at, w.ends_at, w.weekly, w.created_at,
                array_agg(c.id ORDER BY c.id) AS components
         FROM maintenance_windows w
         JOIN maintenance_window_services ws ON ws.window_id = w.id
         JOIN status_components c ON c.service_id = ws.service_id
         WHERE w.cancelled_at IS NULL AND (w.ends_at IS NULL OR w.ends_at > $1)
           AND w.starts_at < $2
         GROUP BY w.id ORDER BY w.starts_at, w.id LIMIT 200",
    )
    .bind(now)
    .bind(now + TimeDelta::days(30))
    .fetch_all(db)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let weekly = match r.weekly {
            None => None,
            Some(v) => Some(serde_json::from_value::<TimeWindow>(v.clone()).map_err(|_| {
                AppError::Internal {
                    message: format!(
                        "database column maintenance_windows.weekly holds {v}, which is not a weekly window"
                    ),
                }
            })?),
        };
        let stored = Stored {
            id: r.id,
            name: String::new(),
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            weekly,
            cancelled_at: None,
            hold_open: false,
        };
        let (state, until) = stored.state(now)?;
        let (in_progress, from, until) = match state {
            // A one-off window shows its start, a weekly one its current occurrence's.
            WindowState::Active => (
                true,
                stored.occurrence_start(now)?.unwrap_or(r.starts_at),
                until,
            ),
            WindowState::Scheduled => match stored.next_start(now)? {
                Some(start) if start < now + TimeDelta::days(30) => {
                    (false, start, stored.next_end(start)?)
                }
                _ => continue,
            },
            WindowState::Ended | WindowState::Cancelled => continue,
        };
        out.push(Maintenance {
            id: r.id,
            in_progress,
            scheduled_for: from,
            scheduled_until: until,
            components: r.components,
            created_at: r.created_at,
        });
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct IncidentRow {
    id: StatusIncidentId,
    name: String,
    status: String,
    impact: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    components: Vec<StatusComponentId>,
    updates: serde_json::Value,
}

/// Hand-written incidents, newest first: the `limit` most recent, or only unresolved ones.
pub async fn incidents(
    db: &Db,
    unresolved_only: bool,
    limit: i64,
) -> Result<Vec<IncidentView>, AppError> {
    let rows: Vec<IncidentRow> = sqlx::query_as(
        "SELECT i.id, i.name, i.status, i.impact, i.created_at, i.updated_at, i.resolved_at,
                coalesce((SELECT array_agg(ic.component_id ORDER BY ic.component_id)
                          FROM status_incident_components ic WHERE ic.incident_id = i.id),
                         '{}') AS components,
                coalesce((SELECT json_agg(json_build_object('id', u.id, 'status', u.status,
                                  'body', u.body, 'created_at', u.created_at)
                                  ORDER BY u.created_at DESC, u.id)
                          FROM status_incident_updates u WHERE u.incident_id = i.id),
                         '[]'::json) AS updates
         FROM status_incidents i
         WHERE NOT $1 OR i.resolved_at IS NULL
         ORDER BY i.created_at DESC, i.id LIMIT $2",
    )
    .bind(unresolved_only)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(incident_view).collect()
}

/// One hand-written incident.
pub async fn incident(db: &Db, id: StatusIncidentId) -> Result<Option<IncidentView>, AppError> {
    Ok(incidents(db, false, 1000)
        .await?
        .into_iter()
        .find(|i| i.id == id))
}

fn incident_view(r: IncidentRow) -> Result<IncidentView, AppError> {
    let updates: Vec<UpdateView> =
        serde_json::from_value(r.updates.clone()).map_err(|e| AppError::Internal {
            message: format!(
                "database column status_incident_updates.status or body unreadable: {e}"
            ),
        })?;
    Ok(IncidentView {
        id: r.id,
        status: AppError::column(
            "status_incidents.status",
            &r.status,
            IncidentStatus::parse(&r.status),
        )?,
        impact: AppError::column(
            "status_incidents.impact",
            &r.impact,
            Impact::parse(&r.impact),
        )?,
        name: r.name,
        created_at: r.created_at,
        updated_at: r.updated_at,
        resolved_at: r.resolved_at,
        components: r.components,
        updates,
    })
}

/// An incident's time on a component: (component, urgency, opened, resolved).
type Interval = (
    StatusComponentId,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

/// The days of the uptime bars: the 90 UTC days ending today.
pub const UPTIME_DAYS: i64 = 90;

/// Each component's 90 days (oldest first), from its service's incidents overlapping them
/// (suppressed ones, held by maintenance, do not count): one statement.
pub async fn uptime(
    db: &Db,
    now: DateTime<Utc>,
) -> Result<Vec<(StatusComponentId, Vec<Day>)>, AppError> {
    let today = now.date_naive();
    let first = today - TimeDelta::days(UPTIME_DAYS - 1);
    let start = first.and_time(chrono::NaiveTime::MIN).and_utc();
    let rows: Vec<Interval> = sqlx::query_as(
        "SELECT c.id, i.urgency, i.created_at, i.resolved_at
             FROM status_components c
             JOIN incidents i ON i.service_id = c.service_id
             WHERE i.status <> 'SUPPRESSED' AND i.created_at < $2
               AND (i.resolved_at IS NULL OR i.resolved_at > $1)",
    )
    .bind(start)
    .bind(now)
    .fetch_all(db)
    .await?;
    let ids: Vec<StatusComponentId> = sqlx::query_scalar(
        "SELECT id FROM status_components ORDER BY group_name, position, display_name, id",
    )
    .fetch_all(db)
    .await?;
    let mut out: Vec<(StatusComponentId, Vec<Day>)> = ids
        .into_iter()
        .map(|id| {
            let days = (0..UPTIME_DAYS)
                .map(|n| Day {
                    date: first + TimeDelta::days(n),
                    down_secs: 0,
                    partial_secs: 0,
                })
                .collect();
            (id, days)
        })
        .collect();
    for (component, urgency, from, to) in rows {
        let urgency = AppError::column("incidents.urgency", &urgency, Urgency::parse(&urgency))?;
        let Some((_, days)) = out.iter_mut().find(|(id, _)| *id == component) else {
            continue;
        };
        let from = from.max(start);
        let to = to.unwrap_or(now).min(now);
        for day in days.iter_mut() {
            let d0 = day.date.and_time(chrono::NaiveTime::MIN).and_utc();
            let d1 = d0 + TimeDelta::days(1);
            let overlap = (to.min(d1) - from.max(d0)).num_seconds();
            if overlap <= 0 {
                continue;
            }
            if urgency == Urgency::High {
                day.down_secs = (day.down_secs + overlap).min(86_400);
            } else {
                day.partial_secs = (day.partial_secs + overlap).min(86_400);
            }
        }
    }
    Ok(out)
}

/// Seconds the uptime bars cover up to `now`.
pub fn uptime_total_secs(now: DateTime<Utc>) -> i64 {
    let first = now.date_naive() - TimeDelta::days(UPTIME_DAYS - 1);
    (now - first.and_time(chrono::NaiveTime::MIN).and_utc()).num_seconds()
}

/// Confirmed and pending subscribers.
pub async fn subscriber_counts(db: &Db) -> Result<(i64, i64), AppError> {
    Ok(sqlx::query_as(
        "SELECT count(*) FILTER (WHERE state = 'CONFIRMED'), count(*) FILTER (WHERE state = 'PENDING')
         FROM status_subscribers",
    )
    .fetch_one(db)
    .await?)
}
