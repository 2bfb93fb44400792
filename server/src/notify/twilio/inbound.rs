//! The webhooks Twilio calls: `POST /api/twilio/status` (delivery receipts),
//! `POST /api/twilio/sms` (replies) and `POST /api/twilio/voice` (calls, in `calls.rs`). Each is a form POST signed with `X-Twilio-Signature`
//! over our public URL; a missing or wrong signature is refused with 403 and changes
//! nothing. Replies to an SMS are TwiML `<Message>`s.

use std::sync::Arc;

use app::notifications::store::{Receipt, record_receipt};
use app::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::{TwilioConfig, receipt, signature};

/// The Twilio webhook routes; without Twilio settings in use they answer 404.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/twilio/status", post(status))
        .route("/api/twilio/sms", post(sms))
        .route("/api/twilio/voice", post(super::calls::voice))
}

pub(super) fn error(status: StatusCode, field: &str, message: &str) -> Response {
    let body = serde_json::json!({"error": message, "field": field, "message": message});
    (status, axum::Json(body)).into_response()
}

/// The request's form parameters, when Twilio is configured and the signature matches.
pub(super) fn signed(
    config: &Option<Arc<TwilioConfig>>,
    public_url: &str,
    uri: &OriginalUri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Vec<(String, String)>, Box<Response>> {
    let Some(config) = config else {
        return Err(Box::new(error(
            StatusCode::NOT_FOUND,
            "twilio",
            "Twilio is not configured on this server",
        )));
    };
    let params: Vec<(String, String)> = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let path = uri.0.path_and_query().map_or("/", |p| p.as_str());
    let url = format!("{public_url}{path}");
    let given = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let tokens: Vec<&str> = config.tokens.iter().map(String::as_str).collect();
    if given.is_empty() || !signature::verify(&tokens, &url, &params, given) {
        tracing::warn!(path = %path, "twilio webhook with a missing or wrong signature refused");
        return Err(Box::new(error(
            StatusCode::FORBIDDEN,
            "x-twilio-signature",
            "missing or wrong Twilio signature",
        )));
    }
    Ok(params)
}

pub(super) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn status(
    State(state): State<AppState>,
    crate::notify::phones::Current(active): crate::notify::phones::Current,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match signed(&active.twilio, &state.public_url, &uri, &headers, &body) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let code = param(&params, "ErrorCode").filter(|c| !c.is_empty() && *c != "0");
    let (sid, classified) = match (
        param(&params, "MessageSid"),
        param(&params, "MessageStatus"),
        param(&params, "CallSid"),
        param(&params, "CallStatus"),
    ) {
        (Some(sid), Some(status), _, _) => (sid, receipt::message(status, code)),
        (_, _, Some(sid), Some(status)) => (
            sid,
            receipt::call(status, param(&params, "AnsweredBy"), code),
        ),
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "MessageSid",
                "MessageSid and MessageStatus (or CallSid and CallStatus) are required",
            );
        }
    };
    let receipt = Receipt {
        provider_id: sid,
        status: &classified.status,
        delivered: classified.delivered,
        failed: classified.failed.clone(),
        outcome: classified.outcome,
    };
    let now = state.clock.now();
    let recorded = match record_receipt(&state.pool, &receipt, now).await {
        // A busy line is called again after a backoff; other unanswered calls are left to
        // the person's next rule and the policy's next step.
        Ok(true) if classified.status == "busy" && param(&params, "CallSid").is_some() => {
            app::notifications::store::retry_busy_call(&state.pool, sid, now)
                .await
                .map(|_| true)
        }
        other => other,
    };
    match recorded {
        Ok(known) => {
            if !known {
                tracing::info!(sid, "twilio receipt for a message we do not know");
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "recording a twilio receipt failed");
            // Twilio retries a 5xx callback; nothing was changed.
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

fn twiml(text: Option<&str>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        app::phone::twiml::message(text),
    )
        .into_response()
}

async fn sms(
    State(state): State<AppState>,
    crate::notify::phones::Current(active): crate::notify::phones::Current,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match signed(&active.twilio, &state.public_url, &uri, &headers, &body) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let (Some(from), Some(text)) = (param(&params, "From"), param(&params, "Body")) else {
        return error(
            StatusCode::BAD_REQUEST,
            "From",
            "From and Body are required",
        );
    };
    match crate::notify::replies::answer(&state, from, text).await {
        Ok(reply) => twiml(reply.as_deref()),
        Err(e) => {
            tracing::error!(error = %e, "answering an SMS reply failed");
            twiml(Some(
                "Sorry, that did not work. Try again, or open OpsKnight.",
            ))
        }
    }
}
