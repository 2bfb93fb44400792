//! Service-channel deliveries (CHANNEL_DELIVERY jobs): build an incident event's message for
//! the channel's kind, send it through the SSRF guard, log the attempt, then complete, retry
//! with a backoff (5xx, timeouts, redirects), wait without using up an attempt (429, a busy
//! message, the destination's share of slots), or turn the channel off (410, a deleted
//! webhook, an archived channel). Slack and Telegram update one message per incident
//! (`chat.rs`); Discord, Teams and Mattermost post per event (`posts.rs`).

pub mod chat;
pub mod guard;
pub mod pace;
pub mod posts;
pub mod webhook;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use app::channels::store::{self as channels, Attempt, Stored};
use app::channels::{ChannelKind, DeliveryStatus};
use app::domain::egress::AllowList;
use app::domain::{ChannelId, IncidentId, ServiceId, UserId};
use app::error::AppError;
use app::jobs::store::{self as queue, Claimed};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::chat::config::ChatConfig;
use crate::chat::source::ChatSource;
use crate::engine::Engine;
use wire::Answer;

/// The guarded client, the internal targets an admin allowed, and the chat apps' credentials.
#[derive(Clone, Debug)]
pub struct Outbound {
    pub(crate) client: reqwest::Client,
    pub(crate) allow: AllowList,
    chat: Arc<ChatSource>,
    pub(crate) pace: pace::Pace,
}

impl Outbound {
    /// `allow`: CIDR blocks of internal targets that may be called (`OPSKNIGHT_EGRESS_ALLOW`).
    pub fn new(allow: AllowList) -> anyhow::Result<Outbound> {
        Ok(Outbound {
            client: guard::client(allow.clone()).context("build the webhook client")?,
            allow,
            chat: ChatSource::fixed(ChatConfig::default()),
            pace: pace::Pace::new(DEFAULT_PER_DESTINATION),
        })
    }

    /// At most `n` deliveries to one destination at once on this instance.
    pub fn with_per_destination(mut self, n: usize) -> Outbound {
        self.pace = pace::Pace::new(n);
        self
    }

    /// The same, with the chat apps configured (the environment's).
    pub fn with_chat(mut self, chat: ChatConfig) -> Outbound {
        self.chat = ChatSource::fixed(chat);
        self
    }

    /// The same, with credentials saved in Settings winning over `chat`.
    pub fn with_saved_chat(
        mut self,
        chat: ChatConfig,
        pool: app::db::Db,
        keys: Arc<app::secrets::Keyring>,
    ) -> Outbound {
        self.chat = ChatSource::with_saved(chat, pool, keys);
        self
    }

    /// The chat credentials in use right now.
    pub async fn chat(&self) -> Arc<ChatConfig> {
        self.chat.current().await
    }

    /// The environment's chat credentials.
    pub fn chat_environment(&self) -> &ChatConfig {
        self.chat.environment()
    }
}

/// Deliveries to one destination at once, by default (`OPSKNIGHT_DELIVERY_PER_DESTINATION`).
pub const DEFAULT_PER_DESTINATION: usize = 4;

/// The incident as it was when the event happened (the trigger's snapshot).
#[derive(Debug, Deserialize, serde::Serialize)]
pub(crate) struct Snapshot {
    pub id: IncidentId,
    pub number: i64,
    pub title: String,
    pub status: String,
    pub urgency: String,
    pub service_id: ServiceId,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DeliveryJob {
    pub channel_id: ChannelId,
    pub event: String,
    pub event_id: String,
    pub actor_user_id: Option<UserId>,
    pub at: DateTime<Utc>,
    pub incident: Option<Snapshot>,
}

/// What a delivery did.
pub(crate) enum Outcome {
    /// Sent (or not), with the answer and how long it took.
    Sent(Answer, Duration),
    /// Not now (another delivery holds this incident's message, the destination has its
    /// share of deliveries under way, or asked us to wait): back to the queue until then,
    /// without using an attempt.
    Wait(DateTime<Utc>),
}

pub async fn run(engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    let p: DeliveryJob =
        serde_json::from_value(job.payload.clone()).context("CHANNEL_DELIVERY payload")?;
    let now = engine.clock.now();
    let channel = match channels::get(&engine.pool, p.channel_id).await {
        Ok(c) if c.enabled || p.event == "test" => c,
        // Removed or turned off since: nothing to send.
        Ok(_) | Err(AppError::NotFound { .. }) => return finish(engine, job).await,
        Err(e) => return Err(e.into()),
    };
    let _turn = match engine.outbound.pace.turn(channel.id, now) {
        Ok(t) => t,
        Err(at) => return wait(engine, job, at).await,
    };
    let outcome = match channel.kind {
        ChannelKind::Webhook => {
            let body = message(engine, &p).await?;
            let (a, took) = send_webhook(engine, &channel, &p.event_id, body).await?;
            Outcome::Sent(a, took)
        }
        ChannelKind::Slack => chat::slack(engine, &channel, &p).await?,
        ChannelKind::Telegram => chat::telegram(engine, &channel, &p).await?,
        ChannelKind::Discord | ChannelKind::Teams | ChannelKind::Mattermost => {
            posts::post(engine, &channel, &p).await?
        }
    };
    let (answer, took) = match outcome {
        Outcome::Sent(a, took) => (a, took),
        Outcome::Wait(at) => return wait(engine, job, at).await,
    };
    let (status, http, detail) = match &answer {
        Answer::Delivered { status, body } => {
            (DeliveryStatus::Delivered, Some(*status), body.clone())
        }
        Answer::Gone { status, why, body } => (
            DeliveryStatus::Failed,
            Some(*status),
            format!("{why}: the channel is turned off. {body}"),
        ),
        Answer::Rejected { status, why, body } => (
            DeliveryStatus::Failed,
            *status,
            format!("{why} (not retried). {body}"),
        ),
        Answer::Later {
            status,
            after,
            body,
        } => (
            DeliveryStatus::Failed,
            Some(*status),
            format!(
                "answered {status}; trying again in {} s. {body}",
                after.as_secs()
            ),
        ),
        Answer::Failed { status, why, body } => (
            DeliveryStatus::Failed,
            *status,
            format!("{why}. {body}").trim_end_matches(". ").to_owned(),
        ),
        Answer::Refused { why } => (DeliveryStatus::Refused, None, why.clone()),
    };
    let attempt = Attempt {
        channel: channel.id,
        event_id: &p.event_id,
        event: &p.event,
        incident: p.incident.as_ref().map(|i| i.id),
        attempt: job.attempts,
        status,
        http_status: http.map(i32::from),
        latency_ms: i32::try_from(took.as_millis()).ok(),
        detail: &detail,
        at: now,
    };
    let mut tx = engine.pool.begin().await.context("begin")?;
    if !queue::hold(&mut tx, job).await? {
        return Ok(());
    }
    channels::record(&mut *tx, attempt).await?;
    match answer {
        Answer::Delivered { .. } | Answer::Refused { .. } | Answer::Rejected { .. } => {
            queue::complete(&mut tx, job, now).await?;
        }
        Answer::Gone { why, .. } => {
            let reason = format!("{why} at {}", now.to_rfc3339());
            channels::disable(&mut *tx, channel.id, &reason, now).await?;
            queue::complete(&mut tx, job, now).await?;
        }
        Answer::Later { after, .. } => {
            let after = chrono::Duration::from_std(after).unwrap_or(chrono::Duration::hours(1));
            queue::defer(&mut tx, job, now + after, now).await?;
        }
        Answer::Failed { why, .. } => {
            // Logged; the engine records the failure and retries with a backoff.
            tx.commit().await.context("commit")?;
            anyhow::bail!("delivery to channel {}: {why}", channel.id);
        }
    }
    tx.commit().await.context("commit")?;
    Ok(())
}

/// Puts a job back until `at`, without using an attempt.
async fn wait(engine: &Engine, job: &Claimed, at: DateTime<Utc>) -> anyhow::Result<()> {
    let now = engine.clock.now();
    let mut tx = engine.pool.begin().await.context("begin")?;
    if queue::hold(&mut tx, job).await? {
        queue::defer(&mut tx, job, at.max(now), now).await?;
    }
    tx.commit().await.context("commit")?;
    Ok(())
}

/// Completes a job that has nothing to send.
async fn finish(engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    let mut tx = engine.pool.begin().await.context("begin")?;
    if queue::hold(&mut tx, job).await? {
        queue::complete(&mut tx, job, engine.clock.now()).await?;
    }
    tx.commit().await.context("commit")?;
    Ok(())
}

async fn send_webhook(
    engine: &Engine,
    channel: &Stored,
    event_id: &str,
    body: Vec<u8>,
) -> anyhow::Result<(Answer, Duration)> {
    let sealed = channel
        .sealed_secret
        .as_deref()
        .context("a webhook channel without a secret")?;
    let secret = engine
        .keys
        .decrypt(sealed)
        .map_err(|e| anyhow::anyhow!("open the webhook secret: {e}"))?;
    let timestamp = engine.clock.now().timestamp();
    let signature = app::channels::webhook::sign(&secret, event_id, timestamp, &body)
        .map_err(|e| anyhow::anyhow!(e))?;
    let headers = [
        ("webhook-id", event_id.to_owned()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature),
    ];
    let out = &engine.outbound;
    let timeout = engine.send_timeout();
    Ok(webhook::post(
        &out.client,
        &out.allow,
        &channel.target,
        headers,
        body,
        timeout,
    )
    .await)
}

/// The Standard Webhooks body: `{"type","timestamp","data":{…}}`.
async fn message(engine: &Engine, p: &DeliveryJob) -> anyhow::Result<Vec<u8>> {
    let data = match &p.incident {
        None => serde_json::json!({
            "event_id": p.event_id,
            "message": "A test message from OpsKnight: this channel works.",
        }),
        Some(i) => {
            let (service, actor) =
                channels::names(&engine.pool, i.service_id, p.actor_user_id).await?;
            serde_json::json!({
                "event_id": p.event_id,
                "incident": {
                    "id": i.id, "number": i.number, "title": i.title, "status": i.status,
                    "urgency": i.urgency,
                    "url": format!("{}/incidents/{}", engine.public_url, i.id),
                    "service": {"id": i.service_id, "name": service},
                },
                "actor": match (p.actor_user_id, actor) {
                    (Some(id), Some((name, email))) => serde_json::json!({"id": id, "name": name, "email": email}),
                    _ => serde_json::Value::Null,
                },
            })
        }
    };
    let kind = match p.event.as_str() {
        "test" => "test".to_owned(),
        e => format!("incident.{e}"),
    };
    let body = serde_json::json!({"type": kind, "timestamp": p.at, "data": data});
    serde_json::to_vec(&body).context("encode the message")
}
