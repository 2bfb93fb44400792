//! Service channels: the destinations a service's incident events are posted to (Slack,
//! Microsoft Teams, Mattermost, Discord, Telegram groups, signed outbound webhooks), the events
//! each takes, and the log of every delivery attempt. Deliveries are jobs: a trigger on the
//! incident timeline enqueues one per (event, channel) in the transaction of the change itself
//! (migrations/20261205000001_service_channels.sql), and the server's engine sends them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{ChannelId, IncidentId, ServiceId};

#[cfg(feature = "ssr")]
pub mod act;
pub mod api;
pub mod card;
#[cfg(feature = "ssr")]
pub mod links;
#[cfg(feature = "ssr")]
pub mod messages;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod render;
#[cfg(feature = "ssr")]
pub mod store;
pub mod target;
#[cfg(feature = "ssr")]
pub mod tokens;
#[cfg(feature = "ssr")]
pub mod webhook;

/// Where a channel posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChannelKind {
    Slack,
    Teams,
    Mattermost,
    Discord,
    Telegram,
    Webhook,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 6] = [
        ChannelKind::Slack,
        ChannelKind::Teams,
        ChannelKind::Mattermost,
        ChannelKind::Discord,
        ChannelKind::Telegram,
        ChannelKind::Webhook,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Slack => "SLACK",
            ChannelKind::Teams => "TEAMS",
            ChannelKind::Mattermost => "MATTERMOST",
            ChannelKind::Discord => "DISCORD",
            ChannelKind::Telegram => "TELEGRAM",
            ChannelKind::Webhook => "WEBHOOK",
        }
    }

    pub fn parse(raw: &str) -> Option<ChannelKind> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(raw.trim()))
    }

    pub fn label(self) -> &'static str {
        match self {
            ChannelKind::Slack => "Slack",
            ChannelKind::Teams => "Microsoft Teams",
            ChannelKind::Mattermost => "Mattermost",
            ChannelKind::Discord => "Discord",
            ChannelKind::Telegram => "Telegram",
            ChannelKind::Webhook => "Webhook",
        }
    }

    /// What the add form calls the target.
    pub fn target_label(self) -> &'static str {
        match self {
            ChannelKind::Slack => "Slack channel id",
            ChannelKind::Telegram => "Telegram chat id",
            ChannelKind::Teams => "Workflows webhook URL",
            ChannelKind::Mattermost => "Incoming webhook URL",
            ChannelKind::Discord => "Discord webhook URL",
            ChannelKind::Webhook => "Webhook URL",
        }
    }

    /// Where to find the target.
    pub fn target_hint(self) -> &'static str {
        match self {
            ChannelKind::Slack => {
                "C0123ABCDEF: channel details → About. Invite the OpsKnight app to the channel first."
            }
            ChannelKind::Telegram => {
                "-1001234567890 for a group (add the bot to it first), or @channelname"
            }
            ChannelKind::Teams => {
                "From a Workflows flow “When a Teams webhook request is received” → “Post card in a chat or channel”. It always answers 202: check the flow's run history if nothing appears."
            }
            ChannelKind::Mattermost => {
                "https://mattermost.example.com/hooks/…: Integrations → Incoming Webhooks"
            }
            ChannelKind::Discord => {
                "https://discord.com/api/webhooks/…: channel settings → Integrations → Webhooks"
            }
            ChannelKind::Webhook => {
                "https://… Signed with Standard Webhooks; internal addresses are refused unless the server allows them"
            }
        }
    }

    /// Whether the target is a URL (else a channel or chat id).
    pub fn target_is_url(self) -> bool {
        !matches!(self, ChannelKind::Slack | ChannelKind::Telegram)
    }
}

/// An incident event a channel can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelEvent {
    Triggered,
    Acknowledged,
    Resolved,
    Reassigned,
    Escalated,
    /// A note was added.
    Annotated,
}

impl ChannelEvent {
    pub const ALL: [ChannelEvent; 6] = [
        ChannelEvent::Triggered,
        ChannelEvent::Acknowledged,
        ChannelEvent::Resolved,
        ChannelEvent::Reassigned,
        ChannelEvent::Escalated,
        ChannelEvent::Annotated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelEvent::Triggered => "triggered",
            ChannelEvent::Acknowledged => "acknowledged",
            ChannelEvent::Resolved => "resolved",
            ChannelEvent::Reassigned => "reassigned",
            ChannelEvent::Escalated => "escalated",
            ChannelEvent::Annotated => "annotated",
        }
    }

    pub fn parse(raw: &str) -> Option<ChannelEvent> {
        Self::ALL.into_iter().find(|e| e.as_str() == raw.trim())
    }

    /// The Standard Webhooks event type: `incident.acknowledged`.
    pub fn webhook_type(self) -> String {
        format!("incident.{}", self.as_str())
    }

    /// The event a timeline entry of `kind` is, if any. The database trigger that fans
    /// timeline entries out to channels maps the same way (server/tests/channels_fanout.rs
    /// checks every kind).
    pub fn of_timeline(kind: &str) -> Option<ChannelEvent> {
        Some(match kind {
            "TRIGGERED" | "REOPENED" => ChannelEvent::Triggered,
            "ACKNOWLEDGED" => ChannelEvent::Acknowledged,
            "RESOLVED" => ChannelEvent::Resolved,
            "ASSIGNED" => ChannelEvent::Reassigned,
            "ESCALATED" => ChannelEvent::Escalated,
            "NOTE" => ChannelEvent::Annotated,
            _ => return None,
        })
    }
}

/// A chat whose accounts people link to their OpsKnight user, so a button pressed there acts
/// as them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChatProvider {
    Slack,
    Telegram,
    Mattermost,
}

impl ChatProvider {
    pub const ALL: [ChatProvider; 3] = [
        ChatProvider::Slack,
        ChatProvider::Telegram,
        ChatProvider::Mattermost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChatProvider::Slack => "SLACK",
            ChatProvider::Telegram => "TELEGRAM",
            ChatProvider::Mattermost => "MATTERMOST",
        }
    }

    pub fn parse(raw: &str) -> Option<ChatProvider> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }
}

/// The outcome of one delivery attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryStatus {
    /// The destination answered 2xx.
    Delivered,
    /// It did not; the delivery is retried with a backoff (or was the last try).
    Failed,
    /// Refused before connecting: the target resolves to an internal address.
    Refused,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 3] = [
        DeliveryStatus::Delivered,
        DeliveryStatus::Failed,
        DeliveryStatus::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Delivered => "DELIVERED",
            DeliveryStatus::Failed => "FAILED",
            DeliveryStatus::Refused => "REFUSED",
        }
    }

    pub fn parse(raw: &str) -> Option<DeliveryStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// A destination of one service (or, for webhooks, of every service).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceChannel {
    pub id: ChannelId,
    /// None: every service (webhooks only).
    pub service_id: Option<ServiceId>,
    pub kind: ChannelKind,
    /// A channel or chat id, or the URL with its secret parts masked (`https://hooks.example.com/…`).
    pub target: String,
    pub events: Vec<ChannelEvent>,
    pub enabled: bool,
    /// Why the channel was turned off (a 410 from a webhook, a 404 from Discord).
    pub disabled_reason: Option<String>,
    pub last_delivery: Option<Delivery>,
    pub created_at: DateTime<Utc>,
}

/// One delivery attempt, as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: i64,
    /// The Standard Webhooks `webhook-id`: the same on every attempt of one event.
    pub event_id: String,
    /// `triggered` … `annotated`, or `test`.
    pub event: String,
    pub incident_id: Option<IncidentId>,
    pub attempt: i32,
    pub status: DeliveryStatus,
    pub http_status: Option<i32>,
    pub latency_ms: Option<i32>,
    /// The start of the answer's body (at most 500 characters), or why nothing was sent.
    pub detail: String,
    pub at: DateTime<Utc>,
}

/// A page of the delivery log, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryPage {
    pub deliveries: Vec<Delivery>,
    /// Pass back as `before` for the next page.
    pub next_before: Option<i64>,
}

/// A channel just added: for a webhook, its signing secret, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddedChannel {
    pub channel: ServiceChannel,
    pub secret: Option<String>,
}

/// Longest target (a URL or an id).
pub const TARGET_MAX: usize = 2000;
/// Delivery log page size limit.
pub const MAX_PAGE: i64 = 100;
/// How much of an answer's body the log keeps.
pub const DETAIL_MAX: usize = 500;

/// `https://hooks.slack.com/services/T0/B0/secret` → `https://hooks.slack.com/…`: webhook
/// URLs carry their secret in the path or query, so only the scheme and host are shown.
pub fn mask_target(kind: ChannelKind, target: &str) -> String {
    if !kind.target_is_url() {
        return target.to_owned();
    }
    match target.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let host = host.rsplit('@').next().unwrap_or_default();
            format!("{scheme}://{host}/…")
        }
        None => "…".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_show_only_their_host_and_ids_stay() {
        assert_eq!(
            mask_target(
                ChannelKind::Webhook,
                "https://u:p@hooks.example.com:8443/a/b?sig=x"
            ),
            "https://hooks.example.com:8443/…"
        );
        assert_eq!(mask_target(ChannelKind::Discord, "nonsense"), "…");
        assert_eq!(mask_target(ChannelKind::Slack, "C0123ABC"), "C0123ABC");
    }

    #[test]
    fn every_event_round_trips_and_names_its_webhook_type() {
        for e in ChannelEvent::ALL {
            assert_eq!(ChannelEvent::parse(e.as_str()), Some(e));
            assert_eq!(e.webhook_type(), format!("incident.{}", e.as_str()));
        }
        assert_eq!(ChannelEvent::of_timeline("NOTIFIED"), None);
        assert_eq!(ChannelKind::parse("webhook"), Some(ChannelKind::Webhook));
    }
}
