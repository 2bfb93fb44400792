//! Escalation policies: ordered steps, each with a delay, targets (a user, a whole team or a
//! team's lead, or whoever a schedule has on call) and optional channel overrides, looped
//! `repeat_count` more times. The engine resolves a step's targets to people through
//! `store::step_users` when the step runs. A policy may belong to a team (`teams::perm`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use crate::domain::conditions::StepConditions;
use crate::domain::escalation::TargetKind;
use crate::domain::{PolicyId, ServiceId, TeamId, UserId};
use crate::profile::ContactKind;

pub mod api;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod pages;
pub mod step_conditions;
pub mod step_editor;
#[cfg(feature = "ssr")]
pub mod store;

pub const NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 2000;

/// One target of a step. `name` is filled in when read (the user's or team's name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub kind: TargetKind,
    /// A user id for USER, a team id for TEAM and TEAM_LEAD, a schedule id for SCHEDULE.
    pub id: Uuid,
    #[serde(default)]
    pub name: String,
}

/// One step: page the targets, then wait `delay_minutes` before the next step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub delay_minutes: i32,
    /// Empty: each person's own notification rules. Otherwise only these kinds of contact.
    #[serde(default)]
    pub channels: Vec<ContactKind>,
    pub targets: Vec<Target>,
    /// When the step runs (None: always); a step whose conditions do not hold is skipped.
    #[serde(default)]
    pub conditions: Option<StepConditions>,
}

/// A service using a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRef {
    pub id: ServiceId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub id: PolicyId,
    pub name: String,
    pub description: String,
    /// The owning team: only its OWNER and ADMIN members (and workspace ADMINs) change it.
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    pub repeat_count: i32,
    pub steps: Vec<Step>,
    pub services: Vec<ServiceRef>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySummary {
    pub id: PolicyId,
    pub name: String,
    pub description: String,
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    pub repeat_count: i32,
    pub steps: i64,
    pub services: i64,
}

/// Someone a step would page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PagedUser {
    pub id: UserId,
    pub name: String,
    pub email: String,
}

/// "Who would be paged at each step right now."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewStep {
    pub step: i32,
    pub delay_minutes: i32,
    pub users: Vec<PagedUser>,
}
