//! When the weekly on-call report is due for one recipient: Monday 09:00 on *their* wall
//! clock (`users.time_zone`), covering the seven days ending then. Pure, over any
//! `chrono::TimeZone`.
//!
//! A week is named by the recipient's local Monday, so "sent for this week" survives a zone
//! change. 09:00 on a Monday exists in every zone in use today (DST changes happen at night);
//! should a zone ever skip it, the week is due at the first local time after the gap
//! (`nine_on`), and a repeated 09:00 is due at its first occurrence.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// The report is due at this local time on Mondays.
pub const DUE_HOUR: u32 = 9;

/// 09:00 local on `date` in `tz` as an instant: the first occurrence if the wall clock repeats
/// it, the first wall-clock time after a gap if the zone skips it.
pub fn nine_on<Z: TimeZone>(date: NaiveDate, tz: &Z) -> DateTime<Utc> {
    let nine = NaiveTime::from_hms_opt(DUE_HOUR, 0, 0).unwrap_or(NaiveTime::MIN);
    wall_instant(date.and_time(nine), tz)
}

/// The instant of wall-clock time `wall` in `tz`: its first occurrence if repeated, the first
/// quarter-hour after the gap if skipped.
pub fn wall_instant<Z: TimeZone>(wall: NaiveDateTime, tz: &Z) -> DateTime<Utc> {
    // A gap is at most a few hours; step through it a quarter-hour at a time.
    (0..=24)
        .map(|i| wall + Duration::minutes(15 * i))
        .find_map(|w: NaiveDateTime| tz.from_local_datetime(&w).earliest())
        .map_or_else(|| Utc.from_utc_datetime(&wall), |t| t.with_timezone(&Utc))
}

/// The local Monday of the week `at` falls in, in `tz`.
fn monday_of<Z: TimeZone>(at: DateTime<Utc>, tz: &Z) -> NaiveDate {
    let today = at.with_timezone(tz).date_naive();
    today - Duration::days(i64::from(today.weekday().num_days_from_monday()))
}

/// The latest local Monday 09:00 at or before `now`: (the week's local Monday, the instant).
pub fn last_due<Z: TimeZone>(now: DateTime<Utc>, tz: &Z) -> (NaiveDate, DateTime<Utc>) {
    let monday = monday_of(now, tz);
    let due = nine_on(monday, tz);
    if due <= now {
        (monday, due)
    } else {
        let before = monday - Duration::days(7);
        (before, nine_on(before, tz))
    }
}

/// The first local Monday 09:00 strictly after `now`.
pub fn next_due<Z: TimeZone>(now: DateTime<Utc>, tz: &Z) -> DateTime<Utc> {
    let monday = monday_of(now, tz);
    let due = nine_on(monday, tz);
    if due > now {
        due
    } else {
        nine_on(monday + Duration::days(7), tz)
    }
}

/// When a team's chain runs next: the first of its recipients' next due times (the next
/// Monday 09:00 UTC when it has none, so an owner added later is still served).
pub fn next_run<Z: TimeZone>(now: DateTime<Utc>, zones: &[Z]) -> DateTime<Utc> {
    zones
        .iter()
        .map(|tz| next_due(now, tz))
        .min()
        .unwrap_or_else(|| next_due(now, &Utc))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono_tz::America::New_York;
    use chrono_tz::Europe::Berlin;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn utc_is_the_next_monday_nine() {
        // t0 of the tests is Sunday 2026-03-08 06:30Z.
        let z = [Utc];
        assert_eq!(
            next_run(at("2026-03-08T06:30:00Z"), &z),
            at("2026-03-09T09:00:00Z")
        );
        assert_eq!(
            next_run(at("2026-03-09T08:59:59Z"), &z),
            at("2026-03-09T09:00:00Z")
        );
        assert_eq!(
            next_run(at("2026-03-09T09:00:00Z"), &z),
            at("2026-03-16T09:00:00Z")
        );
        assert_eq!(
            next_run(at("2026-03-10T12:00:00Z"), &z[..0]),
            at("2026-03-16T09:00:00Z")
        );
    }

    #[test]
    fn each_zone_has_its_own_monday_nine_across_dst() {
        // New York springs forward on 2026-03-08 (EST → EDT), Berlin on 2026-03-29.
        let t0 = at("2026-03-08T06:30:00Z");
        assert_eq!(next_due(t0, &New_York), at("2026-03-09T13:00:00Z"));
        assert_eq!(next_due(t0, &Berlin), at("2026-03-09T08:00:00Z"));
        assert_eq!(
            next_due(at("2026-03-23T08:00:00Z"), &Berlin),
            at("2026-03-30T07:00:00Z")
        );
        // The week before New York's change was still EST.
        assert_eq!(
            last_due(t0, &New_York),
            (day("2026-03-02"), at("2026-03-02T14:00:00Z"))
        );
        assert_eq!(
            last_due(at("2026-03-09T13:00:00Z"), &New_York),
            (day("2026-03-09"), at("2026-03-09T13:00:00Z"))
        );
        assert_eq!(
            last_due(at("2026-03-09T12:59:59Z"), &New_York),
            (day("2026-03-02"), at("2026-03-02T14:00:00Z"))
        );
        // A team with owners in both zones runs at each.
        let both = [New_York, Berlin];
        assert_eq!(next_run(t0, &both), at("2026-03-09T08:00:00Z"));
        assert_eq!(
            next_run(at("2026-03-09T08:00:00Z"), &both),
            at("2026-03-09T13:00:00Z")
        );
        assert_eq!(
            next_run(at("2026-03-09T13:00:00Z"), &both),
            at("2026-03-16T08:00:00Z")
        );
    }

    #[test]
    fn a_skipped_time_is_due_after_the_gap_and_a_repeated_one_at_its_first() {
        // No zone skips 09:00, so the stepping is checked on New York's real gap (2026-03-08
        // 02:00 → 03:00 EDT) and fold (2026-11-01 01:00–02:00 happens twice).
        let gap = day("2026-03-08").and_hms_opt(2, 30, 0).unwrap();
        assert_eq!(wall_instant(gap, &New_York), at("2026-03-08T07:00:00Z"));
        let fold = day("2026-11-01").and_hms_opt(1, 30, 0).unwrap();
        assert_eq!(wall_instant(fold, &New_York), at("2026-11-01T05:30:00Z"));
        assert_eq!(
            nine_on(day("2026-11-02"), &New_York),
            at("2026-11-02T14:00:00Z")
        );
    }
}
