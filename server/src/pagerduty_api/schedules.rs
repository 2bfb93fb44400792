//! `GET /schedules` (`query`) and `GET /schedules/{id}` (`since`/`until`, each defaulting to two
//! weeks from the other): layers, `final_schedule` and `overrides_subschedule` with their
//! `rendered_schedule_entries`, computed by the schedule engine over OpsKnight's definition.
//! Entries are always cut at the window (`overflow` is accepted and ignored); times are UTC.

use app::domain::schedule::{Layer, Restriction, RotationUnit, Shift};
use app::domain::timezone::{self, Tz};
use app::schedules::ScheduleDetail;
use app::schedules::ops::{self, FinalSchedule};
use app::state::AppState;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::error::{Id, Pd, PdResult};
use super::paging::Paging;
use super::query::Params;
use super::refs::{Kind, Urls, object, parse_id, ts, ts_opt};

/// How far a schedule is read when no window is given.
const DEFAULT_WINDOW_DAYS: i64 = 14;

/// `since`/`until` of a schedule read: each defaults to two weeks from the other, both to now
/// and two weeks on.
pub fn window(q: &Params, now: DateTime<Utc>) -> PdResult<(DateTime<Utc>, DateTime<Utc>)> {
    let two_weeks = Duration::days(DEFAULT_WINDOW_DAYS);
    Ok(match (q.time("since")?, q.time("until")?) {
        (Some(s), Some(u)) => (s, u),
        (Some(s), None) => (s, s + two_weeks),
        (None, Some(u)) => (u - two_weeks, u),
        (None, None) => (now, now + two_weeks),
    })
}

/// A rendered entry: `{user, start, end}`.
fn entry(urls: &Urls, d: &ScheduleDetail, s: &Shift) -> Value {
    json!({
        "user": urls.reference(Kind::User, &s.user, &d.name_of(s.user)),
        "start": ts(s.start),
        "end": ts(s.end),
    })
}

/// The share of `[from, to)` the shifts cover, in percent (shifts may overlap).
fn coverage(shifts: &[Shift], from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = shifts
        .iter()
        .map(|s| (s.start.max(from), s.end.min(to)))
        .filter(|(a, b)| a < b)
        .collect();
    spans.sort();
    let mut covered = Duration::zero();
    let mut reach = from;
    for (a, b) in spans {
        let a = a.max(reach);
        if b > a {
            covered += b - a;
            reach = b;
        }
    }
    let whole = (to - from).num_seconds();
    if whole <= 0 {
        return 0.0;
    }
    let pct = covered.num_seconds() as f64 * 100.0 / whole as f64;
    (pct * 100.0).round() / 100.0
}

fn turn_seconds(l: &Layer) -> i64 {
    let unit = match l.rotation.unit {
        RotationUnit::Hours => 3_600,
        RotationUnit::Days => 86_400,
        RotationUnit::Weeks => 604_800,
        RotationUnit::Months => 30 * 86_400,
    };
    unit * i64::from(l.rotation.every)
}

fn restriction_json(r: &Restriction) -> Value {
    let secs = |t: chrono::NaiveTime| i64::from(chrono::Timelike::num_seconds_from_midnight(&t));
    let (start, end) = (secs(r.start), secs(r.end));
    let duration = if end > start {
        end - start
    } else {
        86_400 - start + end
    };
    json!({
        "type": "weekly_restriction",
        "start_time_of_day": r.start.format("%H:%M:%S").to_string(),
        "duration_seconds": duration,
        "start_day_of_week": r.weekday.number_from_monday(),
    })
}

fn layer_json(
    urls: &Urls,
    d: &ScheduleDetail,
    tz: Tz,
    l: &Layer,
    shifts: &[Shift],
    (since, until): (DateTime<Utc>, DateTime<Utc>),
) -> Value {
    let start = app::domain::schedule::resolve_local(tz, l.start);
    json!({
        "id": l.id.to_string(),
        "name": l.name,
        "start": ts(start),
        "end": ts_opt(l.end.map(|e| app::domain::schedule::resolve_local(tz, e))),
        "rotation_virtual_start": ts(start),
        "rotation_turn_length_seconds": turn_seconds(l),
        "users": l.participants.iter().map(|u| json!({"user": urls.reference(Kind::User, u, &d.name_of(*u))})).collect::<Vec<_>>(),
        "restrictions": l.restrictions.iter().map(restriction_json).collect::<Vec<_>>(),
        "rendered_schedule_entries": shifts.iter().map(|s| entry(urls, d, s)).collect::<Vec<_>>(),
        "rendered_coverage_percentage": coverage(shifts, since, until),
    })
}

/// The people an override or temporary schedule puts on call, as shifts cut to the window.
pub fn override_shifts(
    d: &ScheduleDetail,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<(String, Shift)> {
    let mut out: Vec<(String, Shift)> = d
        .definition
        .overrides
        .iter()
        .filter_map(|o| {
            o.user.map(|u| {
                (
                    o.id.to_string(),
                    Shift {
                        user: u,
                        start: o.start,
                        end: o.end,
                    },
                )
            })
        })
        .chain(d.definition.temporary.iter().flat_map(|t| {
            t.shifts.iter().map(|s| {
                let shift = Shift {
                    user: s.user,
                    start: s.start,
                    end: s.end,
                };
                (t.id.to_string(), shift)
            })
        }))
        .filter(|(_, s)| s.start < until && s.end > since)
        .collect();
    out.sort_by_key(|(id, s)| (s.start, id.clone()));
    out
}

/// A schedule object.
fn schedule_json(urls: &Urls, d: &ScheduleDetail) -> Value {
    let users: Vec<Value> = d
        .people
        .iter()
        .map(|p| urls.reference(Kind::User, &p.id, &p.name))
        .collect();
    let policies: Vec<Value> = d
        .used_by
        .iter()
        .map(|p| urls.reference(Kind::EscalationPolicy, &p.id, &p.name))
        .collect();
    let teams: Vec<Value> = d
        .team_id
        .zip(d.team_name.as_deref())
        .map(|(id, name)| urls.reference(Kind::Team, &id, name))
        .into_iter()
        .collect();
    object(
        urls.head(Kind::Schedule, &d.id, &d.name),
        json!({
            "name": d.name,
            "description": d.description,
            "time_zone": d.definition.time_zone,
            "escalation_policies": policies,
            "users": users,
            "teams": teams,
        }),
    )
}

/// A schedule object with its layers (highest first, as PagerDuty lists them), final schedule
/// and overrides rendered for the window.
fn rendered_json(urls: &Urls, f: &FinalSchedule) -> Value {
    let d = &f.detail;
    let (since, until) = (f.window.start, f.window.end);
    let tz = timezone::lookup(&d.definition.time_zone).unwrap_or(timezone::UTC);
    let mut layers: Vec<(&Layer, &[Shift])> = d
        .definition
        .layers
        .iter()
        .zip(
            f.layers
                .iter()
                .map(Vec::as_slice)
                .chain(std::iter::repeat(&[][..])),
        )
        .collect();
    layers.sort_by_key(|(l, _)| std::cmp::Reverse(l.priority));
    let final_shifts = f.timeline.stretches();
    let overrides: Vec<Shift> = override_shifts(d, since, until)
        .into_iter()
        .map(|(_, s)| Shift {
            start: s.start.max(since),
            end: s.end.min(until),
            ..s
        })
        .collect();
    let layers: Vec<Value> = layers
        .iter()
        .map(|(l, shifts)| layer_json(urls, d, tz, l, shifts, (since, until)))
        .collect();
    object(
        schedule_json(urls, d),
        json!({
            "schedule_layers": layers,
            "final_schedule": {"name": "Final Schedule",
                "rendered_schedule_entries": final_shifts.iter().map(|s| entry(urls, d, s)).collect::<Vec<_>>(),
                "rendered_coverage_percentage": coverage(&final_shifts, since, until)},
            "overrides_subschedule": {"name": "Overrides",
                "rendered_schedule_entries": overrides.iter().map(|s| entry(urls, d, s)).collect::<Vec<_>>(),
                "rendered_coverage_percentage": coverage(&overrides, since, until)},
        }),
    )
}

/// `GET /schedules`: by name; `query` matches the name.
pub async fn list(
    State(state): State<AppState>,
    Pd(caller): Pd,
    RawQuery(query): RawQuery,
) -> PdResult<Response> {
    let q = Params::parse(query.as_deref());
    let paging = Paging::parse(&q)?;
    let needle = q.one("query").unwrap_or_default().to_lowercase();
    let mut all = ops::list(&state, &caller).await?;
    all.retain(|s| s.name.to_lowercase().contains(&needle));
    all.sort_by_key(|s| (s.name.to_lowercase(), s.id));
    let now = state.clock.now();
    let urls = Urls::new(&state);
    let mut page = Vec::new();
    for s in all.iter().skip(paging.offset).take(paging.limit) {
        let d = ops::get(&state, &caller, s.id, now, now + Duration::seconds(1)).await?;
        page.push(schedule_json(&urls, &d));
    }
    let more = all.len() > paging.offset + paging.limit;
    Ok(axum::Json(paging.body("schedules", page, more, Some(all.len()))).into_response())
}

/// `GET /schedules/{id}?since&until` → `{schedule}` with layers and rendered schedules.
pub async fn show(
    State(state): State<AppState>,
    Pd(caller): Pd,
    Id(raw): Id,
    RawQuery(query): RawQuery,
) -> PdResult<Response> {
    let id = parse_id(&raw, "schedule")?;
    let q = Params::parse(query.as_deref());
    let (since, until) = window(&q, state.clock.now())?;
    let f = ops::final_schedule(&state, &caller, id, Some(since), Some(until)).await?;
    let body = rendered_json(&Urls::new(&state), &f);
    Ok(axum::Json(json!({ "schedule": body })).into_response())
}
