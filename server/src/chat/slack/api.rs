//! Slack's Web API, the calls we make: `chat.postMessage`, `chat.update`, `users.info`, and
//! posts to an interaction's `response_url`. Bearer auth with the bot token, JSON bodies,
//! through the SSRF guard. Slack answers 200 even on errors (`{"ok":false,"error":…}`); each
//! answer is read into the delivery `Answer` (429 and `ratelimited` wait out Retry-After, an
//! archived or unknown channel turns the destination off, bad credentials are not retried).

use std::time::Duration;

use serde_json::Value;

use crate::chat::config::SlackConfig;
use crate::outbound::Outbound;
use crate::outbound::wire::{Answer, Reply, exchange};

/// Errors after which the channel cannot be posted to until someone fixes it in Slack.
const GONE: [&str; 3] = ["channel_not_found", "is_archived", "not_in_channel"];
/// Errors a retry may fix.
const TEMPORARY: [&str; 4] = [
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
];

/// A Web API call's outcome: Slack's JSON on `ok: true`, else the answer to log.
pub type Called = Result<Value, Answer>;

/// Calls `method` (`chat.postMessage`) with a JSON body.
pub async fn call(
    out: &Outbound,
    slack: &SlackConfig,
    method: &str,
    body: &Value,
    timeout: Duration,
) -> (Called, Duration) {
    let url = format!("{}/{method}", slack.api_url);
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let (reply, took) = exchange(
        &out.client,
        &out.allow,
        reqwest::Method::POST,
        &url,
        timeout,
        |req| {
            req.bearer_auth(&slack.bot_token)
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/json; charset=utf-8",
                )
                .body(bytes)
        },
    )
    .await;
    (reply.and_then(read), took)
}

/// `users.info`: the email of a Slack user (needs the users:read.email scope).
pub async fn user_email(
    out: &Outbound,
    slack: &SlackConfig,
    user: &str,
    timeout: Duration,
) -> Result<Option<String>, Answer> {
    let url = format!("{}/users.info", slack.api_url);
    let user = user.to_owned();
    let (reply, _) = exchange(
        &out.client,
        &out.allow,
        reqwest::Method::GET,
        &url,
        timeout,
        |req| req.bearer_auth(&slack.bot_token).query(&[("user", user)]),
    )
    .await;
    match reply.and_then(read) {
        Ok(v) => Ok(v["user"]["profile"]["email"].as_str().map(str::to_owned)),
        Err(a) if error_code(&a).as_deref() == Some("user_not_found") => Ok(None),
        Err(a) => Err(a),
    }
}

/// Posts `body` to an interaction's or a command's `response_url` (an ephemeral reply, or
/// a change to the message the button was on). Errors are logged, not returned: the person
/// already has Slack's own answer.
pub async fn respond(out: &Outbound, response_url: &str, body: &Value, timeout: Duration) {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let (reply, _) = exchange(
        &out.client,
        &out.allow,
        reqwest::Method::POST,
        response_url,
        timeout,
        |req| {
            req.header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes)
        },
    )
    .await;
    match reply.map(Reply::by_status) {
        Ok(Answer::Delivered { .. }) => {}
        Ok(other) | Err(other) => {
            tracing::warn!(answer = ?other, "a Slack response_url post failed");
        }
    }
}

/// Reads a Web API reply.
fn read(reply: Reply) -> Called {
    let status = reply.status;
    if status == 429 {
        return Err(Answer::Later {
            status,
            after: reply.retry_after(Duration::from_secs(30)),
            body: reply.body,
        });
    }
    if status != 200 {
        return Err(reply.by_status());
    }
    let Ok(v) = serde_json::from_str::<Value>(&reply.body) else {
        return Err(Answer::Failed {
            status: Some(status),
            why: "Slack answered something that is not JSON".into(),
            body: reply.body,
        });
    };
    if v["ok"].as_bool() == Some(true) {
        return Ok(v);
    }
    let error = v["error"].as_str().unwrap_or("unknown_error").to_owned();
    let body = reply.body;
    Err(if error == "ratelimited" {
        Answer::Later {
            status,
            after: Duration::from_secs(30),
            body,
        }
    } else if GONE.contains(&error.as_str()) {
        Answer::Gone {
            status,
            why: format!("Slack answered {error}"),
            body,
        }
    } else if TEMPORARY.contains(&error.as_str()) {
        Answer::Failed {
            status: Some(status),
            why: format!("Slack answered {error}"),
            body,
        }
    } else {
        Answer::Rejected {
            status: Some(status),
            why: format!("Slack refused the call: {error}"),
            body,
        }
    })
}

/// The Slack error code in a refusal (`message_not_found`), if that is what it was.
pub fn error_code(answer: &Answer) -> Option<String> {
    match answer {
        Answer::Rejected { body, .. } | Answer::Gone { body, .. } => {
            serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_owned))
        }
        _ => None,
    }
}
