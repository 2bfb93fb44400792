//! Services (what you run and get paged about) and their integrations (routing keys of a
//! kind: Events v2, Alertmanager, Grafana, Datadog, CloudWatch, generic webhook).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{IntegrationId, ServiceId, TeamId, Urgency};

pub mod api;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod store;

/// How a service sets an incident's urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UrgencyRule {
    /// From the event's severity: critical → HIGH, error/warning → MEDIUM, info → LOW.
    Severity,
    High,
    Medium,
    Low,
}

impl UrgencyRule {
    pub const ALL: [UrgencyRule; 4] = [
        UrgencyRule::Severity,
        UrgencyRule::High,
        UrgencyRule::Medium,
        UrgencyRule::Low,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UrgencyRule::Severity => "SEVERITY",
            UrgencyRule::High => "HIGH",
            UrgencyRule::Medium => "MEDIUM",
            UrgencyRule::Low => "LOW",
        }
    }

    pub fn parse(raw: &str) -> Option<UrgencyRule> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(raw.trim()))
    }

    pub fn urgency(self, severity: crate::domain::Severity) -> Urgency {
        match self {
            UrgencyRule::Severity => severity.urgency(),
            UrgencyRule::High => Urgency::High,
            UrgencyRule::Medium => Urgency::Medium,
            UrgencyRule::Low => Urgency::Low,
        }
    }
}

/// Where alerts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntegrationKind {
    EventsV2,
    Prometheus,
    Grafana,
    Datadog,
    Cloudwatch,
    Webhook,
}

impl IntegrationKind {
    pub const ALL: [IntegrationKind; 6] = [
        IntegrationKind::EventsV2,
        IntegrationKind::Prometheus,
        IntegrationKind::Grafana,
        IntegrationKind::Datadog,
        IntegrationKind::Cloudwatch,
        IntegrationKind::Webhook,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IntegrationKind::EventsV2 => "events_v2",
            IntegrationKind::Prometheus => "prometheus",
            IntegrationKind::Grafana => "grafana",
            IntegrationKind::Datadog => "datadog",
            IntegrationKind::Cloudwatch => "cloudwatch",
            IntegrationKind::Webhook => "webhook",
        }
    }

    pub fn parse(raw: &str) -> Option<IntegrationKind> {
        IntegrationKind::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub id: ServiceId,
    pub name: String,
    pub description: String,
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    pub urgency_rule: UrgencyRule,
    pub ack_timeout_secs: Option<i32>,
    pub escalation_policy_id: Option<crate::domain::PolicyId>,
    pub escalation_policy_name: Option<String>,
    pub open_incidents: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integration {
    pub id: IntegrationId,
    pub service_id: ServiceId,
    pub kind: IntegrationKind,
    pub name: String,
    /// The first characters of the routing key, to recognise it.
    pub key_prefix: String,
    pub enabled: bool,
    pub rate_limit_per_min: i32,
    pub created_at: DateTime<Utc>,
}

/// A new or rotated integration with its routing key, returned exactly once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationWithKey {
    pub integration: Integration,
    pub routing_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDetail {
    pub service: Service,
    pub integrations: Vec<Integration>,
}

pub const NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 2000;
