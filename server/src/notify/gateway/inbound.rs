//! `POST /api/sms-gateway/inbound`: a reply from a phone, relayed by the gateway as JSON
//! `{"from": "+14155550123", "body": "1a"}` with `Authorization: Bearer <secret>`. It acts as
//! an SMS reply to Twilio does, and answers `{"reply": "Acknowledged #41"}` (or `null`: send
//! nothing) for the gateway to text back. 404 without a gateway secret, 401 for a wrong or
//! missing one (nothing changes), 400 naming the field for a bad body.

use app::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

/// The gateway's reply route; it answers 404 unless a gateway with a secret is in use.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/sms-gateway/inbound", post(inbound))
}

fn error(status: StatusCode, field: &str, message: &str) -> Response {
    let body = serde_json::json!({"error": message, "field": field, "message": message});
    (status, axum::Json(body)).into_response()
}

/// Compares without an early exit, so the time taken says nothing about the secret.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn inbound(
    State(state): State<AppState>,
    crate::notify::phones::Current(active): crate::notify::phones::Current,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(secret) = active.gateway.as_ref().and_then(|c| c.secret.as_deref()) else {
        return error(
            StatusCode::NOT_FOUND,
            "sms_gateway",
            "no SMS gateway secret is configured on this server",
        );
    };
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same(given.as_bytes(), secret.as_bytes()) {
        tracing::warn!("SMS gateway reply with a missing or wrong secret refused");
        return error(
            StatusCode::UNAUTHORIZED,
            "authorization",
            "missing or wrong gateway secret",
        );
    }
    let json: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return error(StatusCode::BAD_REQUEST, "body", "must be a JSON object"),
    };
    let text = |name: &str| json.get(name).and_then(serde_json::Value::as_str);
    let Some(from) = text("from") else {
        return error(
            StatusCode::BAD_REQUEST,
            "from",
            "from is required (an E.164 number)",
        );
    };
    let from = match app::domain::PhoneNumber::parse("from", from) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, "from", &e.user_message()),
    };
    let Some(body) = text("body") else {
        return error(StatusCode::BAD_REQUEST, "body", "body is required");
    };
    match crate::notify::replies::answer(&state, from.as_str(), body).await {
        Ok(reply) => axum::Json(serde_json::json!({"reply": reply})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "answering a gateway reply failed");
            axum::Json(serde_json::json!({
                "reply": "Sorry, that did not work. Try again, or open OpsKnight."
            }))
            .into_response()
        }
    }
}
