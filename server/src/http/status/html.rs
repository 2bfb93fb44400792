//! `/status`: the public page as plain server-rendered HTML (no JavaScript): overall status,
//! current issues, maintenance, components by group with 90-day uptime bars, recent
//! incidents, and the subscribe form. Every dynamic string goes through `esc`.

use std::fmt::Write;

use app::state::AppState;
use app::statuspage::derive::{self, Day};
use app::statuspage::public::Snapshot;
use app::statuspage::store::Component;
use app::statuspage::{ComponentStatus, IncidentView};
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::esc;
use super::host::OnStatusHost;

const CSS: &str = include_str!("status.css");

pub async fn stylesheet() -> Response {
    let mut res = CSS.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}

pub async fn page(
    State(state): State<AppState>,
    host: Option<Extension<OnStatusHost>>,
) -> Response {
    let (_, prefix) = super::base(&state, host.as_ref().map(|h| &h.0));
    let now = state.clock.now();
    let loaded = async {
        let s = app::statuspage::public::snapshot(&state.pool, now).await?;
        let up = app::statuspage::store::uptime(&state.pool, now).await?;
        Ok::<_, app::error::AppError>((s, up))
    }
    .await;
    match loaded {
        Ok((s, up)) => {
            let body = render(&s, &up, prefix, now);
            let mut res = body.into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=30"),
            );
            res
        }
        Err(e) => super::failed(e),
    }
}

/// A whole document around `main` (also used by the subscription pages).
pub fn document(title: &str, prefix: &str, main: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><link rel=\"stylesheet\" href=\"{prefix}/status.css\">\
         <link rel=\"alternate\" type=\"application/rss+xml\" title=\"{t} history (RSS)\" href=\"{prefix}/history.rss\">\
         <link rel=\"alternate\" type=\"application/atom+xml\" title=\"{t} history (Atom)\" href=\"{prefix}/history.atom\">\
         </head><body><div class=\"sp\">{main}</div></body></html>\n",
        t = esc(title),
    )
}

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        t.format("%b %-d, %Y %H:%M UTC")
    )
}

fn status_class(s: ComponentStatus) -> &'static str {
    match s {
        ComponentStatus::Operational => "ok",
        ComponentStatus::UnderMaintenance => "maint",
        ComponentStatus::DegradedPerformance => "degraded",
        ComponentStatus::PartialOutage => "partial",
        ComponentStatus::MajorOutage => "major",
    }
}

fn incident(out: &mut String, i: &IncidentView, s: &Snapshot) {
    let names: Vec<String> = s
        .components
        .iter()
        .filter(|c| i.components.contains(&c.id))
        .map(|c| esc(&c.display_name))
        .collect();
    let _ = write!(
        out,
        "<article class=\"inc impact-{}\" id=\"incident-{}\"><h3>{}</h3>",
        i.impact.as_str(),
        i.id,
        esc(&i.name)
    );
    if !names.is_empty() {
        let _ = write!(
            out,
            "<p class=\"affects\">Affects: {}</p>",
            names.join(", ")
        );
    }
    out.push_str("<ol class=\"updates\">");
    for u in &i.updates {
        let _ = write!(
            out,
            "<li><strong>{}</strong> — {} <span class=\"at\">{}</span></li>",
            u.status.label(),
            esc(&u.body),
            when(u.created_at)
        );
    }
    out.push_str("</ol></article>");
}

fn bars(out: &mut String, days: &[Day], total_secs: i64) {
    let pct = derive::uptime_percent(days, total_secs);
    let down = days.iter().filter(|d| d.down_secs > 0).count();
    let partial = days
        .iter()
        .filter(|d| d.down_secs == 0 && d.partial_secs > 0)
        .count();
    let _ = write!(
        out,
        "<div class=\"uptime\"><p class=\"vh\">Last 90 days: {pct:.2} % uptime; a major outage on {down} of them, partial trouble on {partial}.</p>\
         <ol class=\"bars\" aria-hidden=\"true\">"
    );
    for d in days {
        let what = match d.level() {
            ComponentStatus::MajorOutage => format!("{} min major outage", d.down_secs / 60),
            ComponentStatus::PartialOutage => {
                format!("{} min partial outage", d.partial_secs / 60)
            }
            _ => "no downtime".to_owned(),
        };
        let _ = write!(
            out,
            "<li class=\"{}\" title=\"{}: {}\"></li>",
            status_class(d.level()),
            d.date.format("%b %-d"),
            what
        );
    }
    let _ = write!(
        out,
        "</ol><p class=\"legend\" aria-hidden=\"true\"><span>90 days ago</span><span>{pct:.2} % uptime</span><span>Today</span></p></div>"
    );
}

fn component(
    out: &mut String,
    c: &Component,
    up: &[(app::domain::StatusComponentId, Vec<Day>)],
    total: i64,
) {
    let _ = write!(
        out,
        "<li class=\"comp\"><div class=\"row\"><span class=\"name\">{}</span><span class=\"st {}\">{}</span></div>",
        esc(&c.display_name),
        status_class(c.status),
        c.status.label()
    );
    if let Some((_, days)) = up.iter().find(|(id, _)| *id == c.id) {
        bars(out, days, total);
    }
    out.push_str("</li>");
}

/// The page's HTML.
pub fn render(
    s: &Snapshot,
    up: &[(app::domain::StatusComponentId, Vec<Day>)],
    prefix: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    let total = app::statuspage::store::uptime_total_secs(now);
    let mut m = String::with_capacity(16_384 + s.components.len() * 6_000);
    let _ = write!(
        m,
        "<header class=\"top\"><h1>{}</h1><nav><a href=\"#subscribe\">Subscribe to updates</a></nav></header>\
         <section class=\"banner {}\" role=\"status\"><h2>{}</h2><p>Updated {}</p></section>",
        esc(&s.page_name),
        s.indicator.as_str(),
        esc(s.description),
        when(s.updated_at)
    );
    let open: Vec<&IncidentView> = s
        .incidents
        .iter()
        .filter(|i| i.resolved_at.is_none())
        .collect();
    if !open.is_empty() || !s.derived.is_empty() {
        m.push_str("<section aria-labelledby=\"now-h\"><h2 id=\"now-h\">Current issues</h2>");
        for i in &open {
            incident(&mut m, i, s);
        }
        for d in &s.derived {
            let _ = write!(
                m,
                "<article class=\"inc impact-{}\" id=\"auto-{}\"><h3>{}</h3><p>We are aware of the problem and working on it. <span class=\"at\">Since {}</span></p></article>",
                d.impact.as_str(),
                d.component,
                esc(&d.title),
                when(d.since)
            );
        }
        m.push_str("</section>");
    }
    if !s.maintenance.is_empty() {
        m.push_str("<section aria-labelledby=\"mt-h\"><h2 id=\"mt-h\">Maintenance</h2><ul class=\"maint\">");
        for w in &s.maintenance {
            let names: Vec<String> = s
                .components
                .iter()
                .filter(|c| w.components.contains(&c.id))
                .map(|c| esc(&c.display_name))
                .collect();
            let until = w
                .scheduled_until
                .map(|u| format!(" until {}", when(u)))
                .unwrap_or_default();
            let _ = write!(
                m,
                "<li id=\"maintenance-{}\"><strong>{}</strong>: {} — from {}{}</li>",
                w.id,
                if w.in_progress {
                    "In progress"
                } else {
                    "Scheduled"
                },
                names.join(", "),
                when(w.scheduled_for),
                until
            );
        }
        m.push_str("</ul></section>");
    }
    m.push_str("<section aria-labelledby=\"c-h\"><h2 id=\"c-h\">Components</h2>");
    if s.components.is_empty() {
        m.push_str("<p class=\"empty\">No components yet.</p>");
    }
    let mut group: Option<&str> = None;
    for c in &s.components {
        if group != Some(c.group_name.as_str()) {
            if group.is_some() {
                m.push_str("</ul></div>");
            }
            group = Some(c.group_name.as_str());
            if c.group_name.is_empty() {
                m.push_str("<div class=\"group\"><ul class=\"comps\">");
            } else {
                let _ = write!(
                    m,
                    "<div class=\"group\"><h3>{}</h3><ul class=\"comps\">",
                    esc(&c.group_name)
                );
            }
        }
        component(&mut m, c, up, total);
    }
    if group.is_some() {
        m.push_str("</ul></div>");
    }
    m.push_str("</section>");
    let past: Vec<&IncidentView> = s
        .incidents
        .iter()
        .filter(|i| i.resolved_at.is_some())
        .take(10)
        .collect();
    m.push_str("<section aria-labelledby=\"p-h\"><h2 id=\"p-h\">Past incidents</h2>");
    if past.is_empty() {
        m.push_str("<p class=\"empty\">No incidents reported.</p>");
    }
    for i in past {
        incident(&mut m, i, s);
    }
    m.push_str("</section>");
    let _ = write!(
        m,
        "<section id=\"subscribe\" aria-labelledby=\"s-h\"><h2 id=\"s-h\">Subscribe to updates</h2>\
         <form method=\"post\" action=\"{prefix}/subscribe\" class=\"sub\">\
         <label for=\"sub-email\">Email address</label>\
         <input id=\"sub-email\" name=\"email\" type=\"email\" required autocomplete=\"email\" maxlength=\"254\">\
         <button type=\"submit\">Subscribe</button></form>\
         <p class=\"hint\">We send a confirmation link first; every email has a one-click unsubscribe link.</p></section>\
         <footer><a href=\"{prefix}/history.rss\">RSS</a> · <a href=\"{prefix}/history.atom\">Atom</a> · \
         <a href=\"{prefix}/api/v2/summary.json\">JSON API</a></footer>"
    );
    document(&s.page_name, prefix, &m)
}
