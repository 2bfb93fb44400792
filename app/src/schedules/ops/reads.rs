//! Reading schedules (any role; keys: `schedules:read`): the list with who is on call now, one
//! schedule's definition for a window, who is on call where, and the caller's own shifts.

use chrono::{DateTime, Utc};

use crate::auth::caller::Caller;
use crate::domain::{Access, Area, ScheduleId, UserId};
use crate::error::AppError;
use crate::schedules::{MyShift, Person, ScheduleDetail, ScheduleOnCall, ScheduleSummary};
use crate::schedules::{name_in, store};
use crate::state::AppState;

/// Every schedule with who is on call now.
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<ScheduleSummary>, AppError> {
    caller.check(Access::Read(Area::Schedules))?;
    let now = state.clock.now();
    let mut conn = state.pool.begin().await?;
    let loaded = store::load(&mut conn, None, now, now + chrono::Duration::seconds(1)).await?;
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
    let now = state.clock.now();
    let mut conn = state.pool.begin().await?;
    detail(&mut conn, id, from, to, now).await
}

async fn detail(
    conn: &mut sqlx::PgConnection,
    id: ScheduleId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<ScheduleDetail, AppError> {
    let l = store::load_one(conn, id, from, to).await?;
    let people = store::people(conn, &store::mentioned(&l.definition)).await?;
    let used_by = store::used_by(conn, id).await?;
    Ok(ScheduleDetail {
        id: l.id,
        name: l.name,
        description: l.description,
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
    let now = state.clock.now();
    let horizon = now + chrono::Duration::days(31);
    let mut conn = state.pool.begin().await?;
    let loaded = store::load(&mut conn, None, now, horizon).await?;
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
