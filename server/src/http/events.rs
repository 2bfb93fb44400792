//! Alert receivers: the PagerDuty-compatible Events API v2 (`/v2/enqueue`), OpsKnight's
//! `/api/events`, and per-source webhooks under `/api/integrations/<kind>/<routing key>`.
//! Every event is committed before the 2xx; a 4xx means nothing was written.

use std::sync::Arc;

use app::domain::{Access, ServiceId};
use app::incidents::InboundEvent;
use app::incidents::store::IngestTarget;
use app::services::UrgencyRule;
use app::services::store::{RouteTarget, route};
use app::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router, routing::post};

use crate::ingest::Ingestor;
use crate::integrations::{
    Invalid, alertmanager, cloudwatch, datadog, grafana, pagerduty, webhook,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/enqueue", post(enqueue))
        .route("/api/v2/enqueue", post(enqueue))
        .route("/api/events", post(native))
        .route("/api/integrations/{kind}/{key}", post(receiver))
        .route("/api/integrations/{kind}", post(receiver_header_key))
}

/// How a receiver answers failures: PagerDuty's shapes for `/v2/enqueue`, ours elsewhere.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    PagerDuty,
    OpsKnight,
}

fn json(status: StatusCode, body: String) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

fn invalid(d: Dialect, field: &str, errors: Vec<String>) -> Response {
    let body = match d {
        Dialect::PagerDuty => pagerduty::invalid_body(&errors),
        Dialect::OpsKnight => serde_json::json!({
            "error": "invalid", "field": field,
            "message": errors.first().cloned().unwrap_or_default(), "errors": errors,
        })
        .to_string(),
    };
    json(StatusCode::BAD_REQUEST, body)
}

fn too_large(d: Dialect) -> Response {
    let message = format!("the body is larger than {} KB", pagerduty::MAX_BODY / 1024);
    let body = match d {
        Dialect::PagerDuty => {
            serde_json::json!({"status": "invalid event", "message": message}).to_string()
        }
        Dialect::OpsKnight => {
            serde_json::json!({"error": "invalid", "field": "body", "message": message}).to_string()
        }
    };
    json(StatusCode::PAYLOAD_TOO_LARGE, body)
}

fn throttled(d: Dialect, retry_after: u64) -> Response {
    let body = match d {
        Dialect::PagerDuty => pagerduty::throttled_body(),
        Dialect::OpsKnight => {
            serde_json::json!({"error": "rate_limited", "retry_after_secs": retry_after})
                .to_string()
        }
    };
    let mut res = json(StatusCode::TOO_MANY_REQUESTS, body);
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    res
}

/// A 503 the sender retries: the database (or the integration's row) is briefly away.
fn unavailable(message: String) -> Response {
    let mut res = json(
        StatusCode::SERVICE_UNAVAILABLE,
        serde_json::json!({"status": "error", "error": "unavailable", "message": message})
            .to_string(),
    );
    res.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(app::error::AppError::UNAVAILABLE_RETRY_SECS),
    );
    res
}

/// The body, if it is JSON and at most 512 KB.
async fn read_json(d: Dialect, headers: &HeaderMap, body: Body) -> Result<Bytes, Response> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(invalid(
            d,
            "content-type",
            vec![format!("Content-Type must be application/json, not {ct:?}")],
        ));
    }
    axum::body::to_bytes(body, pagerduty::MAX_BODY)
        .await
        .map_err(|_| too_large(d))
}

/// Where the integration's events go; a value the database holds that this build does not
/// know is an error naming the column, never a guess.
fn target(r: &RouteTarget) -> Result<IngestTarget, app::error::AppError> {
    Ok(IngestTarget {
        service_id: r.service_id,
        integration_id: Some(r.integration_id),
        urgency_rule: app::error::AppError::column(
            "services.urgency_rule",
            &r.urgency_rule,
            UrgencyRule::parse(&r.urgency_rule),
        )?,
    })
}

/// The integration of a routing key, or the 400 for an unknown or disabled one.
async fn enabled_route(d: Dialect, state: &AppState, key: &str) -> Result<RouteTarget, Response> {
    let found = route(&state.pool, key)
        .await
        .map_err(|e| unavailable(e.user_message()))?;
    let Some(r) = found else {
        return Err(invalid(
            d,
            "routing_key",
            vec!["'routing_key' is not a known integration key".into()],
        ));
    };
    if !r.enabled {
        return Err(invalid(
            d,
            "routing_key",
            vec!["this integration is disabled".into()],
        ));
    }
    Ok(r)
}

/// Looks up the routing key, checks it is enabled and within its rate, ingests, answers.
async fn deliver(
    d: Dialect,
    state: &AppState,
    ingestor: &Ingestor,
    key: &str,
    events: Vec<InboundEvent>,
) -> Result<Vec<String>, Response> {
    let r = enabled_route(d, state, key).await?;
    ingestor
        .limiter
        .take(
            r.integration_id,
            r.rate_limit_per_min,
            events.len(),
            state.clock.now(),
        )
        .map_err(|after| throttled(d, after))?;
    // Unreadable settings are logged and answered 503, so the sender retries.
    let t = target(&r).map_err(|e| {
        tracing::error!(error = %e, integration = %r.integration_id, "unreadable route");
        unavailable("this integration's service cannot be read; try again later".into())
    })?;
    submit(
        ingestor,
        events.into_iter().map(|e| (t.clone(), e)).collect(),
    )
    .await
}

async fn submit(
    ingestor: &Ingestor,
    items: Vec<(IngestTarget, InboundEvent)>,
) -> Result<Vec<String>, Response> {
    let mut keys = Vec::with_capacity(items.len());
    for r in ingestor.submit(items).await {
        match r {
            Ok(done) => keys.push(done.dedup_key),
            Err(e) => {
                tracing::error!(error = %e, "ingest failed");
                return Err(unavailable(format!("{}; retry", e.user_message())));
            }
        }
    }
    Ok(keys)
}

/// `POST /v2/enqueue` (and `/api/v2/enqueue`): PagerDuty Events API v2.
async fn enqueue(
    State(state): State<AppState>,
    Extension(ingestor): Extension<Arc<Ingestor>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let d = Dialect::PagerDuty;
    let bytes = match read_json(d, &headers, body).await {
        Ok(b) => b,
        Err(res) => return res,
    };
    let (key, event) = match pagerduty::parse(&bytes) {
        Ok(p) => p,
        Err(Invalid(errors)) => return invalid(d, "body", errors),
    };
    match deliver(d, &state, &ingestor, &key, vec![event]).await {
        Ok(keys) => json(StatusCode::ACCEPTED, pagerduty::accepted_body(&keys[0])),
        Err(res) => res,
    }
}

/// `POST /api/events`: the Events v2 body, authenticated by `Authorization: Token
/// token=<routing key>` (no `routing_key` needed in the body), or by an API key with
/// `events:write` plus `"service_id"` in the body.
async fn native(
    State(state): State<AppState>,
    Extension(ingestor): Extension<Arc<Ingestor>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let d = Dialect::OpsKnight;
    let bytes = match read_json(d, &headers, body).await {
        Ok(b) => b,
        Err(res) => return res,
    };
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Some(key) = auth.strip_prefix("Token token=") {
        return match pagerduty::parse_event(&bytes) {
            Ok(ev) => match deliver(d, &state, &ingestor, key.trim(), vec![ev]).await {
                Ok(keys) => accepted(&keys),
                Err(res) => res,
            },
            Err(Invalid(errors)) => invalid(d, "body", errors),
        };
    }
    // An API key: its owner needs events:write (RESPONDER or ADMIN), and names the service.
    let info = app::auth::session::RequestInfo::from_parts(
        &headers,
        &Default::default(),
        &Default::default(),
    );
    let caller = match app::auth::caller::identify(&state, &info).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = caller.check(Access::SendEvents) {
        return e.into_response();
    }
    let ev = match pagerduty::parse_event(&bytes) {
        Ok(ev) => ev,
        Err(Invalid(errors)) => return invalid(d, "body", errors),
    };
    let service_id = ev
        .payload
        .get("service_id")
        .and_then(|s| s.as_str())
        .and_then(|s| s.parse::<ServiceId>().ok());
    let Some(service_id) = service_id else {
        return invalid(
            d,
            "service_id",
            vec!["'service_id' must name a service when sending with an API key".into()],
        );
    };
    let service = match app::services::store::get(&state.pool, service_id).await {
        Ok(s) => s,
        Err(_) => return invalid(d, "service_id", vec!["no such service".into()]),
    };
    let t = IngestTarget {
        service_id,
        integration_id: None,
        urgency_rule: service.urgency_rule,
    };
    match submit(&ingestor, vec![(t, ev)]).await {
        Ok(keys) => accepted(&keys),
        Err(res) => res,
    }
}

fn accepted(keys: &[String]) -> Response {
    json(
        StatusCode::ACCEPTED,
        serde_json::json!({"status": "success", "message": "Event processed", "dedup_keys": keys})
            .to_string(),
    )
}

/// `POST /api/integrations/<kind>/<routing key>`.
async fn receiver(
    State(state): State<AppState>,
    Extension(ingestor): Extension<Arc<Ingestor>>,
    Path((kind, key)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    receive(&state, &ingestor, &kind, &key, &headers, body).await
}

/// `POST /api/integrations/<kind>` with the key in `X-Routing-Key` (or `Authorization:
/// Token token=…`), for tools that keep secrets out of URLs.
async fn receiver_header_key(
    State(state): State<AppState>,
    Extension(ingestor): Extension<Arc<Ingestor>>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let key = headers
        .get("x-routing-key")
        .and_then(|v| v.to_str().ok())
        .or_else(|| {
            headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|a| a.strip_prefix("Token token="))
        })
        .unwrap_or("")
        .trim()
        .to_owned();
    if key.is_empty() {
        return invalid(
            Dialect::OpsKnight,
            "routing_key",
            vec!["send the routing key in the URL or the X-Routing-Key header".into()],
        );
    }
    receive(&state, &ingestor, &kind, &key, &headers, body).await
}

async fn receive(
    state: &AppState,
    ingestor: &Ingestor,
    kind: &str,
    key: &str,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let d = Dialect::OpsKnight;
    let parse: fn(&[u8]) -> Result<Vec<InboundEvent>, Invalid> = match kind {
        "prometheus" | "alertmanager" => alertmanager::parse,
        "grafana" => grafana::parse,
        "datadog" => datadog::parse,
        "webhook" => webhook::parse,
        "cloudwatch" => return sns(state, ingestor, key, headers, body).await,
        _ => {
            return json(
                StatusCode::NOT_FOUND,
                serde_json::json!({"error": "not_found", "field": "kind",
                    "message": format!("unknown integration type {kind:?}; use prometheus (or alertmanager), grafana, datadog, cloudwatch or webhook")})
                .to_string(),
            );
        }
    };
    let bytes = match read_json(d, headers, body).await {
        Ok(b) => b,
        Err(res) => return res,
    };
    let events = match parse(&bytes) {
        Ok(e) => e,
        Err(Invalid(errors)) => return invalid(d, "body", errors),
    };
    match deliver(d, state, ingestor, key, events).await {
        Ok(keys) => accepted(&keys),
        Err(res) => res,
    }
}

/// CloudWatch through SNS: confirms subscriptions (SNS hosts only), ingests alarms.
async fn sns(
    state: &AppState,
    ingestor: &Ingestor,
    key: &str,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let d = Dialect::OpsKnight;
    // SNS posts JSON as text/plain; accept both.
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" && essence != "text/plain" {
        return invalid(
            d,
            "content-type",
            vec![format!(
                "Content-Type must be application/json or text/plain, not {ct:?}"
            )],
        );
    }
    let Ok(bytes) = axum::body::to_bytes(body, pagerduty::MAX_BODY).await else {
        return too_large(d);
    };
    match cloudwatch::parse(&bytes) {
        Err(Invalid(errors)) => invalid(d, "body", errors),
        Ok(cloudwatch::Sns::Confirm(url)) => {
            // Only for a known, enabled key: nobody else makes us fetch URLs.
            if let Err(res) = enabled_route(d, state, key).await {
                return res;
            }
            match ingestor.sns.confirm(url).await {
                Ok(()) => json(
                    StatusCode::OK,
                    serde_json::json!({"status": "success", "message": "Subscription confirmed"})
                        .to_string(),
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "SNS subscription confirmation failed");
                    json(StatusCode::BAD_GATEWAY, serde_json::json!({"error": "unavailable", "message": "could not confirm the SNS subscription; SNS will retry"}).to_string())
                }
            }
        }
        Ok(cloudwatch::Sns::Events(events)) if events.is_empty() => {
            match enabled_route(d, state, key).await {
                Ok(_) => accepted(&[]),
                Err(res) => res,
            }
        }
        Ok(cloudwatch::Sns::Events(events)) => match deliver(d, state, ingestor, key, events).await
        {
            Ok(keys) => accepted(&keys),
            Err(res) => res,
        },
    }
}
