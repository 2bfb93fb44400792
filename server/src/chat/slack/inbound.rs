//! Slack's requests to us. `POST /api/slack/interactive`: a button pressed on an incident's
//! message (Acknowledge, Resolve) acts as the OpsKnight user whose email the Slack user has.
//! `POST /api/slack/commands`: `/incident ack|resolve|note|who|help`. Both check the v0
//! signature before reading the body (401, nothing changed) and answer within Slack's 3 s;
//! replies to the presser go to the interaction's `response_url` as ephemeral messages.

use std::time::Duration;

use app::channels::ChatProvider;
use app::channels::messages;
use app::channels::render::slack::{ACK, RESOLVE};
use app::domain::{IncidentId, UserId};
use app::error::AppError;
use app::phone::reply::Action;
use app::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{Value, json};

use super::api;
use super::signature;
use crate::chat::config::SlackConfig;
use crate::outbound::Outbound;

/// Slack's budget for our answer is 3 s: lookups get less.
const LOOKUP: Duration = Duration::from_millis(2000);
/// What the timeline says an action came through.
const VIA: &str = "Slack";

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/slack/interactive", axum::routing::post(interactive))
        .route("/api/slack/commands", axum::routing::post(commands))
}

/// The Slack app, with the request's signature checked and the request seen for the first
/// time; else the refusal (404 no app, 401 signature, 409 replay, 503 database).
async fn verified(
    state: &AppState,
    out: &Outbound,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<std::sync::Arc<SlackConfig>, AppError> {
    let Some(slack) = out.chat().await.slack.clone() else {
        return Err(AppError::NotFound {
            what: "the Slack app (set it up in Settings or OPSKNIGHT_SLACK_*)".into(),
        });
    };
    let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let signature = get("x-slack-signature");
    signature::verify(
        &slack.signing_secret,
        get("x-slack-request-timestamp"),
        signature,
        body,
        state.clock.now().timestamp(),
    )
    .map_err(|bad| {
        tracing::warn!(why = bad.message(), "refused a Slack request");
        AppError::Unauthenticated {
            message: bad.message().to_owned(),
            field: Some("x-slack-signature".into()),
        }
    })?;
    // The same signature is the same timestamp and body: a request handled already.
    let key = format!("slack:{}", signature.unwrap_or_default());
    match messages::first_time(&state.pool, &key, state.clock.now()).await {
        Ok(true) => Ok(slack),
        Ok(false) => {
            tracing::warn!("refused a replayed Slack request");
            Err(AppError::conflict(
                "this request was handled already (a replay)",
            ))
        }
        Err(e) => {
            tracing::error!(error = %e, "checking a Slack request for a replay failed");
            Err(AppError::Unavailable {
                message: "try again".into(),
            })
        }
    }
}

fn form(body: &[u8]) -> std::collections::HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The OpsKnight user a Slack user is: linked before, else found by the email `users.info`
/// gives (and linked). None when nobody matches.
async fn user_of(
    state: &AppState,
    out: &Outbound,
    slack: &SlackConfig,
    slack_user: &str,
) -> Result<Option<UserId>, String> {
    let pool = &state.pool;
    let known = messages::linked_user(pool, ChatProvider::Slack, slack_user)
        .await
        .map_err(|e| e.to_string())?;
    if known.is_some() {
        return Ok(known);
    }
    let email = api::user_email(out, slack, slack_user, LOOKUP)
        .await
        .map_err(|a| format!("{a:?}"))?;
    let Some(email) = email else { return Ok(None) };
    let user = messages::user_by_email(pool, &email)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(user) = user {
        messages::link(
            pool,
            ChatProvider::Slack,
            slack_user,
            user,
            state.clock.now(),
        )
        .await
        .map_err(|e| e.to_string())?;
    }
    Ok(user)
}

fn link_text(state: &AppState) -> String {
    format!(
        "Your Slack account is not linked to OpsKnight: no active OpsKnight user has your Slack email. \
         Ask an admin to invite you with that email, then press the button again. <{}/profile|Your OpsKnight profile>",
        state.public_url
    )
}

/// Sends an ephemeral reply to the presser, after we have answered Slack.
fn tell(out: &Outbound, response_url: Option<String>, text: String) {
    let Some(url) = response_url else { return };
    let out = out.clone();
    tokio::spawn(async move {
        let body = json!({"response_type": "ephemeral", "replace_original": false, "text": text});
        api::respond(&out, &url, &body, Duration::from_secs(10)).await;
    });
}

async fn interactive(
    State(state): State<AppState>,
    Extension(out): Extension<Outbound>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let slack = match verified(&state, &out, &headers, &body).await {
        Ok(s) => s,
        Err(e) => return crate::chat::refuse(e),
    };
    let Some(payload) = form(&body).remove("payload") else {
        return crate::chat::refuse(AppError::invalid(
            "payload",
            "a form field payload is required",
        ));
    };
    let Ok(p) = serde_json::from_str::<Value>(&payload) else {
        return crate::chat::refuse(AppError::invalid("payload", "must be JSON"));
    };
    if p["type"] != "block_actions" {
        // Nothing else is asked of the app: acknowledge and ignore.
        return StatusCode::OK.into_response();
    }
    let action = &p["actions"][0];
    let press = match action["action_id"].as_str() {
        Some(ACK) => Action::Acknowledge,
        Some(RESOLVE) => Action::Resolve,
        // Open is a link: Slack tells us it was pressed, nothing to do.
        _ => return StatusCode::OK.into_response(),
    };
    let Some(incident) = action["value"]
        .as_str()
        .and_then(|v| uuid::Uuid::try_parse(v).ok())
        .map(IncidentId)
    else {
        return crate::chat::refuse(AppError::invalid(
            "payload.actions[0].value",
            "must be an incident id",
        ));
    };
    let response_url = p["response_url"].as_str().map(str::to_owned);
    let Some(slack_user) = p["user"]["id"].as_str() else {
        return crate::chat::refuse(AppError::invalid("payload.user.id", "is required"));
    };
    let user = match user_of(&state, &out, &slack, slack_user).await {
        Ok(Some(u)) => u,
        Ok(None) => {
            tell(&out, response_url, link_text(&state));
            return StatusCode::OK.into_response();
        }
        Err(why) => {
            tracing::warn!(%why, "could not look up a Slack user");
            tell(
                &out,
                response_url,
                "OpsKnight could not look up your Slack account just now; try again.".into(),
            );
            return StatusCode::OK.into_response();
        }
    };
    match app::channels::act::act(&state.pool, incident, user, press, VIA, state.clock.now()).await
    {
        // Changed: the message itself is updated by the channel's delivery.
        Ok(acted) if acted.changed => {}
        Ok(acted) => tell(&out, response_url, acted.text),
        Err(app::error::AppError::NotFound { .. }) => {
            tell(&out, response_url, "That incident no longer exists.".into());
        }
        Err(e) => {
            tracing::error!(error = %e, "a Slack button press failed");
            tell(
                &out,
                response_url,
                "OpsKnight could not do that just now; try again.".into(),
            );
        }
    }
    StatusCode::OK.into_response()
}

pub const HELP: &str = "*/incident* commands:\n\
    • `/incident ack 42` acknowledges incident #42\n\
    • `/incident resolve 42` resolves it\n\
    • `/incident note 42 restarted the pods` adds a note\n\
    • `/incident who` says who is on call now for this channel's services\n\
    • `/incident help` shows this";

fn ephemeral(text: impl Into<String>) -> Response {
    Json(json!({"response_type": "ephemeral", "text": text.into()})).into_response()
}

async fn commands(
    State(state): State<AppState>,
    Extension(out): Extension<Outbound>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let slack = match verified(&state, &out, &headers, &body).await {
        Ok(s) => s,
        Err(e) => return crate::chat::refuse(e),
    };
    let f = form(&body);
    let text = f.get("text").map(|t| t.trim()).unwrap_or_default();
    let (verb, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let rest = rest.trim();
    let press = match verb.to_lowercase().as_str() {
        "" | "help" => return ephemeral(HELP),
        "who" => {
            let channel = f.get("channel_id").map(String::as_str).unwrap_or_default();
            return ephemeral(who(&state, channel).await);
        }
        "ack" | "acknowledge" => Some(Action::Acknowledge),
        "resolve" => Some(Action::Resolve),
        "note" => None,
        other => {
            return ephemeral(format!("`{other}` is not an /incident command.\n{HELP}"));
        }
    };
    let (number, note) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let Ok(number) = number.trim_start_matches('#').parse::<i64>() else {
        return ephemeral(format!(
            "Say which incident, by number: `/incident {} 42{}`",
            verb.to_lowercase(),
            if press.is_none() { " what you did" } else { "" }
        ));
    };
    let Some(slack_user) = f.get("user_id") else {
        return crate::chat::refuse(AppError::invalid("user_id", "is required"));
    };
    let user = match user_of(&state, &out, &slack, slack_user).await {
        Ok(Some(u)) => u,
        Ok(None) => return ephemeral(link_text(&state)),
        Err(why) => {
            tracing::warn!(%why, "could not look up a Slack user");
            return ephemeral(
                "OpsKnight could not look up your Slack account just now; try again.",
            );
        }
    };
    let now = state.clock.now();
    let incident = match app::channels::act::by_number(&state.pool, number).await {
        Ok(id) => id,
        Err(_) => return ephemeral(format!("There is no incident #{number}.")),
    };
    let done = match press {
        Some(press) => app::channels::act::act(&state.pool, incident, user, press, VIA, now)
            .await
            .map(|a| a.text),
        None => note_as(&state, incident, number, user, note.trim()).await,
    };
    match done {
        Ok(text) => ephemeral(text),
        Err(e) => {
            tracing::error!(error = %e, "a Slack command failed");
            ephemeral("OpsKnight could not do that just now; try again.")
        }
    }
}

async fn note_as(
    state: &AppState,
    incident: IncidentId,
    number: i64,
    user: UserId,
    note: &str,
) -> Result<String, app::error::AppError> {
    if note.is_empty() {
        return Ok(format!(
            "Add the note's text: `/incident note {number} what you did`"
        ));
    }
    if note.chars().count() > app::incidents::NOTE_MAX {
        return Ok(format!(
            "A note is at most {} characters.",
            app::incidents::NOTE_MAX
        ));
    }
    if !app::channels::act::may_act(&state.pool, user, incident).await? {
        return Ok(format!(
            "You cannot add notes to #{number}: a USER acts only on incidents assigned to them or their teams"
        ));
    }
    app::incidents::store::add_note(&state.pool, incident, user, note, state.clock.now()).await?;
    Ok(format!("Note added to #{number}"))
}

async fn who(state: &AppState, channel: &str) -> String {
    let services = app::channels::act::on_call_for_channel(
        &state.pool,
        app::channels::ChannelKind::Slack,
        channel,
        state.clock.now(),
    )
    .await;
    match services {
        Err(e) => {
            tracing::error!(error = %e, "/incident who failed");
            "OpsKnight could not read the schedules just now; try again.".into()
        }
        Ok(list) if list.is_empty() => {
            "No service posts to this channel. Add it to a service's Channels in OpsKnight first."
                .into()
        }
        Ok(list) => list
            .into_iter()
            .map(|(service, people)| {
                if people.is_empty() {
                    format!("*{service}*: nobody is on call at the first step right now")
                } else {
                    format!("*{service}*: {}", people.join(", "))
                }
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}
