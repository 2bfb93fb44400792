//! Deliveries to chats that keep one message per incident and update it in place (Slack,
//! Telegram):
//! the delivery holds the (channel, incident) message (`app::channels::messages::hold`), reads
//! the incident as it is now, updates the message (or, for a note, replies in its thread),
//! posts a new one when there is none yet or the old one is gone, and lets go keeping the new
//! message's ref. One delivery at a time per message: two events never both post it, and the
//! last update shows the latest state.

use std::time::Duration;

use anyhow::Context;
use app::channels::ChannelEvent;
use app::channels::messages::{self, Hold};
use app::channels::render::{self, Card, Happened};
use app::channels::store::Stored;
use serde_json::json;

use super::wire::Answer;
use super::{DeliveryJob, Outcome};
use crate::chat::slack::api as slack_api;
use crate::engine::Engine;

/// The text of a test message.
pub const TEST_TEXT: &str = "A test message from OpsKnight: this channel works.";

/// The card and what happened, read now; None when the incident was deleted since.
pub(crate) async fn render_inputs(
    engine: &Engine,
    p: &DeliveryJob,
    incident: app::domain::IncidentId,
) -> anyhow::Result<Option<(Card, Happened)>> {
    let card = match messages::card(&engine.pool, incident, &engine.public_url).await {
        Ok(c) => c,
        Err(app::error::AppError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let happened = messages::happened(
        &engine.pool,
        ChannelEvent::parse(&p.event),
        &p.event_id,
        p.actor_user_id,
    )
    .await?;
    Ok(Some((card, happened)))
}

/// Holds the message of (channel, incident), runs `send` with its ref, and lets go, keeping
/// the ref `send` returns for a newly posted message.
async fn with_message<F, Fut>(
    engine: &Engine,
    channel: &Stored,
    incident: app::domain::IncidentId,
    send: F,
) -> anyhow::Result<Outcome>
where
    F: FnOnce(Option<String>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<(Answer, Duration, Option<String>)>>,
{
    let now = engine.clock.now();
    // Long enough for an update that falls back to a post, each under the send timeout.
    let until = now + chrono::Duration::from_std(engine.send_timeout() * 3)?;
    let current = match messages::hold(&engine.pool, channel.id, incident, now, until).await? {
        Hold::Busy => return Ok(Outcome::Wait(now + chrono::Duration::seconds(1))),
        Hold::Mine(r) => r,
    };
    let sent = send(current).await;
    let posted = sent.as_ref().ok().and_then(|s| s.2.clone());
    messages::release(
        &engine.pool,
        channel.id,
        incident,
        posted.as_deref(),
        engine.clock.now(),
    )
    .await
    .context("let go of the channel message")?;
    let (answer, took, _) = sent?;
    Ok(Outcome::Sent(answer, took))
}

/// A Slack channel: post the incident's message, update it, or reply in its thread.
pub(crate) async fn slack(
    engine: &Engine,
    channel: &Stored,
    p: &DeliveryJob,
) -> anyhow::Result<Outcome> {
    let Some(slack) = engine.outbound.chat().await.slack.clone() else {
        return Ok(Outcome::Sent(
            Answer::Rejected {
                status: None,
                why: "Slack is not set up: set OPSKNIGHT_SLACK_BOT_TOKEN and OPSKNIGHT_SLACK_SIGNING_SECRET".into(),
                body: String::new(),
            },
            Duration::ZERO,
        ));
    };
    let out = &engine.outbound;
    let timeout = engine.send_timeout();
    let Some(incident) = p.incident.as_ref().map(|i| i.id) else {
        let body = json!({"channel": channel.target, "text": TEST_TEXT});
        let (called, took) = slack_api::call(out, &slack, "chat.postMessage", &body, timeout).await;
        return Ok(Outcome::Sent(delivered(called, Some(())).0, took));
    };
    let Some((card, happened)) = render_inputs(engine, p, incident).await? else {
        return Ok(Outcome::Sent(deleted(), Duration::ZERO));
    };
    let is_note = happened.event == Some(ChannelEvent::Annotated);
    with_message(engine, channel, incident, |current| async move {
        let started = std::time::Instant::now();
        if let Some((chan, ts)) = current.as_deref().and_then(|r| r.split_once(':')) {
            let (method, mut body) = if is_note {
                let mut b = render::slack::reply(&card, &happened);
                b["thread_ts"] = json!(ts);
                ("chat.postMessage", b)
            } else {
                let mut b = render::slack::message(&card, &happened);
                b["ts"] = json!(ts);
                ("chat.update", b)
            };
            body["channel"] = json!(chan);
            let (called, _) = slack_api::call(out, &slack, method, &body, timeout).await;
            let gone = matches!(&called, Err(a) if matches!(
                slack_api::error_code(a).as_deref(),
                Some("message_not_found" | "cant_update_message" | "thread_not_found")));
            if !gone {
                return Ok((delivered(called, None).0, started.elapsed(), None));
            }
        }
        // No message yet (or it was deleted in Slack): post one.
        let mut body = render::slack::message(&card, &happened);
        body["channel"] = json!(channel.target);
        let (called, _) = slack_api::call(out, &slack, "chat.postMessage", &body, timeout).await;
        let (answer, posted) = delivered(called, Some(()));
        Ok((answer, started.elapsed(), posted))
    })
    .await
}

/// A Telegram group: post the incident's message, edit it, or reply to it for a note.
pub(crate) async fn telegram(
    engine: &Engine,
    channel: &Stored,
    p: &DeliveryJob,
) -> anyhow::Result<Outcome> {
    use crate::chat::telegram::api as tg_api;
    let Some(tg) = engine.outbound.chat().await.telegram.clone() else {
        return Ok(Outcome::Sent(
            Answer::Rejected {
                status: None,
                why: "Telegram is not set up: set OPSKNIGHT_TELEGRAM_BOT_TOKEN".into(),
                body: String::new(),
            },
            Duration::ZERO,
        ));
    };
    let out = &engine.outbound;
    let timeout = engine.send_timeout();
    let Some(incident) = p.incident.as_ref().map(|i| i.id) else {
        let body = json!({"chat_id": chat_id(&channel.target), "text": TEST_TEXT});
        let (called, took) = tg_api::call(out, &tg, "sendMessage", &body, timeout).await;
        return Ok(Outcome::Sent(telegram_sent(called, false).0, took));
    };
    let Some((card, happened)) = render_inputs(engine, p, incident).await? else {
        return Ok(Outcome::Sent(deleted(), Duration::ZERO));
    };
    let is_note = happened.event == Some(ChannelEvent::Annotated);
    with_message(engine, channel, incident, |current| async move {
        let started = std::time::Instant::now();
        if let Some((chat, id)) = current.as_deref().and_then(|r| r.split_once(':')) {
            let (method, mut body) = if is_note {
                let mut b = render::telegram::reply(&card, &happened);
                b["reply_parameters"] = json!({"message_id": id.parse::<i64>().unwrap_or_default(),
                    "allow_sending_without_reply": true});
                ("sendMessage", b)
            } else {
                let mut b = render::telegram::message(&card, &happened);
                b["message_id"] = json!(id.parse::<i64>().unwrap_or_default());
                ("editMessageText", b)
            };
            body["chat_id"] = json!(
                chat.parse::<i64>()
                    .map_or_else(|_| json!(chat), |c| json!(c))
            );
            let (called, _) = tg_api::call(out, &tg, method, &body, timeout).await;
            let description = called
                .as_ref()
                .err()
                .map(tg_api::description)
                .unwrap_or_default();
            if description.contains("message is not modified") {
                let answer = Answer::Delivered {
                    status: 200,
                    body: "ok: unchanged".into(),
                };
                return Ok((answer, started.elapsed(), None));
            }
            if !description.contains("message to edit not found") {
                return Ok((telegram_sent(called, false).0, started.elapsed(), None));
            }
        }
        let mut body = render::telegram::message(&card, &happened);
        body["chat_id"] = chat_id(&channel.target);
        let (called, _) = tg_api::call(out, &tg, "sendMessage", &body, timeout).await;
        let (answer, posted) = telegram_sent(called, true);
        Ok((answer, started.elapsed(), posted))
    })
    .await
}

/// A Telegram `chat_id`: a number (`-100…`), or a `@channel` name as it is.
pub fn chat_id(target: &str) -> serde_json::Value {
    target
        .parse::<i64>()
        .map_or_else(|_| json!(target), |c| json!(c))
}

/// The answer of a Telegram call and, with `want_ref`, the sent message's `chat:message_id`.
fn telegram_sent(
    called: Result<serde_json::Value, Answer>,
    want_ref: bool,
) -> (Answer, Option<String>) {
    match called {
        Ok(v) => {
            let posted = want_ref
                .then(|| {
                    Some(format!(
                        "{}:{}",
                        v["chat"]["id"].as_i64()?,
                        v["message_id"].as_i64()?
                    ))
                })
                .flatten();
            let body = posted
                .as_ref()
                .map_or_else(|| "ok".to_owned(), |r| format!("ok: message {r}"));
            (Answer::Delivered { status: 200, body }, posted)
        }
        Err(a) => (a, None),
    }
}

/// The answer of a Slack call, and with `want_ref`, the posted message's `channel:ts`.
fn delivered(called: slack_api::Called, want_ref: Option<()>) -> (Answer, Option<String>) {
    match called {
        Ok(v) => {
            let posted = want_ref
                .and_then(|()| Some(format!("{}:{}", v["channel"].as_str()?, v["ts"].as_str()?)));
            let body = match &posted {
                Some(r) => format!("ok: message {r}"),
                None => "ok".to_owned(),
            };
            (Answer::Delivered { status: 200, body }, posted)
        }
        Err(a) => (a, None),
    }
}

/// The incident was deleted since the event: nothing to show.
pub(crate) fn deleted() -> Answer {
    Answer::Rejected {
        status: None,
        why: "the incident no longer exists".into(),
        body: String::new(),
    }
}
