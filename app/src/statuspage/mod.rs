//! The public status page: components (services as the public sees them), their status
//! (derived from open incidents and maintenance, or set by hand), hand-written status
//! incidents with an update stream, 90-day uptime, and email subscribers. The enums here are
//! the one list shared by Rust, the admin API and the CHECK constraints. Pure rules
//! `derive.rs`; SQL `store.rs` (public reads), `admin_store.rs` (writes), `subscribers.rs`
//! (sign-up, confirmation, unsubscribe), `derived_mail.rs` (emails on derived status
//! changes); rules and audit `ops.rs`; server functions `api.rs` (the admin API). The admin
//! screen `/settings/status`: `admin_page.rs` (settings, components) and
//! `admin_incidents.rs` (hand-written incidents). The page as the public sees it `public.rs`;
//! its HTML, JSON and feeds are served by `server::http::status`.

pub mod admin_incidents;
pub mod admin_page;
#[cfg(feature = "ssr")]
pub mod admin_store;
pub mod api;
pub mod derive;
#[cfg(feature = "ssr")]
pub mod derived_mail;
#[cfg(feature = "ssr")]
pub mod ops;
#[cfg(feature = "ssr")]
pub mod public;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod subscribers;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{ServiceId, StatusComponentId, StatusIncidentId};

/// Defines a string enum with `ALL`, `as_str`, `parse` and a human label.
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal / $label:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $s)] $v,)+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v,)+];
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $s,)+ } }
            pub fn label(self) -> &'static str { match self { $($name::$v => $label,)+ } }
            pub fn parse(raw: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == raw)
            }
        }
    };
}

string_enum!(
    /// A component's status, as Statuspage names it (ordered from best to worst, with
    /// maintenance between operational and degraded).
    ComponentStatus {
        Operational = "operational" / "Operational",
        UnderMaintenance = "under_maintenance" / "Under maintenance",
        DegradedPerformance = "degraded_performance" / "Degraded performance",
        PartialOutage = "partial_outage" / "Partial outage",
        MajorOutage = "major_outage" / "Major outage",
    }
);

string_enum!(
    /// The page's overall indicator (Statuspage `status.indicator`).
    Indicator {
        None = "none" / "All Systems Operational",
        Minor = "minor" / "Minor Service Outage",
        Major = "major" / "Partial System Outage",
        Critical = "critical" / "Major Service Outage",
    }
);

string_enum!(
    /// A hand-written incident's (and update's) status.
    IncidentStatus {
        Investigating = "investigating" / "Investigating",
        Identified = "identified" / "Identified",
        Monitoring = "monitoring" / "Monitoring",
        Resolved = "resolved" / "Resolved",
    }
);

string_enum!(
    /// A hand-written incident's impact.
    Impact {
        None = "none" / "None",
        Minor = "minor" / "Minor",
        Major = "major" / "Major",
        Critical = "critical" / "Critical",
    }
);

string_enum!(
    /// Where an email subscriber stands.
    SubscriberState {
        Pending = "PENDING" / "Waiting for confirmation",
        Confirmed = "CONFIRMED" / "Confirmed",
        Unsubscribed = "UNSUBSCRIBED" / "Unsubscribed",
    }
);

/// A component as the admin screen shows and edits it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminComponent {
    pub id: StatusComponentId,
    pub service_id: ServiceId,
    /// Internal: shown to admins only, never on the public page.
    pub service_name: String,
    pub display_name: String,
    pub group_name: String,
    pub position: i32,
    pub override_status: Option<ComponentStatus>,
    /// The status the public sees now.
    pub status: ComponentStatus,
}

/// A component to create or change (`id: None` creates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentInput {
    #[serde(default)]
    pub id: Option<StatusComponentId>,
    pub service_id: ServiceId,
    pub display_name: String,
    #[serde(default)]
    pub group_name: String,
    #[serde(default)]
    pub position: i32,
    /// Empty for "derived"; else a `ComponentStatus` value.
    #[serde(default)]
    pub override_status: String,
}

/// One update of a hand-written incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateView {
    pub id: uuid::Uuid,
    pub status: IncidentStatus,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A hand-written incident with its updates (newest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentView {
    pub id: StatusIncidentId,
    pub name: String,
    pub status: IncidentStatus,
    pub impact: Impact,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub components: Vec<StatusComponentId>,
    pub updates: Vec<UpdateView>,
}

/// A new hand-written incident and its first update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewIncident {
    pub name: String,
    pub impact: String,
    pub status: String,
    pub body: String,
    #[serde(default)]
    pub component_ids: Vec<StatusComponentId>,
}

/// The admin screen's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminOverview {
    pub page_name: String,
    pub show_maintenance: bool,
    pub components: Vec<AdminComponent>,
    pub incidents: Vec<IncidentView>,
    pub confirmed_subscribers: i64,
    pub pending_subscribers: i64,
}
