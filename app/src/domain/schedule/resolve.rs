//! The final answer: temporary schedules over everything, else the highest-priority layer with
//! someone on call, then the overrides in order. Two paths share the override rule: a point
//! query (`on_call_at`) and a sweep over a window (`timeline`).

use crate::domain::timezone::Tz;
use chrono::{DateTime, Duration, Utc};

use super::layer::layer_shifts;
use super::{
    Layer, OnCall, Override, OverrideKind, Schedule, Segment, Shift, Source, Span, Timeline,
};
use crate::domain::UserId;

/// A schedule with its zone parsed and its layers in priority order (highest first; ties go
/// to the later layer in the list).
pub struct Resolver<'a> {
    pub tz: Tz,
    schedule: &'a Schedule,
    layers: Vec<&'a Layer>,
}

impl<'a> Resolver<'a> {
    /// `None` when the schedule's zone is not a known IANA name.
    pub fn new(schedule: &'a Schedule) -> Option<Self> {
        let tz: Tz = schedule.time_zone.parse().ok()?;
        let mut layers: Vec<(usize, &Layer)> = schedule.layers.iter().enumerate().collect();
        layers.sort_by(|a, b| b.1.priority.cmp(&a.1.priority).then(b.0.cmp(&a.0)));
        Some(Resolver {
            tz,
            schedule,
            layers: layers.into_iter().map(|(_, l)| l).collect(),
        })
    }

    fn available(&self, user: UserId) -> bool {
        !self.schedule.unavailable.contains(&user)
    }

    /// An override that would put someone who cannot be paged on call is ignored (the
    /// rotation stands); a REMOVE always applies.
    fn applies(&self, o: &Override) -> bool {
        o.user.is_none_or(|u| self.available(u))
    }

    /// Who is on call at `t`.
    pub fn on_call_at(&self, t: DateTime<Utc>) -> Vec<OnCall> {
        if let Some(temp) = self
            .schedule
            .temporary
            .iter()
            .find(|x| x.start <= t && t < x.end)
        {
            let mut on_call = temp
                .shifts
                .iter()
                .filter(|s| s.start <= t && t < s.end)
                .map(|s| OnCall {
                    user: s.user,
                    source: Source::Temporary(temp.id),
                })
                .fold(Vec::new(), push_unique);
            on_call.retain(|o| self.available(o.user));
            return on_call;
        }
        let mut on_call = Vec::with_capacity(2);
        let probe = t + Duration::seconds(1);
        for layer in &self.layers {
            if let Some(shift) = layer_shifts(layer, self.tz, t, probe).first()
                && shift.start <= t
                && self.available(shift.user)
            {
                on_call.push(OnCall {
                    user: shift.user,
                    source: Source::Layer(layer.id),
                });
                break;
            }
        }
        for o in &self.schedule.overrides {
            if o.start <= t && t < o.end && self.applies(o) {
                apply_override(&mut on_call, o);
            }
        }
        on_call.retain(|o| self.available(o.user));
        on_call
    }

    /// Each layer's own shifts in `[from, to)`, in the schedule's layer order.
    pub fn layer_timelines(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Vec<Shift>> {
        self.schedule
            .layers
            .iter()
            .map(|l| layer_shifts(l, self.tz, from, to))
            .collect()
    }

    /// The merged timeline of `[from, to)`.
    pub fn timeline(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Timeline {
        let mut out = Timeline::default();
        if from >= to {
            return out;
        }
        let shifts: Vec<Vec<Shift>> = self
            .layers
            .iter()
            .map(|l| {
                let mut list = layer_shifts(l, self.tz, from, to);
                list.retain(|s| self.available(s.user));
                list
            })
            .collect();
        let overlaps = |s: DateTime<Utc>, e: DateTime<Utc>| s < to && e > from;
        let mut overrides: Vec<(usize, &Override)> = self
            .schedule
            .overrides
            .iter()
            .enumerate()
            .filter(|(_, o)| overlaps(o.start, o.end))
            .collect();
        overrides.sort_by_key(|(_, o)| o.start);
        let temps: Vec<_> = self
            .schedule
            .temporary
            .iter()
            .filter(|x| overlaps(x.start, x.end))
            .collect();

        // Every instant where the answer may change.
        let mut cuts: Vec<DateTime<Utc>> = Vec::with_capacity(
            2 + shifts.iter().map(|s| s.len() * 2).sum::<usize>() + overrides.len() * 2,
        );
        cuts.push(from);
        cuts.push(to);
        for s in shifts.iter().flatten() {
            cuts.push(s.start);
            cuts.push(s.end);
        }
        for (_, o) in &overrides {
            cuts.push(o.start);
            cuts.push(o.end);
        }
        for x in &temps {
            cuts.push(x.start);
            cuts.push(x.end);
            for s in &x.shifts {
                cuts.push(s.start);
                cuts.push(s.end);
            }
        }
        cuts.retain(|c| *c >= from && *c <= to);
        cuts.sort_unstable();
        cuts.dedup();

        let mut cursors = vec![0usize; shifts.len()];
        let mut next_override = 0;
        let mut active: Vec<usize> = Vec::new();
        let mut on_call: Vec<OnCall> = Vec::with_capacity(4);
        for pair in cuts.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            on_call.clear();
            // Layers: advance each cursor; the first layer (priority order) covering `a` wins.
            let mut base = None;
            for (li, list) in shifts.iter().enumerate() {
                let c = &mut cursors[li];
                while *c < list.len() && list[*c].end <= a {
                    *c += 1;
                }
                if base.is_none()
                    && let Some(s) = list.get(*c)
                    && s.start <= a
                {
                    base = Some(OnCall {
                        user: s.user,
                        source: Source::Layer(self.layers[li].id),
                    });
                }
            }
            // Overrides: the ones covering `a`, applied in the schedule's order.
            while next_override < overrides.len() && overrides[next_override].1.start <= a {
                active.push(next_override);
                next_override += 1;
            }
            active.retain(|&i| overrides[i].1.end > a);
            if let Some(temp) = temps.iter().find(|x| x.start <= a && a < x.end) {
                for s in temp.shifts.iter().filter(|s| s.start <= a && a < s.end) {
                    on_call = push_unique(
                        std::mem::take(&mut on_call),
                        OnCall {
                            user: s.user,
                            source: Source::Temporary(temp.id),
                        },
                    );
                }
            } else {
                on_call.extend(base);
                let mut order: Vec<usize> = active.iter().map(|&i| overrides[i].0).collect();
                order.sort_unstable();
                for i in order {
                    let o = &self.schedule.overrides[i];
                    if self.applies(o) {
                        apply_override(&mut on_call, o);
                    }
                }
            }
            on_call.retain(|o| self.available(o.user));
            push_stretch(&mut out, a, b, &on_call);
        }
        out
    }
}

fn push_unique(mut list: Vec<OnCall>, item: OnCall) -> Vec<OnCall> {
    if !list.iter().any(|o| o.user == item.user) {
        list.push(item);
    }
    list
}

/// The override rule: ADD puts `user` on call (once); REMOVE takes `replaces` off; REPLACE
/// swaps `replaces` for `user`, only where `replaces` is on call.
fn apply_override(on_call: &mut Vec<OnCall>, o: &Override) {
    let source = Source::Override(o.id);
    match o.kind {
        OverrideKind::Add => {
            if let Some(user) = o.user
                && !on_call.iter().any(|x| x.user == user)
            {
                on_call.push(OnCall { user, source });
            }
        }
        OverrideKind::Remove => {
            if let Some(gone) = o.replaces {
                on_call.retain(|x| x.user != gone);
            }
        }
        OverrideKind::Replace => {
            if let (Some(user), Some(gone)) = (o.user, o.replaces)
                && let Some(pos) = on_call.iter().position(|x| x.user == gone)
            {
                if on_call.iter().any(|x| x.user == user) {
                    on_call.remove(pos);
                } else {
                    on_call[pos] = OnCall { user, source };
                }
            }
        }
    }
}

/// Appends `[a, b)` as a segment or gap, merging with the previous stretch when unchanged.
fn push_stretch(out: &mut Timeline, a: DateTime<Utc>, b: DateTime<Utc>, on_call: &[OnCall]) {
    if on_call.is_empty() {
        match out.gaps.last_mut() {
            Some(g) if g.end == a => g.end = b,
            _ => out.gaps.push(Span { start: a, end: b }),
        }
    } else {
        match out.segments.last_mut() {
            Some(s) if s.end == a && s.on_call == on_call => s.end = b,
            _ => out.segments.push(Segment {
                start: a,
                end: b,
                on_call: on_call.to_vec(),
            }),
        }
    }
}

/// Who is on call at `t` (empty when the zone is unknown or nobody is: never "everyone").
pub fn on_call_at(schedule: &Schedule, t: DateTime<Utc>) -> Vec<OnCall> {
    Resolver::new(schedule)
        .map(|r| r.on_call_at(t))
        .unwrap_or_default()
}

/// The merged timeline of `[from, to)` (empty when the zone is unknown).
pub fn timeline(schedule: &Schedule, from: DateTime<Utc>, to: DateTime<Utc>) -> Timeline {
    Resolver::new(schedule)
        .map(|r| r.timeline(from, to))
        .unwrap_or_default()
}
