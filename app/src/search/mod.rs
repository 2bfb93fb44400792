//! The global search (`/` anywhere in the command center): incidents, services, users, teams
//! and schedules by name (incidents also by number), a few of each.

use serde::{Deserialize, Serialize};

pub mod api;
#[cfg(feature = "ssr")]
pub mod ops;
#[cfg(feature = "ssr")]
pub mod store;
pub mod widget;

/// What a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Incident,
    Service,
    User,
    Team,
    Schedule,
}

impl Kind {
    pub fn parse(raw: &str) -> Option<Kind> {
        Some(match raw {
            "incident" => Kind::Incident,
            "service" => Kind::Service,
            "user" => Kind::User,
            "team" => Kind::Team,
            "schedule" => Kind::Schedule,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Incident => "Incident",
            Kind::Service => "Service",
            Kind::User => "Person",
            Kind::Team => "Team",
            Kind::Schedule => "Schedule",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    pub kind: Kind,
    pub id: uuid::Uuid,
    pub label: String,
    /// A second line: an incident's status, a person's email.
    pub detail: Option<String>,
}

impl Hit {
    /// Where the hit opens (people have no page of their own: the directory).
    pub fn href(&self) -> String {
        match self.kind {
            Kind::Incident => format!("/incidents/{}", self.id),
            Kind::Service => format!("/services/{}", self.id),
            Kind::User => "/users".to_owned(),
            Kind::Team => format!("/teams/{}", self.id),
            Kind::Schedule => format!("/schedules/{}", self.id),
        }
    }
}

/// Hits of each kind at most.
pub const PER_KIND: i64 = 5;
pub const QUERY_MAX: usize = 100;
