//! The wire shape of an escalation step's conditions (time-aware escalation) in REST v1, with
//! the conversions to and from `app::domain::conditions`.

use app::domain::conditions::StepConditions as AppConditions;
use app::domain::window::TimeWindow as AppWindow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// When a step runs; both parts must hold. A step whose conditions do not hold when it comes
/// due is skipped (the timeline says why) and the next step runs at once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepConditions {
    /// Only inside this weekly window. Null: at any time.
    #[serde(default)]
    pub when: Option<TimeWindow>,
    /// Only when the people holding the incident (those an earlier step paged), or if nobody
    /// holds it yet the step's own people, are all outside their working hours (a person
    /// without working hours counts as outside).
    #[serde(default)]
    pub outside_working_hours: bool,
}

/// A weekly window on a zone's wall clock: "Mon–Fri 09:00–17:00 Europe/Berlin".
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeWindow {
    /// An IANA time zone, e.g. `Europe/Berlin`.
    pub zone: String,
    /// `mon` … `sun`; empty: every day.
    #[serde(default)]
    pub days: Vec<String>,
    /// `HH:MM`.
    pub from: String,
    /// `HH:MM` (`24:00` is the end of the day); earlier than `from` crosses midnight, and the
    /// night belongs to the day it starts on.
    pub to: String,
}

impl From<AppConditions> for StepConditions {
    fn from(c: AppConditions) -> Self {
        StepConditions {
            when: c.when.map(|w| TimeWindow {
                zone: w.zone,
                days: w.days,
                from: w.from,
                to: w.to,
            }),
            outside_working_hours: c.outside_working_hours,
        }
    }
}

impl From<StepConditions> for AppConditions {
    fn from(c: StepConditions) -> Self {
        AppConditions {
            when: c.when.map(|w| AppWindow {
                zone: w.zone,
                days: w.days,
                from: w.from,
                to: w.to,
            }),
            outside_working_hours: c.outside_working_hours,
        }
    }
}
