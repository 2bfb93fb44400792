//! System status: version, database reachability and server time, for the dashboard and scripts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod api;
#[cfg(feature = "ssr")]
pub mod ops;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    pub version: String,
    pub database_ok: bool,
    pub server_time: DateTime<Utc>,
}
