//! Telegram's Bot API, the calls we make (`sendMessage`, `editMessageText`,
//! `answerCallbackQuery`, `setWebhook`, `deleteWebhook`, `getUpdates`, `getMe`): JSON POSTs
//! to `<api>/bot<token>/<method>` through the SSRF guard. Answers are `{"ok":true,"result"}`
//! or `{"ok":false,"error_code","description","parameters":{"retry_after"}}`, read into the
//! delivery `Answer`: 429 waits `retry_after`, a chat that is gone or blocked the bot turns the
//! destination off, a bad token is not retried.

use std::time::Duration;

use serde_json::Value;

use crate::chat::config::TelegramConfig;
use crate::outbound::Outbound;
use crate::outbound::wire::{Answer, Reply, exchange};

pub type Called = Result<Value, Answer>;

pub async fn call(
    out: &Outbound,
    tg: &TelegramConfig,
    method: &str,
    body: &Value,
    timeout: Duration,
) -> (Called, Duration) {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let (reply, took) = exchange(
        &out.client,
        &out.allow,
        reqwest::Method::POST,
        &tg.method_url(method),
        timeout,
        |req| {
            req.header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes)
        },
    )
    .await;
    // The token is in the URL: never let it reach a log through an error's text.
    let reply = reply.map_err(|a| redact(a, &tg.bot_token));
    (reply.and_then(read), took)
}

fn redact(a: Answer, token: &str) -> Answer {
    match a {
        Answer::Failed { status, why, body } => Answer::Failed {
            status,
            why: why.replace(token, "<token>"),
            body,
        },
        other => other,
    }
}

/// Telegram's description of a refusal, lower-cased (`bad request: message is not modified`).
pub fn description(a: &Answer) -> String {
    match a {
        Answer::Rejected { body, .. } | Answer::Gone { body, .. } | Answer::Failed { body, .. } => {
            serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|v| v["description"].as_str().map(str::to_lowercase))
                .unwrap_or_default()
        }
        _ => String::new(),
    }
}

fn read(reply: Reply) -> Called {
    let status = reply.status;
    let v: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    if v["ok"].as_bool() == Some(true) {
        return Ok(v["result"].clone());
    }
    let description = v["description"].as_str().unwrap_or_default().to_lowercase();
    let body = reply.body.clone();
    Err(match status {
        429 => Answer::Later {
            status,
            after: v["parameters"]["retry_after"]
                .as_u64()
                .map(Duration::from_secs)
                .unwrap_or_else(|| reply.retry_after(Duration::from_secs(30)))
                .min(crate::outbound::wire::MAX_LATER),
            body,
        },
        403 => Answer::Gone {
            status,
            why: format!("Telegram answered 403 ({description})"),
            body,
        },
        400 if description.contains("chat not found")
            || description.contains("group chat was upgraded") =>
        {
            Answer::Gone {
                status,
                why: format!("Telegram answered 400 ({description})"),
                body,
            }
        }
        401 | 404 => Answer::Rejected {
            status: Some(status),
            why: "Telegram refused the bot token (OPSKNIGHT_TELEGRAM_BOT_TOKEN)".into(),
            body,
        },
        400..=499 => Answer::Rejected {
            status: Some(status),
            why: format!("Telegram refused the call: {description}"),
            body,
        },
        _ => Answer::Failed {
            status: Some(status),
            why: format!("Telegram answered {status}"),
            body,
        },
    })
}
