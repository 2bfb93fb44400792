//! Every incident operation, once: the caller's check, validation and the change. Server
//! functions, REST handlers and the PagerDuty-compatible API are shells over these.
//! Reading needs any role (keys: `incidents:read`). Acting (acknowledge, snooze, resolve,
//! reopen, note, assign, priority) needs RESPONDER, or a USER to whom (or to whose team) the
//! incident or its service belongs; keys need `incidents:write`.

use super::{Counters, IncidentDetail, IncidentFilter, IncidentPage};
use crate::auth::caller::Caller;
use crate::domain::{Access, Area, IncidentId, Role, ServiceId, TeamId, Transition, UserId};
use crate::error::AppError;
use crate::state::AppState;

/// `Ok` when the caller may act on every one of `ids`.
pub async fn may_act(
    state: &AppState,
    caller: &Caller,
    ids: &[IncidentId],
) -> Result<(), AppError> {
    caller.check_scope(Access::Write(Area::Incidents))?;
    if caller.user.role.at_least(Role::Responder) {
        return Ok(());
    }
    let mine = crate::teams::store::teams_of_user(&state.pool, caller.user.id).await?;
    for id in ids {
        let (assignee, teams) = super::reads::teams_of(&state.pool, *id).await?;
        if assignee != Some(caller.user.id) && !teams.iter().any(|t| mine.contains(t)) {
            return Err(AppError::forbidden(
                "a USER acts only on incidents assigned to them or to their teams",
            ));
        }
    }
    Ok(())
}

/// A page of incidents, newest first, before the incident number `before`.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    filter: &IncidentFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<IncidentPage, AppError> {
    caller.check(Access::Read(Area::Incidents))?;
    if !(1..=super::MAX_PAGE).contains(&limit) {
        return Err(AppError::invalid(
            "limit",
            format!("must be between 1 and {}", super::MAX_PAGE),
        ));
    }
    if filter.query.chars().count() > 200 {
        return Err(AppError::invalid(
            "filter.query",
            "must be at most 200 characters",
        ));
    }
    super::reads::list(
        state.pool.stale_reads(),
        filter,
        caller.user.id,
        before,
        limit,
        state.clock.now(),
    )
    .await
}

/// The incident, its timeline and newest alerts.
pub async fn get(
    state: &AppState,
    caller: &Caller,
    id: IncidentId,
) -> Result<IncidentDetail, AppError> {
    caller.check(Access::Read(Area::Incidents))?;
    super::reads::get(&state.pool, id, state.clock.now()).await
}

/// The command center's counters, now.
pub async fn counters(state: &AppState, caller: &Caller) -> Result<Counters, AppError> {
    caller.check(Access::Read(Area::Incidents))?;
    super::reads::counters(&state.pool, state.clock.now()).await
}

/// The longest snooze, in minutes (7 days).
pub const SNOOZE_MAX_MINUTES: i64 = 7 * 24 * 60;
/// The most incidents one bulk change takes.
pub const BULK_MAX: usize = 200;

/// Applies `t` to each of `ids` (snoozing for `snooze_minutes`) → how many changed; repeats
/// change nothing.
pub async fn transition(
    state: &AppState,
    caller: &Caller,
    ids: &[IncidentId],
    t: Transition,
    snooze_minutes: Option<i64>,
) -> Result<u64, AppError> {
    may_act(state, caller, ids).await?;
    if ids.is_empty() || ids.len() > BULK_MAX {
        return Err(AppError::invalid("ids", "give 1 to 200 incident ids"));
    }
    let now = state.clock.now();
    let snooze_until = match snooze_minutes {
        None => None,
        Some(m) if (1..=SNOOZE_MAX_MINUTES).contains(&m) => {
            Some(now + chrono::Duration::minutes(m))
        }
        Some(_) => {
            return Err(AppError::invalid(
                "minutes",
                "must be between 1 and 10080 (7 days)",
            ));
        }
    };
    let mut changed = 0;
    for id in ids {
        if crate::lifecycle::transition::by_person(
            &state.pool,
            *id,
            t,
            caller.user.id,
            snooze_until,
            now,
        )
        .await?
        {
            changed += 1;
        }
    }
    Ok(changed)
}

/// A trimmed note of 1 to `NOTE_MAX` characters, or the error naming `field`.
pub fn parse_note<'a>(field: &str, note: &'a str) -> Result<&'a str, AppError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(AppError::invalid(field, "is required"));
    }
    if note.chars().count() > super::NOTE_MAX {
        return Err(AppError::invalid(
            field,
            format!("must be at most {} characters", super::NOTE_MAX),
        ));
    }
    Ok(note)
}

/// Adds a note to the incident's timeline → the note's id.
pub async fn add_note(
    state: &AppState,
    caller: &Caller,
    id: IncidentId,
    note: &str,
) -> Result<i64, AppError> {
    may_act(state, caller, &[id]).await?;
    let note = parse_note("note", note)?;
    super::store::add_note(&state.pool, id, caller.user.id, note, state.clock.now()).await
}

/// A new incident, opened by hand.
#[derive(Debug, Clone)]
pub struct NewIncident<'a> {
    pub service_id: ServiceId,
    pub title: &'a str,
    pub description: &'a str,
    pub urgency: &'a str,
}

/// Opens an incident by hand (RESPONDER; keys `incidents:write`) → its id.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    new: NewIncident<'_>,
) -> Result<IncidentId, AppError> {
    use crate::domain::Urgency;
    caller.check(Access::Write(Area::Incidents))?;
    let title = crate::domain::parse_name("title", new.title, super::SUMMARY_MAX)?;
    if new.description.chars().count() > super::NOTE_MAX {
        return Err(AppError::invalid(
            "description",
            format!("must be at most {} characters", super::NOTE_MAX),
        ));
    }
    let urgency = Urgency::parse(new.urgency)
        .ok_or_else(|| AppError::invalid("urgency", "must be HIGH, MEDIUM or LOW"))?;
    crate::services::store::get(&state.pool, new.service_id)
        .await
        .map_err(|_| AppError::invalid("service_id", "no such service"))?;
    super::store::create_manual(
        &state.pool,
        new.service_id,
        &title,
        new.description.trim(),
        urgency,
        caller.user.id,
        state.clock.now(),
    )
    .await
}

/// Assigns the incident to a user or a team (not both), or unassigns when both are `None`.
pub async fn assign(
    state: &AppState,
    caller: &Caller,
    id: IncidentId,
    user_id: Option<UserId>,
    team_id: Option<TeamId>,
) -> Result<(), AppError> {
    may_act(state, caller, &[id]).await?;
    if user_id.is_some() && team_id.is_some() {
        return Err(AppError::invalid(
            "team_id",
            "assign to a user or a team, not both",
        ));
    }
    if let Some(u) = user_id {
        crate::users::store::get(&state.pool, u)
            .await
            .map_err(|_| AppError::invalid("user_id", "no such user"))?;
    }
    if let Some(t) = team_id {
        crate::teams::store::get(&state.pool, t)
            .await
            .map_err(|_| AppError::invalid("team_id", "no such team"))?;
    }
    super::store::assign(
        &state.pool,
        id,
        user_id,
        team_id,
        caller.user.id,
        state.clock.now(),
    )
    .await
}

/// `P1`–`P5`, or `None` (absent or blank) to clear.
pub fn parse_priority(priority: Option<&str>) -> Result<Option<&'static str>, AppError> {
    match priority.map(str::trim) {
        None | Some("") => Ok(None),
        Some(p) => super::PRIORITIES
            .iter()
            .find(|known| **known == p)
            .map(|known| Some(*known))
            .ok_or_else(|| AppError::invalid("priority", "must be P1, P2, P3, P4, P5 or null")),
    }
}

/// Sets (or clears) the incident's priority.
pub async fn set_priority(
    state: &AppState,
    caller: &Caller,
    id: IncidentId,
    priority: Option<&str>,
) -> Result<(), AppError> {
    may_act(state, caller, &[id]).await?;
    let priority = parse_priority(priority)?;
    super::store::set_priority(&state.pool, id, priority, state.clock.now()).await
}

/// Sets the incident's urgency (`HIGH`, `MEDIUM` or `LOW`).
pub async fn set_urgency(
    state: &AppState,
    caller: &Caller,
    id: IncidentId,
    urgency: &str,
) -> Result<(), AppError> {
    may_act(state, caller, &[id]).await?;
    let urgency = crate::domain::Urgency::parse(urgency)
        .ok_or_else(|| AppError::invalid("urgency", "must be HIGH, MEDIUM or LOW"))?;
    super::store::set_urgency(&state.pool, id, urgency, state.clock.now()).await
}
