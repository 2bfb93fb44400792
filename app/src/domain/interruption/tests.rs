//! The bucket rule at its exact boundaries, and across the March DST changes of New York
//! (8 March 2026) and Berlin (29 March 2026) on fixed instants.
#![allow(clippy::unwrap_used)]

use super::*;
use chrono_tz::{America::New_York, Europe::Berlin};

fn local(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn weekday_boundaries_are_exact() {
    // Wednesday 4 March 2026.
    let cases = [
        ("2026-03-04 00:00", Bucket::Sleep),
        ("2026-03-04 07:59", Bucket::Sleep),
        ("2026-03-04 08:00", Bucket::Business),
        ("2026-03-04 17:59", Bucket::Business),
        ("2026-03-04 18:00", Bucket::OffHours),
        ("2026-03-04 21:59", Bucket::OffHours),
        ("2026-03-04 22:00", Bucket::Sleep),
        ("2026-03-04 23:59", Bucket::Sleep),
    ];
    for (at, want) in cases {
        assert_eq!(bucket(local(at)), want, "{at}");
    }
}

#[test]
fn weekend_is_off_hours_but_sleep_wins() {
    let cases = [
        // Friday 6 March.
        ("2026-03-06 17:59", Bucket::Business),
        ("2026-03-06 18:00", Bucket::OffHours),
        ("2026-03-06 22:00", Bucket::Sleep),
        // Saturday 7 March.
        ("2026-03-07 07:59", Bucket::Sleep),
        ("2026-03-07 08:00", Bucket::OffHours),
        ("2026-03-07 10:00", Bucket::OffHours),
        ("2026-03-07 17:59", Bucket::OffHours),
        ("2026-03-07 21:59", Bucket::OffHours),
        ("2026-03-07 23:00", Bucket::Sleep),
        // Sunday 8 March, Monday 9 March.
        ("2026-03-08 12:00", Bucket::OffHours),
        ("2026-03-08 22:00", Bucket::Sleep),
        ("2026-03-09 07:59", Bucket::Sleep),
        ("2026-03-09 08:00", Bucket::Business),
    ];
    for (at, want) in cases {
        assert_eq!(bucket(local(at)), want, "{at}");
    }
}

#[test]
fn new_york_spring_forward_skips_two_oclock() {
    // 8 March 2026: 02:00 EST becomes 03:00 EDT (07:00Z).
    let cases = [
        ("2026-03-08T06:30:00Z", "2026-03-08 01:30", Bucket::Sleep),
        ("2026-03-08T06:59:00Z", "2026-03-08 01:59", Bucket::Sleep),
        ("2026-03-08T07:00:00Z", "2026-03-08 03:00", Bucket::Sleep),
        // 08:00 local came an hour earlier in UTC than the day before.
        ("2026-03-07T12:59:00Z", "2026-03-07 07:59", Bucket::Sleep),
        ("2026-03-07T13:00:00Z", "2026-03-07 08:00", Bucket::OffHours),
        ("2026-03-08T11:59:00Z", "2026-03-08 07:59", Bucket::Sleep),
        ("2026-03-08T12:00:00Z", "2026-03-08 08:00", Bucket::OffHours),
        // Monday: the business day starts at 12:00Z now, 13:00Z a week before.
        ("2026-03-02T12:30:00Z", "2026-03-02 07:30", Bucket::Sleep),
        ("2026-03-02T13:00:00Z", "2026-03-02 08:00", Bucket::Business),
        ("2026-03-09T11:59:00Z", "2026-03-09 07:59", Bucket::Sleep),
        ("2026-03-09T12:00:00Z", "2026-03-09 08:00", Bucket::Business),
        ("2026-03-09T12:30:00Z", "2026-03-09 08:30", Bucket::Business),
        ("2026-03-09T21:59:00Z", "2026-03-09 17:59", Bucket::Business),
        ("2026-03-09T22:00:00Z", "2026-03-09 18:00", Bucket::OffHours),
        ("2026-03-10T01:59:00Z", "2026-03-09 21:59", Bucket::OffHours),
        ("2026-03-10T02:00:00Z", "2026-03-09 22:00", Bucket::Sleep),
    ];
    for (at, wall, want) in cases {
        assert_eq!(local_time(utc(at), &New_York), local(wall), "{at}");
        assert_eq!(bucket_at(utc(at), &New_York), want, "{at}");
    }
}

#[test]
fn berlin_spring_forward_is_three_weeks_later() {
    // 29 March 2026: 02:00 CET becomes 03:00 CEST (01:00Z).
    let cases = [
        ("2026-03-29T00:59:00Z", "2026-03-29 01:59", Bucket::Sleep),
        ("2026-03-29T01:00:00Z", "2026-03-29 03:00", Bucket::Sleep),
        ("2026-03-29T05:59:00Z", "2026-03-29 07:59", Bucket::Sleep),
        ("2026-03-29T06:00:00Z", "2026-03-29 08:00", Bucket::OffHours),
        ("2026-03-29T19:59:00Z", "2026-03-29 21:59", Bucket::OffHours),
        ("2026-03-29T20:00:00Z", "2026-03-29 22:00", Bucket::Sleep),
        // Friday before: 18:00 CET is 17:00Z.
        ("2026-03-27T16:59:00Z", "2026-03-27 17:59", Bucket::Business),
        ("2026-03-27T17:00:00Z", "2026-03-27 18:00", Bucket::OffHours),
        // Monday after: 08:00 CEST is 06:00Z, 18:00 is 16:00Z.
        ("2026-03-30T05:59:00Z", "2026-03-30 07:59", Bucket::Sleep),
        ("2026-03-30T06:00:00Z", "2026-03-30 08:00", Bucket::Business),
        ("2026-03-30T15:59:00Z", "2026-03-30 17:59", Bucket::Business),
        ("2026-03-30T16:00:00Z", "2026-03-30 18:00", Bucket::OffHours),
    ];
    for (at, wall, want) in cases {
        assert_eq!(local_time(utc(at), &Berlin), local(wall), "{at}");
        assert_eq!(bucket_at(utc(at), &Berlin), want, "{at}");
    }
}

#[test]
fn the_same_instant_differs_between_the_two_zones_changes() {
    // Between 8 and 29 March New York is UTC-4 and Berlin still UTC+1: five hours apart,
    // six before and after. 21:30Z on a Monday:
    let before = utc("2026-03-02T21:30:00Z"); // NY 16:30 EST, Berlin 22:30 CET
    let between = utc("2026-03-16T21:30:00Z"); // NY 17:30 EDT, Berlin 22:30 CET
    let after = utc("2026-03-30T21:30:00Z"); // NY 17:30 EDT, Berlin 23:30 CEST
    assert_eq!(bucket_at(before, &New_York), Bucket::Business);
    assert_eq!(bucket_at(between, &New_York), Bucket::Business);
    assert_eq!(bucket_at(after, &New_York), Bucket::Business);
    assert_eq!(bucket_at(before, &Berlin), Bucket::Sleep);
    assert_eq!(bucket_at(between, &Berlin), Bucket::Sleep);
    assert_eq!(bucket_at(after, &Berlin), Bucket::Sleep);
    // 17:00Z on a Monday: NY 12:00/13:00; Berlin 18:00 CET (off hours) but 19:00 CEST.
    let between = utc("2026-03-23T16:30:00Z"); // NY 12:30 EDT, Berlin 17:30 CET
    let after = utc("2026-03-30T16:30:00Z"); // NY 12:30 EDT, Berlin 18:30 CEST
    assert_eq!(bucket_at(between, &Berlin), Bucket::Business);
    assert_eq!(bucket_at(after, &Berlin), Bucket::OffHours);
    assert_eq!(bucket_at(between, &New_York), Bucket::Business);
    assert_eq!(bucket_at(after, &New_York), Bucket::Business);
}

#[test]
fn fall_back_repeats_one_oclock_as_sleep_twice() {
    // New York 1 November 2026: 02:00 EDT becomes 01:00 EST (06:00Z).
    let first = utc("2026-11-01T05:30:00Z"); // 01:30 EDT
    let second = utc("2026-11-01T06:30:00Z"); // 01:30 EST
    assert_eq!(local_time(first, &New_York), local("2026-11-01 01:30"));
    assert_eq!(local_time(second, &New_York), local("2026-11-01 01:30"));
    let t = tally(&[first, second], &New_York);
    assert_eq!((t.sleep, t.nights_interrupted, t.worst_night), (2, 1, 2));
    assert_eq!(t.rough_nights, vec![date("2026-10-31")]);
    // Berlin 25 October 2026: 03:00 CEST becomes 02:00 CET (01:00Z).
    let first = utc("2026-10-25T00:30:00Z"); // 02:30 CEST
    let second = utc("2026-10-25T01:30:00Z"); // 02:30 CET
    assert_eq!(local_time(first, &Berlin), local("2026-10-25 02:30"));
    assert_eq!(local_time(second, &Berlin), local("2026-10-25 02:30"));
    assert_eq!(bucket_at(second, &Berlin), Bucket::Sleep);
}

#[test]
fn nights_are_dated_by_their_evening() {
    assert_eq!(
        night_of(local("2026-03-07 22:00")),
        Some(date("2026-03-07"))
    );
    assert_eq!(
        night_of(local("2026-03-07 23:59")),
        Some(date("2026-03-07"))
    );
    assert_eq!(
        night_of(local("2026-03-08 00:00")),
        Some(date("2026-03-07"))
    );
    assert_eq!(
        night_of(local("2026-03-08 07:59")),
        Some(date("2026-03-07"))
    );
    assert_eq!(night_of(local("2026-03-08 08:00")), None);
    assert_eq!(night_of(local("2026-03-08 21:59")), None);
    assert_eq!(
        night_of(local("2026-03-08 22:00")),
        Some(date("2026-03-08"))
    );
}

#[test]
fn two_sleep_pages_in_one_night_suggest_a_day_off() {
    // New York's DST night: 23:00 EST Saturday and 03:30 EDT Sunday are one night.
    let t = tally(
        &[utc("2026-03-08T04:00:00Z"), utc("2026-03-08T07:30:00Z")],
        &New_York,
    );
    assert_eq!((t.sleep, t.nights_interrupted), (2, 1));
    assert!(t.suggest_day_off());
    assert_eq!(t.rough_nights, vec![date("2026-03-07")]);
    // 07:59 and 22:00 the same day are two nights: no day off.
    let t = tally(
        &[utc("2026-03-09T11:59:00Z"), utc("2026-03-10T02:00:00Z")],
        &New_York,
    );
    assert_eq!((t.sleep, t.nights_interrupted, t.worst_night), (2, 2, 1));
    assert!(!t.suggest_day_off());
    // One per bucket.
    let t = tally(
        &[
            utc("2026-03-09T12:00:00Z"),
            utc("2026-03-09T22:00:00Z"),
            utc("2026-03-10T02:00:00Z"),
        ],
        &New_York,
    );
    assert_eq!((t.total, t.business, t.off_hours, t.sleep), (3, 1, 1, 1));
}

#[test]
fn overlapping_shifts_count_once() {
    let h = |x: i64| utc("2026-03-09T00:00:00Z") + TimeDelta::hours(x);
    assert_eq!(covered_seconds(vec![]), 0);
    assert_eq!(
        covered_seconds(vec![(h(0), h(8)), (h(4), h(12))]),
        12 * 3600
    );
    assert_eq!(
        covered_seconds(vec![(h(10), h(12)), (h(0), h(2))]),
        4 * 3600
    );
    assert_eq!(covered_seconds(vec![(h(0), h(2)), (h(2), h(3))]), 3 * 3600);
    assert_eq!(
        covered_seconds(vec![(h(0), h(24)), (h(1), h(2))]),
        24 * 3600
    );
}
