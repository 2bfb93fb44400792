//! The command center's home (`/`): live counters, MTTA and MTTR with a trend, my open
//! incidents, recent incidents, who is on call now, and getting-started steps that tell a
//! new admin what to do first.

use leptos::prelude::*;

use crate::analytics::Overview;
use crate::analytics::api::analytics_overview;
use crate::components::chart::{Series, TrendChart};
use crate::components::time::Time;
use crate::domain::{IncidentId, Status};
use crate::incidents::api::{incident_counters, list_incidents};
use crate::incidents::badges::{StatusBadge, UrgencyBadge};
use crate::incidents::{IncidentFilter, IncidentSummary};

/// Seconds as "45 s", "12 min" or "2 h 5 min".
pub fn secs_text(secs: f64) -> String {
    if secs < 60.0 {
        format!("{} s", secs.round() as i64)
    } else {
        crate::components::time::duration_text(chrono::Duration::seconds(secs.round() as i64))
    }
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let live = crate::live::use_live();
    let initial = Resource::new(|| (), |_| incident_counters());
    let overview = Resource::new(move || live.reloads.get(), |_| analytics_overview());
    let counters = Signal::derive(move || {
        live.counters
            .get()
            .or_else(|| initial.get_untracked().and_then(Result::ok))
    });
    let tile = move |label: &'static str,
                     class: &'static str,
                     value: fn(&crate::incidents::Counters) -> i64| {
        let testid = format!("counter-{}", label.to_lowercase().replace(' ', "-"));
        view! {
            <a class=format!("counter {class}") href="/incidents" data-testid=testid>
                <span class="counter__value">{move || counters.get().map_or_else(|| "–".to_owned(), |c| value(&c).to_string())}</span>
                <span class="counter__label">{label}</span>
            </a>
        }
    };
    view! {
        <leptos_meta::Title text="Dashboard · OpsKnight"/>
        <header class="page-head"><h1>"Dashboard"</h1></header>
        <Transition fallback=|| ()>
            {move || overview.get().and_then(Result::ok).map(|o| view! { <GettingStarted o=o/> })}
        </Transition>
        // The first counters come with the page (the server waits for them); the stream
        // keeps them current.
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Counting…"</p> }>
            {move || initial.get().map(|_| view! {
                <section class="counters" aria-label="Incident counters" data-testid="counters">
                    {tile("Open", "counter--high", |c| c.open)}
                    {tile("Acknowledged", "counter--medium", |c| c.acknowledged)}
                    {tile("High urgency open", "counter--high", |c| c.high_open)}
                    {tile("Unassigned", "", |c| c.unassigned)}
                    {tile("Resolved in 24 h", "counter--ok", |c| c.resolved_24h)}
                </section>
            })}
        </Transition>
        <div class="grid grid--dash">
            <section class="card" aria-labelledby="mine-h">
                <h2 id="mine-h" class="card__title">"My open incidents"</h2>
                <MiniList mine=true empty="Nothing assigned to you or your teams is open."/>
            </section>
            <section class="card" aria-labelledby="recent-h">
                <h2 id="recent-h" class="card__title">"Recent incidents"</h2>
                <MiniList mine=false empty="No incidents yet."/>
            </section>
            <section class="card" aria-labelledby="times-h">
                <h2 id="times-h" class="card__title">"Response times"</h2>
                <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                    {move || overview.get().map(|r| match r {
                        Ok(o) => view! { <ResponseTimes o=o/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                    })}
                </Transition>
            </section>
            <section class="card" aria-labelledby="oncall-h">
                <h2 id="oncall-h" class="card__title">"On call now"</h2>
                <crate::schedules::widgets::OnCallNowList/>
            </section>
            <SystemStatus/>
        </div>
    }
}

#[component]
fn SystemStatus() -> impl IntoView {
    let status = Resource::new(|| (), |_| crate::system::api::system_status());
    view! {
        <section class="card" aria-labelledby="status-h">
            <h2 id="status-h" class="card__title">"System status"</h2>
            <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Checking…"</p> }>
                {move || status.get().map(|r| match r {
                    Ok(s) => view! {
                        <dl class="kv" data-testid="system-status">
                            <dt>"Database"</dt>
                            <dd>
                                <span class=if s.database_ok { "badge badge--ok" } else { "badge badge--high" }>
                                    {if s.database_ok { "reachable" } else { "unreachable" }}
                                </span>
                            </dd>
                            <dt>"Version"</dt><dd>{s.version}</dd>
                            <dt>"Server time"</dt><dd><Time at=s.server_time/></dd>
                        </dl>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

/// The first steps, shown until a first incident exists.
#[component]
fn GettingStarted(o: Overview) -> impl IntoView {
    if o.any_incident && o.services > 0 && o.integrations > 0 {
        return ().into_any();
    }
    let origin = {
        #[cfg(feature = "hydrate")]
        {
            window().location().origin().unwrap_or_default()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            String::from("https://opsknight.example.com")
        }
    };
    let steps = [
        (
            o.services > 0,
            "Create a service",
            "A service is something you run: an API, a database, a job.",
            Some(("Create a service", "/services")),
        ),
        (
            o.integrations > 0,
            "Add an integration",
            "On the service's page, add an Events API v2 integration and copy its routing key.",
            Some(("Open services", "/services")),
        ),
        (
            o.any_incident,
            "Send a test event",
            "From your monitoring tool, or with curl:",
            None,
        ),
    ];
    let next = steps.iter().position(|s| !s.0).unwrap_or(0);
    view! {
        <section class="card getting-started" aria-labelledby="start-h" data-testid="getting-started">
            <h2 id="start-h" class="card__title">"Get OpsKnight paging"</h2>
            <ol class="checklist">
                {steps.into_iter().enumerate().map(|(i, (done, title, body, action))| view! {
                    <li class="checklist__item" class:checklist__item--done=done class:checklist__item--next={i == next}>
                        <span class="checklist__mark" aria-hidden="true">{if done { "✓".to_owned() } else { (i + 1).to_string() }}</span>
                        <div>
                            <strong>{title}</strong>{done.then(|| view! { <span class="visually-hidden">" (done)"</span> })}
                            <p class="muted small">{body}</p>
                            {(i == 2 && !done).then(|| view! {
                                <pre class="payload">{format!("curl -X POST {origin}/v2/enqueue -H 'content-type: application/json' \\\n  -d '{{\"routing_key\":\"<routing key>\",\"event_action\":\"trigger\",\n       \"payload\":{{\"summary\":\"Test: disk 95% on db-1\",\"source\":\"db-1\",\"severity\":\"critical\"}}}}'")}</pre>
                            })}
                            {action.filter(|_| !done && i == next).map(|(label, href)| view! { <a class="btn btn--primary" href=href>{label}</a> })}
                        </div>
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
    .into_any()
}

#[component]
fn ResponseTimes(o: Overview) -> impl IntoView {
    let fmt = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), secs_text);
    let mtta: Vec<Option<f64>> = o.days.iter().map(|d| d.mtta_secs).collect();
    let mttr: Vec<Option<f64>> = o.days.iter().map(|d| d.mttr_secs).collect();
    view! {
        <table class="table table--compact" data-testid="response-times">
            <thead><tr><th></th><th class="num">"7 days"</th><th class="num">"30 days"</th></tr></thead>
            <tbody>
                <tr><th scope="row"><span class="key key--mtta"></span>"MTTA"</th><td class="num">{fmt(o.last_7.mtta_secs)}</td><td class="num">{fmt(o.last_30.mtta_secs)}</td></tr>
                <tr><th scope="row"><span class="key key--mttr"></span>"MTTR"</th><td class="num">{fmt(o.last_7.mttr_secs)}</td><td class="num">{fmt(o.last_30.mttr_secs)}</td></tr>
                <tr><th scope="row">"Incidents"</th><td class="num">{o.last_7.opened}</td><td class="num">{o.last_30.opened}</td></tr>
            </tbody>
        </table>
        {if mtta.iter().chain(&mttr).all(Option::is_none) {
            view! { <p class="muted small chart-empty">"No incident was acknowledged or resolved in the last 30 days: nothing to chart yet."</p> }.into_any()
        } else {
            view! {
                <TrendChart
                    series=vec![Series { class: "chart--mtta", values: mtta }, Series { class: "chart--mttr", values: mttr }]
                    label="Mean time to acknowledge and to resolve, per day, over the last 30 days (UTC days)".to_owned()
                    top=|max: f64| secs_text(max)
                />
            }.into_any()
        }}
        <p class="muted small">"Per UTC day of opening, last 30 days."</p>
    }
}

/// A short live list: my open incidents, or the most recent ones.
#[component]
fn MiniList(mine: bool, empty: &'static str) -> impl IntoView {
    let shown = RwSignal::new(Vec::<IncidentId>::new());
    let tick = crate::live::follow_list(move || shown.get_untracked());
    let page = Resource::new(
        move || tick.get(),
        move |_| {
            let filter = IncidentFilter {
                statuses: if mine {
                    vec![Status::Open, Status::Acknowledged, Status::Snoozed]
                } else {
                    vec![]
                },
                mine,
                ..IncidentFilter::default()
            };
            list_incidents(filter, None, 8)
        },
    );
    Effect::new(move |_| {
        if let Some(Ok(p)) = page.get() {
            shown.set(p.incidents.iter().map(|i| i.id).collect());
        }
    });
    view! {
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
            {move || page.get().map(|r| match r {
                Ok(p) if p.incidents.is_empty() => view! { <p class="muted">{empty}</p> }.into_any(),
                Ok(p) => view! {
                    <ul class="mini" data-testid=if mine { "my-incidents" } else { "recent-incidents" }>
                        {p.incidents.into_iter().map(|i| view! { <MiniRow base=i/> }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn MiniRow(base: IncidentSummary) -> impl IntoView {
    let live = crate::live::use_live();
    let id = base.id;
    let i = Memo::new(move |_| live.current(&base));
    view! {
        <li class="mini__row" class:flash=move || live.is_flashing(id)>
            {move || view! { <UrgencyBadge urgency=i.with(|i| i.urgency)/> }}
            {move || view! { <StatusBadge status=i.with(|i| i.status)/> }}
            <a class="mini__title" href=format!("/incidents/{id}")>"#"{i.with_untracked(|i| i.number)}" "{move || i.with(|i| i.title.clone())}</a>
            <span class="muted small nowrap"><Time at=i.with_untracked(|i| i.created_at)/></span>
        </li>
    }
}
