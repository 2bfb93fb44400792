//! On-call health's interruption rule, pure (also compiled to WASM): which part of a person's
//! day a page fell in, and which night a sleep page belongs to.
//!
//! The definitions are PagerDuty's Operational Reviews': in the person's own zone, business
//! hours are 08:00–18:00 Monday to Friday, off hours 18:00–22:00 Monday to Friday and all of
//! Saturday and Sunday, sleep 22:00–08:00 every day. Sleep wins over the weekend (Saturday
//! 23:00 is sleep). Times are read as the local wall clock at the instant the page was sent,
//! so a DST gap's hours never occur and a fold's repeated hour is the same hour twice.
//!
//! A night is dated by its evening: the night of D runs from 22:00 on D to 08:00 on D + 1
//! (local wall clock). A sleep interruption at local time t belongs to the night of the date
//! of t − 8 h (wall-clock arithmetic): Saturday 23:00 and Sunday 07:59 are both Saturday's
//! night. On a DST night that span is an hour shorter or longer in real time; the dating
//! is by the wall clock, so it does not change.

use chrono::{
    DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Timelike, Utc, Weekday,
};
use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// Which part of the day an interruption fell in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Bucket {
    /// 08:00–18:00 Monday to Friday.
    Business,
    /// 18:00–22:00 Monday to Friday, and 08:00–22:00 Saturday and Sunday.
    OffHours,
    /// 22:00–08:00, every day.
    Sleep,
}

impl Bucket {
    /// Every bucket, in the order the report shows them.
    pub const ALL: [Bucket; 3] = [Bucket::Business, Bucket::OffHours, Bucket::Sleep];

    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Business => "BUSINESS",
            Bucket::OffHours => "OFF_HOURS",
            Bucket::Sleep => "SLEEP",
        }
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            Bucket::Business => "Business hours",
            Bucket::OffHours => "Off hours",
            Bucket::Sleep => "Sleep hours",
        }
    }
}

/// The bucket of a local wall-clock time.
pub fn bucket(local: NaiveDateTime) -> Bucket {
    let hour = local.hour();
    if !(8..22).contains(&hour) {
        return Bucket::Sleep;
    }
    let weekend = matches!(local.weekday(), Weekday::Sat | Weekday::Sun);
    if weekend || hour >= 18 {
        Bucket::OffHours
    } else {
        Bucket::Business
    }
}

/// The local wall-clock time of `at` in `tz`.
pub fn local_time<Z: TimeZone>(at: DateTime<Utc>, tz: &Z) -> NaiveDateTime {
    at.with_timezone(tz).naive_local()
}

/// The bucket of instant `at` for a person in `tz`.
pub fn bucket_at<Z: TimeZone>(at: DateTime<Utc>, tz: &Z) -> Bucket {
    bucket(local_time(at, tz))
}

/// The night (dated by its evening) a local time belongs to, if it is in sleep hours.
pub fn night_of(local: NaiveDateTime) -> Option<NaiveDate> {
    (bucket(local) == Bucket::Sleep).then(|| (local - TimeDelta::hours(8)).date())
}

/// How many sleep interruptions in one night suggest a day off.
pub const DAY_OFF_AFTER: u32 = 2;

/// One person's interruptions over a window, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub total: u32,
    pub business: u32,
    pub off_hours: u32,
    pub sleep: u32,
    /// Nights with at least one sleep interruption.
    pub nights_interrupted: u32,
    /// The most sleep interruptions in any one night.
    pub worst_night: u32,
    /// Nights with `DAY_OFF_AFTER` or more sleep interruptions, earliest first.
    pub rough_nights: Vec<NaiveDate>,
}

impl Tally {
    /// Two or more sleep interruptions in one night of the window.
    pub fn suggest_day_off(&self) -> bool {
        !self.rough_nights.is_empty()
    }
}

/// Counts interruptions sent at `times` to a person in `tz`.
pub fn tally<Z: TimeZone>(times: &[DateTime<Utc>], tz: &Z) -> Tally {
    let mut t = Tally::default();
    let mut nights: std::collections::BTreeMap<NaiveDate, u32> = Default::default();
    for at in times {
        let local = local_time(*at, tz);
        t.total += 1;
        match bucket(local) {
            Bucket::Business => t.business += 1,
            Bucket::OffHours => t.off_hours += 1,
            Bucket::Sleep => t.sleep += 1,
        }
        if let Some(night) = night_of(local) {
            *nights.entry(night).or_default() += 1;
        }
    }
    t.nights_interrupted = u32::try_from(nights.len()).unwrap_or(u32::MAX);
    t.worst_night = nights.values().copied().max().unwrap_or(0);
    t.rough_nights = nights
        .into_iter()
        .filter(|(_, n)| *n >= DAY_OFF_AFTER)
        .map(|(d, _)| d)
        .collect();
    t
}

/// The length of the union of `spans` (start, end), so overlapping shifts of one person on
/// two schedules count once; in whole seconds.
pub fn covered_seconds(mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)>) -> i64 {
    spans.retain(|(s, e)| e > s);
    spans.sort();
    let mut total = 0;
    let mut current: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for (s, e) in spans {
        current = match current {
            Some((cs, ce)) if s <= ce => Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += (ce - cs).num_seconds();
                Some((s, e))
            }
            None => Some((s, e)),
        };
    }
    if let Some((cs, ce)) = current {
        total += (ce - cs).num_seconds();
    }
    total
}
