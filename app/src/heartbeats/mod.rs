//! Heartbeat monitors: a job (a cron, a backup) pings its secret URL every period; a missed
//! deadline opens an incident on the monitor's service, the next ping resolves it. The states,
//! the timing limits and the list row live here; SQL is `store`, the rules on who may do what
//! `ops`, the ping and the deadline (one transaction each, incidents through the ingest path)
//! `beat`, server functions `api`, and the page `page`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{HeartbeatId, ServiceId, TeamId};
use crate::error::AppError;

pub mod api;
#[cfg(feature = "ssr")]
pub mod beat;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod page;
#[cfg(feature = "ssr")]
pub mod store;

/// Where a monitor stands. NEW has no deadline: it waits for its first ping, so a monitor
/// made before its job is set up pages nobody. UP turns LATE at last ping + period (shown, no
/// page); LATE turns DOWN at last ping + period + grace (an incident opens). A ping makes it UP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HeartbeatState {
    New,
    Up,
    Late,
    Down,
}

impl HeartbeatState {
    /// The values of `heartbeat_monitors.state` (its CHECK lists the same).
    pub const ALL: [HeartbeatState; 4] = [
        HeartbeatState::New,
        HeartbeatState::Up,
        HeartbeatState::Late,
        HeartbeatState::Down,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HeartbeatState::New => "NEW",
            HeartbeatState::Up => "UP",
            HeartbeatState::Late => "LATE",
            HeartbeatState::Down => "DOWN",
        }
    }

    pub fn parse(raw: &str) -> Option<HeartbeatState> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// How the page names it.
    pub fn label(self) -> &'static str {
        match self {
            HeartbeatState::New => "new",
            HeartbeatState::Up => "up",
            HeartbeatState::Late => "late",
            HeartbeatState::Down => "down",
        }
    }

    /// The badge class the page shows it with.
    pub fn badge(self) -> &'static str {
        match self {
            HeartbeatState::New => "badge badge--low",
            HeartbeatState::Up => "badge badge--ok",
            HeartbeatState::Late => "badge badge--medium",
            HeartbeatState::Down => "badge badge--high",
        }
    }
}

/// What a request to a ping URL says: `…/<token>`, `…/<token>/start`, `…/<token>/fail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PingKind {
    /// The job ran: UP, and the next deadline is a period away.
    Ping,
    /// The job started (recorded; the deadline stays).
    Start,
    /// The job failed: DOWN and an incident at once.
    Fail,
}

/// A monitor as the list shows it (the token is never shown again after create or rotate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub id: HeartbeatId,
    pub service_id: ServiceId,
    pub service_name: String,
    /// The service's owning team (the list hides what the access settings hide).
    pub team_id: Option<TeamId>,
    pub name: String,
    /// The token's first characters, to tell tokens apart.
    pub token_prefix: String,
    pub period_secs: i32,
    pub grace_secs: i32,
    pub state: HeartbeatState,
    pub last_ping_at: Option<DateTime<Utc>>,
    pub last_start_at: Option<DateTime<Utc>>,
    /// When the state next changes without a ping (UP and LATE only).
    pub deadline: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A monitor just made (or given a new token): the ping URL, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewHeartbeat {
    pub heartbeat: Heartbeat,
    pub token: String,
    /// `<public URL>/api/heartbeat/<token>`.
    pub ping_url: String,
}

/// HEARTBEAT_CHECK: the monitor's `deadline` has come. A job whose deadline is no longer the
/// monitor's (a ping moved it) does nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatJob {
    pub monitor: HeartbeatId,
    pub deadline: DateTime<Utc>,
}

pub const NAME_MAX: usize = 100;
/// The period: 1 minute to 30 days.
pub const PERIOD_SECS: std::ops::RangeInclusive<i32> = 60..=30 * 86_400;
/// The grace time: 1 minute to 7 days.
pub const GRACE_SECS: std::ops::RangeInclusive<i32> = 60..=7 * 86_400;

/// Checks the period and grace time, each naming its field when out of range.
pub fn parse_timing(period_secs: i32, grace_secs: i32) -> Result<(i32, i32), AppError> {
    if !PERIOD_SECS.contains(&period_secs) {
        return Err(AppError::invalid(
            "period_secs",
            "must be from 60 seconds (1 minute) to 2592000 seconds (30 days)",
        ));
    }
    if !GRACE_SECS.contains(&grace_secs) {
        return Err(AppError::invalid(
            "grace_secs",
            "must be from 60 seconds (1 minute) to 604800 seconds (7 days)",
        ));
    }
    Ok((period_secs, grace_secs))
}

/// The ping URL of `token` on the server reached at `public_url`.
pub fn ping_url(public_url: &str, token: &str) -> String {
    format!("{}/api/heartbeat/{token}", public_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_limits_are_inclusive_and_name_their_field() {
        assert_eq!(parse_timing(60, 60).unwrap(), (60, 60));
        assert_eq!(
            parse_timing(2_592_000, 604_800).unwrap(),
            (2_592_000, 604_800)
        );
        for (period, grace, field) in [
            (59, 60, "period_secs"),
            (2_592_001, 60, "period_secs"),
            (-1, 60, "period_secs"),
            (60, 59, "grace_secs"),
            (60, 604_801, "grace_secs"),
        ] {
            let e = parse_timing(period, grace).unwrap_err();
            assert_eq!(e.field(), Some(field), "{period} {grace}");
        }
    }

    #[test]
    fn states_round_trip() {
        for s in HeartbeatState::ALL {
            assert_eq!(HeartbeatState::parse(s.as_str()), Some(s));
        }
        assert_eq!(HeartbeatState::parse("up"), None);
    }

    #[test]
    fn the_ping_url_has_one_slash() {
        assert_eq!(
            ping_url("https://ok.example/", "abc"),
            "https://ok.example/api/heartbeat/abc"
        );
    }
}
