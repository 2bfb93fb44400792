//! On-call health's operations: the report (any role; the caller's own row, a team's rows for
//! its OWNER/ADMIN members and workspace ADMINs, everyone's for workspace ADMINs), the
//! caller's own summary over 7 and 30 days, and the team's weekly-report setting (whoever may
//! manage the team), audited.

use chrono::{DateTime, TimeDelta, Utc};

use super::{HealthReport, MyHealth, MyWindow, ResponderHealth, TeamChoice, View, store};
use crate::auth::caller::Caller;
use crate::db::Db;
use crate::domain::interruption::{covered_seconds, tally};
use crate::domain::timezone::{UTC, lookup};
use crate::domain::{Access, Area, TeamId, UserId};
use crate::error::AppError;
use crate::state::AppState;
use crate::teams::perm::is_workspace_admin;

/// The window's length, checked: 7, 30 or 90 days (30 when not given).
pub fn check_days(days: Option<u32>) -> Result<u32, AppError> {
    let days = days.unwrap_or(super::DEFAULT_DAYS);
    if super::WINDOWS.contains(&days) {
        Ok(days)
    } else {
        Err(AppError::invalid("days", "must be 7, 30 or 90"))
    }
}

/// The report over the last `days` for the caller's own row, `team`'s members, or (workspace
/// ADMIN, no team) everyone with any load.
pub async fn report(
    state: &AppState,
    caller: &Caller,
    days: Option<u32>,
    team: Option<TeamId>,
) -> Result<HealthReport, AppError> {
    caller.check(Access::Read(Area::Schedules))?;
    let days = check_days(days)?;
    let until = state.clock.now();
    let since = until - TimeDelta::days(i64::from(days));
    let admin = is_workspace_admin(caller);
    let (view, team_name, people) = match team {
        Some(t) => {
            let Some(name) = crate::teams::store::name_of(&state.pool, t).await? else {
                return Err(AppError::NotFound {
                    what: "team".into(),
                });
            };
            let manages = admin
                || crate::teams::store::team_role_of(&state.pool, caller.user.id, t)
                    .await?
                    .is_some_and(|r| r.manages());
            if !manages {
                return Err(AppError::forbidden(
                    "only admins and the team's owners or admins see the team's on-call health",
                ));
            }
            (
                View::Team,
                Some(name),
                store::team_people(&state.pool, t).await?,
            )
        }
        None if admin => (View::Everyone, None, store::all_people(&state.pool).await?),
        None => (
            View::Own,
            None,
            vec![(
                caller.user.id,
                caller.user.name.clone(),
                caller.user.time_zone.clone(),
            )],
        ),
    };
    let mut responders = compute(&state.pool, &people, since, until).await?;
    if view == View::Everyone {
        responders.retain(|r| r.interruptions.total > 0 || r.on_call_seconds > 0);
    }
    let teams = store::managed_teams(&state.pool, (!admin).then_some(caller.user.id))
        .await?
        .into_iter()
        .map(|(id, name)| TeamChoice { id, name })
        .collect();
    let weekly_report = match team {
        Some(t) => store::weekly_report(&state.pool, t).await?,
        None => None,
    };
    Ok(HealthReport {
        since,
        until,
        days,
        view,
        team_id: team,
        team_name,
        responders,
        teams,
        weekly_report,
    })
}

/// The caller's own on-call health over the last 7 and 30 days (any role; keys with
/// `schedules:read` get their owner's).
pub async fn mine(state: &AppState, caller: &Caller) -> Result<MyHealth, AppError> {
    caller.check(Access::Read(Area::Schedules))?;
    let until = state.clock.now();
    let me = [(
        caller.user.id,
        caller.user.name.clone(),
        caller.user.time_zone.clone(),
    )];
    let mut windows = Vec::new();
    for days in super::MY_WINDOWS {
        let since = until - TimeDelta::days(i64::from(days));
        let Some(health) = compute(&state.pool, &me, since, until).await?.pop() else {
            return Err(AppError::Internal {
                message: "on-call health: no row for the caller".into(),
            });
        };
        windows.push(MyWindow {
            days,
            since,
            health,
        });
    }
    Ok(MyHealth {
        until,
        time_zone: caller.user.time_zone.clone(),
        windows,
    })
}

/// The rows of `people` over `[since, until)`, heaviest load first.
pub async fn compute(
    db: &Db,
    people: &[store::Person],
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<ResponderHealth>, AppError> {
    let ids: Vec<UserId> = people.iter().map(|p| p.0).collect();
    let pages = store::interruptions(db, &ids, since, until).await?;
    let on_call = on_call_seconds(db, &ids, since, until).await?;
    let mut rows: Vec<ResponderHealth> = people
        .iter()
        .map(|(id, name, zone)| {
            let tz = lookup(zone).unwrap_or(UTC);
            let times: Vec<DateTime<Utc>> = pages
                .iter()
                .filter(|(u, _)| u == id)
                .map(|(_, t)| *t)
                .collect();
            let interruptions = tally(&times, &tz);
            ResponderHealth {
                user_id: *id,
                name: name.clone(),
                time_zone: zone.clone(),
                suggest_day_off: interruptions.suggest_day_off(),
                interruptions,
                on_call_seconds: on_call.iter().find(|(u, _)| u == id).map_or(0, |(_, s)| *s),
            }
        })
        .collect();
    super::by_load(&mut rows);
    Ok(rows)
}

/// Each of `users`' time on call in `[since, until)` on every schedule's final timeline
/// (overrides and temporary schedules applied), shifts overlapping across schedules once.
async fn on_call_seconds(
    db: &Db,
    users: &[UserId],
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(UserId, i64)>, AppError> {
    let mut conn = db.begin().await?;
    let loaded = crate::schedules::store::load(&mut conn, None, since, until).await?;
    conn.commit().await?;
    let mut spans: Vec<(UserId, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for l in &loaded {
        let t = crate::domain::schedule::timeline(&l.definition, since, until);
        spans.extend(
            t.stretches()
                .into_iter()
                .filter(|s| users.contains(&s.user))
                .map(|s| (s.user, s.start.max(since), s.end.min(until))),
        );
    }
    Ok(users
        .iter()
        .map(|u| {
            let mine = spans
                .iter()
                .filter(|(who, _, _)| who == u)
                .map(|(_, s, e)| (*s, *e))
                .collect();
            (*u, covered_seconds(mine))
        })
        .collect())
}

/// Turns the team's weekly report on or off (whoever may manage the team). On: the chain is
/// queued for the first of its owners' next Monday 09:00s, each in their own zone (one chain
/// per team); off: the queued run is cancelled.
pub async fn set_weekly_report(
    state: &AppState,
    caller: &Caller,
    team: TeamId,
    enabled: bool,
) -> Result<bool, AppError> {
    crate::teams::ops::may_manage(state, caller, team).await?;
    let now = state.clock.now();
    let first = super::report::next_run(&state.pool, team, now).await?;
    let mut tx = state.pool.begin().await?;
    let Some(name) = store::set_weekly_report(&mut tx, team, enabled).await? else {
        return Err(AppError::NotFound {
            what: "team".into(),
        });
    };
    if enabled {
        let job = super::report::ReportJob {
            team_id: team,
            since: Some(now),
        };
        super::report::schedule(&mut tx, job, first, now).await?;
    } else {
        super::report::cancel(&mut tx, team, now).await?;
    }
    caller
        .audit(
            &mut *tx,
            now,
            "team.weekly_health_report",
            &name,
            serde_json::json!({"team_id": team, "enabled": enabled}),
        )
        .await?;
    tx.commit().await?;
    Ok(enabled)
}
