//! `/api/v1/escalation-policies`: list, get (with an ETag), create, PATCH (with `If-Match`),
//! PUT of the steps (replaced whole) and delete. Shells over `app::policies::ops`; reading
//! needs `services:read`, changing `services:write` (and, for a team's policy, the team's
//! OWNER/ADMIN role or a workspace ADMIN).

use app::auth::caller::Caller;
use app::domain::escalation::TargetKind;
use app::domain::{Access, Area, ContactKind, PolicyId, TeamId};
use app::policies::ops;
use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::conditions::StepConditions;
use super::fields::present;
use super::schema::ErrorBody;
use super::wire::{ApiResult, Json, check_if_match, created, etag, id, with_etag};

/// Adds this resource's routes (and their operations in the document).
pub fn register(router: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    router
        .routes(routes!(list, create))
        .routes(routes!(get, patch, delete))
        .routes(routes!(put_steps))
}

/// One target of a step. `name` is the user's, team's or schedule's (ignored when sent).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationTarget {
    /// USER, TEAM (everyone on it), TEAM_LEAD or SCHEDULE (whoever is on call).
    #[schema(value_type = String)]
    pub kind: TargetKind,
    /// A user, team or schedule id, as `kind` says.
    pub id: Uuid,
    /// Read only: ignored when sent.
    #[serde(default)]
    pub name: String,
}

/// One step: page the targets, then wait `delay_minutes` before the next step.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationStep {
    /// 1 to 1440.
    pub delay_minutes: i32,
    /// Empty: each person's own notification rules. Otherwise only these kinds of contact
    /// (EMAIL, SMS, VOICE, PUSH, SLACK, TELEGRAM, NTFY, PUSHOVER).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub channels: Vec<ContactKind>,
    /// 1 to 20 targets.
    pub targets: Vec<EscalationTarget>,
    /// When the step runs. Null or absent: always.
    #[serde(default)]
    pub conditions: Option<StepConditions>,
}

impl From<app::policies::Step> for EscalationStep {
    fn from(s: app::policies::Step) -> Self {
        EscalationStep {
            delay_minutes: s.delay_minutes,
            channels: s.channels,
            targets: s
                .targets
                .into_iter()
                .map(|t| EscalationTarget {
                    kind: t.kind,
                    id: t.id,
                    name: t.name,
                })
                .collect(),
            conditions: s.conditions.map(Into::into),
        }
    }
}

impl From<EscalationStep> for app::policies::Step {
    fn from(s: EscalationStep) -> Self {
        app::policies::Step {
            delay_minutes: s.delay_minutes,
            channels: s.channels,
            targets: s
                .targets
                .into_iter()
                .map(|t| app::policies::Target {
                    kind: t.kind,
                    id: t.id,
                    name: String::new(),
                })
                .collect(),
            conditions: s.conditions.map(Into::into),
        }
    }
}

/// A service using a policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyService {
    pub id: Uuid,
    pub name: String,
}

/// An escalation policy: who is paged, in what order.
#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationPolicy {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    /// The owning team: only its OWNER and ADMIN members (and workspace ADMINs) change the
    /// policy. Null: no team.
    pub team_id: Option<Uuid>,
    pub team_name: Option<String>,
    /// How many more times the steps run when the last one passes unacknowledged (0 to 9).
    pub repeat_count: i32,
    pub steps: Vec<EscalationStep>,
    /// The services using it.
    pub services: Vec<PolicyService>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<app::policies::Policy> for EscalationPolicy {
    fn from(p: app::policies::Policy) -> Self {
        EscalationPolicy {
            id: p.id.0,
            name: p.name,
            description: p.description,
            team_id: p.team_id.map(|t| t.0),
            team_name: p.team_name,
            repeat_count: p.repeat_count,
            steps: p.steps.into_iter().map(EscalationStep::from).collect(),
            services: p
                .services
                .into_iter()
                .map(|s| PolicyService {
                    id: s.id.0,
                    name: s.name,
                })
                .collect(),
            updated_at: p.updated_at,
        }
    }
}

/// The policy with its ETag.
fn tagged(policy: EscalationPolicy) -> Response {
    with_etag(&etag(&policy), axum::Json(policy))
}

/// A policy as lists show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationPolicySummary {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub team_id: Option<Uuid>,
    pub team_name: Option<String>,
    pub repeat_count: i32,
    pub step_count: i64,
    pub service_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationPolicyList {
    /// Every policy, by name.
    pub escalation_policies: Vec<EscalationPolicySummary>,
}

#[utoipa::path(get, path = "/api/v1/escalation-policies", tag = "escalation policies",
    responses(
        (status = 200, description = "Every policy, by name", body = EscalationPolicyList),
        (status = 401, description = "No or a bad credential", body = ErrorBody),
        (status = 403, description = "The role or the key's scopes do not allow it", body = ErrorBody),
    ),
    security(("api_key" = ["services:read"]), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<axum::Json<EscalationPolicyList>> {
    let policies = ops::list(&state, &caller).await?;
    Ok(axum::Json(EscalationPolicyList {
        escalation_policies: policies
            .into_iter()
            .map(|p| EscalationPolicySummary {
                id: p.id.0,
                name: p.name,
                description: p.description,
                team_id: p.team_id.map(|t| t.0),
                team_name: p.team_name,
                repeat_count: p.repeat_count,
                step_count: p.steps,
                service_count: p.services,
            })
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/escalation-policies/{id}", tag = "escalation policies",
    params(("id" = Uuid, Path, description = "The policy's id")),
    responses(
        (status = 200, description = "The policy; `ETag` is its version", body = EscalationPolicy),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such policy", body = ErrorBody),
    ),
    security(("api_key" = ["services:read"]), ("session" = [])))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<Response> {
    let policy = ops::get(&state, &caller, id(&raw, "escalation policy")?).await?;
    Ok(tagged(EscalationPolicy::from(policy)))
}

/// A new policy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEscalationPolicy {
    /// 1 to 100 characters, unique.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The owning team (needs its OWNER/ADMIN role, or a workspace ADMIN); absent or null: none.
    #[serde(default)]
    pub team_id: Option<Uuid>,
    /// 0 (default) to 9.
    #[serde(default)]
    pub repeat_count: i32,
    /// 1 to 20 steps.
    pub steps: Vec<EscalationStep>,
}

#[utoipa::path(post, path = "/api/v1/escalation-policies", tag = "escalation policies",
    request_body = NewEscalationPolicy,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeats with the same key get the first answer")),
    responses(
        (status = 201, description = "Created; `Location` names it", body = EscalationPolicy),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "The Idempotency-Key is still being answered", body = ErrorBody),
        (status = 422, description = "A bad field (`steps[1].targets[0].id`), named in `field`", body = ErrorBody),
    ),
    security(("api_key" = ["services:write"]), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewEscalationPolicy>,
) -> ApiResult<Response> {
    let policy = ops::create(
        &state,
        &caller,
        ops::PolicyInput {
            name: &new.name,
            description: &new.description,
            team_id: new.team_id.map(TeamId),
            repeat_count: new.repeat_count,
            steps: new.steps.into_iter().map(Into::into).collect(),
        },
    )
    .await?;
    Ok(created(
        &format!("/api/v1/escalation-policies/{}", policy.id),
        tagged(EscalationPolicy::from(policy)),
    ))
}

/// The changes to make; absent fields are left alone, `steps` are replaced whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationPolicyChange {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Another owning team (moving needs the OWNER/ADMIN role in both); null: no team.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable)]
    pub team_id: Option<Option<Uuid>>,
    pub repeat_count: Option<i32>,
    pub steps: Option<Vec<EscalationStep>>,
}

/// Reads the policy, checks `If-Match`, and saves it with `change` applied (one update,
/// every field checked before anything is written).
async fn change_policy(
    state: &AppState,
    caller: &Caller,
    raw: &str,
    headers: &HeaderMap,
    change: EscalationPolicyChange,
) -> ApiResult<Response> {
    let policy_id: PolicyId = id(raw, "escalation policy")?;
    caller.check(Access::Write(Area::Services))?;
    let before = ops::get(state, caller, policy_id).await?;
    let before_dto = EscalationPolicy::from(before.clone());
    check_if_match(headers, &etag(&before_dto))?;
    let steps = match change.steps {
        Some(steps) => steps.into_iter().map(Into::into).collect(),
        None => before.steps,
    };
    let after = ops::update(
        state,
        caller,
        policy_id,
        ops::PolicyInput {
            name: change.name.as_deref().unwrap_or(&before.name),
            description: change.description.as_deref().unwrap_or(&before.description),
            team_id: change.team_id.map_or(before.team_id, |t| t.map(TeamId)),
            repeat_count: change.repeat_count.unwrap_or(before.repeat_count),
            steps,
        },
    )
    .await?;
    Ok(tagged(EscalationPolicy::from(after)))
}

#[utoipa::path(patch, path = "/api/v1/escalation-policies/{id}", tag = "escalation policies",
    request_body = EscalationPolicyChange,
    params(("id" = Uuid, Path, description = "The policy's id"),
           ("If-Match" = Option<String>, Header, description = "The ETag read; a changed policy answers 412")),
    responses(
        (status = 200, description = "The policy after the change", body = EscalationPolicy),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, description = "The policy changed since the `If-Match` version", body = ErrorBody),
        (status = 422, description = "A bad field, named in `field`; nothing changed", body = ErrorBody),
    ),
    security(("api_key" = ["services:write"]), ("session" = [])))]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Json(change): Json<EscalationPolicyChange>,
) -> ApiResult<Response> {
    change_policy(&state, &caller, &raw, &headers, change).await
}

/// A policy's steps, all of them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepList {
    /// 1 to 20 steps, in order.
    pub steps: Vec<EscalationStep>,
}

#[utoipa::path(put, path = "/api/v1/escalation-policies/{id}/steps", tag = "escalation policies",
    request_body = StepList,
    params(("id" = Uuid, Path, description = "The policy's id"),
           ("If-Match" = Option<String>, Header, description = "The policy's ETag read; a changed policy answers 412")),
    responses(
        (status = 200, description = "The policy with its new steps; escalations in flight pick them up at their next step", body = EscalationPolicy),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, description = "The policy changed since the `If-Match` version", body = ErrorBody),
        (status = 422, description = "A bad step, named in `field` (`steps[0].delay_minutes`); nothing changed", body = ErrorBody),
    ),
    security(("api_key" = ["services:write"]), ("session" = [])))]
pub async fn put_steps(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    headers: HeaderMap,
    Json(body): Json<StepList>,
) -> ApiResult<Response> {
    let change = EscalationPolicyChange {
        name: None,
        description: None,
        team_id: None,
        repeat_count: None,
        steps: Some(body.steps),
    };
    change_policy(&state, &caller, &raw, &headers, change).await
}

#[utoipa::path(delete, path = "/api/v1/escalation-policies/{id}", tag = "escalation policies",
    params(("id" = Uuid, Path, description = "The policy's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "A service uses the policy", body = ErrorBody),
    ),
    security(("api_key" = ["services:write"]), ("session" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    ops::delete(&state, &caller, id(&raw, "escalation policy")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
