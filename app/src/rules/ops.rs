//! Every event-rule operation, once: who may read and save a scope's rules (a service's:
//! whoever may change the service; the global rules: ADMIN), the save with its version check
//! and audit entry (the audit log keeps every version), and the test panel's dry run.

use chrono::TimeDelta;
use serde_json::Value;

use super::eval::{Compiled, Outcome, global_stage, service_stage};
use super::parse::parse_rules;
use super::{RuleSetView, TestedEvent};
use crate::auth::caller::Caller;
use crate::domain::{Access, Area, ServiceId};
use crate::error::AppError;
use crate::state::AppState;
use crate::teams::perm::{self, Edit, Object};

/// The caller may read the scope: any role for the global rules, sight of the service.
async fn may_read(
    state: &AppState,
    caller: &Caller,
    service: Option<ServiceId>,
) -> Result<(), AppError> {
    caller.check(Access::Read(Area::Services))?;
    if let Some(id) = service {
        let s = crate::services::store::get(&state.pool, id).await?;
        perm::sight(&state.pool, caller)
            .await?
            .require(s.team_id, "service")?;
    }
    Ok(())
}

/// A scope's rules, its version, and the events its rules dropped in the last day.
pub async fn get(
    state: &AppState,
    caller: &Caller,
    service: Option<ServiceId>,
) -> Result<RuleSetView, AppError> {
    may_read(state, caller, service).await?;
    view(state, service).await
}

async fn view(state: &AppState, service: Option<ServiceId>) -> Result<RuleSetView, AppError> {
    let stored = super::store::get(&state.pool, service).await?;
    let since = state.clock.now() - TimeDelta::hours(24);
    let services = crate::services::store::list(&state.pool)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    Ok(RuleSetView {
        service_id: service,
        version: stored.as_ref().map_or(0, |s| s.0),
        rules: stored
            .as_ref()
            .map_or(Value::Array(Vec::new()), |s| s.1.clone()),
        updated_at: stored.as_ref().map(|s| s.2),
        updated_by: stored.and_then(|s| s.3),
        dropped_24h: super::store::dropped_since(&state.pool, service, since).await?,
        services,
    })
}

/// Replaces the scope's rules (checked whole; a 409 if someone saved since `version`).
pub async fn save(
    state: &AppState,
    caller: &Caller,
    service: Option<ServiceId>,
    version: i64,
    rules: &Value,
) -> Result<RuleSetView, AppError> {
    let mut tx = match service {
        None => {
            caller.check(Access::Admin)?;
            state.pool.begin().await?
        }
        Some(id) => {
            caller.check(Access::Write(Area::Services))?;
            perm::begin(
                state,
                caller,
                Edit::change(Object::Service(id), "rules.save"),
            )
            .await?
        }
    };
    let parsed = parse_rules("rules", rules, service.is_none())?;
    for (i, r) in parsed.iter().enumerate() {
        if let Some(to) = r.then.route_to
            && super::store::route_target(&mut tx, to).await?.is_none()
        {
            return Err(AppError::invalid(
                format!("rules[{i}].then.route_to"),
                "is not a service",
            ));
        }
    }
    let stored = super::rules_json(&parsed);
    let now = state.clock.now();
    let new_version =
        super::store::save(&mut tx, service, version, &stored, caller.user.id, now).await?;
    let target = match service {
        Some(id) => crate::services::store::get(&mut *tx, id).await?.name,
        None => "global".to_owned(),
    };
    caller
        .audit(
            &mut *tx,
            now,
            "rules.saved",
            &target,
            serde_json::json!({"service_id": service, "version": new_version, "rules": stored}),
        )
        .await?;
    tx.commit().await?;
    view(state, service).await
}

/// What the rules would do with a pasted event (of a receiver's `format`), without ingesting
/// it. `draft` tests the editor's unsaved rules for the scope instead of the saved ones.
pub async fn test(
    state: &AppState,
    caller: &Caller,
    service: Option<ServiceId>,
    format: &str,
    body: &str,
    draft: Option<&Value>,
) -> Result<Vec<TestedEvent>, AppError> {
    may_read(state, caller, service).await?;
    if !super::FORMATS.iter().any(|(f, _)| *f == format) {
        return Err(AppError::invalid(
            "format",
            format!("must be one of {}", super::FORMATS.map(|f| f.0).join(", ")),
        ));
    }
    let events = state
        .event_formats
        .parse(format, body.as_bytes())
        .map_err(|errors| AppError::invalid("body", errors.join("; ")))?;
    let load = |scope: Option<ServiceId>| async move {
        let rules = match (draft, scope == service) {
            (Some(d), true) => parse_rules("rules", d, scope.is_none())?,
            _ => match super::store::get(&state.pool, scope).await? {
                Some((_, stored, _, _)) => parse_rules("rules", &stored, scope.is_none())?,
                None => Vec::new(),
            },
        };
        Compiled::new(rules)
    };
    let global = load(None).await?;
    let now = state.clock.now();
    let mut out = Vec::with_capacity(events.len());
    for ev in events.iter().take(50) {
        let mut outcome = global_stage(&global, ev, now);
        let lands = outcome.route_to.or(service);
        if let Some(s) = lands {
            service_stage(&mut outcome, &load(Some(s)).await?, ev, now);
        }
        out.push(TestedEvent {
            summary: ev.summary.clone(),
            action: super::field::action_name(ev.action).to_owned(),
            matched: outcome.matched.iter().map(super::apply::describe).collect(),
            outcome: words(state, &outcome, lands).await?,
        });
    }
    Ok(out)
}

/// The outcome in words, as the test panel lists it.
async fn words(
    state: &AppState,
    o: &Outcome,
    lands: Option<ServiceId>,
) -> Result<Vec<String>, AppError> {
    let name = |id: ServiceId| async move {
        crate::services::store::get(&state.pool, id)
            .await
            .map(|s| s.name)
    };
    if o.drop {
        return Ok(vec![
            "Dropped: no incident, nobody paged; counted as a dropped event".into(),
        ]);
    }
    let mut w = Vec::new();
    if o.matched.is_empty() {
        w.push("No rule matched: the service's own settings apply".into());
    }
    if let Some(to) = o.route_to {
        w.push(format!("Routed to {}", name(to).await?));
    }
    match (o.suppress, lands) {
        (true, _) => w.push(
            "Suppressed: the incident is created SUPPRESSED, visible and paging nobody".into(),
        ),
        (false, Some(s)) => w.push(format!(
            "Opens or joins an incident on {} and pages by its policy",
            name(s).await?
        )),
        (false, None) => w.push("Goes to the service its routing key names".into()),
    }
    if let Some(u) = o.urgency {
        w.push(format!("Urgency {}", u.as_str()));
    }
    if let Some(p) = &o.priority {
        w.push(format!("Priority {p}"));
    }
    if let Some(k) = &o.dedup_key {
        w.push(format!("Dedup key “{k}”"));
    }
    for n in &o.notes {
        w.push(format!("Adds the note “{n}”"));
    }
    Ok(w)
}
