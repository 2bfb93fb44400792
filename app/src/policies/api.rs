//! Server functions for escalation policies: shells over `ops`, which holds the rules (who may
//! read and change, validation, auditing).

use leptos::prelude::*;

use super::{Policy, PolicySummary, PreviewStep, Step};
use crate::domain::{PolicyId, TeamId};
use crate::error::AppError;

/// `POST /api/policies/list` → every escalation policy with its step and service counts.
#[server(prefix = "/api", endpoint = "policies/list", input = server_fn::codec::Json)]
pub async fn list_policies() -> Result<Vec<PolicySummary>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::list(&state, &caller).await
}

/// `POST /api/policies/get` with `{"id"}` → the policy, its steps with target names, and the
/// services using it.
#[server(prefix = "/api", endpoint = "policies/get", input = server_fn::codec::Json)]
pub async fn get_policy(id: PolicyId) -> Result<Policy, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::get(&state, &caller, id).await
}

/// `POST /api/policies/create` with `{"name","description","team_id":null,"repeat_count":1,
/// "steps":[{"delay_minutes":15,"channels":[],"targets":[{"kind":"USER","id":"…"}]}]}` → the
/// policy. `team_id` (absent: null) is the owning team; creating for a team needs its
/// OWNER/ADMIN role.
#[server(prefix = "/api", endpoint = "policies/create", input = server_fn::codec::Json)]
pub async fn create_policy(
    name: String,
    description: String,
    #[server(default)] team_id: Option<TeamId>,
    repeat_count: i32,
    steps: Vec<Step>,
) -> Result<Policy, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    let input = super::ops::PolicyInput {
        name: &name,
        description: &description,
        team_id,
        repeat_count,
        steps,
    };
    super::ops::create(&state, &caller, input).await
}

/// `POST /api/policies/update` with `{"id", …the create fields}` → the policy: the whole
/// policy, so an absent `team_id` is no team. Steps are replaced whole; escalations in flight
/// pick up the new steps at their next step.
#[server(prefix = "/api", endpoint = "policies/update", input = server_fn::codec::Json)]
pub async fn update_policy(
    id: PolicyId,
    name: String,
    description: String,
    #[server(default)] team_id: Option<TeamId>,
    repeat_count: i32,
    steps: Vec<Step>,
) -> Result<Policy, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    let input = super::ops::PolicyInput {
        name: &name,
        description: &description,
        team_id,
        repeat_count,
        steps,
    };
    super::ops::update(&state, &caller, id, input).await
}

/// `POST /api/policies/delete` with `{"id"}`. 409 while a service uses the policy.
#[server(prefix = "/api", endpoint = "policies/delete", input = server_fn::codec::Json)]
pub async fn delete_policy(id: PolicyId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::delete(&state, &caller, id).await
}

/// `POST /api/policies/preview` with `{"id"}` → who each step would page right now.
#[server(prefix = "/api", endpoint = "policies/preview", input = server_fn::codec::Json)]
pub async fn preview_policy(id: PolicyId) -> Result<Vec<PreviewStep>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::preview(&state, &caller, id).await
}
