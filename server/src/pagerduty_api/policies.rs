//! `/escalation_policies`: list (`query`, `user_ids[]`), show, and the writes Terraform makes
//! (POST, PUT, DELETE). A step is an escalation rule (its delay is how long before the next
//! one); `repeat_count` is `num_loops`. User and schedule targets map both ways; team targets
//! read as `team_reference` (PagerDuty has none) and cannot be written here. `teams` is the
//! owning team (one at most), both ways.

use app::auth::caller::Caller;
use app::domain::escalation::TargetKind;
use app::domain::{PolicyId, TeamId, UserId};
use app::policies::{Policy, Step, Target, ops};
use app::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{Body, Id, Pd, PdError, PdResult, no_content};
use super::paging::Paging;
use super::query::Params;
use super::refs::{Kind, Urls, object, parse_id, ref_id};

fn target_json(urls: &Urls, t: &Target) -> Value {
    match t.kind {
        TargetKind::User => urls.reference(Kind::User, &t.id, &t.name),
        TargetKind::Schedule => urls.reference(Kind::Schedule, &t.id, &t.name),
        TargetKind::Team => urls.reference(Kind::Team, &t.id, &t.name),
        TargetKind::TeamLead => urls.reference(Kind::Team, &t.id, &format!("Lead of {}", t.name)),
    }
}

/// An escalation policy object.
pub fn policy_json(urls: &Urls, p: &Policy) -> Value {
    let rules: Vec<Value> = p
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "id": format!("{}-{}", p.id, i + 1),
                "escalation_delay_in_minutes": s.delay_minutes,
                "targets": s.targets.iter().map(|t| target_json(urls, t)).collect::<Vec<_>>(),
                "escalation_rule_assignment_strategy": {"type": "assign_to_everyone"},
            })
        })
        .collect();
    let services: Vec<Value> = p
        .services
        .iter()
        .map(|s| urls.reference(Kind::Service, &s.id, &s.name))
        .collect();
    let teams: Vec<Value> = p
        .team_id
        .zip(p.team_name.as_deref())
        .map(|(id, name)| urls.reference(Kind::Team, &id, name))
        .into_iter()
        .collect();
    object(
        urls.head(Kind::EscalationPolicy, &p.id, &p.name),
        json!({
            "name": p.name,
            "description": p.description,
            "num_loops": p.repeat_count,
            "on_call_handoff_notifications": "if_has_services",
            "escalation_rules": rules,
            "services": services,
            "teams": teams,
        }),
    )
}

/// `GET /escalation_policies`: by name; `query` matches the name, `user_ids[]` keeps the
/// policies that target one of those users directly.
pub async fn list(
    State(state): State<AppState>,
    Pd(caller): Pd,
    RawQuery(query): RawQuery,
) -> PdResult<Response> {
    let q = Params::parse(query.as_deref());
    let paging = Paging::parse(&q)?;
    let needle = q.one("query").unwrap_or_default().to_lowercase();
    let users = q.ids::<UserId>("user_ids");
    let mut summaries = ops::list(&state, &caller).await?;
    summaries.retain(|p| p.name.to_lowercase().contains(&needle));
    summaries.sort_by_key(|p| (p.name.to_lowercase(), p.id));
    let urls = Urls::new(&state);
    if !users.given {
        let more = summaries.len() > paging.offset + paging.limit;
        let mut page = Vec::new();
        for s in summaries.iter().skip(paging.offset).take(paging.limit) {
            page.push(policy_json(&urls, &ops::get(&state, &caller, s.id).await?));
        }
        let body = paging.body("escalation_policies", page, more, Some(summaries.len()));
        return Ok(axum::Json(body).into_response());
    }
    let mut all = Vec::new();
    for s in &summaries {
        let p = ops::get(&state, &caller, s.id).await?;
        let targets_user = p
            .steps
            .iter()
            .flat_map(|s| &s.targets)
            .any(|t| t.kind == TargetKind::User && users.ids.iter().any(|u| u.0 == t.id));
        if targets_user {
            all.push(policy_json(&urls, &p));
        }
    }
    Ok(axum::Json(paging.answer("escalation_policies", all, true)).into_response())
}

/// `GET /escalation_policies/{id}` → `{escalation_policy}`.
pub async fn show(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
) -> PdResult<Response> {
    let p = ops::get(&state, &caller, parse_id(&raw, "escalation policy")?).await?;
    let body = policy_json(&Urls::new(&state), &p);
    Ok(axum::Json(json!({ "escalation_policy": body })).into_response())
}

#[derive(Debug, Deserialize)]
pub struct PolicyBody {
    escalation_policy: PolicyFields,
}

#[derive(Debug, Deserialize)]
struct PolicyFields {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    num_loops: Option<i32>,
    escalation_rules: Vec<RuleFields>,
    /// The owning team; absent keeps the current one (none for a new policy).
    #[serde(default)]
    teams: Option<Vec<Value>>,
}

/// The owning team `teams` names (`[]`: none; absent: `current`).
fn owner(teams: Option<&[Value]>, current: Option<TeamId>, what: &str) -> PdResult<Option<TeamId>> {
    match teams {
        None => Ok(current),
        Some([]) => Ok(None),
        Some([one]) => Ok(Some(ref_id(one).and_then(|s| s.parse().ok()).ok_or_else(
            || PdError::invalid(format!("{what}.teams[] must be team references")),
        )?)),
        Some(_) => Err(PdError::invalid(format!(
            "an OpsKnight {what} belongs to one team at most"
        ))),
    }
}

#[derive(Debug, Deserialize)]
struct RuleFields {
    escalation_delay_in_minutes: i32,
    targets: Vec<Value>,
}

/// The steps PagerDuty's escalation rules describe.
fn steps(rules: &[RuleFields]) -> PdResult<Vec<Step>> {
    rules
        .iter()
        .enumerate()
        .map(|(ri, r)| {
            let targets = r
                .targets
                .iter()
                .enumerate()
                .map(|(ti, t)| {
                    let field = format!("escalation_rules[{ri}].targets[{ti}]");
                    let kind = match t.get("type").and_then(Value::as_str) {
                        Some("user" | "user_reference") => TargetKind::User,
                        Some("schedule" | "schedule_reference") => TargetKind::Schedule,
                        _ => {
                            return Err(PdError::invalid(format!(
                                "{field}.type must be user_reference or schedule_reference"
                            )));
                        }
                    };
                    let id = t
                        .get("id")
                        .and_then(Value::as_str)
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(|| PdError::invalid(format!("{field}.id is not a known id")))?;
                    Ok(Target {
                        kind,
                        id,
                        name: String::new(),
                    })
                })
                .collect::<PdResult<Vec<Target>>>()?;
            Ok(Step {
                delay_minutes: r.escalation_delay_in_minutes,
                channels: Vec::new(),
                targets,
                // PagerDuty's rules carry no time conditions.
                conditions: None,
            })
        })
        .collect()
}

async fn save(
    state: &AppState,
    caller: &Caller,
    id: Option<PolicyId>,
    current_team: Option<TeamId>,
    f: PolicyFields,
) -> PdResult<Policy> {
    let input = ops::PolicyInput {
        name: &f.name,
        description: f.description.as_deref().unwrap_or_default(),
        team_id: owner(f.teams.as_deref(), current_team, "escalation_policy")?,
        repeat_count: f.num_loops.unwrap_or(0),
        steps: steps(&f.escalation_rules)?,
    };
    Ok(match id {
        None => ops::create(state, caller, input).await?,
        Some(id) => ops::update(state, caller, id, input).await?,
    })
}

/// `POST /escalation_policies` with `{escalation_policy}` (`From` optional) → 201.
pub async fn create(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Body(body): Body<PolicyBody>,
) -> PdResult<Response> {
    let p = save(&state, &caller, None, None, body.escalation_policy).await?;
    let out = policy_json(&Urls::new(&state), &p);
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({ "escalation_policy": out })),
    )
        .into_response())
}

/// `PUT /escalation_policies/{id}` with the whole `{escalation_policy}` → 200.
pub async fn update(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
    Body(body): Body<PolicyBody>,
) -> PdResult<Response> {
    let id: PolicyId = parse_id(&raw, "escalation policy")?;
    let current = ops::get(&state, &caller, id).await?;
    let p = save(
        &state,
        &caller,
        Some(id),
        current.team_id,
        body.escalation_policy,
    )
    .await?;
    let out = policy_json(&Urls::new(&state), &p);
    Ok(axum::Json(json!({ "escalation_policy": out })).into_response())
}

/// `DELETE /escalation_policies/{id}` → 204 (400 while a service uses it).
pub async fn delete(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
) -> PdResult<Response> {
    ops::delete(&state, &caller, parse_id(&raw, "escalation policy")?).await?;
    Ok(no_content())
}
