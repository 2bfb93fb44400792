//! Incidents: what ingestion opens and people acknowledge, snooze and resolve; their alerts,
//! typed timeline and notes. The state machine itself is `domain::incident`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{IncidentId, ServiceId, Severity, Status, Urgency};

pub mod api;
pub mod badges;
#[cfg(feature = "ssr")]
pub mod batch;
pub mod describe;
pub mod event_log;
#[cfg(feature = "ssr")]
pub mod merge;
pub mod mobile;
pub mod more;
#[cfg(feature = "ssr")]
pub mod notify;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod reads;
#[cfg(feature = "ssr")]
pub mod store;
pub mod widgets;

/// How long a resolve that arrived before its trigger is remembered.
pub fn early_resolve_window() -> chrono::Duration {
    chrono::Duration::minutes(5)
}

/// What an inbound event asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventAction {
    Trigger,
    Acknowledge,
    Resolve,
}

/// One normalised event from any source (Events v2, Alertmanager, Grafana, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundEvent {
    pub action: EventAction,
    /// Required for acknowledge and resolve; a trigger without one gets a generated key.
    pub dedup_key: Option<String>,
    pub summary: String,
    pub source: String,
    pub severity: Severity,
    /// The event as received (or the part of it that concerns this alert).
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentSummary {
    pub id: IncidentId,
    pub number: i64,
    pub service_id: ServiceId,
    pub service_name: String,
    pub title: String,
    pub status: Status,
    pub urgency: Urgency,
    pub priority: Option<String>,
    pub alert_count: i32,
    /// The assignee's display name (a user or a team).
    pub assignee: Option<String>,
    pub assignee_user_id: Option<crate::domain::UserId>,
    pub assignee_team_id: Option<crate::domain::TeamId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub snoozed_until: Option<DateTime<Utc>>,
    /// Where it stands against its service's SLA targets when read (`None`: no target
    /// applies); the lists' breach badge.
    #[serde(default)]
    pub sla: Option<crate::sla::SlaState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TimelineEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub actor: Option<String>,
    /// The details object as compact JSON text.
    pub details: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AlertEntry {
    pub id: i64,
    pub summary: String,
    pub severity: String,
    pub source: String,
    /// The raw payload, pretty-printed.
    pub payload: String,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentDetail {
    pub incident: IncidentSummary,
    pub description: String,
    pub dedup_key: String,
    /// The service's escalation policy; `None`: nobody is paged for this service.
    pub escalation_policy: Option<String>,
    pub timeline: Vec<TimelineEntry>,
    /// The newest alerts (at most 50).
    pub alerts: Vec<AlertEntry>,
    /// Every page for this incident, oldest first.
    pub deliveries: Vec<crate::notifications::Delivery>,
    /// Where it stands against its service's SLA targets (`None`: no target applies).
    #[serde(default)]
    pub sla: Option<crate::sla::SlaState>,
}

/// One page of incidents, newest first; pass `next_before` back as `before`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentPage {
    pub incidents: Vec<IncidentSummary>,
    pub next_before: Option<i64>,
}

/// Incident list filters. Empty means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentFilter {
    #[serde(default)]
    pub statuses: Vec<Status>,
    #[serde(default)]
    pub urgencies: Vec<Urgency>,
    #[serde(default)]
    pub service_id: Option<ServiceId>,
    #[serde(default)]
    pub team_id: Option<crate::domain::TeamId>,
    /// Only incidents assigned to the caller or to one of their teams, or (when nobody is
    /// assigned by hand) paged to the caller by the current escalation step.
    #[serde(default)]
    pub mine: bool,
    #[serde(default)]
    pub query: String,
}

pub const SUMMARY_MAX: usize = 1024;
/// The priorities an incident can have (`incidents.priority`), highest first.
pub const PRIORITIES: [&str; 5] = ["P1", "P2", "P3", "P4", "P5"];
pub const DEDUP_KEY_MAX: usize = 255;
pub const NOTE_MAX: usize = 10_000;
pub const MAX_PAGE: i64 = 200;

/// The command center's counters, as of `at`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Counters {
    pub open: i64,
    pub acknowledged: i64,
    /// OPEN and HIGH urgency.
    pub high_open: i64,
    /// Not resolved and assigned to nobody.
    pub unassigned: i64,
    /// Resolved in the 24 hours before `at`.
    pub resolved_24h: i64,
}

/// One message of the live incident stream (`GET /api/realtime/stream`, event `incidents`):
/// the current state of the incidents that changed, and the counters after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveUpdate {
    pub incidents: Vec<IncidentSummary>,
    pub counters: Counters,
    /// Too many incidents changed at once to list them: reload what you show.
    #[serde(default)]
    pub resync: bool,
}

/// What the live event log shows of one inbound event (`GET /api/events/stream`, event
/// `event`: a JSON array of these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDigest {
    pub at: DateTime<Utc>,
    pub service_id: ServiceId,
    pub action: EventAction,
    pub dedup_key: String,
    /// At most 200 characters.
    pub summary: String,
    pub severity: Severity,
    pub source: String,
    /// The incident it opened or touched; `None`: an acknowledge or resolve for no open incident.
    pub incident_id: Option<IncidentId>,
}
