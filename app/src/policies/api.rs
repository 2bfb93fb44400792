//! Server functions for escalation policies. Reading needs any role (keys: `services:read`);
//! changing needs RESPONDER (keys: `services:write`). Changes are audited.

use leptos::prelude::*;

use super::{Policy, PolicySummary, PreviewStep, Step};
use crate::domain::PolicyId;
use crate::error::AppError;

/// Checks a policy's fields; errors name the field (`steps[1].targets[0].id`).
#[cfg(feature = "ssr")]
pub fn parse_fields(
    name: &str,
    description: &str,
    repeat_count: i32,
    steps: Vec<Step>,
) -> Result<super::store::PolicyFields, AppError> {
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
        repeat_count,
        steps: clean,
    })
}

#[cfg(feature = "ssr")]
async fn save_policy(
    id: Option<PolicyId>,
    name: &str,
    description: &str,
    repeat_count: i32,
    steps: Vec<Step>,
) -> Result<Policy, AppError> {
    use crate::domain::{Access, Area};
    let caller = crate::auth::caller::authorize(Access::Write(Area::Services)).await?;
    let state = crate::state::app_state()?;
    let fields = parse_fields(name, description, repeat_count, steps)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
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
            serde_json::json!({"policy_id": saved, "steps": fields.steps.len()}),
        )
        .await?;
    let policy = super::store::get(&mut tx, saved).await?;
    tx.commit().await?;
    Ok(policy)
}

/// `POST /api/policies/list` → every escalation policy with its step and service counts.
#[server(prefix = "/api", endpoint = "policies/list", input = server_fn::codec::Json)]
pub async fn list_policies() -> Result<Vec<PolicySummary>, AppError> {
    use crate::domain::{Access, Area};
    crate::auth::caller::authorize(Access::Read(Area::Services)).await?;
    super::store::list(&crate::state::app_state()?.pool).await
}

/// `POST /api/policies/get` with `{"id"}` → the policy, its steps with target names, and the
/// services using it.
#[server(prefix = "/api", endpoint = "policies/get", input = server_fn::codec::Json)]
pub async fn get_policy(id: PolicyId) -> Result<Policy, AppError> {
    use crate::domain::{Access, Area};
    crate::auth::caller::authorize(Access::Read(Area::Services)).await?;
    let state = crate::state::app_state()?;
    let mut conn = state.pool.begin().await?;
    super::store::get(&mut conn, id).await
}

/// `POST /api/policies/create` with `{"name","description","repeat_count":1,"steps":[
/// {"delay_minutes":15,"channels":[],"targets":[{"kind":"USER","id":"…"}]}]}` → the policy.
#[server(prefix = "/api", endpoint = "policies/create", input = server_fn::codec::Json)]
pub async fn create_policy(
    name: String,
    description: String,
    repeat_count: i32,
    steps: Vec<Step>,
) -> Result<Policy, AppError> {
    save_policy(None, &name, &description, repeat_count, steps).await
}

/// `POST /api/policies/update` with `{"id", …the create fields}` → the policy. Steps are
/// replaced whole; escalations in flight pick up the new steps at their next step.
#[server(prefix = "/api", endpoint = "policies/update", input = server_fn::codec::Json)]
pub async fn update_policy(
    id: PolicyId,
    name: String,
    description: String,
    repeat_count: i32,
    steps: Vec<Step>,
) -> Result<Policy, AppError> {
    save_policy(Some(id), &name, &description, repeat_count, steps).await
}

/// `POST /api/policies/delete` with `{"id"}`. 409 while a service uses the policy.
#[server(prefix = "/api", endpoint = "policies/delete", input = server_fn::codec::Json)]
pub async fn delete_policy(id: PolicyId) -> Result<(), AppError> {
    use crate::domain::{Access, Area};
    let caller = crate::auth::caller::authorize(Access::Write(Area::Services)).await?;
    let state = crate::state::app_state()?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
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

/// `POST /api/policies/preview` with `{"id"}` → who each step would page right now.
#[server(prefix = "/api", endpoint = "policies/preview", input = server_fn::codec::Json)]
pub async fn preview_policy(id: PolicyId) -> Result<Vec<PreviewStep>, AppError> {
    use crate::domain::{Access, Area};
    crate::auth::caller::authorize(Access::Read(Area::Services)).await?;
    let state = crate::state::app_state()?;
    let now = state.clock.now();
    let mut conn = state.pool.begin().await?;
    let policy = super::store::get(&mut conn, id).await?;
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
