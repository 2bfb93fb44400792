//! Table tests for the named zones' DST edges, and property tests over random schedules.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc, Weekday};
use proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::domain::{LayerId, OverrideId, TemporaryId, UserId};

fn uid(n: u128) -> UserId {
    UserId(Uuid::from_u128(n + 1))
}

fn local(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn layer(start: &str, unit: RotationUnit, every: u32, people: u128) -> Layer {
    Layer {
        id: LayerId(Uuid::from_u128(900)),
        name: "Primary".into(),
        priority: 0,
        participants: (0..people).map(uid).collect(),
        rotation: Rotation { unit, every },
        start: local(start),
        end: None,
        shift_minutes: None,
        restrictions: vec![],
    }
}

fn schedule(zone: &str, layers: Vec<Layer>) -> Schedule {
    Schedule {
        time_zone: zone.into(),
        layers,
        overrides: vec![],
        temporary: vec![],
        unavailable: vec![],
    }
}

/// Handoffs of a daily 09:00 rotation around a DST change: local time and shift lengths.
fn daily_handoffs(zone: &str, start: &str, days: i64) -> Vec<(String, i64)> {
    let s = schedule(zone, vec![layer(start, RotationUnit::Days, 1, 3)]);
    let r = Resolver::new(&s).unwrap();
    let from = resolve_local(r.tz, local(start));
    let shifts = layer_shifts(&s.layers[0], r.tz, from, from + Duration::days(days));
    shifts
        .iter()
        .take(usize::try_from(days).unwrap_or(0))
        .map(|x| {
            (
                x.start
                    .with_timezone(&r.tz)
                    .format("%m-%d %H:%M")
                    .to_string(),
                (x.end - x.start).num_minutes(),
            )
        })
        .collect()
}

#[test]
fn daily_handoffs_keep_wall_clock_across_each_named_zones_dst() {
    // New York: spring forward 2026-03-08 02:00, fall back 2026-11-01 02:00.
    let ny = daily_handoffs("America/New_York", "2026-03-06 09:00", 4);
    assert_eq!(
        ny,
        vec![
            ("03-06 09:00".into(), 1440),
            ("03-07 09:00".into(), 1380),
            ("03-08 09:00".into(), 1440),
            ("03-09 09:00".into(), 1440),
        ]
    );
    let ny_fall = daily_handoffs("America/New_York", "2026-10-31 09:00", 2);
    assert_eq!(ny_fall[0], ("10-31 09:00".into(), 1500));
    assert_eq!(ny_fall[1].0, "11-01 09:00");
    // London: 2026-03-29 01:00 → 02:00; 2026-10-25 02:00 → 01:00.
    let london = daily_handoffs("Europe/London", "2026-03-28 09:00", 2);
    assert_eq!(london[0], ("03-28 09:00".into(), 1380));
    let london_fall = daily_handoffs("Europe/London", "2026-10-24 09:00", 2);
    assert_eq!(london_fall[0], ("10-24 09:00".into(), 1500));
    // Lord Howe: half-hour DST. 2026-04-05 02:00 → 01:30; 2026-10-04 02:00 → 02:30.
    let lh = daily_handoffs("Australia/Lord_Howe", "2026-04-04 09:00", 2);
    assert_eq!(lh[0], ("04-04 09:00".into(), 1470));
    let lh_spring = daily_handoffs("Australia/Lord_Howe", "2026-10-03 09:00", 2);
    assert_eq!(lh_spring[0], ("10-03 09:00".into(), 1410));
    assert_eq!(lh_spring[1].0, "10-04 09:00");
    // Kolkata: no DST, +05:30 all year.
    let kol = daily_handoffs("Asia/Kolkata", "2026-03-07 09:00", 3);
    assert!(kol.iter().all(|(_, m)| *m == 1440));
    assert_eq!(
        resolve_local(chrono_tz::Asia::Kolkata, local("2026-03-07 09:00")),
        utc("2026-03-07T03:30:00Z")
    );
    // Chatham: +12:45 / +13:45. 2026-04-05 03:45 → 02:45; 2026-09-27 02:45 → 03:45.
    let ch = daily_handoffs("Pacific/Chatham", "2026-04-04 09:00", 2);
    assert_eq!(ch[0], ("04-04 09:00".into(), 1500));
    assert_eq!(
        resolve_local(chrono_tz::Pacific::Chatham, local("2026-06-01 09:00")),
        utc("2026-05-31T20:15:00Z")
    );
    let ch_spring = daily_handoffs("Pacific/Chatham", "2026-09-26 09:00", 2);
    assert_eq!(ch_spring[0], ("09-26 09:00".into(), 1380));
}

#[test]
fn handoffs_in_a_gap_happen_at_its_end_and_in_a_fold_at_the_first_pass() {
    let ny = chrono_tz::America::New_York;
    // 02:30 does not exist on 2026-03-08: the handoff is at 03:00 EDT (07:00Z).
    assert_eq!(
        resolve_local(ny, local("2026-03-08 02:30")),
        utc("2026-03-08T07:00:00Z")
    );
    // 01:30 happens twice on 2026-11-01: the first (EDT, 05:30Z).
    assert_eq!(
        resolve_local(ny, local("2026-11-01 01:30")),
        utc("2026-11-01T05:30:00Z")
    );
    // Chatham's gap is 02:45–03:45: a 03:00 handoff happens at 03:45 local (14:00Z).
    assert_eq!(
        resolve_local(chrono_tz::Pacific::Chatham, local("2026-09-27 03:00")),
        utc("2026-09-26T14:00:00Z")
    );
    // Lord Howe's gap is 02:00–02:30.
    assert_eq!(
        resolve_local(chrono_tz::Australia::Lord_Howe, local("2026-10-04 02:10")),
        utc("2026-10-03T15:30:00Z")
    );
    // An hourly rotation across New York's fall-back: the 01:00 shift lasts two hours, and
    // no shift is skipped or doubled (participants keep their order).
    let s = schedule(
        "America/New_York",
        vec![layer("2026-11-01 00:00", RotationUnit::Hours, 1, 5)],
    );
    let r = Resolver::new(&s).unwrap();
    let from = utc("2026-11-01T04:00:00Z");
    let shifts = layer_shifts(&s.layers[0], r.tz, from, from + Duration::hours(5));
    let lens: Vec<i64> = shifts
        .iter()
        .map(|x| (x.end - x.start).num_minutes())
        .collect();
    assert_eq!(lens, vec![60, 120, 60, 60]);
    let who: Vec<UserId> = shifts.iter().map(|x| x.user).collect();
    assert_eq!(who, vec![uid(0), uid(1), uid(2), uid(3)]);
}

#[test]
fn weekly_and_monthly_rotations_use_the_calendar() {
    let s = schedule(
        "Europe/London",
        vec![layer("2026-01-31 10:00", RotationUnit::Months, 1, 2)],
    );
    let r = Resolver::new(&s).unwrap();
    let shifts = layer_shifts(
        &s.layers[0],
        r.tz,
        utc("2026-01-31T10:00:00Z"),
        utc("2026-05-01T00:00:00Z"),
    );
    let starts: Vec<String> = shifts
        .iter()
        .map(|x| {
            x.start
                .with_timezone(&r.tz)
                .format("%m-%d %H:%M")
                .to_string()
        })
        .collect();
    // Clamped to February's end, then back to the 31st; 10:00 local across BST.
    assert_eq!(
        starts,
        vec!["01-31 10:00", "02-28 10:00", "03-31 10:00", "04-30 10:00"]
    );
    let weekly = schedule(
        "America/New_York",
        vec![layer("2026-03-02 09:00", RotationUnit::Weeks, 1, 2)],
    );
    let r = Resolver::new(&weekly).unwrap();
    let at = utc("2026-03-10T12:00:00Z");
    assert_eq!(r.on_call_at(at)[0].user, uid(1));
    let shifts = layer_shifts(&weekly.layers[0], r.tz, at, at + Duration::days(7));
    assert_eq!(shifts[0].start, at);
    assert_eq!(shifts[0].end, utc("2026-03-16T13:00:00Z"));
}

#[test]
fn restrictions_wrap_midnight_and_equal_times_mean_the_whole_day() {
    let mut l = layer("2026-03-02 00:00", RotationUnit::Weeks, 1, 1);
    l.restrictions = vec![
        Restriction {
            weekday: Weekday::Mon,
            start: NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(6, 0, 0).unwrap(),
            overnight: true,
        },
        Restriction {
            weekday: Weekday::Wed,
            start: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            overnight: false,
        },
    ];
    let s = schedule("UTC", vec![l]);
    let r = Resolver::new(&s).unwrap();
    let t = r.timeline(utc("2026-03-02T00:00:00Z"), utc("2026-03-09T00:00:00Z"));
    let spans: Vec<(String, String)> = t
        .segments
        .iter()
        .map(|s| {
            (
                s.start.format("%a %H:%M").to_string(),
                s.end.format("%a %H:%M").to_string(),
            )
        })
        .collect();
    assert_eq!(
        spans,
        vec![
            ("Mon 22:00".into(), "Tue 06:00".into()),
            ("Wed 08:00".into(), "Thu 08:00".into())
        ]
    );
    assert_eq!(t.gaps.len(), 3);
}

#[test]
fn bad_layers_overrides_and_windows_name_the_field() {
    let mut l = layer("2026-03-02 09:00", RotationUnit::Days, 1, 1);
    l.participants.clear();
    assert_eq!(
        l.validate("layer").unwrap_err().field(),
        Some("layer.participants")
    );
    let mut l = layer("2026-03-02 09:00", RotationUnit::Days, 1, 1);
    l.shift_minutes = Some(1441);
    assert_eq!(
        l.validate("layer").unwrap_err().field(),
        Some("layer.shift_minutes")
    );
    l.shift_minutes = Some(1440);
    assert!(l.validate("layer").is_ok());
    l.restrictions = vec![Restriction {
        weekday: Weekday::Fri,
        start: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
        end: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
        overnight: true,
    }];
    assert_eq!(
        l.validate("layer").unwrap_err().field(),
        Some("layer.restrictions[0].end")
    );
    let o = Override {
        id: OverrideId(Uuid::nil()),
        kind: OverrideKind::Add,
        user: Some(uid(1)),
        replaces: None,
        start: utc("2026-03-02T09:00:00Z"),
        end: utc("2026-03-02T09:00:00Z"),
    };
    assert_eq!(o.validate().unwrap_err().field(), Some("end"));
    assert_eq!(
        parse_zone("time_zone", "Mars/Base").unwrap_err().field(),
        Some("time_zone")
    );
}

// ---- Property tests ----

const ZONES: [&str; 7] = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/Sao_Paulo",
];

fn base() -> DateTime<Utc> {
    utc("2026-01-01T00:00:00Z")
}

fn arb_restriction() -> impl Strategy<Value = Restriction> {
    (0u32..7, 0u32..96, 0u32..96).prop_map(|(d, s, e)| Restriction {
        weekday: Weekday::try_from(u8::try_from(d).unwrap_or(0)).unwrap_or(Weekday::Mon),
        start: NaiveTime::from_hms_opt(s / 4, (s % 4) * 15, 0).unwrap(),
        end: NaiveTime::from_hms_opt(e / 4, (e % 4) * 15, 0).unwrap(),
        overnight: false,
    })
}

fn arb_layer(i: u128) -> impl Strategy<Value = Layer> {
    (
        1usize..5,
        prop::sample::select(RotationUnit::ALL.to_vec()),
        1u32..4,
        0i64..(400 * 24),
        0u32..4,
        prop::option::of(1u32..100),
        prop::collection::vec(arb_restriction(), 0..3),
        -2i32..3,
    )
        .prop_map(
            move |(n, unit, every, start_h, min_q, short, restrictions, priority)| {
                let start = (base() + Duration::hours(start_h - 200 * 24)).naive_utc()
                    + Duration::minutes(i64::from(min_q) * 15);
                let longest = unit.min_minutes() * u64::from(every);
                Layer {
                    id: LayerId(Uuid::from_u128(1000 + i)),
                    name: format!("L{i}"),
                    priority,
                    participants: (0..n as u128).map(|p| uid(p + i * 10)).collect(),
                    rotation: Rotation { unit, every },
                    start,
                    end: None,
                    shift_minutes: short.map(|p| {
                        u32::try_from(longest * u64::from(p) / 100)
                            .unwrap_or(60)
                            .max(1)
                    }),
                    restrictions,
                }
            },
        )
}

fn arb_override(i: u128) -> impl Strategy<Value = Override> {
    (
        prop::sample::select(OverrideKind::ALL.to_vec()),
        0u128..30,
        0u128..30,
        0i64..(60 * 24),
        1i64..(10 * 24),
    )
        .prop_map(move |(kind, a, b, start_h, len_h)| {
            let start = base() + Duration::hours(start_h);
            let b = if a == b { b + 1 } else { b };
            Override {
                id: OverrideId(Uuid::from_u128(5000 + i)),
                kind,
                user: Some(uid(100 + a)),
                replaces: Some(uid(b)),
                start,
                end: start + Duration::hours(len_h),
            }
        })
}

fn arb_schedule() -> impl Strategy<Value = Schedule> {
    (
        prop::sample::select(ZONES.to_vec()),
        prop::collection::vec((0u128..1000).prop_flat_map(arb_layer), 1..4),
        prop::collection::vec((0u128..1000).prop_flat_map(arb_override), 0..4),
        prop::option::of((0i64..(50 * 24), 1i64..(5 * 24), 0u128..5)),
    )
        .prop_map(|(zone, mut layers, mut overrides, temp)| {
            for (i, l) in layers.iter_mut().enumerate() {
                l.id = LayerId(Uuid::from_u128(2000 + i as u128));
            }
            for (i, o) in overrides.iter_mut().enumerate() {
                o.id = OverrideId(Uuid::from_u128(6000 + i as u128));
            }
            let temporary = temp
                .map(|(s, len, who)| {
                    let start = base() + Duration::hours(s);
                    let end = start + Duration::hours(len);
                    vec![Temporary {
                        id: TemporaryId(Uuid::from_u128(7000)),
                        start,
                        end,
                        shifts: vec![TemporaryShift {
                            user: uid(who),
                            start,
                            end: start + Duration::hours(len / 2 + 1).min(end - start),
                        }],
                    }]
                })
                .unwrap_or_default();
            Schedule {
                time_zone: zone.into(),
                layers,
                overrides,
                temporary,
                unavailable: vec![],
            }
        })
}

/// A window inside the first 60 days of 2026 (spanning the northern spring-forward).
fn arb_window() -> impl Strategy<Value = (DateTime<Utc>, DateTime<Utc>)> {
    (0i64..(90 * 24 * 4), 1i64..(21 * 24 * 4)).prop_map(|(s, len)| {
        let from = base() + Duration::minutes(s * 15 + 7);
        (from, from + Duration::minutes(len * 15))
    })
}

proptest! {
    // 200 cases, or PROPTEST_CASES (scripts/fuzz.sh) when set.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200),
        ..ProptestConfig::default()
    })]

    #[test]
    fn timeline_is_disjoint_and_covers_the_window(s in arb_schedule(), (from, to) in arb_window()) {
        let t = timeline(&s, from, to);
        let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = t
            .segments
            .iter()
            .map(|x| (x.start, x.end))
            .chain(t.gaps.iter().map(|g| (g.start, g.end)))
            .collect();
        spans.sort();
        prop_assert_eq!(spans.first().map(|x| x.0), Some(from));
        prop_assert_eq!(spans.last().map(|x| x.1), Some(to));
        for w in spans.windows(2) {
            prop_assert_eq!(w[0].1, w[1].0, "overlap or hole between stretches");
        }
        for x in &t.segments {
            prop_assert!(x.start < x.end && !x.on_call.is_empty());
        }
        for w in t.segments.windows(2) {
            prop_assert!(w[0].end <= w[1].start);
            prop_assert!(w[0].end < w[1].start || w[0].on_call != w[1].on_call, "unmerged neighbours");
        }
    }

    #[test]
    fn on_call_at_agrees_with_the_timeline(s in arb_schedule(), (from, to) in arb_window(), probes in prop::collection::vec(0u32..1000, 8)) {
        let t = timeline(&s, from, to);
        let r = Resolver::new(&s).unwrap();
        let span = (to - from).num_seconds();
        let mut times: Vec<DateTime<Utc>> = probes
            .iter()
            .map(|p| from + Duration::seconds(span * i64::from(*p) / 1000))
            .collect();
        // Every boundary too, where off-by-one errors live.
        times.extend(t.segments.iter().map(|x| x.start));
        times.extend(t.gaps.iter().map(|g| g.start));
        for at in times.into_iter().filter(|x| *x < to) {
            prop_assert_eq!(r.on_call_at(at), t.at(at).to_vec(), "at {}", at);
        }
    }

    #[test]
    fn an_override_wins_inside_its_window(s in arb_schedule(), o in arb_override(77), probe in 0u32..1000) {
        let mut with = s.clone();
        with.temporary.clear();
        let before = Resolver::new(&with).unwrap();
        let at = o.start + Duration::seconds((o.end - o.start).num_seconds() * i64::from(probe) / 1000);
        let was = before.on_call_at(at);
        with.overrides.push(o);
        let now = Resolver::new(&with).unwrap().on_call_at(at);
        let has = |list: &[OnCall], u: Option<UserId>| list.iter().any(|x| Some(x.user) == u);
        match o.kind {
            OverrideKind::Add => prop_assert!(has(&now, o.user)),
            OverrideKind::Remove => prop_assert!(!has(&now, o.replaces)),
            OverrideKind::Replace => {
                if has(&was, o.replaces) {
                    prop_assert!(has(&now, o.user) && !has(&now, o.replaces));
                } else {
                    prop_assert_eq!(now, was, "a replace changes nothing while the replaced person is off call");
                }
            }
        }
    }

    #[test]
    fn the_highest_priority_layer_with_someone_on_call_wins(mut s in arb_schedule(), (from, _to) in arb_window()) {
        s.overrides.clear();
        s.temporary.clear();
        let r = Resolver::new(&s).unwrap();
        let tz = r.tz;
        let probe = from + Duration::seconds(1);
        let mut best: Option<(i32, usize, UserId)> = None;
        for (i, l) in s.layers.iter().enumerate() {
            if let Some(x) = layer_shifts(l, tz, from, probe).first().filter(|x| x.start <= from)
                && best.is_none_or(|(p, j, _)| (l.priority, i) > (p, j))
            {
                best = Some((l.priority, i, x.user));
            }
        }
        let got = r.on_call_at(from);
        prop_assert_eq!(got.first().map(|x| x.user), best.map(|b| b.2));
    }

    #[test]
    fn handoffs_stay_at_their_wall_clock_time(zone in prop::sample::select(ZONES.to_vec()), unit in prop::sample::select(vec![RotationUnit::Days, RotationUnit::Weeks, RotationUnit::Months]), every in 1u32..3, day in 0i64..365, minute in 0u32..(24 * 4)) {
        let start = (base() + Duration::days(day)).date_naive().and_hms_opt(minute / 4, (minute % 4) * 15, 0).unwrap();
        let mut l = layer("2026-01-01 00:00", unit, every, 3);
        l.start = start;
        let tz: chrono_tz::Tz = zone.parse().unwrap();
        let from = resolve_local(tz, start);
        let shifts = layer_shifts(&l, tz, from, from + Duration::days(400));
        prop_assert!(shifts.len() >= 5);
        for x in &shifts {
            let local = x.start.with_timezone(&tz).naive_local();
            let exists = tz.from_local_datetime(&local.date().and_time(start.time())).earliest().is_some();
            if exists {
                prop_assert_eq!(local.time(), start.time(), "handoff moved at {}", x.start);
            } else {
                // The handoff's wall-clock time does not exist that day: the gap's end.
                prop_assert!(local.time() > start.time());
                prop_assert!(local.time().hour() <= start.time().hour() + 2);
            }
        }
        for w in shifts.windows(2) {
            prop_assert_eq!(w[0].end, w[1].start, "shifts must tile without gaps or overlaps");
        }
    }
}

use chrono::TimeZone;

#[test]
fn a_gap_is_nobody_never_everyone() {
    let mut l = layer("2026-03-02 09:00", RotationUnit::Days, 1, 2);
    l.shift_minutes = Some(8 * 60);
    let s = schedule("UTC", vec![l]);
    assert!(on_call_at(&s, utc("2026-03-02T20:00:00Z")).is_empty());
    assert_eq!(on_call_at(&s, utc("2026-03-02T10:00:00Z")).len(), 1);
    let _ = NaiveDate::from_ymd_opt(2026, 1, 1);
}

#[test]
fn stretches_merge_a_person_across_segments_and_split_on_gaps() {
    let (a, b) = (uid(0), uid(1));
    let src = Source::Layer(LayerId(Uuid::nil()));
    let on = |u: UserId| OnCall {
        user: u,
        source: src,
    };
    let seg = |s: &str, e: &str, who: Vec<OnCall>| Segment {
        start: utc(s),
        end: utc(e),
        on_call: who,
    };
    let t = Timeline {
        segments: vec![
            seg("2026-03-01T00:00:00Z", "2026-03-01T08:00:00Z", vec![on(a)]),
            seg(
                "2026-03-01T08:00:00Z",
                "2026-03-01T10:00:00Z",
                vec![on(a), on(b)],
            ),
            seg("2026-03-01T10:00:00Z", "2026-03-01T12:00:00Z", vec![on(b)]),
            // A gap from 12:00 to 13:00, then a again.
            seg("2026-03-01T13:00:00Z", "2026-03-01T14:00:00Z", vec![on(a)]),
        ],
        gaps: vec![Span {
            start: utc("2026-03-01T12:00:00Z"),
            end: utc("2026-03-01T13:00:00Z"),
        }],
    };
    let got: Vec<(UserId, String, String)> = t
        .stretches()
        .into_iter()
        .map(|s| {
            (
                s.user,
                s.start.format("%H").to_string(),
                s.end.format("%H").to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (a, "00".into(), "10".into()),
            (b, "08".into(), "12".into()),
            (a, "13".into(), "14".into()),
        ]
    );
}

#[test]
fn someone_who_cannot_be_paged_falls_through_to_the_layer_below() {
    let mut high = layer("2026-03-02 00:00", RotationUnit::Weeks, 1, 1);
    high.id = LayerId(Uuid::from_u128(901));
    high.priority = 5;
    high.participants = vec![uid(7)];
    let low = layer("2026-03-02 00:00", RotationUnit::Weeks, 1, 1);
    let mut s = schedule("UTC", vec![low, high]);
    let at = utc("2026-03-03T12:00:00Z");
    assert_eq!(on_call_at(&s, at)[0].user, uid(7));
    s.unavailable = vec![uid(7)];
    assert_eq!(
        on_call_at(&s, at)[0].user,
        uid(0),
        "the lower layer shows through"
    );
    // An override naming them is ignored; the rotation stands.
    s.overrides.push(Override {
        id: OverrideId(Uuid::from_u128(1)),
        kind: OverrideKind::Replace,
        user: Some(uid(7)),
        replaces: Some(uid(0)),
        start: utc("2026-03-03T00:00:00Z"),
        end: utc("2026-03-04T00:00:00Z"),
    });
    assert_eq!(on_call_at(&s, at)[0].user, uid(0));
    let t = timeline(&s, utc("2026-03-03T00:00:00Z"), utc("2026-03-04T00:00:00Z"));
    assert_eq!(t.segments.len(), 1);
    assert_eq!(t.segments[0].on_call[0].user, uid(0));
    // With nobody else, it is a gap, never "everyone".
    s.unavailable = vec![uid(7), uid(0)];
    assert!(on_call_at(&s, at).is_empty());
}
