//! Paging people: per-user notification rules (contact method + delay), the notification
//! outbox the escalation engine writes and the sender drains, what a page email says, and
//! the signed one-click acknowledge link it carries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{ContactMethodId, NotificationRuleId, UserId};
use crate::profile::ContactKind;

pub mod ack_link;
pub mod api;
pub mod deliveries;
pub mod message;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod rules_page;
#[cfg(feature = "ssr")]
pub mod store;

/// Longest wait a rule may have, in minutes (one day).
pub const MAX_RULE_DELAY: i32 = 1440;
/// Rules per user, at most.
pub const MAX_RULES: i64 = 20;
/// Temporary send failures retried at most this many times in all.
pub const MAX_SEND_ATTEMPTS: i32 = 5;

/// "Page me on this contact method N minutes after I am paged."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRule {
    pub id: NotificationRuleId,
    pub contact_method_id: ContactMethodId,
    pub kind: ContactKind,
    pub address: String,
    pub label: String,
    pub delay_minutes: i32,
}

/// Where one page stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryStatus {
    Pending,
    Sending,
    Sent,
    Failed,
    Cancelled,
    /// The sender stopped mid-send (a crash): it may or may not have arrived; not resent.
    Unknown,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 6] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Sending,
        DeliveryStatus::Sent,
        DeliveryStatus::Failed,
        DeliveryStatus::Cancelled,
        DeliveryStatus::Unknown,
    ];

    /// The stored value (`notifications.status`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "PENDING",
            DeliveryStatus::Sending => "SENDING",
            DeliveryStatus::Sent => "SENT",
            DeliveryStatus::Failed => "FAILED",
            DeliveryStatus::Cancelled => "CANCELLED",
            DeliveryStatus::Unknown => "UNKNOWN",
        }
    }

    pub fn parse(raw: &str) -> Option<DeliveryStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "waiting",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Cancelled => "cancelled",
            DeliveryStatus::Unknown => "interrupted",
        }
    }
}

/// One page of an incident, for its detail page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: i64,
    pub user_id: UserId,
    pub user_name: String,
    pub channel: ContactKind,
    pub address: String,
    pub step: i32,
    pub loop_no: i32,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub send_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// The provider's last word on it (`delivered`, `undelivered`, …), from its receipts.
    pub provider_status: Option<String>,
    /// When the provider reported it delivered.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A final page outcome, live to the person paged (`GET /api/notifications/stream`, event
/// `notification`): the in-app bell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageNotice {
    /// The delivery's id.
    pub id: i64,
    pub user_id: UserId,
    pub incident_id: crate::domain::IncidentId,
    pub number: i64,
    pub title: String,
    pub channel: ContactKind,
    pub status: DeliveryStatus,
    pub at: DateTime<Utc>,
}
