//! The phone's incident screens: `/m` (mine, or every open incident, as large cards with
//! acknowledge / resolve buttons) and `/m/incidents/{id}` (actions, a note, the timeline).
//! Both follow the live stream.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::api::{AddNote, get_incident, list_incidents};
use super::badges::{StatusBadge, UrgencyBadge};
use super::widgets::{ActButtons, Acting, NoteForm, Timeline};
use super::{IncidentFilter, IncidentSummary};
use crate::components::form::FormError;
use crate::components::time::Time;
use crate::domain::{IncidentId, Status};

const PAGE: i64 = 50;

#[component]
pub fn MobileIncidents() -> impl IntoView {
    // `?view=all`: every open incident; otherwise mine (a link, so the server renders either).
    let query = leptos_router::hooks::use_query_map();
    let mine = Memo::new(move |_| query.with(|q| q.get("view").as_deref() != Some("all")));
    let more = RwSignal::new(PAGE);
    let shown = RwSignal::new(Vec::<IncidentId>::new());
    let tick = crate::live::follow_list(move || shown.get_untracked());
    let page = Resource::new(
        move || (mine.get(), more.get(), tick.get()),
        |(mine, limit, _)| {
            let filter = IncidentFilter {
                statuses: vec![Status::Open, Status::Acknowledged, Status::Snoozed],
                mine,
                ..IncidentFilter::default()
            };
            list_incidents(filter, None, limit)
        },
    );
    Effect::new(move |_| {
        if let Some(Ok(p)) = page.get() {
            shown.set(p.incidents.iter().map(|i| i.id).collect());
        }
    });
    let tab = move |on: bool, label: &'static str, href: &'static str| {
        view! {
            <a class="seg__btn" href=href aria-current=move || (mine.get() == on).then_some("page")
                on:click=move |_| more.set(PAGE)>{label}</a>
        }
    };
    view! {
        <leptos_meta::Title text="Incidents · OpsKnight"/>
        <h1 class="m-title">"Incidents"</h1>
        <nav class="seg" aria-label="Which incidents">
            {tab(true, "Mine", "/m")}
            {tab(false, "All open", "/m?view=all")}
        </nav>
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading incidents…"</p> }>
            {move || page.get().map(|r| match r {
                Ok(p) if p.incidents.is_empty() => view! {
                    <div class="empty" data-testid="no-incidents">
                        <p class="empty__title">{if mine.get_untracked() { "Nothing of yours is open" } else { "No open incidents" }}</p>
                        <p class="muted">{if mine.get_untracked() {
                            "Incidents assigned to you or your teams appear here. Quiet is good."
                        } else {
                            "Every incident is resolved. Quiet is good."
                        }}</p>
                    </div>
                }.into_any(),
                Ok(p) => {
                    let has_more = p.next_before.is_some();
                    view! {
                        <ul class="m-list" data-testid="m-incidents">
                            {p.incidents.into_iter().map(|i| view! { <IncidentCard base=i/> }).collect_view()}
                        </ul>
                        {has_more.then(|| view! {
                            <button class="btn btn--big m-more" type="button" on:click=move |_| more.update(|m| *m = (*m + PAGE).min(super::MAX_PAGE))>
                                "Show more"
                            </button>
                        })}
                    }.into_any()
                }
                Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// One incident as a card: tap the text for details, or act with the buttons.
#[component]
fn IncidentCard(base: IncidentSummary) -> impl IntoView {
    let live = crate::live::use_live();
    let id = base.id;
    let number = base.number;
    let incident = Memo::new(move |_| live.current(&base));
    let acting = Acting::new();
    let status = move || acting.status(incident.with(|i| i.status));
    view! {
        <li class=move || format!("m-inc m-inc--{}", incident.with(|i| i.urgency.as_str().to_lowercase()))
            class:flash=move || live.is_flashing(id) data-incident=number>
            <a class="m-inc__main" href=format!("/m/incidents/{id}")>
                <span class="m-inc__badges">
                    {move || view! { <UrgencyBadge urgency=incident.with(|i| i.urgency)/> }}
                    " "
                    {move || view! { <StatusBadge status=status()/> }}
                    {move || view! { <crate::sla::card::SlaFlag sla=incident.with(|i| i.sla)/> }}
                    <span class="muted small">" #"{number}</span>
                </span>
                <strong class="m-inc__title">{move || incident.with(|i| i.title.clone())}</strong>
                <span class="muted small">
                    {move || incident.with(|i| i.service_name.clone())}" · "<Time at=incident.with_untracked(|i| i.created_at)/>
                </span>
            </a>
            <ActButtons incident=incident acting=acting/>
        </li>
    }
}

#[component]
pub fn MobileIncident() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|s| s.parse::<IncidentId>().ok()));
    let live = crate::live::use_live();
    let note = ServerAction::<AddNote>::new();
    let tick = crate::live::follow_one(id);
    let detail = Resource::new(
        move || (id(), note.version().get(), tick.get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => get_incident(id).await,
                None => Err(crate::error::AppError::NotFound {
                    what: "incident".into(),
                }),
            }
        },
    );
    let text = RwSignal::new(String::new());
    Effect::new(move |_| {
        if matches!(note.value().get(), Some(Ok(()))) {
            text.set(String::new());
        }
    });
    let error = Signal::derive(move || note.value().get().and_then(Result::err));
    let acting = Acting::new();
    view! {
        <leptos_meta::Title text="Incident · OpsKnight"/>
        <p class="m-back"><a href="/m">"← Incidents"</a></p>
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading incident…"</p> }>
            {move || detail.get().map(|r| match r {
                Ok(d) => {
                    let base = d.incident.clone();
                    let iid = base.id;
                    let incident = Memo::new(move |_| live.current(&base));
                    let status = move || acting.status(incident.with(|i| i.status));
                    view! {
                        <article class="m-detail" data-testid="m-incident">
                            <p class="m-inc__badges">
                                {move || view! { <UrgencyBadge urgency=incident.with(|i| i.urgency)/> }}
                                " "
                                {move || view! { <StatusBadge status=status()/> }}
                                <span class="muted small">" #"{d.incident.number}</span>
                            </p>
                            <h1 class="m-title">{move || incident.with(|i| i.title.clone())}</h1>
                            <dl class="kv">
                                <dt>"Service"</dt><dd>{d.incident.service_name.clone()}</dd>
                                <dt>"Opened"</dt><dd><Time at=d.incident.created_at/></dd>
                                <dt>"Assignee"</dt><dd>{move || incident.with(|i| i.assignee.clone()).unwrap_or_else(|| "Unassigned".into())}</dd>
                                <dt>"Alerts"</dt><dd>{move || incident.with(|i| i.alert_count)}</dd>
                            </dl>
                            {(!d.description.is_empty()).then(|| view! { <p class="m-desc">{d.description.clone()}</p> })}
                            <ActButtons incident=incident acting=acting/>
                            <h2 class="m-subtitle">"Add a note"</h2>
                            <NoteForm note=note incident=iid text=text id="m-note" label="Note"
                                placeholder="What did you find?" rows=3 big=true/>
                            <FormError error=error/>
                            <h2 class="m-subtitle">"Timeline"</h2>
                            <Timeline entries=d.timeline/>
                        </article>
                    }.into_any()
                }
                Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
    }
}
