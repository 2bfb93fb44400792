//! Pages by chat and push apps, behind the `Channel` seam: a Slack DM from the Slack app, a
//! Telegram message from the bot (both with Acknowledge and Resolve buttons that act as the
//! person paged), and ntfy (priority by urgency, an Acknowledge action calling our signed
//! acknowledge link). Pushover is `pushover.rs`.

use std::time::Duration;

use app::channels::render::{self, Card, Happened};
use app::domain::{ContactKind, Status, Urgency};
use app::mail::SendError;
use serde_json::json;

use super::channel::{Channel, Delivered, Page, SendFuture};
use crate::outbound::Outbound;
use crate::outbound::wire::{Answer, exchange};

/// How long one provider call may take.
const CALL: Duration = Duration::from_secs(20);

/// The card of a page: the incident as it was when paged (open).
pub fn card_of(page: &Page, public_url: &str) -> Card {
    let f = &page.facts;
    Card {
        incident_id: f.incident,
        number: f.number,
        title: f.title.clone(),
        status: Status::Open,
        urgency: f.urgency,
        service: f.service.clone(),
        held_by: None,
        url: format!("{public_url}/incidents/{}", f.incident.0),
    }
}

/// A delivery answer as the paging seam sees it.
pub fn sent(answer: Answer, provider_id: Option<String>) -> Result<Delivered, SendError> {
    match answer {
        Answer::Delivered { .. } => Ok(Delivered { provider_id }),
        Answer::Later { after, .. } => Err(SendError::temporary(format!(
            "rate limited; the provider asked to wait {} s",
            after.as_secs()
        ))),
        Answer::Failed { why, .. } => Err(SendError::temporary(why)),
        Answer::Gone { why, .. } | Answer::Rejected { why, .. } | Answer::Refused { why } => {
            Err(SendError::permanent(why))
        }
    }
}

/// Slack DMs: `chat.postMessage` to the member id opens the DM; the reply's `D…` channel and
/// `ts` are the provider id.
pub struct SlackDm {
    pub out: Outbound,
    pub public_url: String,
}

impl Channel for SlackDm {
    fn send<'a>(&'a self, page: &'a Page) -> SendFuture<'a> {
        Box::pin(async move {
            let Some(slack) = self.out.chat().await.slack.clone() else {
                return Err(SendError::permanent(super::channel::missing(
                    ContactKind::Slack,
                )));
            };
            let mut body =
                render::slack::message(&card_of(page, &self.public_url), &Happened::default());
            body["channel"] = json!(page.facts.to);
            let (called, _) =
                crate::chat::slack::api::call(&self.out, &slack, "chat.postMessage", &body, CALL)
                    .await;
            match called {
                Ok(v) => {
                    let id = format!(
                        "{}:{}",
                        v["channel"].as_str().unwrap_or_default(),
                        v["ts"].as_str().unwrap_or_default()
                    );
                    Ok(Delivered {
                        provider_id: Some(id),
                    })
                }
                Err(a) => sent(a, None),
            }
        })
    }
}

/// Telegram: the bot messages the person's linked chat.
pub struct TelegramDm {
    pub out: Outbound,
    pub public_url: String,
}

impl Channel for TelegramDm {
    fn send<'a>(&'a self, page: &'a Page) -> SendFuture<'a> {
        Box::pin(async move {
            let Some(tg) = self.out.chat().await.telegram.clone() else {
                return Err(SendError::permanent(super::channel::missing(
                    ContactKind::Telegram,
                )));
            };
            let mut body =
                render::telegram::message(&card_of(page, &self.public_url), &Happened::default());
            body["chat_id"] = json!(
                page.facts
                    .to
                    .parse::<i64>()
                    .map_or_else(|_| json!(page.facts.to), |c| json!(c))
            );
            let (called, _) =
                crate::chat::telegram::api::call(&self.out, &tg, "sendMessage", &body, CALL).await;
            match called {
                Ok(v) => Ok(Delivered {
                    provider_id: v["message_id"]
                        .as_i64()
                        .map(|m| format!("{}:{m}", page.facts.to)),
                }),
                Err(a) => sent(a, None),
            }
        })
    }
}

/// ntfy's priority for an urgency: 5 (max) for high, 4 for medium, 3 (default) for low.
pub fn ntfy_priority(u: Urgency) -> u8 {
    match u {
        Urgency::High => 5,
        Urgency::Medium => 4,
        Urgency::Low => 3,
    }
}

/// ntfy: a JSON publish to the topic's server, with the person's access token when the topic
/// is protected (sealed on the contact method).
pub struct Ntfy {
    pub out: Outbound,
    pub pool: app::db::Db,
    pub keys: std::sync::Arc<app::secrets::Keyring>,
    pub public_url: String,
}

impl Channel for Ntfy {
    fn send<'a>(&'a self, page: &'a Page) -> SendFuture<'a> {
        Box::pin(async move {
            let Some((server, topic)) = app::domain::contact::ntfy_topic_url(&page.facts.to) else {
                return Err(SendError::permanent("the ntfy address is not a topic URL"));
            };
            let sealed: Option<Option<String>> = sqlx::query_scalar(
                "SELECT secret FROM contact_methods WHERE user_id = $1 AND kind = 'NTFY' AND address = $2",
            )
            .bind(page.user)
            .bind(&page.facts.to)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| SendError::temporary(format!("read the ntfy token: {e}")))?;
            let token = match sealed.flatten() {
                Some(s) => Some(self.keys.decrypt(&s).map_err(SendError::permanent)?),
                None => None,
            };
            let body = ntfy_body(page, topic, &self.public_url);
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            let (reply, _) = exchange(
                &self.out.client,
                &self.out.allow,
                reqwest::Method::POST,
                server,
                CALL,
                |req| {
                    let req = req
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(bytes);
                    match &token {
                        Some(t) => req.bearer_auth(t),
                        None => req,
                    }
                },
            )
            .await;
            let answer = match reply {
                Err(a) => a,
                Ok(r) if matches!(r.status, 401 | 403) => Answer::Rejected {
                    status: Some(r.status),
                    why: format!(
                        "ntfy answered {}: the topic needs a valid access token",
                        r.status
                    ),
                    body: r.body,
                },
                Ok(r) if r.status == 507 => Answer::Failed {
                    status: Some(507),
                    why: "ntfy is out of storage".into(),
                    body: r.body,
                },
                Ok(r) if (400..500).contains(&r.status) && r.status != 429 => Answer::Rejected {
                    status: Some(r.status),
                    why: format!("ntfy refused the message ({})", r.status),
                    body: r.body,
                },
                Ok(r) => {
                    let id = serde_json::from_str::<serde_json::Value>(&r.body)
                        .ok()
                        .and_then(|v| v["id"].as_str().map(str::to_owned));
                    return sent(r.by_status(), id);
                }
            };
            sent(answer, None)
        })
    }
}

/// The ntfy JSON publish body: title, message, priority, tags, a click-through, and two
/// actions: Acknowledge (an `http` action POSTing our signed acknowledge token, which
/// is the credential) and Open.
pub fn ntfy_body(page: &Page, topic: &str, public_url: &str) -> serde_json::Value {
    let f = &page.facts;
    let card = card_of(page, public_url);
    json!({
        "topic": topic,
        "title": render::clip_bytes(&card.headline(), 250),
        "message": render::clip_bytes(&format!("{} · {}", card.urgency_word(), f.service), 3500),
        "priority": ntfy_priority(f.urgency),
        "tags": [if f.urgency == Urgency::High { "rotating_light" } else { "warning" }],
        "click": card.url,
        "actions": [
            {"action": "http", "label": "Acknowledge", "url": format!("{public_url}/api/ack-link/confirm"),
             "method": "POST", "headers": {"content-type": "application/json"},
             "body": json!({"token": page.ack_token}).to_string(), "clear": true},
            {"action": "view", "label": "Open", "url": card.url},
        ],
    })
}
