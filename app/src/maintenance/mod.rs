//! Maintenance windows: planned work on one or more services, one-off or weekly in a zone.
//! During a window new incidents on its services are created SUPPRESSED (visible, paging
//! nobody) and remember it; when it ends, or is cancelled, they are released (OPEN, escalation
//! from step 1). Incidents already open keep escalating, unless the window holds them too
//! (`hold_open`: at each start they are suppressed, `start.rs`). Storage `store.rs`, the
//! window's end on the job queue `end.rs`, rules `ops.rs`, server functions `api.rs`, the UI
//! `page.rs`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod end;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod page;
#[cfg(feature = "ssr")]
pub mod start;
#[cfg(feature = "ssr")]
pub mod store;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::window::TimeWindow;
use crate::domain::{MaintenanceId, ServiceId};

/// Where a window stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WindowState {
    /// In effect now.
    Active,
    /// Not yet, or between two weekly occurrences.
    Scheduled,
    Ended,
    Cancelled,
}

impl WindowState {
    pub fn label(self) -> &'static str {
        match self {
            WindowState::Active => "in maintenance",
            WindowState::Scheduled => "scheduled",
            WindowState::Ended => "ended",
            WindowState::Cancelled => "cancelled",
        }
    }
}

/// A window as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowView {
    pub id: MaintenanceId,
    pub name: String,
    pub services: Vec<(ServiceId, String)>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    /// Weekly windows: when in the week.
    pub weekly: Option<TimeWindow>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Also holds incidents already open when it starts.
    #[serde(default)]
    pub hold_open: bool,
    pub state: WindowState,
    /// While active: when it stops holding (this occurrence's end).
    pub active_until: Option<DateTime<Utc>>,
    pub created_by: Option<String>,
}

/// A window to create, as the form and the API send it. Times are the zone's wall clock
/// (`2026-12-24T18:00`); a weekly window's `starts_at` may be empty (from now) and its
/// `ends_at` too (no end).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWindow {
    pub name: String,
    pub service_ids: Vec<ServiceId>,
    /// `ONCE` or `WEEKLY`.
    pub kind: String,
    pub zone: String,
    pub starts_at: String,
    pub ends_at: String,
    #[serde(default)]
    pub days: Vec<String>,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// Also hold the incidents already open on its services when it starts (their escalation
    /// pauses until it ends); by default they keep escalating.
    #[serde(default)]
    pub hold_open: bool,
}
