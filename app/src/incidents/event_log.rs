//! `/events`: the live event log. Every inbound event as it arrives (action, service, dedup
//! key, summary, severity, the incident it touched), for watching an integration while you
//! wire it. Fed by `GET /api/events/stream` (RESPONDER and ADMIN); nothing is stored here.

use leptos::prelude::*;

use super::{EventAction, EventDigest};
use crate::components::time::Time;

/// Events kept on the page, newest first.
#[cfg(feature = "hydrate")]
const KEEP: usize = 200;

#[component]
pub fn EventLogPage() -> impl IntoView {
    let events = RwSignal::new(Vec::<EventDigest>::new());
    let connected = RwSignal::new(false);
    let paused = RwSignal::new(false);
    let services = Resource::new(|| (), |_| crate::services::api::list_services());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let stream = crate::live::open_stream(
            "/api/events/stream",
            &["event"],
            connected,
            move |_, data| {
                if paused.get_untracked() {
                    return;
                }
                if let Ok(batch) = serde_json::from_str::<Vec<EventDigest>>(data) {
                    events.update(|v| {
                        for e in batch {
                            v.insert(0, e);
                        }
                        v.truncate(KEEP);
                    });
                }
            },
        );
        StoredValue::new_local(stream);
    });
    let service_name = move |id: crate::domain::ServiceId| {
        services
            .get()
            .and_then(Result::ok)
            .and_then(|list| list.into_iter().find(|s| s.id == id).map(|s| s.name))
            .unwrap_or_else(|| "(a service)".to_owned())
    };
    view! {
        <leptos_meta::Title text="Event log · OpsKnight"/>
        <header class="page-head">
            <h1>"Event log"</h1>
            <span class="live" data-state=move || if connected.get() { "on" } else { "off" }>
                <span class="live__dot" aria-hidden="true"></span>
                <span>{move || if connected.get() { "Listening" } else { "Connecting… (RESPONDER or ADMIN only)" }}</span>
            </span>
        </header>
        <p class="muted">"Every event your integrations receive, as it arrives. Send a test event and watch it land; nothing here is stored."</p>
        <div class="toolbar">
            <button class="btn" type="button" aria-pressed=move || paused.get().to_string()
                on:click=move |_| paused.update(|p| *p = !*p)>
                {move || if paused.get() { "Resume" } else { "Pause" }}
            </button>
            <button class="btn" type="button" on:click=move |_| events.set(vec![])>"Clear"</button>
        </div>
        <section class="card" aria-live="polite" aria-relevant="additions">
            {move || {
                let list = events.get();
                if list.is_empty() {
                    view! { <p class="muted" data-testid="event-log-empty">"Waiting for events…"</p> }.into_any()
                } else {
                    view! {
                        <table class="table" data-testid="event-log">
                            <thead><tr><th>"Received"</th><th>"Action"</th><th>"Service"</th><th>"Severity"</th><th>"Summary"</th><th>"Dedup key"</th><th>"Incident"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|e| {
                                    let action = match e.action {
                                        EventAction::Trigger => "trigger",
                                        EventAction::Acknowledge => "acknowledge",
                                        EventAction::Resolve => "resolve",
                                    };
                                    view! {
                                        <tr>
                                            <td class="nowrap"><Time at=e.at/></td>
                                            <td>{action}</td>
                                            <td>{service_name(e.service_id)}</td>
                                            <td class="mono">{e.severity.as_str()}</td>
                                            <td>{e.summary}</td>
                                            <td class="mono small">{e.dedup_key}</td>
                                            <td>{match e.incident_id {
                                                Some(id) => view! { <a href=format!("/incidents/{id}")>"open"</a> }.into_any(),
                                                None => view! { <span class="muted small">"none open"</span> }.into_any(),
                                            }}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
        </section>
    }
}
