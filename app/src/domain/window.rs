//! A weekly time window in a zone ("Mon–Fri 09:00–17:00 Europe/Berlin"): the time conditions
//! of event rules and of escalation steps. Pure; across DST the window follows the wall clock.

use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};
use serde::{Deserialize, Serialize};

use super::timezone::{Tz, lookup};
use crate::error::AppError;

/// The days, as written in rules: `mon` … `sun`.
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Days of the week and a time of day range, in `zone`. `from` = `to` is the whole day;
/// `from` > `to` crosses midnight (22:00–06:00), and then the day is the one it started on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    pub zone: String,
    /// Lower-case three-letter days; empty means every day.
    pub days: Vec<String>,
    /// `HH:MM`.
    pub from: String,
    /// `HH:MM`; `24:00` is the end of the day.
    pub to: String,
}

/// A window ready to test instants against.
#[derive(Debug, Clone)]
pub struct Window {
    tz: Tz,
    /// Bit `n` set: day `n` (Monday = 0) is in.
    days: u8,
    from: u32,
    to: u32,
}

fn minutes(field: &str, raw: &str) -> Result<u32, AppError> {
    let bad = || AppError::invalid(field, format!("{raw:?} is not a time of day as HH:MM"));
    let (h, m) = raw.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 24 || m > 59 || (h == 24 && m != 0) || raw.trim().len() != 5 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

impl TimeWindow {
    /// Checks every part, naming `field.zone`, `field.days[i]`, `field.from` or `field.to`.
    pub fn compile(&self, field: &str) -> Result<Window, AppError> {
        let tz = lookup(self.zone.trim()).ok_or_else(|| {
            AppError::invalid(
                format!("{field}.zone"),
                format!(
                    "{:?} is not an IANA time zone such as Europe/Berlin",
                    self.zone
                ),
            )
        })?;
        let mut days = 0u8;
        for (i, d) in self.days.iter().enumerate() {
            let n = DAYS
                .iter()
                .position(|x| x.eq_ignore_ascii_case(d.trim()))
                .ok_or_else(|| {
                    AppError::invalid(
                        format!("{field}.days[{i}]"),
                        format!("{d:?} is not one of {}", DAYS.join(", ")),
                    )
                })?;
            days |= 1 << n;
        }
        if days == 0 {
            days = 0x7f;
        }
        Ok(Window {
            tz,
            days,
            from: minutes(&format!("{field}.from"), &self.from)?,
            to: minutes(&format!("{field}.to"), &self.to)?,
        })
    }
}

fn day_bit(d: Weekday) -> u8 {
    1 << d.num_days_from_monday()
}

impl Window {
    /// Whether `at` falls inside the window, on the zone's wall clock.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.tz);
        let t = local.hour() * 60 + local.minute();
        let today = self.days & day_bit(local.weekday()) != 0;
        if self.from == self.to || (self.from == 0 && self.to == 24 * 60) {
            return today;
        }
        if self.from < self.to {
            return today && t >= self.from && t < self.to;
        }
        // Crosses midnight: the evening part belongs to today, the morning part to yesterday.
        let yesterday = self.days & day_bit(local.weekday().pred()) != 0;
        (today && t >= self.from) || (yesterday && t < self.to)
    }
}

impl Window {
    /// The instant the window's wall-clock `minutes` after local midnight of `day` falls on
    /// (the later side of a DST gap; the earlier of a repeated hour).
    fn instant(&self, day: chrono::NaiveDate, minutes: u32) -> Option<DateTime<Utc>> {
        use chrono::{NaiveTime, TimeZone};
        let naive = day.and_time(NaiveTime::MIN) + chrono::TimeDelta::minutes(i64::from(minutes));
        let local = self.tz.from_local_datetime(&naive);
        local
            .earliest()
            .or_else(|| {
                self.tz
                    .from_local_datetime(&(naive + chrono::TimeDelta::hours(1)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&Utc))
    }

    /// When the window next stops holding at or after `at`: the end of the occurrence that
    /// contains `at`, else of the next one (consecutive whole days count as one occurrence).
    /// `None` if it holds for more than a week on end (every day, all day).
    pub fn occurrence_end(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let today = at.with_timezone(&self.tz).date_naive();
        let mut ends = Vec::new();
        for offset in -1..=8 {
            let day = today + chrono::TimeDelta::days(offset);
            if self.days & day_bit(day.weekday()) == 0 {
                continue;
            }
            let whole = self.from == self.to || (self.from == 0 && self.to == 24 * 60);
            let end = if whole || self.from > self.to {
                day + chrono::TimeDelta::days(1)
            } else {
                day
            };
            let minutes = if whole { 0 } else { self.to % (24 * 60) };
            let end = if !whole && self.to == 24 * 60 {
                self.instant(day + chrono::TimeDelta::days(1), 0)
            } else {
                self.instant(end, minutes)
            };
            ends.extend(end);
        }
        ends.sort_unstable();
        ends.into_iter().find(|e| *e > at && !self.contains(*e))
    }

    /// When the occurrence that contains `at` started: the latest occurrence start at or before
    /// `at` (consecutive whole days are one occurrence). `None` when `at` is outside the window,
    /// or it has held for more than a week on end.
    pub fn occurrence_start(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if !self.contains(at) {
            return None;
        }
        let today = at.with_timezone(&self.tz).date_naive();
        let whole = self.from == self.to || (self.from == 0 && self.to == 24 * 60);
        let mut starts = Vec::new();
        for offset in -8..=0 {
            let day = today + chrono::TimeDelta::days(offset);
            if self.days & day_bit(day.weekday()) != 0 {
                starts.extend(self.instant(day, if whole { 0 } else { self.from }));
            }
        }
        starts.sort_unstable();
        starts.into_iter().rev().find(|s| {
            *s <= at && self.contains(*s) && !self.contains(*s - chrono::TimeDelta::minutes(1))
        })
    }

    /// When the window next starts holding after `at`: the first occurrence start (an instant
    /// inside it whose minute before is outside; consecutive whole days are one occurrence).
    /// `None` if it holds for more than a week on end.
    pub fn next_start(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let today = at.with_timezone(&self.tz).date_naive();
        let whole = self.from == self.to || (self.from == 0 && self.to == 24 * 60);
        let mut starts = Vec::new();
        for offset in -1..=8 {
            let day = today + chrono::TimeDelta::days(offset);
            if self.days & day_bit(day.weekday()) != 0 {
                starts.extend(self.instant(day, if whole { 0 } else { self.from }));
            }
        }
        starts.sort_unstable();
        starts.into_iter().find(|s| {
            *s > at && self.contains(*s) && !self.contains(*s - chrono::TimeDelta::minutes(1))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn window(zone: &str, days: &[&str], from: &str, to: &str) -> Window {
        TimeWindow {
            zone: zone.into(),
            days: days.iter().map(|d| (*d).to_owned()).collect(),
            from: from.into(),
            to: to.into(),
        }
        .compile("when")
        .unwrap()
    }

    #[test]
    fn an_occurrence_starts_at_its_latest_start() {
        let w = window("UTC", &["sun"], "06:00", "09:00");
        assert_eq!(
            w.occurrence_start(at("2026-03-08T08:10:00Z")),
            Some(at("2026-03-08T06:00:00Z"))
        );
        assert_eq!(w.occurrence_start(at("2026-03-08T09:10:00Z")), None);
        // Across midnight, the occurrence belongs to the day it started on.
        let night = window("UTC", &["sat"], "22:00", "06:00");
        assert_eq!(
            night.occurrence_start(at("2026-03-08T01:00:00Z")),
            Some(at("2026-03-07T22:00:00Z"))
        );
        // Consecutive whole days are one occurrence.
        let weekend = window("UTC", &["sat", "sun"], "00:00", "24:00");
        assert_eq!(
            weekend.occurrence_start(at("2026-03-08T12:00:00Z")),
            Some(at("2026-03-07T00:00:00Z"))
        );
    }

    #[test]
    fn office_hours_follow_the_wall_clock_across_dst() {
        let w = window(
            "Europe/Berlin",
            &["mon", "tue", "wed", "thu", "fri"],
            "09:00",
            "17:00",
        );
        // Friday 27 March 2026, winter time (UTC+1): 08:30 UTC is 09:30 local.
        assert!(w.contains(at("2026-03-27T08:30:00Z")));
        assert!(!w.contains(at("2026-03-27T07:30:00Z")));
        // Monday 30 March, summer time (UTC+2): 07:30 UTC is 09:30 local, 15:30 UTC is 17:30.
        assert!(w.contains(at("2026-03-30T07:30:00Z")));
        assert!(!w.contains(at("2026-03-30T15:30:00Z")));
        // Saturday.
        assert!(!w.contains(at("2026-03-28T10:00:00Z")));
    }

    #[test]
    fn a_night_window_belongs_to_the_day_it_starts() {
        let w = window("America/New_York", &["fri"], "22:00", "06:00");
        // Friday 23:00 and Saturday 05:00 local are in; Saturday 23:00 is not.
        assert!(w.contains(at("2026-11-07T04:00:00Z")));
        assert!(w.contains(at("2026-11-07T10:00:00Z")));
        assert!(!w.contains(at("2026-11-08T04:00:00Z")));
        // Thursday 23:00 is not.
        assert!(!w.contains(at("2026-11-06T04:00:00Z")));
    }

    #[test]
    fn whole_days_and_every_day() {
        let weekend = window("UTC", &["sat", "sun"], "00:00", "24:00");
        assert!(weekend.contains(at("2026-03-29T23:59:00Z")));
        assert!(!weekend.contains(at("2026-03-30T00:00:00Z")));
        let always = window("UTC", &[], "00:00", "00:00");
        assert!(always.contains(at("2026-03-30T12:00:00Z")));
    }

    #[test]
    fn occurrences_end_on_the_wall_clock_across_dst_and_merge_whole_days() {
        // Sundays 00:00–06:00 in Berlin. On 29 March 2026 06:00 is CEST (UTC+2): 04:00 UTC.
        let w = window("Europe/Berlin", &["sun"], "00:00", "06:00");
        assert_eq!(
            w.occurrence_end(at("2026-03-29T01:30:00Z")),
            Some(at("2026-03-29T04:00:00Z"))
        );
        // A week earlier, in winter time: 05:00 UTC. From a Wednesday: the next Sunday's end.
        assert_eq!(
            w.occurrence_end(at("2026-03-22T01:30:00Z")),
            Some(at("2026-03-22T05:00:00Z"))
        );
        assert_eq!(
            w.occurrence_end(at("2026-03-25T12:00:00Z")),
            Some(at("2026-03-29T04:00:00Z"))
        );
        // A whole weekend is one occurrence, ending Monday 00:00.
        let weekend = window("UTC", &["sat", "sun"], "00:00", "24:00");
        assert_eq!(
            weekend.occurrence_end(at("2026-03-28T10:00:00Z")),
            Some(at("2026-03-30T00:00:00Z"))
        );
        // Across midnight: Friday 22:00 to Saturday 06:00 New York.
        let night = window("America/New_York", &["fri"], "22:00", "06:00");
        assert_eq!(
            night.occurrence_end(at("2026-11-07T04:00:00Z")),
            Some(at("2026-11-07T11:00:00Z"))
        );
        // Always on: no end within a week.
        assert_eq!(
            window("UTC", &[], "00:00", "00:00").occurrence_end(at("2026-03-28T10:00:00Z")),
            None
        );
    }

    #[test]
    fn occurrences_start_on_the_wall_clock_across_dst() {
        // Sundays 00:00–06:00 Berlin: 23:00 UTC the day before in winter, 22:00 in summer.
        let w = window("Europe/Berlin", &["sun"], "00:00", "06:00");
        assert_eq!(
            w.next_start(at("2026-03-20T12:00:00Z")),
            Some(at("2026-03-21T23:00:00Z"))
        );
        assert_eq!(
            w.next_start(at("2026-03-22T01:00:00Z")),
            Some(at("2026-03-28T23:00:00Z")),
            "inside one occurrence: the next one"
        );
        assert_eq!(
            w.next_start(at("2026-04-01T00:00:00Z")),
            Some(at("2026-04-04T22:00:00Z"))
        );
        // Whole days Saturday and Sunday are one occurrence, starting on Saturday.
        let weekend = window("UTC", &["sat", "sun"], "00:00", "00:00");
        assert_eq!(
            weekend.next_start(at("2026-03-19T00:00:00Z")),
            Some(at("2026-03-21T00:00:00Z"))
        );
        assert_eq!(
            weekend.next_start(at("2026-03-21T10:00:00Z")),
            Some(at("2026-03-28T00:00:00Z"))
        );
        assert_eq!(
            window("UTC", &[], "00:00", "00:00").next_start(at("2026-03-21T10:00:00Z")),
            None
        );
    }

    #[test]
    fn bad_parts_name_their_field() {
        let bad = |zone: &str, days: &[&str], from: &str, to: &str| match (TimeWindow {
            zone: zone.into(),
            days: days.iter().map(|d| (*d).to_owned()).collect(),
            from: from.into(),
            to: to.into(),
        })
        .compile("w")
        {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(bad("Mars/Base", &[], "09:00", "17:00"), "w.zone");
        assert_eq!(
            bad("UTC", &["mon", "funday"], "09:00", "17:00"),
            "w.days[1]"
        );
        assert_eq!(bad("UTC", &[], "9", "17:00"), "w.from");
        assert_eq!(bad("UTC", &[], "09:00", "24:30"), "w.to");
        assert_eq!(bad("UTC", &[], "09:00", "7:00"), "w.to");
    }
}
