//! On-call schedules as a feature: the API types, the SQL (`store`), the server functions
//! (`api`), the iCal feed (`ical`) and the pages. Who is on call is always computed by the pure
//! engine in `crate::domain::schedule`, on the server and, for previews, in the browser. A
//! schedule may belong to a team (`teams::perm`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::schedule::{Override, Schedule};
use crate::domain::{FeedId, PolicyId, ScheduleId, TeamId, UserId};

pub mod api;
pub mod bench_page;
#[cfg(feature = "ssr")]
pub mod feeds;
pub mod forms;
pub mod ical;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod store;
pub mod timeline_view;
pub mod widgets;

pub const NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 2000;
pub const NOTE_MAX: usize = 500;

/// A user as schedules show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: UserId,
    pub name: String,
}

/// A row of the schedules list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleSummary {
    pub id: ScheduleId,
    pub name: String,
    pub description: String,
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    pub time_zone: String,
    pub layers: usize,
    /// Who is on call right now (empty: nobody, a gap).
    pub on_call: Vec<Person>,
}

/// An override with what the engine does not need: its note and author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideRow {
    #[serde(flatten)]
    pub rule: Override,
    pub note: String,
    pub created_by: Option<String>,
}

/// A policy that pages this schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRef {
    pub id: PolicyId,
    pub name: String,
}

/// A schedule with its definition (overrides and temporary schedules overlapping the
/// requested window), names for every user it mentions, and the policies that use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleDetail {
    pub id: ScheduleId,
    pub name: String,
    pub description: String,
    /// The owning team: only its OWNER and ADMIN members (and workspace ADMINs) change the
    /// schedule, its layers, overrides and temporary schedules.
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    pub definition: Schedule,
    pub overrides: Vec<OverrideRow>,
    pub people: Vec<Person>,
    pub used_by: Vec<PolicyRef>,
    pub updated_at: DateTime<Utc>,
    /// The server's clock when this was read (the timeline's "now" line).
    pub now: DateTime<Utc>,
}

impl ScheduleDetail {
    pub fn name_of(&self, id: UserId) -> String {
        name_in(&self.people, id)
    }
}

/// A user's name from `people`, or a short id when unknown.
pub fn name_in(people: &[Person], id: UserId) -> String {
    people
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| format!("user {}", &id.to_string()[..8]))
}

/// "Who is on call now" for one schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleOnCall {
    pub schedule_id: ScheduleId,
    pub schedule_name: String,
    pub time_zone: String,
    pub on_call: Vec<Person>,
    /// When the current answer changes next (within the next 31 days).
    pub until: Option<DateTime<Utc>>,
}

/// One of a user's shifts, from any schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyShift {
    pub schedule_id: ScheduleId,
    pub schedule_name: String,
    pub time_zone: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A live secret calendar URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feed {
    pub id: FeedId,
    /// Present only in the answer that created it: the token is not stored.
    pub url: Option<String>,
    pub created_at: DateTime<Utc>,
}
