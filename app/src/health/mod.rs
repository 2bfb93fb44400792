//! On-call health (issue 22, part 3): per responder, the interruptions they took (SMS,
//! voice, push, ntfy and Pushover pages actually sent; email and chat excluded; one page to
//! one destination on several channels counted once), bucketed in their own zone by
//! `domain::interruption`, the nights interrupted, the hours on call from the schedules'
//! final timelines, and a "suggest a day off" flag; a team view sorted by load; a weekly
//! report email to a team's owners (opt-in, on the job queue, Monday 09:00 in each owner's
//! own zone: `weekly`). Storage `store.rs`, the rules
//! and who sees what `ops.rs`, the weekly job `report.rs`, server functions `api.rs`, the
//! page `page.rs`, the personal summary (`/m/health`, the profile page) `mine.rs`.

pub mod api;
pub mod bar;
pub mod mine;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod page;
#[cfg(feature = "ssr")]
pub mod report;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod weekly;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::interruption::Tally;
use crate::domain::{TeamId, UserId};

/// The windows the report offers, in days; 30 unless asked.
pub const WINDOWS: [u32; 3] = [7, 30, 90];
/// The window when none is asked for.
pub const DEFAULT_DAYS: u32 = 30;

/// Whose rows a report shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum View {
    /// The caller's own row.
    Own,
    /// A team's members (its OWNER/ADMIN members and workspace ADMINs).
    Team,
    /// Everyone who was paged or on call in the window (workspace ADMINs).
    Everyone,
}

/// One responder's health over the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponderHealth {
    pub user_id: UserId,
    pub name: String,
    pub time_zone: String,
    pub interruptions: Tally,
    /// Time on call in the window (shifts on several schedules at once counted once).
    pub on_call_seconds: i64,
    pub suggest_day_off: bool,
}

impl ResponderHealth {
    /// Hours on call, rounded to a tenth.
    pub fn on_call_hours(&self) -> f64 {
        (self.on_call_seconds as f64 / 360.0).round() / 10.0
    }

    /// The order of "who carried the load": interruptions, then sleep ones, then hours on call.
    pub fn load_key(&self) -> (u32, u32, i64) {
        (
            self.interruptions.total,
            self.interruptions.sleep,
            self.on_call_seconds,
        )
    }
}

/// A team the caller may see the health of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamChoice {
    pub id: TeamId,
    pub name: String,
}

/// The report: the window, whose rows, the rows by load (heaviest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub days: u32,
    pub view: View,
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    pub responders: Vec<ResponderHealth>,
    /// The teams whose view the caller may open.
    pub teams: Vec<TeamChoice>,
    /// For a team view: whether its owners get the weekly report.
    pub weekly_report: Option<bool>,
}

/// The windows of the personal summary, in days.
pub const MY_WINDOWS: [u32; 2] = [7, 30];

/// One window of the caller's own on-call health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyWindow {
    pub days: u32,
    pub since: DateTime<Utc>,
    pub health: ResponderHealth,
}

/// The caller's own on-call health over each of `MY_WINDOWS`, ending `until` (now).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyHealth {
    pub until: DateTime<Utc>,
    pub time_zone: String,
    pub windows: Vec<MyWindow>,
}

/// Sorts rows heaviest load first, then by name.
pub fn by_load(rows: &mut [ResponderHealth]) {
    rows.sort_by(|a, b| {
        b.load_key()
            .cmp(&a.load_key())
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
}
