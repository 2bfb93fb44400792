//! The Postgres job queue as the app sees it: job kinds and states, the payloads the engine
//! runs, and the admin view (depth by kind and state, failed jobs, retry and cancel).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::IncidentId;

pub mod api;
#[cfg(feature = "ssr")]
pub mod claim;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod page;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod tasks;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobKind {
    Escalation,
    Notification,
    AutoUnsnooze,
    ScheduledTask,
    /// One incident event (or a test message) to one service channel.
    ChannelDelivery,
    /// Cancel a Pushover emergency page's retries: the incident was acknowledged elsewhere.
    ReceiptCancel,
    /// A heartbeat monitor's deadline: if no ping came since, it is down.
    HeartbeatCheck,
    /// A maintenance window's end: what it kept quiet starts escalating.
    MaintenanceEnd,
    /// A maintenance window's start, for windows that hold incidents already open.
    MaintenanceStart,
    /// An SLA's breach warning: N minutes before an incident misses its acknowledge target.
    SlaWarning,
    /// One status-page email to one subscriber (a confirmation or an update).
    StatusEmail,
    /// The weekly on-call health report to a team's owners.
    OncallReport,
}

impl JobKind {
    pub const ALL: [JobKind; 12] = [
        JobKind::Escalation,
        JobKind::Notification,
        JobKind::AutoUnsnooze,
        JobKind::ScheduledTask,
        JobKind::ChannelDelivery,
        JobKind::ReceiptCancel,
        JobKind::HeartbeatCheck,
        JobKind::MaintenanceEnd,
        JobKind::MaintenanceStart,
        JobKind::SlaWarning,
        JobKind::StatusEmail,
        JobKind::OncallReport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Escalation => "ESCALATION",
            JobKind::Notification => "NOTIFICATION",
            JobKind::AutoUnsnooze => "AUTO_UNSNOOZE",
            JobKind::ScheduledTask => "SCHEDULED_TASK",
            JobKind::ChannelDelivery => "CHANNEL_DELIVERY",
            JobKind::ReceiptCancel => "RECEIPT_CANCEL",
            JobKind::HeartbeatCheck => "HEARTBEAT_CHECK",
            JobKind::MaintenanceEnd => "MAINTENANCE_END",
            JobKind::MaintenanceStart => "MAINTENANCE_START",
            JobKind::SlaWarning => "SLA_WARNING",
            JobKind::StatusEmail => "STATUS_EMAIL",
            JobKind::OncallReport => "ONCALL_REPORT",
        }
    }

    pub fn parse(raw: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// Where a job stands. FAILED with attempts left is retried at its `run_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    Pending,
    Processing,
    Completed,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 5] = [
        JobStatus::Pending,
        JobStatus::Processing,
        JobStatus::Completed,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "PENDING",
            JobStatus::Processing => "PROCESSING",
            JobStatus::Completed => "COMPLETED",
            JobStatus::Failed => "FAILED",
            JobStatus::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(raw: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// What an ESCALATION job asks for. Every variant carries the incident's escalation
/// generation when it was enqueued: a job whose generation is no longer current does nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum EscalationJob {
    /// Page step `step` (0-based) of the policy, on pass `loop_no` (0-based).
    Step {
        generation: i64,
        step: i32,
        loop_no: i32,
    },
    /// The service's acknowledgement timeout ran out: back to OPEN, escalate again.
    AckTimeout { generation: i64 },
}

/// AUTO_UNSNOOZE: the snooze that `generation` started has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsnoozeJob {
    pub generation: i64,
}

/// NOTIFICATION: send one outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationJob {
    pub notification: i64,
}

/// SCHEDULED_TASK: a recurring task; each run enqueues the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Deletes resolved incidents, alerts and finished jobs past their retention.
    Cleanup,
    /// Recomputes the daily per-service figures (counts, MTTA, MTTR).
    Rollup,
}

impl Task {
    pub const ALL: [Task; 2] = [Task::Cleanup, Task::Rollup];

    pub fn key(self) -> &'static str {
        match self {
            Task::Cleanup => "cleanup",
            Task::Rollup => "rollup",
        }
    }
}

/// `{"task":"cleanup"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskJob {
    pub task: Task,
}

/// How many jobs of one kind are in one state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueDepth {
    pub kind: JobKind,
    pub status: JobStatus,
    pub count: i64,
}

/// A job as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRow {
    pub id: i64,
    pub kind: JobKind,
    pub status: JobStatus,
    pub incident_id: Option<IncidentId>,
    pub incident_number: Option<i64>,
    pub payload: String,
    pub run_at: DateTime<Utc>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// The admin queue view: depth, how late the oldest due job is, and the failed jobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueOverview {
    pub depth: Vec<QueueDepth>,
    /// Seconds the oldest due, unclaimed job has waited (0 when none is due).
    pub oldest_due_secs: f64,
    pub failed: Vec<JobRow>,
}
