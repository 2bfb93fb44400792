//! Deliveries to chats that take a new message per event through an incoming webhook URL:
//! Discord (`?wait=true`, embeds within Discord's limits, its rate-limit headers, 404 turns
//! the destination off), Microsoft Teams (an Adaptive Card for a Workflows trigger, with a
//! signed acknowledge link) and Mattermost (an attachment whose buttons call us back with a
//! signed, expiring token). Each message shows the incident as it is now.

use std::time::Duration;

use app::channels::render::{self, Card, Happened, Press};
use app::channels::store::Stored;
use app::channels::{ChannelKind, tokens};
use serde_json::{Value, json};

use super::wire::{Answer, Reply, exchange};
use super::{DeliveryJob, Outcome};
use crate::engine::Engine;

/// How long a Mattermost button works.
const BUTTON_DAYS: i64 = 30;
/// How long the Teams acknowledge link works.
const LINK_DAYS: i64 = 7;

/// The Mattermost callback for buttons.
pub fn mattermost_callback(public_url: &str) -> String {
    format!("{public_url}/api/mattermost/actions")
}

pub(crate) async fn post(
    engine: &Engine,
    channel: &Stored,
    p: &DeliveryJob,
) -> anyhow::Result<Outcome> {
    let inputs = match &p.incident {
        None => None,
        Some(i) => match super::chat::render_inputs(engine, p, i.id).await? {
            Some(x) => Some(x),
            None => return Ok(Outcome::Sent(super::chat::deleted(), Duration::ZERO)),
        },
    };
    let (url, body) = match channel.kind {
        ChannelKind::Discord => (with_wait(&channel.target), discord(inputs.as_ref())),
        ChannelKind::Teams => (channel.target.clone(), teams(engine, inputs.as_ref())),
        ChannelKind::Mattermost => (channel.target.clone(), mattermost(engine, inputs.as_ref())),
        other => anyhow::bail!("{} is not a webhook chat", other.label()),
    };
    let bytes = serde_json::to_vec(&body)?;
    let (reply, took) = exchange(
        &engine.outbound.client,
        &engine.outbound.allow,
        reqwest::Method::POST,
        &url,
        engine.send_timeout(),
        |req| {
            req.header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes)
        },
    )
    .await;
    let answer = match reply {
        Err(a) => a,
        Ok(r) => match channel.kind {
            ChannelKind::Discord => {
                if let Some(wait) = exhausted(&r) {
                    let until = engine.clock.now() + chrono::Duration::from_std(wait)?;
                    engine.outbound.pace.hold_off(channel.id, until);
                }
                discord_answer(r)
            }
            _ => r.by_status(),
        },
    };
    Ok(Outcome::Sent(answer, took))
}

/// `…?wait=true`, keeping any query the URL has (`thread_id`).
fn with_wait(target: &str) -> String {
    match url::Url::parse(target) {
        Ok(mut u) => {
            let kept: Vec<(String, String)> = u
                .query_pairs()
                .filter(|(k, _)| k != "wait")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            u.query_pairs_mut()
                .clear()
                .extend_pairs(kept)
                .append_pair("wait", "true");
            u.to_string()
        }
        Err(_) => target.to_owned(),
    }
}

fn discord(inputs: Option<&(Card, Happened)>) -> Value {
    match inputs {
        Some((card, happened)) => render::discord::message(card, happened),
        None => json!({"content": super::chat::TEST_TEXT, "allowed_mentions": {"parse": []}}),
    }
}

/// Discord's answers: 404 (and 401, an invalid token) mean the webhook is gone; a 429 waits
/// `retry_after` (a float, in the body) or Retry-After; 400 is a payload Discord refuses.
fn discord_answer(r: Reply) -> Answer {
    match r.status {
        404 | 401 => Answer::Gone {
            status: r.status,
            why: format!(
                "Discord answered {}: the webhook was deleted or its token changed",
                r.status
            ),
            body: r.body,
        },
        429 => {
            let from_body = serde_json::from_str::<Value>(&r.body)
                .ok()
                .and_then(|v| v["retry_after"].as_f64())
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64);
            let after = from_body
                .unwrap_or_else(|| r.retry_after(Duration::from_secs(5)))
                .max(Duration::from_secs(1))
                .min(super::wire::MAX_LATER);
            Answer::Later {
                status: 429,
                after,
                body: r.body,
            }
        }
        400 | 403 | 413 => Answer::Rejected {
            status: Some(r.status),
            why: format!("Discord refused the message ({})", r.status),
            body: r.body,
        },
        _ => r.by_status(),
    }
}

/// How long until the bucket refills when Discord says it is empty (`X-RateLimit-Remaining:
/// 0`, `X-RateLimit-Reset-After` in seconds, a float).
fn exhausted(r: &Reply) -> Option<Duration> {
    if r.header("x-ratelimit-remaining")?.trim() != "0" {
        return None;
    }
    let secs: f64 = r.header("x-ratelimit-reset-after")?.trim().parse().ok()?;
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)))
}

fn teams(engine: &Engine, inputs: Option<&(Card, Happened)>) -> Value {
    match inputs {
        Some((card, happened)) => {
            let expires = engine.clock.now() + chrono::Duration::days(LINK_DAYS);
            let token = tokens::action(&engine.keys, card.incident_id, Press::Acknowledge, expires);
            let ack = format!("{}/ack/chat?token={token}", engine.public_url);
            render::teams::message(card, happened, Some(&ack))
        }
        None => {
            let card = json!({"type": "AdaptiveCard", "version": "1.4",
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "body": [{"type": "TextBlock", "text": super::chat::TEST_TEXT, "wrap": true}]});
            json!({"type": "message", "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null,
                "content": card}]})
        }
    }
}

/// The buttons for a card's state, each with its own token.
pub fn mattermost_buttons(
    engine_keys: &app::secrets::Keyring,
    card: &Card,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<render::mattermost::Button> {
    let expires = now + chrono::Duration::days(BUTTON_DAYS);
    let mut out = Vec::new();
    if card.can_acknowledge() {
        out.push(render::mattermost::Button {
            id: "ack",
            name: "Acknowledge",
            token: tokens::action(engine_keys, card.incident_id, Press::Acknowledge, expires),
        });
    }
    if card.can_resolve() {
        out.push(render::mattermost::Button {
            id: "resolve",
            name: "Resolve",
            token: tokens::action(engine_keys, card.incident_id, Press::Resolve, expires),
        });
    }
    out
}

fn mattermost(engine: &Engine, inputs: Option<&(Card, Happened)>) -> Value {
    match inputs {
        Some((card, happened)) => {
            let buttons = mattermost_buttons(&engine.keys, card, engine.clock.now());
            render::mattermost::message(
                card,
                happened,
                &mattermost_callback(&engine.public_url),
                &buttons,
            )
        }
        None => json!({"username": "OpsKnight", "text": super::chat::TEST_TEXT}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_true_is_added_and_the_thread_kept() {
        assert_eq!(
            with_wait("https://discord.com/api/webhooks/1/t?thread_id=9&wait=false"),
            "https://discord.com/api/webhooks/1/t?thread_id=9&wait=true"
        );
    }

    #[test]
    fn discord_answers_read_as_discord_means_them() {
        let reply = |status: u16, body: &str, headers: &[(&'static str, &str)]| {
            let mut h = reqwest::header::HeaderMap::new();
            for (k, v) in headers {
                h.insert(*k, v.parse().unwrap());
            }
            Reply {
                status,
                headers: h,
                body: body.into(),
            }
        };
        assert!(matches!(
            discord_answer(reply(404, "{}", &[])),
            Answer::Gone { .. }
        ));
        match discord_answer(reply(
            429,
            r#"{"message":"You are being rate limited.","retry_after":2.5,"global":false}"#,
            &[("retry-after", "3")],
        )) {
            Answer::Later { after, .. } => assert_eq!(after, Duration::from_millis(2500)),
            other => panic!("{other:?}"),
        }
        match discord_answer(reply(429, "", &[("retry-after", "3")])) {
            Answer::Later { after, .. } => assert_eq!(after, Duration::from_secs(3)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            discord_answer(reply(400, "{}", &[])),
            Answer::Rejected { .. }
        ));
        assert!(matches!(
            discord_answer(reply(200, "{\"id\":\"1\"}", &[])),
            Answer::Delivered { .. }
        ));
        assert!(matches!(
            discord_answer(reply(502, "", &[])),
            Answer::Failed { .. }
        ));
    }
}
