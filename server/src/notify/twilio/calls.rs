//! `POST /api/twilio/voice`: what a page call says and what its keys do. Twilio fetches it
//! when the call is answered (with `AnsweredBy` from machine detection) and again with
//! `Digits` after a key press. A person hears the page and a one-key menu (4 acknowledge,
//! 6 resolve, 5 escalate now, * repeat); a machine gets the page as a voicemail, recorded as
//! "left voicemail". Signed like every Twilio webhook: 403 and nothing changes otherwise.

use std::sync::Arc;

use app::domain::{IncidentId, UserId};
use app::notifications::store::{Receipt, record_receipt};
use app::phone::reply::Action;
use app::phone::twiml;
use app::state::AppState;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::inbound::{error, param, signed};
use super::{TwilioConfig, receipt};

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, twiml::CONTENT_TYPE)], body).into_response()
}

/// The incident and person a call URL names.
fn named(uri: &OriginalUri) -> Result<(IncidentId, UserId), Box<Response>> {
    let query = uri.0.query().unwrap_or_default();
    let get = |name: &str| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let incident = get("incident").and_then(|v| v.parse::<IncidentId>().ok());
    let user = get("user").and_then(|v| v.parse::<UserId>().ok());
    let (field, message) = match (incident, user) {
        (Some(i), Some(u)) => return Ok((i, u)),
        (None, _) => ("incident", "incident must be a UUID"),
        (_, None) => ("user", "user must be a UUID"),
    };
    Err(Box::new(error(StatusCode::BAD_REQUEST, field, message)))
}

pub async fn voice(
    State(state): State<AppState>,
    axum::Extension(config): axum::Extension<Option<Arc<TwilioConfig>>>,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match signed(&config, &state.public_url, &uri, &headers, &body) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let (incident, user) = match named(&uri) {
        Ok(n) => n,
        Err(r) => return *r,
    };
    match answer(&state, &uri, &params, incident, user).await {
        Ok(body) => xml(body),
        Err(e) => {
            tracing::error!(error = %e, "answering a page call failed");
            xml(twiml::done(
                "Sorry, that did not work. Open OpsKnight to respond.",
            ))
        }
    }
}

async fn answer(
    state: &AppState,
    uri: &OriginalUri,
    params: &[(String, String)],
    incident: IncidentId,
    user: UserId,
) -> Result<String, app::error::AppError> {
    let Some(facts) = app::phone::store::incident_facts(&state.pool, incident).await? else {
        return Ok(twiml::done("This incident no longer exists."));
    };
    let speech = app::phone::page_speech(&facts);
    let path = uri.0.path_and_query().map_or("/", |p| p.as_str());
    let action = format!("{}{path}", state.public_url);
    let answered_by = param(params, "AnsweredBy");
    let Some(digits) = param(params, "Digits") else {
        if receipt::machine(answered_by) {
            if let Some(sid) = param(params, "CallSid") {
                let c = receipt::call("completed", answered_by, None);
                let r = Receipt {
                    provider_id: sid,
                    status: &c.status,
                    delivered: c.delivered,
                    failed: None,
                    outcome: c.outcome,
                };
                record_receipt(&state.pool, &r, state.clock.now()).await?;
            }
            return Ok(twiml::voicemail(&format!(
                "{speech} Open OpsKnight to respond."
            )));
        }
        return Ok(twiml::page(&speech, false, &action));
    };
    let key = digits.chars().next();
    let act = match key {
        Some(twiml::KEY_ACK) => Action::Acknowledge,
        Some(twiml::KEY_RESOLVE) => Action::Resolve,
        Some(twiml::KEY_ESCALATE) => Action::Escalate,
        Some(twiml::KEY_REPEAT) => return Ok(twiml::page(&speech, false, &action)),
        _ => return Ok(twiml::again(false, &action)),
    };
    let text = app::phone::act::act(
        &state.pool,
        incident,
        facts.number,
        user,
        act,
        "phone call",
        state.clock.now(),
    )
    .await?;
    Ok(twiml::done(&text.replace('#', "incident ")))
}
