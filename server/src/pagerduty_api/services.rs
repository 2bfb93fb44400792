//! `/services`: list (`query`, `team_ids[]`, `include[]=integrations`), show, and the writes
//! Terraform makes (POST, PUT as a partial update, DELETE). Shells over
//! `app::services::ops`.

use app::auth::caller::Caller;
use app::domain::{PolicyId, ServiceId, TeamId};
use app::services::{Integration, Service, UrgencyRule, ops};
use app::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{Body, Id, Pd, PdError, PdResult, no_content};
use super::integrations::integration_json;
use super::paging::Paging;
use super::query::Params;
use super::refs::{Kind, Urls, object, parse_id, ref_id, ts};

/// A service object; `integrations` full objects when `full_integrations`, else references.
pub fn service_json(
    urls: &Urls,
    s: &Service,
    integrations: &[Integration],
    full_integrations: bool,
) -> Value {
    let policy = s
        .escalation_policy_id
        .zip(s.escalation_policy_name.as_deref())
        .map_or(Value::Null, |(id, name)| {
            urls.reference(Kind::EscalationPolicy, &id, name)
        });
    let teams: Vec<Value> = s
        .team_id
        .zip(s.team_name.as_deref())
        .map(|(id, name)| urls.reference(Kind::Team, &id, name))
        .into_iter()
        .collect();
    let integrations: Vec<Value> = integrations
        .iter()
        .map(|i| {
            let full = integration_json(urls, s, i, None);
            if full_integrations {
                full
            } else {
                json!({"id": full["id"], "type": format!("{}_reference", full["type"].as_str().unwrap_or("integration")),
                    "summary": full["summary"], "self": full["self"], "html_url": full["html_url"]})
            }
        })
        .collect();
    let urgency = match s.urgency_rule {
        UrgencyRule::Severity => "severity_based",
        UrgencyRule::High | UrgencyRule::Medium => "high",
        UrgencyRule::Low => "low",
    };
    object(
        urls.head(Kind::Service, &s.id, &s.name),
        json!({
            "name": s.name,
            "description": s.description,
            "auto_resolve_timeout": Value::Null,
            "acknowledgement_timeout": s.ack_timeout_secs,
            "status": if s.open_incidents > 0 { "critical" } else { "active" },
            "created_at": ts(s.created_at),
            "updated_at": ts(s.created_at),
            "last_incident_timestamp": Value::Null,
            "escalation_policy": policy,
            "teams": teams,
            "integrations": integrations,
            "incident_urgency_rule": {"type": "constant", "urgency": urgency},
            "support_hours": Value::Null,
            "scheduled_actions": [],
            "addons": [],
            "alert_creation": "create_alerts_and_incidents",
            "alert_grouping_parameters": {"type": Value::Null},
            "auto_pause_notifications_parameters": {"enabled": false, "timeout": Value::Null},
        }),
    )
}

/// One service with its integrations.
async fn show_one(
    state: &AppState,
    caller: &Caller,
    urls: &Urls,
    id: ServiceId,
    full: bool,
) -> PdResult<Value> {
    let d = ops::get(state, caller, id).await?;
    Ok(service_json(urls, &d.service, &d.integrations, full))
}

/// `GET /services`: by name; `query` matches the name (any case).
pub async fn list(
    State(state): State<AppState>,
    Pd(caller): Pd,
    RawQuery(query): RawQuery,
) -> PdResult<Response> {
    let q = Params::parse(query.as_deref());
    let paging = Paging::parse(&q)?;
    let needle = q.one("query").unwrap_or_default().to_lowercase();
    let teams = q.ids::<TeamId>("team_ids");
    let full = q.many("include").contains(&"integrations");
    let mut all: Vec<Service> = ops::list(&state, &caller)
        .await?
        .into_iter()
        .filter(|s| s.name.to_lowercase().contains(&needle))
        .filter(|s| teams.allows_opt(s.team_id.as_ref()))
        .collect();
    all.sort_by_key(|s| (s.name.to_lowercase(), s.id));
    let more = all.len() > paging.offset + paging.limit;
    let total = all.len();
    let urls = Urls::new(&state);
    let mut page = Vec::new();
    for s in all.iter().skip(paging.offset).take(paging.limit) {
        page.push(show_one(&state, &caller, &urls, s.id, full).await?);
    }
    Ok(axum::Json(paging.body("services", page, more, Some(total))).into_response())
}

/// `GET /services/{id}` → `{service}`.
pub async fn show(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
    RawQuery(query): RawQuery,
) -> PdResult<Response> {
    let id = parse_id(&raw, "service")?;
    let full = Params::parse(query.as_deref())
        .many("include")
        .contains(&"integrations");
    let body = show_one(&state, &caller, &Urls::new(&state), id, full).await?;
    Ok(axum::Json(json!({ "service": body })).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ServiceBody {
    service: ServiceFields,
}

/// A service's writable fields; absent ones keep their value on PUT.
#[derive(Debug, Default, Deserialize)]
struct ServiceFields {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    escalation_policy: Option<Value>,
    #[serde(default)]
    acknowledgement_timeout: Option<Value>,
    #[serde(default)]
    incident_urgency_rule: Option<Value>,
    #[serde(default)]
    teams: Option<Vec<Value>>,
}

/// The urgency rule PagerDuty's `incident_urgency_rule` asks for.
fn urgency_rule(v: &Value) -> PdResult<&'static str> {
    match v.get("urgency").and_then(Value::as_str) {
        Some("high") => Ok("HIGH"),
        Some("low") => Ok("LOW"),
        Some("severity_based") => Ok("SEVERITY"),
        _ if v.get("type").and_then(Value::as_str) == Some("use_support_hours") => Err(
            PdError::invalid("OpsKnight has no support hours; use a constant urgency"),
        ),
        _ => Err(PdError::invalid(
            "incident_urgency_rule.urgency must be high, low or severity_based",
        )),
    }
}

/// Saves `f` over `base` (the current service on PUT) → the saved service.
async fn save(
    state: &AppState,
    caller: &Caller,
    id: Option<ServiceId>,
    base: Option<&Service>,
    f: ServiceFields,
) -> PdResult<Service> {
    let name = f
        .name
        .or_else(|| base.map(|s| s.name.clone()))
        .ok_or_else(|| PdError::invalid("service.name is required"))?;
    let description = f
        .description
        .or_else(|| base.map(|s| s.description.clone()))
        .unwrap_or_default();
    let policy: Option<PolicyId> =
        match &f.escalation_policy {
            Some(v) => Some(ref_id(v).and_then(|s| s.parse().ok()).ok_or_else(|| {
                PdError::invalid("service.escalation_policy must be a reference")
            })?),
            None => base.and_then(|s| s.escalation_policy_id),
        };
    let ack = match &f.acknowledgement_timeout {
        Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .ok_or_else(|| PdError::invalid("acknowledgement_timeout must be seconds"))?,
        ),
        None => base.and_then(|s| s.ack_timeout_secs),
    };
    let rule = match &f.incident_urgency_rule {
        Some(v) => urgency_rule(v)?,
        None => base.map_or("HIGH", |s| s.urgency_rule.as_str()),
    };
    let team: Option<TeamId> = match f.teams.as_deref() {
        Some([]) => None,
        Some([one]) => Some(
            ref_id(one)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| PdError::invalid("service.teams[] must be team references"))?,
        ),
        Some(_) => return Err(PdError::invalid("an OpsKnight service belongs to one team")),
        None => base.and_then(|s| s.team_id),
    };
    let input = ops::ServiceInput {
        name: &name,
        description: &description,
        team_id: team,
        urgency_rule: rule,
        ack_timeout_secs: ack,
        escalation_policy_id: policy,
    };
    Ok(match id {
        None => ops::create(state, caller, input).await?,
        Some(id) => ops::update(state, caller, id, input).await?,
    })
}

/// `POST /services` with `{service}` → 201 `{service}`.
pub async fn create(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Body(body): Body<ServiceBody>,
) -> PdResult<Response> {
    let s = save(&state, &caller, None, None, body.service).await?;
    let out = show_one(&state, &caller, &Urls::new(&state), s.id, false).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "service": out }))).into_response())
}

/// `PUT /services/{id}` with `{service}` (absent fields unchanged) → `{service}`.
pub async fn update(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
    Body(body): Body<ServiceBody>,
) -> PdResult<Response> {
    let id: ServiceId = parse_id(&raw, "service")?;
    let current = ops::get(&state, &caller, id).await?.service;
    save(&state, &caller, Some(id), Some(&current), body.service).await?;
    let out = show_one(&state, &caller, &Urls::new(&state), id, false).await?;
    Ok(axum::Json(json!({ "service": out })).into_response())
}

/// `DELETE /services/{id}` → 204 (400 while it has unresolved incidents).
pub async fn delete(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
) -> PdResult<Response> {
    ops::delete(&state, &caller, parse_id(&raw, "service")?).await?;
    Ok(no_content())
}
