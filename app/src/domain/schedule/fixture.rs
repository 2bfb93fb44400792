//! A large, realistic schedule for the benchmarks (criterion on the host, and the timing page
//! run in Chromium on the WASM build): 5 layers, 20 participants, restrictions, 50 overrides.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use uuid::Uuid;

use super::{Layer, Override, OverrideKind, Restriction, Rotation, RotationUnit, Schedule};
use crate::domain::{LayerId, OverrideId, UserId};

fn user(n: u128) -> UserId {
    UserId(Uuid::from_u128(0xB000 + n))
}

fn time(h: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default()
}

fn window(weekday: Weekday, start: u32, end: u32) -> Restriction {
    Restriction {
        weekday,
        start: time(start),
        end: time(end),
        overnight: end < start,
    }
}

const WEEKDAYS: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

/// The benchmark schedule, in America/New_York, starting 2026-01-05 (a Monday).
pub fn large_schedule() -> Schedule {
    let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default();
    let layer = |i: u128,
                 name: &str,
                 people: std::ops::Range<u128>,
                 unit: RotationUnit,
                 every: u32,
                 hour: u32,
                 shift_minutes: Option<u32>,
                 restrictions: Vec<Restriction>| Layer {
        id: LayerId(Uuid::from_u128(0xA000 + i)),
        name: name.into(),
        priority: i32::try_from(i).unwrap_or(0),
        participants: people.map(user).collect(),
        rotation: Rotation { unit, every },
        start: day.and_time(time(hour)),
        end: None,
        shift_minutes,
        restrictions,
    };
    let layers = vec![
        layer(
            0,
            "Follow the sun",
            0..3,
            RotationUnit::Hours,
            8,
            0,
            None,
            vec![],
        ),
        layer(
            1,
            "Weekly primary",
            3..8,
            RotationUnit::Weeks,
            1,
            9,
            None,
            vec![],
        ),
        layer(
            2,
            "Business hours",
            8..12,
            RotationUnit::Days,
            1,
            9,
            None,
            WEEKDAYS.iter().map(|d| window(*d, 9, 17)).collect(),
        ),
        layer(
            3,
            "Nights",
            12..16,
            RotationUnit::Days,
            1,
            20,
            Some(12 * 60),
            WEEKDAYS.iter().map(|d| window(*d, 20, 8)).collect(),
        ),
        layer(
            4,
            "Weekends",
            16..20,
            RotationUnit::Weeks,
            1,
            0,
            None,
            vec![window(Weekday::Sat, 0, 0), window(Weekday::Sun, 0, 0)],
        ),
    ];
    let start: DateTime<Utc> = day.and_time(time(12)).and_utc();
    let overrides = (0..50u128)
        .map(|i| {
            let kind = OverrideKind::ALL[(i % 3) as usize];
            let at = start + Duration::hours(i64::try_from(i).unwrap_or(0) * 173);
            Override {
                id: OverrideId(Uuid::from_u128(0xC000 + i)),
                kind,
                user: Some(user((i * 7) % 20)),
                replaces: Some(user((i * 7 + 3) % 20)),
                start: at,
                end: at + Duration::hours(4 + i64::try_from(i % 5).unwrap_or(0) * 10),
            }
        })
        .collect();
    Schedule {
        time_zone: "America/New_York".into(),
        layers,
        overrides,
        temporary: vec![],
        unavailable: vec![],
    }
}

/// A fixed "now" inside the fixture's year.
pub fn sample_now() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(2026, 6, 17)
        .unwrap_or_default()
        .and_time(NaiveTime::from_hms_opt(14, 37, 0).unwrap_or_default())
        .and_utc()
}
