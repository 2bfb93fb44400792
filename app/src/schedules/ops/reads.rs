//! Reading schedules (any role; keys: `schedules:read`): the list with who is on call now, one
//! schedule's definition for a window and its final timeline, one override or temporary
//! schedule, who is on call where, and the caller's own shifts. A schedule the access
//! settings hide from the caller (`teams::perm::sight`) is left out of lists and is 404.

use chrono::{DateTime, Utc};

use crate::auth::caller::Caller;
use crate::domain::schedule::{Shift, Span, Temporary, Timeline};
use crate::domain::{Access, Area, OverrideId, ScheduleId, TemporaryId, UserId};
use crate::error::AppError;
use crate::schedules::{MyShift, Person, ScheduleDetail, ScheduleOnCall, ScheduleSummary};
use crate::schedules::{OverrideRow, name_in, store};
use crate::state::AppState;
use crate::teams::perm;

/// Every schedule with who is on call now.
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<ScheduleSummary>, AppError> {
    caller.check(Access::Read(Area::Schedules))?;
    let sight = perm::sight(&state.pool, caller).await?;
    let now = state.clock.now();
    let mut conn = state.pool.begin().await?;
    let mut loaded = store::load(&mut conn, None, now, now + chrono::Duration::seconds(1)).await?;
    loaded.retain(|l| sight.sees(l.team_id));
    let on_call: Vec<Vec<UserId>> = loaded
        .iter()
        .map(|l| {
            crate::domain::schedule::on_call_at(&l.definition, now)
                .into_iter()
                .map(|o| o.user)
                .collect()
        })
        .collect();
    let mut ids: Vec<UserId> = on_call.iter().flatten().copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let people = store::people(&mut conn, &ids).await?;
    Ok(loaded
        .into_iter()
        .zip(on_call)
        .map(|(l, users)| ScheduleSummary {
            id: l.id,
            name: l.name,
            description: l.description,
            team_id: l.team_id,
            team_name: l.team_name,
            time_zone: l.definition.time_zone,
            layers: l.definition.layers.len(),
            on_call: users
                .into_iter()
                .map(|u| Person {
                    id: u,
                    name: name_in(&people, u),
                })
                .collect(),
        })
        .collect())
}

/// The schedule's definition with the overrides and temporary schedules overlapping the
/// window `from`..`to`, names, and the policies using it.
pub async fn get(
    state: &AppState,
    caller: &Caller,
    id: ScheduleId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<ScheduleDetail, AppError> {
    caller.check(Access::Read(Area::Schedules))?;
    crate::schedules::api::check_window(from, to)?;
    let sight = perm::sight(&state.pool, caller).await?;
    let now = state.clock.now();
    let mut conn = state.pool.begin().await?;
    detail(&mut conn, &sight, id, from, to, now).await
}

/// The schedule for the window, or 404 when it does not exist or `sight` does not see it.
async fn detail(
    conn: &mut sqlx::PgConnection,
    sight: &perm::Sight,
    id: ScheduleId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<ScheduleDetail, AppError> {
    let l = store::load_one(conn, id, from, to).await?;
    sight.require(l.team_id, "schedule")?;
    let people = store::people(conn, &store::mentioned(&l.definition)).await?;
    let used_by = store::used_by(conn, id).await?;
    Ok(ScheduleDetail {
        id: l.id,
        name: l.name,
        description: l.description,
        team_id: l.team_id,
        team_name: l.team_name,
        definition: l.definition,
        overrides: l.overrides,
        people,
        used_by,
        updated_at: l.updated_at,
        now,
    })
}

/// Who is on call now on each schedule and until when (within 31 days); with `user_id`, only
/// the schedules that person is on call for.
pub async fn on_call_now(
    state: &AppState,
    caller: &Caller,
    user_id: Option<UserId>,
) -> Result<Vec<ScheduleOnCall>, AppError> {
    caller.check(Access::Read(Area::Schedules))?;
    let sight = perm::sight(&state.pool, caller).await?;
    let now = state.clock.now();
    let horizon = now + chrono::Duration::days(31);
    let mut conn = state.pool.begin().await?;
    let mut loaded = store::load(&mut conn, None, now, horizon).await?;
    loaded.retain(|l| sight.sees(l.team_id));
    let mut rows = Vec::with_capacity(loaded.len());
    for l in loaded {
        let t = crate::domain::schedule::timeline(&l.definition, now, horizon);
        let users: Vec<UserId> = t.at(now).iter().map(|o| o.user).collect();
        if user_id.is_some_and(|u| !users.contains(&u)) {
            continue;
        }
        let until = t
            .segments
            .iter()
            .map(|s| (s.start, s.end))
            .chain(t.gaps.iter().map(|g| (g.start, g.end)))
            .find(|(s, e)| *s <= now && now < *e)
            .map(|(_, e)| e)
            .filter(|e| *e < horizon);
        rows.push((l, users, until));
    }
    let mut ids: Vec<UserId> = rows.iter().flat_map(|r| r.1.iter().copied()).collect();
    ids.sort_unstable();
    ids.dedup();
    let people = store::people(&mut conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|(l, users, until)| ScheduleOnCall {
            schedule_id: l.id,
            schedule_name: l.name,
            time_zone: l.definition.time_zone,
            on_call: users
                .into_iter()
                .map(|u| Person {
                    id: u,
                    name: name_in(&people, u),
                })
                .collect(),
            until,
        })
        .collect())
}

/// The caller's shifts on every schedule for the next `days` (1–90, default 14), merged where
/// continuous, in time order.
pub async fn my_shifts(
    state: &AppState,
    caller: &Caller,
    days: Option<u32>,
) -> Result<Vec<MyShift>, AppError> {
    caller.check(Access::Read(Area::Schedules))?;
    let days = days.unwrap_or(14);
    if !(1..=90).contains(&days) {
        return Err(AppError::invalid("days", "must be between 1 and 90"));
    }
    let now = state.clock.now();
    let to = now + chrono::Duration::days(i64::from(days));
    let mut conn = state.pool.begin().await?;
    let loaded = store::load(&mut conn, None, now, to).await?;
    let me = caller.user.id;
    let mut out: Vec<MyShift> = Vec::new();
    for l in &loaded {
        let t = crate::domain::schedule::timeline(&l.definition, now, to);
        out.extend(
            t.stretches()
                .into_iter()
                .filter(|s| s.user == me)
                .map(|s| MyShift {
                    schedule_id: l.id,
                    schedule_name: l.name.clone(),
                    time_zone: l.definition.time_zone.clone(),
                    start: s.start,
                    end: s.end,
                }),
        );
    }
    out.sort_by_key(|s| (s.start, s.schedule_id));
    Ok(out)
}

/// A schedule rendered for a window: what decides it and what it decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalSchedule {
    /// The definition with the overrides and temporary schedules overlapping the window.
    pub detail: ScheduleDetail,
    pub window: Span,
    /// The final timeline of the window: who is on call when (overrides and temporary
    /// schedules applied, people who cannot be paged left out), and the gaps.
    pub timeline: Timeline,
    /// Each layer's own shifts in the window, in the definition's layer order.
    pub layers: Vec<Vec<Shift>>,
}

/// The schedule's final timeline over `since`..`until` (default now, and 7 days on; at
/// most 90 days; errors name `since` or `until`), with each layer's own shifts.
pub async fn final_schedule(
    state: &AppState,
    caller: &Caller,
    id: ScheduleId,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<FinalSchedule, AppError> {
    caller.check(Access::Read(Area::Schedules))?;
    let now = state.clock.now();
    let window = super::window(now, since, until, chrono::Duration::days(7))?;
    let sight = perm::sight(&state.pool, caller).await?;
    let mut conn = state.pool.begin().await?;
    let detail = detail(&mut conn, &sight, id, window.start, window.end, now).await?;
    let (timeline, layers) = crate::domain::schedule::Resolver::new(&detail.definition)
        .map(|r| {
            (
                r.timeline(window.start, window.end),
                r.layer_timelines(window.start, window.end),
            )
        })
        .unwrap_or_default();
    Ok(FinalSchedule {
        detail,
        window,
        timeline,
        layers,
    })
}

/// One override of the schedule, with the people it names; 404 when the schedule has no
/// such override.
pub async fn get_override(
    state: &AppState,
    caller: &Caller,
    schedule_id: ScheduleId,
    id: OverrideId,
) -> Result<(OverrideRow, Vec<Person>), AppError> {
    caller.check(Access::Read(Area::Schedules))?;
    let sight = perm::sight(&state.pool, caller).await?;
    let mut conn = state.pool.begin().await?;
    let (start, end) = store::oncall::override_span(&mut conn, schedule_id, id).await?;
    let loaded = store::load_one(&mut conn, schedule_id, start, end).await?;
    sight.require(loaded.team_id, "schedule")?;
    let row = loaded
        .overrides
        .into_iter()
        .find(|o| o.rule.id == id)
        .ok_or_else(|| AppError::NotFound {
            what: "override".into(),
        })?;
    let ids: Vec<UserId> = row.rule.user.into_iter().chain(row.rule.replaces).collect();
    let people = store::people(&mut conn, &ids).await?;
    Ok((row, people))
}

/// One temporary schedule of the schedule, with the people it names; 404 when the schedule
/// has no such temporary schedule.
pub async fn get_temporary(
    state: &AppState,
    caller: &Caller,
    schedule_id: ScheduleId,
    id: TemporaryId,
) -> Result<(Temporary, Vec<Person>), AppError> {
    caller.check(Access::Read(Area::Schedules))?;
    let sight = perm::sight(&state.pool, caller).await?;
    let mut conn = state.pool.begin().await?;
    let (start, end) = store::oncall::temporary_span(&mut conn, schedule_id, id).await?;
    let loaded = store::load_one(&mut conn, schedule_id, start, end).await?;
    sight.require(loaded.team_id, "schedule")?;
    let temporary = loaded
        .definition
        .temporary
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| AppError::NotFound {
            what: "temporary schedule".into(),
        })?;
    let ids: Vec<UserId> = temporary.shifts.iter().map(|s| s.user).collect();
    let people = store::people(&mut conn, &ids).await?;
    Ok((temporary, people))
}
