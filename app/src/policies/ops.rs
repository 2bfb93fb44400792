//! Every escalation policy operation, once: the caller's check, validation and the change.
//! Server functions are shells over these. Reading needs any role (keys: `services:read`);
//! changing needs RESPONDER (keys: `services:write`) and, for a team's policy, the team rule
//! (`teams::perm`), which may also hide it. Changes are audited in their own transaction.

use super::{Policy, PolicySummary, PreviewStep, Step};
use crate::auth::caller::Caller;
use crate::domain::{Access, Area, PolicyId, TeamId};
use crate::error::AppError;
use crate::state::AppState;
use crate::teams::perm::{self, Edit, Kind, Object};

/// Checks a policy's fields; errors name the field (`steps[1].targets[0].id`).
pub fn parse_fields(input: PolicyInput<'_>) -> Result<super::store::PolicyFields, AppError> {
    let PolicyInput {
        name,
        description,
        team_id,
        repeat_count,
        steps,
    } = input;
    use crate::domain::escalation::{MAX_STEPS, MAX_TARGETS, check_delay, check_repeat};
    let name = crate::domain::parse_name("name", name, super::NAME_MAX)?;
    if description.chars().count() > super::DESCRIPTION_MAX {
        return Err(AppError::invalid(
            "description",
            format!("must be at most {} characters", super::DESCRIPTION_MAX),
        ));
    }
    check_repeat(repeat_count)?;
    if steps.is_empty() {
        return Err(AppError::invalid("steps", "add at least one step"));
    }
    if steps.len() > MAX_STEPS {
        return Err(AppError::invalid(
            "steps",
            format!("at most {MAX_STEPS} steps"),
        ));
    }
    let mut clean = Vec::with_capacity(steps.len());
    for (si, mut step) in steps.into_iter().enumerate() {
        check_delay(&format!("steps[{si}].delay_minutes"), step.delay_minutes)?;
        if step.targets.is_empty() {
            return Err(AppError::invalid(
                format!("steps[{si}].targets"),
                "add at least one target",
            ));
        }
        if step.targets.len() > MAX_TARGETS {
            return Err(AppError::invalid(
                format!("steps[{si}].targets"),
                format!("at most {MAX_TARGETS} targets per step"),
            ));
        }
        for (ti, t) in step.targets.iter().enumerate() {
            if step.targets[..ti]
                .iter()
                .any(|o| o.kind == t.kind && o.id == t.id)
            {
                return Err(AppError::invalid(
                    format!("steps[{si}].targets[{ti}]"),
                    "this target is already in the step",
                ));
            }
        }
        step.conditions = clean_conditions(si, step.conditions.take())?;
        step.channels.sort();
        step.channels.dedup();
        for t in &mut step.targets {
            t.name.clear();
        }
        clean.push(step);
    }
    Ok(super::store::PolicyFields {
        name,
        description: description.trim().to_owned(),
        team_id,
        repeat_count,
        steps: clean,
    })
}

/// A step's conditions checked (errors name `steps[1].conditions.when.zone`) and cleaned:
/// none at all is `None`; the window's zone is the canonical name, its days lower case.
fn clean_conditions(
    si: usize,
    conditions: Option<super::StepConditions>,
) -> Result<Option<super::StepConditions>, AppError> {
    let Some(mut c) = conditions.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    c.compile(&format!("steps[{si}].conditions"))?;
    if let Some(w) = &mut c.when {
        let field = format!("steps[{si}].conditions.when.zone");
        w.zone = crate::domain::parse_time_zone(&field, &w.zone)?;
        let hours = crate::domain::conditions::WeeklyHours {
            days: std::mem::take(&mut w.days),
            from: w.from.clone(),
            to: w.to.clone(),
        }
        .normalized();
        (w.days, w.from, w.to) = (hours.days, hours.from, hours.to);
    }
    Ok(Some(c))
}

/// A policy's editable fields, as given (validated by `create` and `update`).
#[derive(Debug, Clone)]
pub struct PolicyInput<'a> {
    pub name: &'a str,
    pub description: &'a str,
    /// The owning team (None: no team).
    pub team_id: Option<TeamId>,
    pub repeat_count: i32,
    pub steps: Vec<Step>,
}

/// Every escalation policy with its step and service counts.
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<PolicySummary>, AppError> {
    caller.check(Access::Read(Area::Services))?;
    let sight = perm::sight(&state.pool, caller).await?;
    let mut policies = super::store::list(&state.pool).await?;
    policies.retain(|p| sight.sees(p.team_id));
    Ok(policies)
}

/// The policy with its steps, unless the access settings hide it from the caller (404 then).
/// What the caller sees is read before the connection is taken.
async fn visible(
    state: &AppState,
    caller: &Caller,
    id: PolicyId,
) -> Result<(Policy, sqlx::Transaction<'static, sqlx::Postgres>), AppError> {
    let sight = perm::sight(&state.pool, caller).await?;
    let mut conn = state.pool.begin().await?;
    let policy = super::store::get(&mut conn, id).await?;
    sight.require(policy.team_id, "escalation policy")?;
    Ok((policy, conn))
}

/// The policy, its steps with target names, and the services using it.
pub async fn get(state: &AppState, caller: &Caller, id: PolicyId) -> Result<Policy, AppError> {
    caller.check(Access::Read(Area::Services))?;
    Ok(visible(state, caller, id).await?.0)
}

/// Creates a policy → the policy.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    input: PolicyInput<'_>,
) -> Result<Policy, AppError> {
    save(state, caller, None, input).await
}

/// Updates the policy → the policy. Steps are replaced whole; escalations in flight pick up
/// the new steps at their next step.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: PolicyId,
    input: PolicyInput<'_>,
) -> Result<Policy, AppError> {
    save(state, caller, Some(id), input).await
}

/// Creates (`id` None) or updates a policy: check, validate, write, audit, one transaction.
async fn save(
    state: &AppState,
    caller: &Caller,
    id: Option<PolicyId>,
    input: PolicyInput<'_>,
) -> Result<Policy, AppError> {
    caller.check(Access::Write(Area::Services))?;
    let edit = match id {
        None => Edit::create(Kind::Policy, input.name, input.team_id, "policy.create"),
        Some(id) => Edit::change(Object::Policy(id), "policy.update").owned_by(input.team_id),
    };
    let mut tx = perm::begin(state, caller, edit).await?;
    let fields = parse_fields(input)?;
    let now = state.clock.now();
    let saved = super::store::save(&mut tx, id, &fields, now).await?;
    caller
        .audit(
            &mut *tx,
            now,
            if id.is_some() {
                "policy.update"
            } else {
                "policy.create"
            },
            &fields.name,
            serde_json::json!({"policy_id": saved, "steps": fields.steps.len(), "team_id": fields.team_id}),
        )
        .await?;
    let policy = super::store::get(&mut tx, saved).await?;
    tx.commit().await?;
    Ok(policy)
}

/// Deletes the policy; 409 while a service uses it.
pub async fn delete(state: &AppState, caller: &Caller, id: PolicyId) -> Result<(), AppError> {
    caller.check(Access::Write(Area::Services))?;
    let mut tx = perm::begin(
        state,
        caller,
        Edit::change(Object::Policy(id), "policy.delete"),
    )
    .await?;
    let now = state.clock.now();
    let name = super::store::delete(&mut tx, id).await?;
    caller
        .audit(
            &mut *tx,
            now,
            "policy.delete",
            &name,
            serde_json::json!({"policy_id": id}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Who each step of the policy would page right now.
pub async fn preview(
    state: &AppState,
    caller: &Caller,
    id: PolicyId,
) -> Result<Vec<PreviewStep>, AppError> {
    caller.check(Access::Read(Area::Services))?;
    let now = state.clock.now();
    let (policy, mut conn) = visible(state, caller, id).await?;
    let mut out = Vec::with_capacity(policy.steps.len());
    for (i, step) in policy.steps.iter().enumerate() {
        let step_no = i32::try_from(i).unwrap_or(i32::MAX);
        out.push(PreviewStep {
            step: step_no,
            delay_minutes: step.delay_minutes,
            users: super::store::step_users(
                &mut conn,
                id,
                step_no,
                &super::store::schedule_targets(&step.targets),
                now,
            )
            .await?,
        });
    }
    Ok(out)
}
