//! The schedule timeline drawn with CSS (no chart library): one row per layer and a final row,
//! bars positioned by percentage of the window, gaps highlighted, day ticks and a "now" line.
//! Rows are computed by the pure engine, in the browser after hydration.

use crate::domain::timezone::{Tz, format_zoned};
use chrono::{DateTime, Datelike, Duration, Utc};
use leptos::prelude::*;

use super::{Person, name_in};
use crate::domain::UserId;
use crate::domain::schedule::{Resolver, Schedule, Source, resolve_local};

/// How much of the calendar the timeline shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    Day,
    Week,
    TwoWeeks,
    Month,
}

impl Range {
    pub const ALL: [Range; 4] = [Range::Day, Range::Week, Range::TwoWeeks, Range::Month];

    pub fn days(self) -> i64 {
        match self {
            Range::Day => 1,
            Range::Week => 7,
            Range::TwoWeeks => 14,
            Range::Month => 30,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Range::Day => "Today",
            Range::Week => "1 week",
            Range::TwoWeeks => "2 weeks",
            Range::Month => "1 month",
        }
    }
}

/// What a bar stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarKind {
    /// A person's time; the number picks their colour.
    Person(usize),
    Gap,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub user: Option<UserId>,
    pub kind: BarKind,
    pub label: String,
    /// "override" or "temporary" when the time does not come from a layer.
    pub note: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub title: String,
    pub is_final: bool,
    pub bars: Vec<Bar>,
}

/// Midnight of `t`'s day in `tz`.
pub fn start_of_day(t: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    resolve_local(
        tz,
        t.with_timezone(&tz)
            .date_naive()
            .and_time(chrono::NaiveTime::MIN),
    )
}

fn colour(people: &[Person], user: UserId) -> usize {
    people.iter().position(|p| p.id == user).unwrap_or(0) % 8
}

/// Layer rows then the final row, for `[from, to)`.
pub fn rows(
    schedule: &Schedule,
    people: &[Person],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Row> {
    let Some(r) = Resolver::new(schedule) else {
        return Vec::new();
    };
    let mut out: Vec<Row> = schedule
        .layers
        .iter()
        .zip(r.layer_timelines(from, to))
        .map(|(layer, shifts)| Row {
            title: layer.name.clone(),
            is_final: false,
            bars: shifts
                .into_iter()
                .map(|s| Bar {
                    start: s.start,
                    end: s.end,
                    user: Some(s.user),
                    kind: BarKind::Person(colour(people, s.user)),
                    label: name_in(people, s.user),
                    note: None,
                })
                .collect(),
        })
        .collect();
    let t = r.timeline(from, to);
    let mut bars: Vec<Bar> = Vec::with_capacity(t.segments.len() + t.gaps.len());
    for seg in &t.segments {
        let first = seg.on_call[0];
        let names: Vec<String> = seg
            .on_call
            .iter()
            .map(|o| name_in(people, o.user))
            .collect();
        let note = seg.on_call.iter().find_map(|o| match o.source {
            Source::Override(_) => Some("override"),
            Source::Temporary(_) => Some("temporary schedule"),
            Source::Layer(_) => None,
        });
        bars.push(Bar {
            start: seg.start,
            end: seg.end,
            user: Some(first.user),
            kind: BarKind::Person(colour(people, first.user)),
            label: names.join(" + "),
            note,
        });
    }
    for g in &t.gaps {
        bars.push(Bar {
            start: g.start,
            end: g.end,
            user: None,
            kind: BarKind::Gap,
            label: "Nobody on call".into(),
            note: None,
        });
    }
    bars.sort_by_key(|b| b.start);
    out.push(Row {
        title: "Final schedule".into(),
        is_final: true,
        bars,
    });
    out
}

/// `Mon 30 Nov 09:00 – 17:00 UTC+1`, compact when both ends share a day.
pub fn span_text(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> String {
    let s = start.with_timezone(&tz);
    let same_day = s.date_naive() == end.with_timezone(&tz).date_naive();
    let end_pattern = if same_day { "%H:%M" } else { "%a %-d %b %H:%M" };
    format!(
        "{} – {}",
        s.format("%a %-d %b %H:%M"),
        format_zoned(end, tz, end_pattern)
    )
}

/// The hover text: who, when in the viewer's zone, and the schedule's zone (with the span in
/// it when the zones differ).
pub fn bar_title(bar: &Bar, viewer: Tz, zone: Tz) -> String {
    let mut text = format!("{} · {}", bar.label, span_text(bar.start, bar.end, viewer));
    if viewer == zone {
        text.push_str(&format!(" (the schedule's zone, {})", zone.name()));
    } else {
        text.push_str(&format!(
            " (schedule time: {}, {})",
            span_text(bar.start, bar.end, zone),
            zone.name()
        ));
    }
    if let Some(n) = bar.note {
        text.push_str(&format!(" · {n}"));
    }
    text
}

fn pct(t: DateTime<Utc>, from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    let span = (to - from).num_seconds().max(1) as f64;
    ((t - from).num_seconds() as f64 / span * 100.0).clamp(0.0, 100.0)
}

/// Tick marks: every 3 hours for one day, else every day (every other day for a month).
fn ticks(from: DateTime<Utc>, to: DateTime<Utc>, viewer: Tz) -> Vec<(f64, String)> {
    let mut out = Vec::new();
    let days = (to - from).num_days();
    if days <= 1 {
        let mut t = from;
        while t < to {
            out.push((
                pct(t, from, to),
                t.with_timezone(&viewer).format("%H:%M").to_string(),
            ));
            t += Duration::hours(3);
        }
        return out;
    }
    let step = if days > 20 { 2 } else { 1 };
    let mut day = from.with_timezone(&viewer).date_naive();
    let mut i = 0;
    loop {
        let t = resolve_local(viewer, day.and_time(chrono::NaiveTime::MIN));
        if t >= to {
            break;
        }
        if t >= from && i % step == 0 {
            let label = match (step, day.day() == 1 || out.is_empty()) {
                (1, true) => day.format("%a %-d %b").to_string(),
                (1, false) => day.format("%a %-d").to_string(),
                (_, true) => day.format("%-d %b").to_string(),
                (_, false) => day.format("%-d").to_string(),
            };
            out.push((pct(t, from, to), label));
        }
        i += 1;
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    out
}

/// Someone's stretch of time on call: (who, start, end).
pub type Pick = (UserId, DateTime<Utc>, DateTime<Utc>);

/// `12.345%`, for SVG coordinates (attributes, not inline styles: the CSP forbids those).
fn at(p: f64) -> String {
    format!("{p:.3}%")
}

/// The timeline, drawn as inline SVG. `on_pick` is called with a final-row bar that has
/// someone on call ("cover this shift"); bars are focusable and open it with Enter too.
#[component]
pub fn TimelineGrid(
    rows: Signal<Vec<Row>>,
    from: Signal<DateTime<Utc>>,
    to: Signal<DateTime<Utc>>,
    zone: Signal<Tz>,
    now: DateTime<Utc>,
    #[prop(optional)] on_pick: Option<Callback<Pick>>,
) -> impl IntoView {
    let viewer = crate::components::time::user_time_zone;
    view! {
        <div class="sched" role="group" aria-label="Schedule timeline" data-testid="timeline">
            <svg width="0" height="0" class="sched__defs" aria-hidden="true" focusable="false">
                <defs>
                    <pattern id="sched-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <rect class="hatch__bg" width="8" height="8"></rect>
                        <line class="hatch__line" x1="0" y1="0" x2="0" y2="8"></line>
                    </pattern>
                </defs>
            </svg>
            <div class="sched__row sched__row--ticks" aria-hidden="true">
                <div class="sched__label muted small">{move || format!("Times in {}", viewer().name())}</div>
                <svg class="sched__svg sched__svg--ticks" width="100%" height="18">
                    {move || ticks(from.get(), to.get(), viewer()).into_iter().map(|(left, label)| view! {
                        <line class="sched__tick" x1=at(left) x2=at(left) y1="0" y2="18"></line>
                        <text class="sched__ticktext" x=at(left) dx="3" y="13">{label}</text>
                    }).collect_view()}
                </svg>
            </div>
            {move || {
                let (f, t, z, v) = (from.get(), to.get(), zone.get(), viewer());
                let now_line = (now >= f && now < t).then(|| pct(now, f, t));
                rows.get().into_iter().map(|row| {
                    let testid = if row.is_final { "final-row" } else { "layer-row" };
                    view! {
                        <div class="sched__row" class:sched__row--final=row.is_final data-testid=testid>
                            <div class="sched__label" title=row.title.clone()>{row.title.clone()}</div>
                            <svg class="sched__svg" width="100%" height="28">
                                <rect class="sched__track" width="100%" height="28" rx="4"></rect>
                                {row.bars.into_iter().map(|bar| {
                                    let left = pct(bar.start, f, t);
                                    let width = (pct(bar.end, f, t) - left).max(0.15);
                                    let title = bar_title(&bar, v, z);
                                    let aria = title.clone();
                                    let gap = matches!(bar.kind, BarKind::Gap);
                                    let class = match bar.kind {
                                        BarKind::Gap => "seg seg--gap".to_owned(),
                                        BarKind::Person(c) => format!("seg seg--c{c}{}", if bar.note.is_some() { " seg--override" } else { "" }),
                                    };
                                    let pick = (row.is_final && bar.user.is_some()).then_some(on_pick).flatten();
                                    let (user, start, end) = (bar.user, bar.start, bar.end);
                                    let fire = move || if let (Some(cb), Some(u)) = (pick, user) { cb.run((u, start, end)); };
                                    view! {
                                        <svg class=class x=at(left) y="2" width=at(width) height="24"
                                            role=if pick.is_some() { "button" } else { "img" } tabindex="0" aria-label=aria
                                            data-testid=if gap { "gap" } else { "segment" }
                                            on:click=move |_| fire()
                                            on:keydown=move |ev| if ev.key() == "Enter" || ev.key() == " " { ev.prevent_default(); fire(); }>
                                            <title>{title}</title>
                                            <rect class="seg__box" width="100%" height="100%" rx="3"></rect>
                                            <text class="seg__text" x="5" y="16">{bar.label}</text>
                                        </svg>
                                    }
                                }).collect_view()}
                                {now_line.map(|left| view! { <line class="sched__now" x1=at(left) x2=at(left) y1="0" y2="28"></line> })}
                            </svg>
                        </div>
                    }
                }).collect_view()
            }}
        </div>
    }
}
