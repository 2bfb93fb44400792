//! Time-aware escalation, as pure logic: a step's conditions (a weekly window in a zone, and
//! "outside the on-call person's working hours"), a person's weekly hours (working hours,
//! quiet hours) on their own zone's wall clock, and the words the timeline and the editors
//! use for them. Windows are `window::TimeWindow`; this module decides what they mean here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::window::{DAYS, TimeWindow, Window};
use crate::error::AppError;

/// When a step runs. Both parts must hold; `None` on the step (or both parts unset) is
/// "always". "Outside working hours" holds when every person the incident is held by (those
/// paged at earlier steps), or if nobody holds it yet the step's own people, is outside their
/// working hours at the time; a person without working hours counts as outside.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepConditions {
    /// Only inside this weekly window.
    #[serde(default)]
    pub when: Option<TimeWindow>,
    /// Only when the on-call people are outside their working hours.
    #[serde(default)]
    pub outside_working_hours: bool,
}

impl StepConditions {
    /// No condition at all: the step always runs.
    pub fn is_empty(&self) -> bool {
        self.when.is_none() && !self.outside_working_hours
    }

    /// Checks every part, naming `field.when.zone`, `field.when.from` and so on.
    pub fn compile(&self, field: &str) -> Result<Compiled, AppError> {
        let when = match &self.when {
            None => None,
            Some(w) => Some((w.compile(&format!("{field}.when"))?, label(w))),
        };
        Ok(Compiled {
            when,
            outside_working_hours: self.outside_working_hours,
        })
    }
}

/// Conditions ready to test instants against.
#[derive(Debug, Clone)]
pub struct Compiled {
    when: Option<(Window, String)>,
    pub outside_working_hours: bool,
}

impl Compiled {
    /// `Some(why)` when the step's window does not hold at `now`: the step is skipped.
    pub fn outside_window(&self, now: DateTime<Utc>) -> Option<String> {
        let (w, label) = self.when.as_ref()?;
        (!w.contains(now)).then(|| format!("skipped: outside {label}"))
    }
}

/// "Outside working hours" for a set of people: true when nobody of `hours` (each person's
/// working hours, `None` without any) is inside them at `now`.
pub fn all_outside(hours: &[Option<Window>], now: DateTime<Utc>) -> bool {
    hours
        .iter()
        .all(|h| h.as_ref().is_none_or(|w| !w.contains(now)))
}

/// A person's weekly hours (working hours, quiet hours) on the wall clock of their own time
/// zone (`users.time_zone`): changing one's zone moves them with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyHours {
    /// Lower-case three-letter days; empty means every day.
    #[serde(default)]
    pub days: Vec<String>,
    /// `HH:MM`.
    pub from: String,
    /// `HH:MM`; `24:00` is the end of the day; earlier than `from` crosses midnight.
    pub to: String,
}

impl WeeklyHours {
    /// The window in `zone`.
    pub fn in_zone(&self, zone: &str) -> TimeWindow {
        TimeWindow {
            zone: zone.to_owned(),
            days: self.days.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }

    /// Checks the hours (in `zone`), naming `field.days[i]`, `field.from`, `field.to`.
    pub fn compile(&self, field: &str, zone: &str) -> Result<Window, AppError> {
        self.in_zone(zone).compile(field)
    }

    /// The hours cleaned for saving: days trimmed, lower-case, in week order, once each.
    pub fn normalized(&self) -> WeeklyHours {
        let days = DAYS
            .iter()
            .filter(|d| self.days.iter().any(|x| x.trim().eq_ignore_ascii_case(d)))
            .map(|d| (*d).to_owned())
            .collect();
        WeeklyHours {
            days,
            from: self.from.trim().to_owned(),
            to: self.to.trim().to_owned(),
        }
    }
}

/// "Mon–Fri 09:00–17:00 Europe/Berlin": a window as people read it.
pub fn label(w: &TimeWindow) -> String {
    format!("{} {}–{} {}", days_label(&w.days), w.from, w.to, w.zone)
}

/// "Mon–Fri", "Sat, Sun", "every day".
pub fn days_label(days: &[String]) -> String {
    let idx: Vec<usize> = DAYS
        .iter()
        .enumerate()
        .filter(|(_, d)| days.iter().any(|x| x.trim().eq_ignore_ascii_case(d)))
        .map(|(i, _)| i)
        .collect();
    let name = |i: usize| {
        let d = DAYS[i];
        format!("{}{}", d[..1].to_uppercase(), &d[1..])
    };
    match idx.as_slice() {
        [] => "every day".to_owned(),
        [_, _, ..] if idx.len() == 7 => "every day".to_owned(),
        [first, .., last] if idx.len() >= 3 && last - first + 1 == idx.len() => {
            format!("{}–{}", name(*first), name(*last))
        }
        _ => idx.into_iter().map(name).collect::<Vec<_>>().join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn office(zone: &str) -> TimeWindow {
        TimeWindow {
            zone: zone.into(),
            days: ["mon", "tue", "wed", "thu", "fri"]
                .map(String::from)
                .to_vec(),
            from: "09:00".into(),
            to: "17:00".into(),
        }
    }

    #[test]
    fn a_step_window_skips_outside_and_says_why() {
        let c = StepConditions {
            when: Some(office("America/New_York")),
            outside_working_hours: false,
        }
        .compile("steps[0].conditions")
        .unwrap();
        // Friday 6 March 2026 (EST, UTC-5): 14:30 UTC is 09:30 local.
        assert_eq!(c.outside_window(at("2026-03-06T14:30:00Z")), None);
        assert_eq!(
            c.outside_window(at("2026-03-06T13:30:00Z")).as_deref(),
            Some("skipped: outside Mon–Fri 09:00–17:00 America/New_York")
        );
        // Monday 9 March (EDT, UTC-4, after the change on Sunday): 13:30 UTC is 09:30 local.
        assert_eq!(c.outside_window(at("2026-03-09T13:30:00Z")), None);
        assert!(c.outside_window(at("2026-03-09T12:30:00Z")).is_some());
        // No window: never skipped for it.
        let none = StepConditions::default().compile("c").unwrap();
        assert!(none.outside_window(at("2026-03-08T06:30:00Z")).is_none());
    }

    #[test]
    fn outside_working_hours_needs_everyone_outside_and_no_hours_is_outside() {
        let hours = |from: &str, to: &str| {
            WeeklyHours {
                days: vec![],
                from: from.into(),
                to: to.into(),
            }
            .compile("working_hours", "Europe/Berlin")
            .unwrap()
        };
        // 10:00 UTC on 8 March is 11:00 in Berlin.
        let now = at("2026-03-08T10:00:00Z");
        assert!(all_outside(&[], now));
        assert!(all_outside(&[None], now));
        assert!(all_outside(&[Some(hours("12:00", "18:00")), None], now));
        assert!(!all_outside(&[Some(hours("09:00", "17:00")), None], now));
        assert!(!all_outside(
            &[Some(hours("12:00", "18:00")), Some(hours("09:00", "17:00"))],
            now
        ));
    }

    #[test]
    fn bad_parts_name_the_step_field() {
        let mut w = office("Mars/Base");
        let field = |c: StepConditions| match c.compile("steps[1].conditions") {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        let c = |w: TimeWindow| StepConditions {
            when: Some(w),
            outside_working_hours: false,
        };
        assert_eq!(field(c(w.clone())), "steps[1].conditions.when.zone");
        w.zone = "UTC".into();
        w.from = "9:00".into();
        assert_eq!(field(c(w)), "steps[1].conditions.when.from");
        let quiet = WeeklyHours {
            days: vec!["noday".into()],
            from: "22:00".into(),
            to: "07:00".into(),
        };
        match quiet.compile("quiet_hours", "UTC") {
            Err(AppError::Invalid { field, .. }) => assert_eq!(field, "quiet_hours.days[0]"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn labels_and_normal_forms() {
        let days = |d: &[&str]| d.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(days_label(&days(&["mon", "tue", "wed"])), "Mon–Wed");
        assert_eq!(days_label(&days(&["sat", "sun"])), "Sat, Sun");
        assert_eq!(days_label(&days(&["mon", "wed", "fri"])), "Mon, Wed, Fri");
        assert_eq!(days_label(&[]), "every day");
        assert_eq!(label(&office("UTC")), "Mon–Fri 09:00–17:00 UTC");
        let h = WeeklyHours {
            days: days(&["Fri", " mon", "fri"]),
            from: " 09:00".into(),
            to: "17:00 ".into(),
        };
        assert_eq!(
            h.normalized(),
            WeeklyHours {
                days: days(&["mon", "fri"]),
                from: "09:00".into(),
                to: "17:00".into()
            }
        );
    }
}
