//! One layer's own timeline: wall-clock handoffs, shift lengths, the layer's end, and its
//! weekly restriction windows.

use crate::domain::timezone::Tz;
use chrono::{DateTime, Datelike, Days, Duration, Months, NaiveDateTime, Utc};

use super::local::resolve_local;
use super::{Layer, Restriction, RotationUnit, Shift, Span};

/// Wall-clock start of rotation `k` (before zone resolution), or `None` past chrono's range.
fn local_handoff(layer: &Layer, k: u64) -> Option<NaiveDateTime> {
    let n = k.checked_mul(u64::from(layer.rotation.every))?;
    match layer.rotation.unit {
        RotationUnit::Hours => layer
            .start
            .checked_add_signed(Duration::try_hours(i64::try_from(n).ok()?)?),
        RotationUnit::Days => layer.start.checked_add_days(Days::new(n)),
        RotationUnit::Weeks => layer.start.checked_add_days(Days::new(n.checked_mul(7)?)),
        RotationUnit::Months => layer
            .start
            .checked_add_months(Months::new(u32::try_from(n).ok()?)),
    }
}

fn handoff(layer: &Layer, tz: Tz, k: u64) -> Option<DateTime<Utc>> {
    local_handoff(layer, k).map(|l| resolve_local(tz, l))
}

/// The rotation index whose handoff is the last at or before `t`, if the layer has started.
fn index_at(layer: &Layer, tz: Tz, t: DateTime<Utc>) -> Option<u64> {
    let first = handoff(layer, tz, 0)?;
    if t < first {
        return None;
    }
    let every = i64::from(layer.rotation.every.max(1));
    // An estimate from the wall clock, then exact steps either way.
    let local_t = t.with_timezone(&tz).naive_local();
    let estimate = match layer.rotation.unit {
        RotationUnit::Months => {
            let months = (i64::from(local_t.year()) - i64::from(layer.start.year())) * 12
                + i64::from(local_t.month())
                - i64::from(layer.start.month());
            months / every
        }
        unit => {
            let secs = (local_t - layer.start).num_seconds();
            let unit_secs = match unit {
                RotationUnit::Hours => 3_600,
                RotationUnit::Days => 86_400,
                _ => 7 * 86_400,
            };
            secs / (unit_secs * every)
        }
    };
    let mut k = u64::try_from(estimate.max(0)).unwrap_or(0);
    while k > 0 && handoff(layer, tz, k).is_none_or(|h| h > t) {
        k -= 1;
    }
    while let Some(next) = handoff(layer, tz, k + 1) {
        if next > t {
            break;
        }
        k += 1;
    }
    Some(k)
}

/// The layer's restriction windows overlapping `[from, to)`, sorted and merged.
fn restriction_windows(
    restrictions: &[Restriction],
    tz: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    // A window starts on its local day and may run into the next: start a day early.
    let first_day = from.with_timezone(&tz).date_naive() - Days::new(1);
    let last_day = to.with_timezone(&tz).date_naive();
    let mut day = first_day;
    while day <= last_day {
        let weekday = day.weekday();
        for r in restrictions.iter().filter(|r| r.weekday == weekday) {
            let start = day.and_time(r.start);
            let end_day = if r.end > r.start {
                day
            } else {
                day + Days::new(1)
            };
            let span = Span {
                start: resolve_local(tz, start),
                end: resolve_local(tz, end_day.and_time(r.end)),
            };
            if span.end > from && span.start < to && span.end > span.start {
                out.push(span);
            }
        }
        day = day + Days::new(1);
    }
    out.sort_by_key(|s| s.start);
    let mut merged: Vec<Span> = Vec::with_capacity(out.len());
    for s in out {
        match merged.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => merged.push(s),
        }
    }
    merged
}

/// The layer's shifts overlapping `[from, to)`, clipped to it, sorted and disjoint; empty
/// stretches (restrictions, short shifts, before the start, after the end) are left out.
pub fn layer_shifts(layer: &Layer, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Shift> {
    let mut out = Vec::new();
    let n = layer.participants.len() as u64;
    if n == 0 || from >= to {
        return out;
    }
    let end = layer.end.map(|e| resolve_local(tz, e));
    let mut k = index_at(layer, tz, from).unwrap_or_default();
    let Some(mut at) = handoff(layer, tz, k) else {
        return out;
    };
    let windows = if layer.restrictions.is_empty() {
        Vec::new()
    } else {
        restriction_windows(&layer.restrictions, tz, from, to)
    };
    let mut w = 0;
    while at < to && end.is_none_or(|e| at < e) {
        let next = handoff(layer, tz, k + 1);
        let mut stop = next.unwrap_or(to);
        if let Some(minutes) = layer.shift_minutes
            && let Some(local) = local_handoff(layer, k)
            && let Some(short) = local.checked_add_signed(Duration::minutes(i64::from(minutes)))
        {
            stop = stop.min(resolve_local(tz, short));
        }
        if let Some(e) = end {
            stop = stop.min(e);
        }
        let user = layer.participants[(k % n) as usize];
        let (s, e) = (at.max(from), stop.min(to));
        if s < e {
            if layer.restrictions.is_empty() {
                out.push(Shift {
                    user,
                    start: s,
                    end: e,
                });
            } else {
                // Windows are sorted and shifts advance, so the cursor only moves forward.
                while w < windows.len() && windows[w].end <= s {
                    w += 1;
                }
                let mut i = w;
                while i < windows.len() && windows[i].start < e {
                    let (a, b) = (windows[i].start.max(s), windows[i].end.min(e));
                    if a < b {
                        out.push(Shift {
                            user,
                            start: a,
                            end: b,
                        });
                    }
                    i += 1;
                }
            }
        }
        let Some(next) = next else { break };
        at = next;
        k += 1;
    }
    out
}
