//! `POST /api/twilio/voice`: what a page call says and what its keys do. Twilio fetches it
//! when the call is answered (with `AnsweredBy` from machine detection) and again with
//! `Digits` after a key press. A person hears the page and a one-key menu (4 acknowledge,
//! 6 resolve, 5 escalate now, * repeat); a machine gets the page as a voicemail, recorded as
//! "left voicemail". A call carrying a bundle speaks the count and the first five, and its
//! keys act on every incident of the bundle. Signed like every Twilio webhook: 403 and nothing changes otherwise.

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
use super::receipt;

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, twiml::CONTENT_TYPE)], body).into_response()
}

/// The incident and person a call URL names, and its bundle code when it carries several.
type Named = (IncidentId, UserId, Option<u32>);

fn named(uri: &OriginalUri) -> Result<Named, Box<Response>> {
    let query = uri.0.query().unwrap_or_default();
    let get = |name: &str| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let incident = get("incident").and_then(|v| v.parse::<IncidentId>().ok());
    let user = get("user").and_then(|v| v.parse::<UserId>().ok());
    let bundle = match get("bundle") {
        None => None,
        Some(b) => match b.parse::<u32>() {
            Ok(code) => Some(code),
            Err(_) => {
                let e = error(StatusCode::BAD_REQUEST, "bundle", "bundle must be a number");
                return Err(Box::new(e));
            }
        },
    };
    let (field, message) = match (incident, user) {
        (Some(i), Some(u)) => return Ok((i, u, bundle)),
        (None, _) => ("incident", "incident must be a UUID"),
        (_, None) => ("user", "user must be a UUID"),
    };
    Err(Box::new(error(StatusCode::BAD_REQUEST, field, message)))
}

pub async fn voice(
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
    let named = match named(&uri) {
        Ok(n) => n,
        Err(r) => return *r,
    };
    match answer(&state, &uri, &params, named).await {
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
    (incident, user, bundle): Named,
) -> Result<String, app::error::AppError> {
    let pool = &state.pool;
    let Some(facts) = app::phone::store::incident_facts(pool, incident).await? else {
        return Ok(twiml::done("This incident no longer exists."));
    };
    // A bundle call is about every incident its code names at the number called.
    let mut pages = match (bundle, param(params, "To")) {
        (Some(code), Some(to)) => app::phone::store::named_bundle(pool, to, code).await?,
        _ => Vec::new(),
    };
    if pages.is_empty() {
        pages.push(app::phone::store::Named {
            incident,
            number: facts.number,
            user,
        });
    }
    let several = pages.len() > 1;
    let speech = if several {
        let mut shown = Vec::new();
        for p in pages.iter().take(5) {
            shown.extend(app::phone::store::incident_facts(pool, p.incident).await?);
        }
        app::phone::bundle_speech(&shown, pages.len())
    } else {
        app::phone::page_speech(&facts)
    };
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
        return Ok(twiml::page(&speech, several, &action));
    };
    let key = digits.chars().next();
    let act = match key {
        Some(twiml::KEY_ACK) => Action::Acknowledge,
        Some(twiml::KEY_RESOLVE) => Action::Resolve,
        Some(twiml::KEY_ESCALATE) => Action::Escalate,
        Some(twiml::KEY_REPEAT) => return Ok(twiml::page(&speech, several, &action)),
        _ => return Ok(twiml::again(several, &action)),
    };
    let text = app::phone::act::act_all(pool, &pages, act, "phone call", state.clock.now()).await?;
    Ok(twiml::done(&text.replace('#', "incident ")))
}
