//! A service's integrations: `POST /services/{id}/integrations` (201, with the
//! `integration_key` to send Events v2 to, shown once) and `GET`/`DELETE
//! /services/{id}/integrations/{iid}`. PagerDuty's Events API types become OpsKnight's
//! `events_v2` integration; its other kinds are shown as generic ones with a vendor.

use app::domain::{IntegrationId, ServiceId};
use app::services::{Integration, IntegrationKind, Service, ops};
use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{Body, Id, Ids, Pd, PdError, PdResult, no_content};
use super::refs::{Kind, Urls, parse_id, ts};

/// An integration object; `key` is the routing key, known only when it was just made.
pub fn integration_json(urls: &Urls, s: &Service, i: &Integration, key: Option<&str>) -> Value {
    let (kind, vendor) = match i.kind {
        IntegrationKind::EventsV2 => ("events_api_v2_inbound_integration", Value::Null),
        other => (
            "generic_events_api_inbound_integration",
            json!({"id": other.as_str(), "type": "vendor_reference", "summary": other.as_str(),
                "self": Value::Null, "html_url": Value::Null}),
        ),
    };
    let mut out = json!({
        "id": i.id.to_string(),
        "type": kind,
        "summary": i.name,
        "name": i.name,
        "self": urls.api(&format!("services/{}/integrations/{}", s.id, i.id)),
        "html_url": urls.web(&format!("/services/{}", s.id)),
        "service": urls.reference(Kind::Service, &s.id, &s.name),
        "vendor": vendor,
        "created_at": ts(i.created_at),
        "integration_email": Value::Null,
        "disabled": !i.enabled,
    });
    if let (Some(key), Some(obj)) = (key, out.as_object_mut()) {
        obj.insert("integration_key".into(), json!(key));
    }
    out
}

#[derive(Debug, Deserialize)]
pub struct IntegrationBody {
    integration: NewIntegration,
}

#[derive(Debug, Deserialize)]
struct NewIntegration {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    vendor: Option<Value>,
}

/// The OpsKnight kind a PagerDuty integration type (and vendor) asks for.
fn kind_for(n: &NewIntegration) -> PdResult<IntegrationKind> {
    let vendor = n
        .vendor
        .as_ref()
        .and_then(|v| v.get("id"))
        .and_then(Value::as_str)
        .and_then(IntegrationKind::parse);
    match (n.kind.as_str(), vendor) {
        (_, Some(v)) => Ok(v),
        ("events_api_v2_inbound_integration" | "generic_events_api_inbound_integration", None) => {
            Ok(IntegrationKind::EventsV2)
        }
        (other, None) => Err(PdError::invalid(format!(
            "OpsKnight takes events_api_v2_inbound_integration (Events API v2) integrations, not {other:?}"
        ))),
    }
}

/// `POST /services/{id}/integrations` with `{integration: {type, name}}` → 201
/// `{integration}` including its `integration_key`.
pub async fn create(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
    Body(body): Body<IntegrationBody>,
) -> PdResult<Response> {
    let service_id: ServiceId = parse_id(&raw, "service")?;
    let new = body.integration;
    let kind = kind_for(&new)?;
    let name = new.name.unwrap_or_else(|| "Events API v2".to_owned());
    let service = ops::get(&state, &caller, service_id).await?.service;
    let made =
        ops::create_integration(&state, &caller, service_id, kind.as_str(), &name, None).await?;
    let out = integration_json(
        &Urls::new(&state),
        &service,
        &made.integration,
        Some(&made.routing_key),
    );
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({ "integration": out })),
    )
        .into_response())
}

/// `GET /services/{id}/integrations/{iid}` → `{integration}` (without its key).
pub async fn show(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Ids(sid, iid): Ids,
) -> PdResult<Response> {
    let service_id: ServiceId = parse_id(&sid, "service")?;
    let id: IntegrationId = parse_id(&iid, "integration")?;
    let service = ops::get(&state, &caller, service_id).await?.service;
    let i = ops::get_integration(&state, &caller, service_id, id).await?;
    let out = integration_json(&Urls::new(&state), &service, &i, None);
    Ok(axum::Json(json!({ "integration": out })).into_response())
}

/// `DELETE /services/{id}/integrations/{iid}` → 204; its key stops working at once.
pub async fn delete(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Ids(sid, iid): Ids,
) -> PdResult<Response> {
    let service_id: ServiceId = parse_id(&sid, "service")?;
    let id: IntegrationId = parse_id(&iid, "integration")?;
    ops::delete_integration(&state, &caller, service_id, id).await?;
    Ok(no_content())
}

/// A vendor object for an OpsKnight integration kind (the id is the kind).
fn vendor_json(urls: &Urls, k: IntegrationKind) -> Value {
    let name = match k {
        IntegrationKind::EventsV2 => "Events API V2",
        IntegrationKind::Prometheus => "Prometheus",
        IntegrationKind::Grafana => "Grafana",
        IntegrationKind::Datadog => "Datadog",
        IntegrationKind::Cloudwatch => "Amazon CloudWatch",
        IntegrationKind::Webhook => "Custom Webhook",
    };
    json!({
        "id": k.as_str(), "type": "vendor", "summary": name, "name": name,
        "self": urls.api(&format!("vendors/{}", k.as_str())), "html_url": Value::Null,
        "generic_service_type": "api", "integration_guide_url": Value::Null,
    })
}

/// `GET /vendors` (`query` matches the name): the integration kinds OpsKnight has, for
/// `POST /services/{id}/integrations` with `vendor: {id}`.
pub async fn vendors(
    State(state): State<AppState>,
    Pd(_caller): Pd,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> PdResult<Response> {
    let q = super::query::Params::parse(query.as_deref());
    let paging = super::paging::Paging::parse(&q)?;
    let needle = q.one("query").unwrap_or_default().to_lowercase();
    let urls = Urls::new(&state);
    let all = IntegrationKind::ALL
        .into_iter()
        .map(|k| vendor_json(&urls, k))
        .filter(|v| {
            v["name"]
                .as_str()
                .is_some_and(|n| n.to_lowercase().contains(&needle))
        })
        .collect();
    Ok(axum::Json(paging.answer("vendors", all, true)).into_response())
}

/// `GET /vendors/{id}` → `{vendor}`.
pub async fn vendor(
    State(state): State<AppState>,
    Pd(_caller): Pd,
    Id(id): Id,
) -> PdResult<Response> {
    let kind = IntegrationKind::parse(&id).ok_or_else(|| PdError::not_found("vendor"))?;
    let body = vendor_json(&Urls::new(&state), kind);
    Ok(axum::Json(json!({ "vendor": body })).into_response())
}
