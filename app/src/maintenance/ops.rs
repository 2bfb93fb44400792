//! Every maintenance-window operation, once: reading (any role, services the caller may see),
//! creating and cancelling (whoever may change every one of its services: a RESPONDER, or for
//! a team's service its OWNER/ADMIN members and ADMINs), with per-field checks and audit.

use chrono::{DateTime, NaiveDateTime, TimeDelta, TimeZone, Utc};

use super::{NewWindow, WindowView};
use crate::auth::caller::Caller;
use crate::domain::window::TimeWindow;
use crate::domain::{Access, Area, MaintenanceId, ServiceId};
use crate::error::AppError;
use crate::state::AppState;
use crate::teams::perm::{self, Edit, Object};

/// Windows not over more than a week ago; one service's, or all the caller may see.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    service: Option<ServiceId>,
) -> Result<Vec<WindowView>, AppError> {
    caller.check(Access::Read(Area::Services))?;
    let sight = perm::sight(&state.pool, caller).await?;
    if let Some(id) = service {
        let s = crate::services::store::get(&state.pool, id).await?;
        sight.require(s.team_id, "service")?;
    }
    let now = state.clock.now();
    let visible: Vec<ServiceId> = crate::services::store::list(&state.pool)
        .await?
        .into_iter()
        .filter(|s| sight.sees(s.team_id))
        .map(|s| s.id)
        .collect();
    let mut windows =
        super::store::list(&state.pool, service, now - TimeDelta::days(7), now).await?;
    windows.retain(|w| w.services.iter().any(|(s, _)| visible.contains(s)));
    Ok(windows)
}

/// A wall-clock time in `tz` (`2026-12-24T18:00`) as an instant; a time that a DST change
/// skips is taken an hour later.
fn local(
    field: &str,
    raw: &str,
    tz: crate::domain::timezone::Tz,
) -> Result<DateTime<Utc>, AppError> {
    let naive = NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| {
            AppError::invalid(field, "must be a date and time such as 2026-12-24T18:00")
        })?;
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(naive + TimeDelta::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| AppError::invalid(field, "is not a time that exists in this zone"))
}

/// The checked window: (name, services, starts_at, ends_at, weekly).
type Checked = (
    String,
    Vec<ServiceId>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<TimeWindow>,
);

fn check(input: &NewWindow, now: DateTime<Utc>) -> Result<Checked, AppError> {
    let name = crate::domain::parse_name("name", &input.name, 120)?;
    let mut services = input.service_ids.clone();
    services.sort_unstable();
    services.dedup();
    if services.is_empty() {
        return Err(AppError::invalid(
            "service_ids",
            "choose at least one service",
        ));
    }
    if services.len() > 200 {
        return Err(AppError::invalid(
            "service_ids",
            "at most 200 services per window",
        ));
    }
    let zone = crate::domain::parse_time_zone("zone", &input.zone)?;
    let tz = crate::domain::timezone::lookup(&zone)
        .ok_or_else(|| AppError::invalid("zone", "is not an IANA time zone"))?;
    let weekly = match input.kind.as_str() {
        "ONCE" => None,
        "WEEKLY" => {
            let w = TimeWindow {
                zone: zone.clone(),
                days: input.days.clone(),
                from: input.from.clone(),
                to: input.to.clone(),
            };
            // Field names as the form has them: days[i], from, to.
            w.compile("").map_err(|e| match e {
                AppError::Invalid { field, message } => AppError::Invalid {
                    field: field.trim_start_matches('.').to_owned(),
                    message,
                },
                other => other,
            })?;
            Some(w)
        }
        _ => return Err(AppError::invalid("kind", "must be ONCE or WEEKLY")),
    };
    let starts_at = match (input.starts_at.trim(), &weekly) {
        ("", Some(_)) => now,
        (raw, _) => local("starts_at", raw, tz)?,
    };
    let ends_at = match (input.ends_at.trim(), &weekly) {
        ("", Some(_)) => None,
        (raw, _) => Some(local("ends_at", raw, tz)?),
    };
    if let Some(end) = ends_at {
        if end <= starts_at {
            return Err(AppError::invalid("ends_at", "must be after the start"));
        }
        if end <= now {
            return Err(AppError::invalid("ends_at", "is in the past"));
        }
    }
    Ok((name, services, starts_at, ends_at, weekly))
}

/// Checks that the caller may change every one of `services` (`perm::begin` for each) → the
/// transaction of the last check, to write in (a plain one when there are none).
async fn begin_for_all(
    state: &AppState,
    caller: &Caller,
    services: &[ServiceId],
    action: &str,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, AppError> {
    let mut tx = None;
    for s in services {
        if let Some(t) = tx.take() {
            sqlx::Transaction::rollback(t).await?;
        }
        tx = Some(perm::begin(state, caller, Edit::change(Object::Service(*s), action)).await?);
    }
    match tx {
        Some(tx) => Ok(tx),
        None => Ok(state.pool.begin().await?),
    }
}

/// Creates a window and queues its first end → the window.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    input: &NewWindow,
) -> Result<WindowView, AppError> {
    caller.check(Access::Write(Area::Services))?;
    let now = state.clock.now();
    let (name, services, starts_at, ends_at, weekly) = check(input, now)?;
    let mut tx = begin_for_all(state, caller, &services, "maintenance.create").await?;
    let id = super::store::create(
        &mut tx,
        &name,
        &services,
        starts_at,
        ends_at,
        weekly.as_ref(),
        input.hold_open,
        caller.user.id,
        now,
    )
    .await?;
    let stored = super::store::get(&mut *tx, id).await?;
    super::end::schedule_next(&mut tx, &stored, now).await?;
    super::start::begin(&mut tx, &stored, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "maintenance.create",
            &name,
            serde_json::json!({"maintenance_window_id": id, "service_ids": services,
                "starts_at": starts_at, "ends_at": ends_at, "weekly": weekly,
                "hold_open": input.hold_open}),
        )
        .await?;
    tx.commit().await?;
    view(state, id).await
}

async fn view(state: &AppState, id: MaintenanceId) -> Result<WindowView, AppError> {
    super::store::get_view(&state.pool, id, state.clock.now()).await
}

/// Cancels a window: what it holds is released now (escalation from step 1).
pub async fn cancel(
    state: &AppState,
    caller: &Caller,
    id: MaintenanceId,
) -> Result<WindowView, AppError> {
    caller.check(Access::Write(Area::Services))?;
    let services = super::store::service_ids(&state.pool, id).await?;
    let mut tx = begin_for_all(state, caller, &services, "maintenance.cancel").await?;
    let now = state.clock.now();
    let w = super::store::get(&mut *tx, id).await?;
    if super::store::cancel(&mut tx, id, now).await? {
        let released = super::end::release(
            &mut tx,
            id,
            &format!("maintenance window “{}” cancelled", w.name),
            now,
        )
        .await?;
        caller
            .audit(
                &mut *tx,
                now,
                "maintenance.cancel",
                &w.name,
                serde_json::json!({"maintenance_window_id": id, "released": released}),
            )
            .await?;
    }
    tx.commit().await?;
    view(state, id).await
}
