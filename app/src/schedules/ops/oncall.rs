//! Who is on call, per schedule and per escalation-policy step, over a window: the one
//! computation behind REST `/api/v1/oncalls` and the PagerDuty-compatible `/oncalls`.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::window::window;
use crate::auth::caller::Caller;
use crate::domain::schedule::Shift;
use crate::domain::{Access, Area, PolicyId, ScheduleId, TeamId, UserId};
use crate::error::AppError;
use crate::schedules::PolicyRef;
use crate::schedules::store::{self, oncall::Contact};
use crate::state::AppState;

/// How far beyond the window a schedule's shifts are followed to find where an on-call
/// stretch overlapping the window really starts and ends.
pub const LOOKAROUND_DAYS: i64 = 31;
/// The most ids one filter may list.
pub const MAX_FILTER_IDS: usize = 100;

/// What to answer for. Each non-empty filter keeps only the entries whose field is one of
/// its ids (an entry whose field is null never matches); filters combine with AND. Unknown
/// ids simply match nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OnCallQuery {
    /// The window's start; default now.
    pub since: Option<DateTime<Utc>>,
    /// The window's end; default `since` (an instant). At most 90 days after `since`.
    pub until: Option<DateTime<Utc>>,
    pub schedule_ids: Vec<ScheduleId>,
    pub policy_ids: Vec<PolicyId>,
    pub user_ids: Vec<UserId>,
}

/// A user as an entry names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OnCallUser {
    pub id: UserId,
    pub name: String,
    pub email: String,
}

/// A schedule as an entry names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleRef {
    pub id: ScheduleId,
    pub name: String,
}

/// A team as an entry names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamRef {
    pub id: TeamId,
    pub name: String,
}

/// One stretch of one user being on call, for a schedule and/or an escalation step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OnCallEntry {
    pub user: OnCallUser,
    /// The schedule that puts the user on call; null for a user an escalation step targets
    /// directly (or through a team).
    pub schedule: Option<ScheduleRef>,
    /// The policy whose step pages the user; null for a schedule's own entries.
    pub escalation_policy: Option<PolicyRef>,
    /// The step's number, 1-based; null when `escalation_policy` is.
    pub escalation_level: Option<u32>,
    /// The team a TEAM or TEAM_LEAD target reaches the user through.
    pub team: Option<TeamRef>,
    /// The on-call stretch's own bounds (not clipped to the window, but followed at most
    /// `LOOKAROUND_DAYS` beyond it). For a step's direct targets: the window itself.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Who is on call over the window `[since, until)` (an instant when they are equal: who is
/// on call at `since`), as entries in two kinds:
///
/// * a schedule's own: one per continuous stretch of a user on call on a schedule
///   (overrides and temporary schedules applied), with `escalation_policy` and
///   `escalation_level` null. Every schedule has them (unless `policy_ids` filters);
/// * an escalation step's: for every step of every policy, level = the step's 1-based
///   number, one per stretch of each targeted schedule (with `schedule`), and one per user
///   the step targets directly or through a team (`schedule` null, `team` set for a team;
///   always on call, so `start`/`end` are the window).
///
/// A stretch is listed when it overlaps the window (contains `since`, for an instant); its
/// `start`/`end` are its own, followed up to `LOOKAROUND_DAYS` either side of the window.
/// Only people who can be paged (ACTIVE) are listed, each stretch once per (schedule,
/// policy, level, team). Sorted: schedules' own entries first, then by policy name and level;
/// within those by schedule name, start and user name. Reading needs any role (keys:
/// `schedules:read`). Errors: 422 naming `until` (before `since`, or more than 90 days
/// after it), `since`/`until` (out of chrono's range), or a filter listing more than
/// `MAX_FILTER_IDS` ids.
pub async fn oncalls(
    state: &AppState,
    caller: &Caller,
    query: &OnCallQuery,
) -> Result<Vec<OnCallEntry>, AppError> {
    caller.check(Access::Read(Area::Schedules))?;
    let span = window(
        state.clock.now(),
        query.since,
        query.until,
        Duration::zero(),
    )?;
    let (since, until) = (span.start, span.end);
    for (field, n) in [
        ("schedule_ids", query.schedule_ids.len()),
        ("policy_ids", query.policy_ids.len()),
        ("user_ids", query.user_ids.len()),
    ] {
        if n > MAX_FILTER_IDS {
            return Err(AppError::invalid(
                field,
                format!("at most {MAX_FILTER_IDS} ids"),
            ));
        }
    }
    let around = Duration::days(LOOKAROUND_DAYS);
    let from = since
        .checked_sub_signed(around)
        .ok_or_else(|| AppError::invalid("since", "is out of range"))?;
    let to = until
        .checked_add_signed(around)
        .ok_or_else(|| AppError::invalid("until", "is out of range"))?;

    let by_schedule = !query.schedule_ids.is_empty();
    let wanted_schedule = |s: &ScheduleId| !by_schedule || query.schedule_ids.contains(s);
    let mut conn = state.pool.begin().await?;
    let policies = (!query.policy_ids.is_empty()).then_some(query.policy_ids.as_slice());
    let targets = store::oncall::step_targets(&mut conn, policies).await?;
    // The schedules to resolve: all, or those the filters and the steps can reach.
    let ids: Option<Vec<ScheduleId>> = if policies.is_none() && !by_schedule {
        None
    } else {
        let mut ids: Vec<ScheduleId> = if policies.is_none() {
            query.schedule_ids.clone()
        } else {
            Vec::new()
        };
        ids.extend(
            targets
                .iter()
                .filter_map(|t| t.schedule)
                .filter(wanted_schedule),
        );
        ids.sort_unstable();
        ids.dedup();
        Some(ids)
    };
    let loaded = match &ids {
        Some(ids) if ids.is_empty() => Vec::new(),
        ids => store::load(&mut conn, ids.as_deref(), from, to).await?,
    };
    let overlaps = |s: &Shift| {
        if since == until {
            s.start <= since && since < s.end
        } else {
            s.start < until && s.end > since
        }
    };
    let stretches: Vec<(ScheduleRef, Vec<Shift>)> = loaded
        .iter()
        .map(|l| {
            let t = crate::domain::schedule::timeline(&l.definition, from, to);
            let shifts = t.stretches().into_iter().filter(overlaps).collect();
            let schedule = ScheduleRef {
                id: l.id,
                name: l.name.clone(),
            };
            (schedule, shifts)
        })
        .collect();

    // Entries without names yet: (user, schedule, policy, level, team, start, end).
    let mut raw: Vec<Draft> = Vec::new();
    if policies.is_none() {
        for (schedule, shifts) in stretches.iter().filter(|(s, _)| wanted_schedule(&s.id)) {
            raw.extend(shifts.iter().map(|s| Draft {
                user: s.user,
                schedule: Some(schedule.clone()),
                policy: None,
                level: None,
                team: None,
                start: s.start,
                end: s.end,
            }));
        }
    }
    for t in &targets {
        let policy = Some(PolicyRef {
            id: t.policy,
            name: t.policy_name.clone(),
        });
        let level = u32::try_from(t.position).ok().map(|p| p + 1);
        if let Some(sid) = t.schedule {
            let Some((schedule, shifts)) = stretches.iter().find(|(s, _)| s.id == sid) else {
                continue;
            };
            raw.extend(shifts.iter().map(|s| Draft {
                user: s.user,
                schedule: Some(schedule.clone()),
                policy: policy.clone(),
                level,
                team: None,
                start: s.start,
                end: s.end,
            }));
        } else if let Some(user) = t.user
            && !by_schedule
        {
            raw.push(Draft {
                user,
                schedule: None,
                policy,
                level,
                team: t.team.clone().map(|(id, name)| TeamRef { id, name }),
                start: since,
                end: until,
            });
        }
    }
    if !query.user_ids.is_empty() {
        raw.retain(|d| query.user_ids.contains(&d.user));
    }
    let mut users: Vec<UserId> = raw.iter().map(|d| d.user).collect();
    users.sort_unstable();
    users.dedup();
    let people = store::oncall::contacts(&mut conn, &users).await?;
    let mut out: Vec<OnCallEntry> = raw
        .into_iter()
        .filter_map(|d| {
            let c: &Contact = people.iter().find(|c| c.id == d.user && c.active)?;
            Some(OnCallEntry {
                user: OnCallUser {
                    id: c.id,
                    name: c.name.clone(),
                    email: c.email.clone(),
                },
                schedule: d.schedule,
                escalation_policy: d.policy,
                escalation_level: d.level,
                team: d.team,
                start: d.start,
                end: d.end,
            })
        })
        .collect();
    out.sort_by_key(sort_key);
    out.dedup();
    Ok(out)
}

/// An entry before its user's name is known.
struct Draft {
    user: UserId,
    schedule: Option<ScheduleRef>,
    policy: Option<PolicyRef>,
    level: Option<u32>,
    team: Option<TeamRef>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

type SortKey = (
    Option<(String, PolicyId)>,
    Option<u32>,
    Option<(String, ScheduleId)>,
    DateTime<Utc>,
    String,
    UserId,
    Option<TeamId>,
    DateTime<Utc>,
);

fn sort_key(e: &OnCallEntry) -> SortKey {
    (
        e.escalation_policy
            .as_ref()
            .map(|p| (p.name.to_lowercase(), p.id)),
        e.escalation_level,
        e.schedule.as_ref().map(|s| (s.name.to_lowercase(), s.id)),
        e.start,
        e.user.name.to_lowercase(),
        e.user.id,
        e.team.as_ref().map(|t| t.id),
        e.end,
    )
}
