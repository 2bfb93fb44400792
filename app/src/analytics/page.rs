//! The analytics page (`/analytics`): the filter bar (a plain GET form, so a view is a link
//! and works without JavaScript), the summary against the previous period, charts of
//! incidents per day and per hour of day (each with a table), the breakdowns, the noisiest
//! alerts, CSV links for every table, and what each figure means.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

use super::agg::Summary;
use super::api::analytics_report;
use super::report::{AnalyticsFilter, GroupRow, Noisy, Report};
use crate::components::bars::BarChart;
use crate::dashboard::secs_text;

fn filter_from(q: &leptos_router::params::ParamsMap) -> AnalyticsFilter {
    let get = |k: &str| q.get(k).filter(|v| !v.trim().is_empty());
    AnalyticsFilter {
        // Not a number: -1, refused with the field named.
        days: get("days").map(|d| d.trim().parse().unwrap_or(-1)),
        from: get("from").and_then(|d| d.parse().ok()),
        to: get("to").and_then(|d| d.parse().ok()),
        service_id: get("service").and_then(|v| v.parse().ok()),
        team_id: get("team").and_then(|v| v.parse().ok()),
        urgency: get("urgency").and_then(|v| crate::domain::Urgency::parse(&v)),
        priority: get("priority"),
        responder: get("responder").and_then(|v| v.parse().ok()),
    }
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.1}%", v * 100.0))
        .unwrap_or_else(|| "–".into())
}

fn secs(v: Option<f64>) -> String {
    v.map(secs_text).unwrap_or_else(|| "–".into())
}

/// "▲ 12%" / "▼ 5%" against the previous period; `lower_is_better` colours it.
fn delta(now: Option<f64>, before: Option<f64>, lower_is_better: bool) -> impl IntoView {
    let (Some(a), Some(b)) = (now, before) else {
        return view! { <span class="delta muted">"no previous data"</span> }.into_any();
    };
    if b == 0.0 {
        return view! { <span class="delta muted">"new"</span> }.into_any();
    }
    let change = (a - b) / b;
    let better = if lower_is_better {
        change < 0.0
    } else {
        change > 0.0
    };
    let class = if change.abs() < 0.005 {
        "delta muted"
    } else if better {
        "delta delta--good"
    } else {
        "delta delta--bad"
    };
    let arrow = if change >= 0.0 { "▲" } else { "▼" };
    view! { <span class=class>{format!("{arrow} {:.0}% vs previous", change.abs() * 100.0)}</span> }
        .into_any()
}

#[component]
fn Tile(
    label: &'static str,
    value: String,
    #[prop(into)] detail: ViewFn,
    testid: &'static str,
) -> impl IntoView {
    view! {
        <div class="kpi" data-testid=testid>
            <span class="kpi__label">{label}</span>
            <span class="kpi__value">{value}</span>
            <span class="kpi__detail">{detail.run()}</span>
        </div>
    }
}

fn summary_tiles(s: Summary, p: Summary) -> impl IntoView {
    let n = |v: i64| Some(v as f64);
    view! {
        <section class="kpis" aria-label="Summary">
            <Tile label="Incidents" value=s.opened.to_string() testid="kpi-incidents"
                detail=move || delta(n(s.opened), n(p.opened), true)/>
            <Tile label="MTTA (mean)" value=secs(s.mtta.mean) testid="kpi-mtta"
                detail=move || view! { <span>{format!("p50 {} · p90 {}", secs(s.mtta.p50), secs(s.mtta.p90))}</span>" "{delta(s.mtta.mean, p.mtta.mean, true)} }/>
            <Tile label="MTTR (mean)" value=secs(s.mttr.mean) testid="kpi-mttr"
                detail=move || view! { <span>{format!("p50 {} · p90 {}", secs(s.mttr.p50), secs(s.mttr.p90))}</span>" "{delta(s.mttr.mean, p.mttr.mean, true)} }/>
            <Tile label="Escalation rate" value=pct(s.escalation_rate) testid="kpi-escalation"
                detail=move || delta(s.escalation_rate, p.escalation_rate, true)/>
            <Tile label="Reopen rate" value=pct(s.reopen_rate) testid="kpi-reopen"
                detail=move || delta(s.reopen_rate, p.reopen_rate, true)/>
            <Tile label="Auto-resolved" value=pct(s.auto_resolve_rate) testid="kpi-auto"
                detail=move || delta(s.auto_resolve_rate, p.auto_resolve_rate, false)/>
            <Tile label="Alerts per incident" value=s.alerts_per_incident.map(|v| format!("{v:.2}")).unwrap_or_else(|| "–".into()) testid="kpi-alerts"
                detail=move || delta(s.alerts_per_incident, p.alerts_per_incident, true)/>
            <Tile label="Ack SLA met" value=pct(s.ack_compliance) testid="kpi-ack-sla"
                detail=move || view! { <span>{format!("{} breached · resolve SLA met {}", s.ack_breached, pct(s.resolve_compliance))}</span> }/>
        </section>
    }
}

fn groups_table(
    caption: &'static str,
    first: &'static str,
    rows: Vec<GroupRow>,
    csv: String,
) -> impl IntoView {
    view! {
        <section class="card">
            <header class="card__head"><h2 class="card__title">{caption}</h2><a class="small" href=csv download>"CSV"</a></header>
            {if rows.is_empty() {
                view! { <p class="muted">"No incidents."</p> }.into_any()
            } else {
                view! {
                    <table class="table table--compact">
                        <thead><tr><th scope="col">{first}</th><th class="num" scope="col">"Incidents"</th><th class="num" scope="col">"MTTA"</th><th class="num" scope="col">"MTTR"</th>
                            <th class="num" scope="col">"Escalated"</th><th class="num" scope="col">"Ack SLA met"</th></tr></thead>
                        <tbody>{rows.into_iter().map(|r| view! {
                            <tr><th scope="row">{r.label}</th><td class="num">{r.summary.opened}</td><td class="num">{secs(r.summary.mtta.mean)}</td>
                                <td class="num">{secs(r.summary.mttr.mean)}</td><td class="num">{pct(r.summary.escalation_rate)}</td><td class="num">{pct(r.summary.ack_compliance)}</td></tr>
                        }).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

fn noisy_table(
    caption: &'static str,
    first: &'static str,
    rows: Vec<Noisy>,
    csv: String,
) -> impl IntoView {
    view! {
        <section class="card">
            <header class="card__head"><h2 class="card__title">{caption}</h2><a class="small" href=csv download>"CSV"</a></header>
            {if rows.is_empty() {
                view! { <p class="muted">"No incidents."</p> }.into_any()
            } else {
                view! {
                    <table class="table table--compact">
                        <thead><tr><th scope="col">{first}</th><th scope="col">"Service"</th><th class="num" scope="col">"Incidents"</th>
                            <th class="num" scope="col">"Alerts"</th><th class="num" scope="col">"Flapping"</th><th class="num" scope="col">"Gone in 2 min, unacked"</th></tr></thead>
                        <tbody>{rows.into_iter().map(|n| view! {
                            <tr><th scope="row" class="wrap" title=n.title.clone()>{n.label}</th><td>{n.service}</td><td class="num">{n.incidents}</td>
                                <td class="num">{n.alerts}</td><td class="num">{n.flapping}</td><td class="num">{n.quick_resolved}</td></tr>
                        }).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

fn report_view(r: Report, search: String) -> impl IntoView {
    let csv = move |t: &str| format!("/analytics/export/{t}.csv{search}");
    let days = r
        .days
        .iter()
        .map(|d| {
            (
                d.day.format("%b %d").to_string(),
                d.opened as f64,
                d.opened.to_string(),
            )
        })
        .collect();
    let hours = r
        .by_hour
        .iter()
        .enumerate()
        .map(|(h, n)| (format!("{h:02}:00"), *n as f64, n.to_string()))
        .collect();
    let scope = if r.exact_percentiles {
        "Percentiles are exact.".to_owned()
    } else {
        format!(
            "{} days from the daily rollup, {} read live; percentiles beyond the live days are estimated from histograms (buckets about 25% wide).",
            r.rolled_days, r.live_days
        )
    };
    view! {
        <p class="muted small" data-testid="analytics-scope">{format!("{} – {} UTC · previous period from {} · ", r.start.format("%Y-%m-%d %H:%M"), r.end.format("%Y-%m-%d %H:%M"), r.previous_start.format("%Y-%m-%d"))}{scope}</p>
        {summary_tiles(r.summary.clone(), r.previous.clone())}
        <p class="small"><a href=csv("summary") download>"Summary as CSV"</a>" · "<a href=csv("incidents") download>"Every incident as CSV"</a></p>
        <div class="grid-2">
            <section class="card"><header class="card__head"><h2 class="card__title">"Incidents per day"</h2><a class="small" href=csv("days") download>"CSV"</a></header>
                <BarChart bars=days caption="Incidents opened per UTC day".into() column="Incidents"/></section>
            <section class="card"><header class="card__head"><h2 class="card__title">{format!("By hour of day ({})", r.zone)}</h2><a class="small" href=csv("hours") download>"CSV"</a></header>
                <BarChart bars=hours caption=format!("Incidents opened by hour of day, {}", r.zone) column="Incidents"/></section>
        </div>
        <div class="grid-2">
            {groups_table("By service", "Service", r.by_service, csv("services"))}
            <div>
                {groups_table("By urgency", "Urgency", r.by_urgency, csv("urgencies"))}
                {groups_table("By priority", "Priority", r.by_priority, csv("priorities"))}
            </div>
        </div>
        <div class="grid-2">
            {noisy_table("Noisiest dedup keys", "Dedup key", r.noisy_keys, csv("noisy-keys"))}
            {noisy_table("Noisiest titles", "Title", r.noisy_titles, csv("noisy-titles"))}
        </div>
    }
}

#[component]
fn Definitions() -> impl IntoView {
    view! {
        <details class="card definitions">
            <summary>"What the figures mean"</summary>
            <dl class="kv">
                <dt>"MTTA"</dt><dd>"Mean time from an incident's creation to its first acknowledgement (kept if it is later reopened). p50 and p90 are percentiles (linear interpolation, like percentile_cont)."</dd>
                <dt>"MTTR"</dt><dd>"Mean time from creation to resolution, over resolved incidents."</dd>
                <dt>"Escalation rate"</dt><dd>"Share of incidents that reached a second escalation step, or a second pass of their policy."</dd>
                <dt>"Reopen rate"</dt><dd>"Share of incidents resolved and then opened again."</dd>
                <dt>"Auto-resolved"</dt><dd>"Share of resolved incidents resolved by their monitoring tool (or the engine), with no person resolving them."</dd>
                <dt>"Alerts per incident"</dt><dd>"Alerts received per incident (repeats of a dedup key and grouped alerts count)."</dd>
                <dt>"Gone in 2 min, unacked"</dt><dd>"Resolved within 2 minutes of creation without anyone acknowledging: likely noise."</dd>
                <dt>"Flapping"</dt><dd>"Incidents the flap guard held open."</dd>
                <dt>"SLA met"</dt><dd>"Of incidents measured against their service's acknowledge (resolve) target, the share that met it; snoozed time does not count. An incident is measured once it met the target or passed its due time."</dd>
                <dt>"Window"</dt><dd>"Whole UTC days by creation time; the previous period is the same number of days before. Merged incidents count in the incident they were merged into. Days before today come from the daily rollup once computed; today, days the rollup lacks, and any view with a responder are read live."</dd>
            </dl>
        </details>
    }
}

#[component]
pub fn AnalyticsPage() -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let filter = Memo::new(move |_| query.with(filter_from));
    let report = Resource::new(move || filter.get(), analytics_report);
    let choices = Resource::new(
        || (),
        |_| async move {
            let services = crate::services::api::list_services()
                .await
                .unwrap_or_default();
            let teams = crate::teams::api::list_teams().await.unwrap_or_default();
            let users = crate::users::api::list_users(String::new(), 1, 200)
                .await
                .map(|p| p.users)
                .unwrap_or_default();
            (services, teams, users)
        },
    );
    let selected = move |k: &'static str| move || query.with(|q| q.get(k).unwrap_or_default());
    view! {
        <leptos_meta::Title text="Analytics · OpsKnight"/>
        <header class="page-head"><h1>"Analytics"</h1></header>
        <Transition fallback=|| ()>
            {move || choices.get().map(|(services, teams, users)| view! {
                <form class="filters" method="get" action="/analytics" aria-label="Filters" data-testid="analytics-filters">
                    <label>"Window"<select name="days" prop:value=selected("days")>
                        <option value="">"Last 30 days"</option><option value="7">"Last 7 days"</option>
                        <option value="90">"Last 90 days"</option><option value="365">"Last year"</option>
                    </select></label>
                    <label>"From"<input type="date" name="from" prop:value=selected("from")/></label>
                    <label>"To"<input type="date" name="to" prop:value=selected("to")/></label>
                    <label>"Service"<select name="service" prop:value=selected("service")>
                        <option value="">"All services"</option>
                        {services.into_iter().map(|s| view! { <option value=s.id.to_string()>{s.name}</option> }).collect_view()}
                    </select></label>
                    <label>"Team"<select name="team" prop:value=selected("team")>
                        <option value="">"All teams"</option>
                        {teams.into_iter().map(|t| view! { <option value=t.id.to_string()>{t.name}</option> }).collect_view()}
                    </select></label>
                    <label>"Urgency"<select name="urgency" prop:value=selected("urgency")>
                        <option value="">"Any"</option><option value="HIGH">"High"</option><option value="MEDIUM">"Medium"</option><option value="LOW">"Low"</option>
                    </select></label>
                    <label>"Priority"<select name="priority" prop:value=selected("priority")>
                        <option value="">"Any"</option>
                        {crate::incidents::PRIORITIES.iter().map(|p| view! { <option value=*p>{*p}</option> }).collect_view()}
                    </select></label>
                    <label>"Responder"<select name="responder" prop:value=selected("responder")>
                        <option value="">"Anyone"</option>
                        {users.into_iter().map(|u| view! { <option value=u.id.to_string()>{u.name}</option> }).collect_view()}
                    </select></label>
                    <button class="btn" type="submit">"Apply"</button>
                    <a class="btn btn--quiet" href="/analytics">"Reset"</a>
                </form>
            })}
        </Transition>
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Computing…"</p> }>
            {move || report.get().map(|r| match r {
                Ok(r) => report_view(r, { let s = location.search.get_untracked(); if s.is_empty() || s.starts_with('?') { s } else { format!("?{s}") } }).into_any(),
                Err(e) => view! { <p class="error" role="alert" data-testid="analytics-error">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
        <Definitions/>
    }
}
