//! `/incidents` (filters, search, multi-select acknowledge/resolve, paging) and
//! `/incidents/{id}` (actions, snooze, notes, timeline, alerts with raw payloads).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::IncidentFilter;
use super::api::{
    AcknowledgeIncidents, AddNote, AssignIncident, CreateIncident, ReopenIncidents,
    ResolveIncidents, SetPriority, SnoozeIncidents, get_incident, list_incidents,
};
use super::badges::{StatusBadge, UrgencyBadge};
use super::widgets::{NoteForm, optimistic_actions};
use crate::components::form::FormError;
use crate::components::pager::{CursorPager, current_cursor, cursor_stack, reset_cursors};
use crate::components::time::Time;
use crate::domain::{IncidentId, Status, Urgency};

const PAGE: i64 = 50;

fn statuses(choice: &str) -> Vec<Status> {
    match choice {
        "active" => vec![Status::Open, Status::Acknowledged, Status::Snoozed],
        "all" => vec![],
        other => Status::parse(other).into_iter().collect(),
    }
}

#[component]
pub fn IncidentsPage() -> impl IntoView {
    let status = RwSignal::new("active".to_owned());
    let urgency = RwSignal::new(String::new());
    let mine = RwSignal::new(false);
    let service = RwSignal::new(String::new());
    let team = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let choices = Resource::new(
        || (),
        |_| async {
            let services = crate::services::api::list_services()
                .await
                .unwrap_or_default();
            let teams = crate::teams::api::list_teams().await.unwrap_or_default();
            (services, teams)
        },
    );
    let cursors = cursor_stack();
    let selected = RwSignal::new(Vec::<IncidentId>::new());
    let ack = ServerAction::<AcknowledgeIncidents>::new();
    let resolve = ServerAction::<ResolveIncidents>::new();
    // New incidents (or a reset) reload the first page; changed rows update in place.
    let shown = RwSignal::new(Vec::<IncidentId>::new());
    let live = crate::live::use_live();
    let fresh = crate::live::follow_list(move || {
        if current_cursor(cursors).is_none() {
            shown.get_untracked()
        } else {
            // Later pages do not grow with new incidents.
            live.last.get_untracked()
        }
    });
    let page = Resource::new(
        move || {
            (
                status.get(),
                urgency.get(),
                mine.get(),
                (service.get(), team.get()),
                query.get(),
                current_cursor(cursors),
                ack.version().get() + resolve.version().get() + fresh.get(),
            )
        },
        |(s, u, mine, (svc, team), q, before, _)| {
            let filter = IncidentFilter {
                statuses: statuses(&s),
                urgencies: Urgency::parse(&u).into_iter().collect(),
                mine,
                service_id: svc.parse().ok(),
                team_id: team.parse().ok(),
                query: q,
            };
            list_incidents(filter, before, PAGE)
        },
    );
    Effect::new(move |_| {
        if let Some(Ok(p)) = page.get() {
            shown.set(p.incidents.iter().map(|i| i.id).collect());
        }
    });
    let reset = move || {
        reset_cursors(cursors);
        selected.set(vec![]);
    };
    let cursor = RwSignal::new(None::<IncidentId>);
    list_shortcuts(shown, selected, cursor, ack, resolve);
    optimistic_actions(ack, resolve);
    Effect::new(move |_| {
        if ack.version().get() + resolve.version().get() > 0 {
            selected.set(vec![]);
        }
    });
    view! {
        <leptos_meta::Title text="Incidents · OpsKnight"/>
        <header class="page-head"><h1>"Incidents"</h1></header>
        <div class="toolbar" role="search">
            <label class="inline">"Status "
                <select aria-label="Status" on:change=move |ev| { status.set(event_target_value(&ev)); reset(); }>
                    <option value="active" selected=true>"Active"</option>
                    <option value="OPEN">"Open"</option>
                    <option value="ACKNOWLEDGED">"Acknowledged"</option>
                    <option value="SNOOZED">"Snoozed"</option>
                    <option value="RESOLVED">"Resolved"</option>
                    <option value="all">"All"</option>
                </select>
            </label>
            <label class="inline">"Urgency "
                <select aria-label="Urgency" on:change=move |ev| { urgency.set(event_target_value(&ev)); reset(); }>
                    <option value="">"Any"</option>
                    <option value="HIGH">"High"</option>
                    <option value="MEDIUM">"Medium"</option>
                    <option value="LOW">"Low"</option>
                </select>
            </label>
            <Transition fallback=|| ()>
                {move || choices.get().map(|(services, teams)| view! {
                    <label class="inline">"Service "
                        <select aria-label="Service" on:change=move |ev| { service.set(event_target_value(&ev)); reset(); }>
                            <option value="">"Any"</option>
                            {services.into_iter().map(|s| view! { <option value=s.id.to_string()>{s.name}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="inline">"Team "
                        <select aria-label="Team" on:change=move |ev| { team.set(event_target_value(&ev)); reset(); }>
                            <option value="">"Any"</option>
                            {teams.into_iter().map(|t| view! { <option value=t.id.to_string()>{t.name}</option> }).collect_view()}
                        </select>
                    </label>
                })}
            </Transition>
            <label class="check"><input type="checkbox" on:change=move |ev| { mine.set(event_target_checked(&ev)); reset(); }/>"Mine and my teams'"</label>
            <input class="search" type="search" placeholder="Search title or #number" aria-label="Search incidents"
                on:input=move |ev| { query.set(event_target_value(&ev)); reset(); }/>
            <span class="toolbar__spacer"></span>
            <button class="btn" type="button" disabled=move || selected.with(Vec::is_empty) || ack.pending().get()
                aria-busy=move || ack.pending().get().to_string()
                on:click=move |_| { ack.dispatch(AcknowledgeIncidents { ids: selected.get_untracked() }); }>
                "Acknowledge"
            </button>
            <button class="btn" type="button" disabled=move || selected.with(Vec::is_empty) || resolve.pending().get()
                aria-busy=move || resolve.pending().get().to_string()
                on:click=move |_| { resolve.dispatch(ResolveIncidents { ids: selected.get_untracked() }); }>
                "Resolve"
            </button>
        </div>
        <NewIncident/>
        <section class="card">
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading incidents…"</p> }>
                {move || page.get().map(|r| match r {
                    Ok(p) if p.incidents.is_empty() => view! {
                        <p class="muted" data-testid="no-incidents">"No incidents match. Quiet is good."</p>
                    }.into_any(),
                    Ok(p) => {
                        let next = p.next_before;
                        view! {
                            <table class="table" data-testid="incidents">
                                <thead><tr>
                                    <th class="sel"><span class="visually-hidden">"Select"</span></th>
                                    <th>"#"</th><th>"Urgency"</th><th>"Status"</th><th>"Title"</th>
                                    <th class="opt">"Service"</th><th class="num opt">"Alerts"</th><th class="opt">"Opened"</th>
                                </tr></thead>
                                <tbody>
                                    {p.incidents.into_iter().map(|i| view! { <IncidentRow base=i selected=selected cursor=cursor/> }).collect_view()}
                                </tbody>
                            </table>
                            <CursorPager cursors=cursors next=next/>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// `j` / `k` move the cursor, `x` selects, `a` / `r` acknowledge / resolve the selection (or
/// the cursor's incident). The listener goes with the page.
fn list_shortcuts(
    shown: RwSignal<Vec<IncidentId>>,
    selected: RwSignal<Vec<IncidentId>>,
    cursor: RwSignal<Option<IncidentId>>,
    ack: ServerAction<AcknowledgeIncidents>,
    resolve: ServerAction<ResolveIncidents>,
) {
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if crate::components::shortcuts::is_typing(&ev) {
                return;
            }
            let rows = shown.get_untracked();
            let at = cursor
                .get_untracked()
                .and_then(|c| rows.iter().position(|r| *r == c));
            let targets = || {
                let sel = selected.get_untracked();
                if sel.is_empty() {
                    cursor.get_untracked().into_iter().collect()
                } else {
                    sel
                }
            };
            match ev.key().as_str() {
                "j" => cursor.set(
                    rows.get(at.map_or(0, |i| (i + 1).min(rows.len().saturating_sub(1))))
                        .copied(),
                ),
                "k" => cursor.set(rows.get(at.map_or(0, |i| i.saturating_sub(1))).copied()),
                "x" => {
                    if let Some(c) = cursor.get_untracked() {
                        selected.update(|s| {
                            if s.contains(&c) {
                                s.retain(|x| *x != c);
                            } else {
                                s.push(c);
                            }
                        });
                    }
                }
                "a" => {
                    let ids = targets();
                    if !ids.is_empty() {
                        ack.dispatch(AcknowledgeIncidents { ids });
                    }
                }
                "r" => {
                    let ids = targets();
                    if !ids.is_empty() {
                        resolve.dispatch(ResolveIncidents { ids });
                    }
                }
                _ => {}
            }
        });
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (shown, selected, cursor, ack, resolve);
}

/// One row of the list, kept current by the live stream and highlighted when it changes.
#[component]
fn IncidentRow(
    base: super::IncidentSummary,
    selected: RwSignal<Vec<IncidentId>>,
    cursor: RwSignal<Option<IncidentId>>,
) -> impl IntoView {
    let live = crate::live::use_live();
    let id = base.id;
    let number = base.number;
    let i = Memo::new(move |_| live.current(&base));
    let link = NodeRef::<leptos::html::A>::new();
    // The keyboard cursor moves focus to its row's link (visible focus, read by screen readers).
    Effect::new(move |_| {
        if cursor.get() == Some(id)
            && let Some(a) = link.get()
        {
            let _ = a.focus();
        }
    });
    view! {
        <tr class:flash=move || live.is_flashing(id) class:row--cursor=move || cursor.get() == Some(id) data-incident=number>
            <td class="sel"><input type="checkbox" aria-label=format!("Select incident {number}")
                prop:checked=move || selected.with(|s| s.contains(&id))
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    selected.update(|s| { s.retain(|x| *x != id); if on { s.push(id); } });
                }/></td>
            <td class="mono">{number}</td>
            <td>{move || view! { <UrgencyBadge urgency=i.with(|i| i.urgency)/> }}</td>
            <td>{move || view! { <StatusBadge status=i.with(|i| i.status)/> }}</td>
            <td><a node_ref=link href=format!("/incidents/{id}")>{move || i.with(|i| i.title.clone())}</a>
                {move || view! { " " <crate::sla::card::SlaFlag sla=i.with(|i| i.sla)/> }}</td>
            <td class="opt">{move || i.with(|i| i.service_name.clone())}</td>
            <td class="num opt">{move || i.with(|i| i.alert_count)}</td>
            <td class="opt nowrap"><Time at=i.with_untracked(|i| i.created_at)/></td>
        </tr>
    }
}

#[component]
pub fn IncidentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|s| s.parse::<IncidentId>().ok()));
    let ack = ServerAction::<AcknowledgeIncidents>::new();
    let resolve = ServerAction::<ResolveIncidents>::new();
    let reopen = ServerAction::<ReopenIncidents>::new();
    let snooze = ServerAction::<SnoozeIncidents>::new();
    let note = ServerAction::<AddNote>::new();
    let priority = ServerAction::<SetPriority>::new();
    let assign = ServerAction::<AssignIncident>::new();
    let people = Resource::new(
        || (),
        |_| async {
            let users = crate::users::api::list_users(String::new(), 1, 200)
                .await
                .map(|p| p.users)
                .unwrap_or_default();
            let teams = crate::teams::api::list_teams().await.unwrap_or_default();
            (users, teams)
        },
    );
    let versions = move || {
        ack.version().get()
            + resolve.version().get()
            + reopen.version().get()
            + snooze.version().get()
            + note.version().get()
            + priority.version().get()
            + assign.version().get()
    };
    let tick = crate::live::follow_one(id);
    let detail = Resource::new(
        move || (id(), versions() + tick.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_incident(id).await,
                None => Err(crate::error::AppError::NotFound {
                    what: "incident".into(),
                }),
            }
        },
    );
    optimistic_actions(ack, resolve);
    let live = crate::live::use_live();
    let error = Signal::derive(move || {
        reopen
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| snooze.value().get().and_then(Result::err))
            .or_else(|| note.value().get().and_then(Result::err))
            .or_else(|| priority.value().get().and_then(Result::err))
            .or_else(|| assign.value().get().and_then(Result::err))
    });
    let minutes = RwSignal::new("60".to_owned());
    let text = RwSignal::new(String::new());
    Effect::new(move |_| {
        if matches!(note.value().get(), Some(Ok(()))) {
            text.set(String::new());
        }
    });
    view! {
        <leptos_meta::Title text="Incident · OpsKnight"/>
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading incident…"</p> }>
            {move || detail.get().map(|r| match r {
                Ok(d) => {
                    let i = d.incident.clone();
                    let iid = i.id;
                    let resolved = i.status == Status::Resolved;
                    let escalates = matches!(i.status, Status::Open | Status::Acknowledged);
                    view! {
                        <header class="page-head incident-head">
                            <div>
                                <p class="muted small"><a href="/incidents">"Incidents"</a>" / #"{i.number}" · "{i.service_name.clone()}</p>
                                <h1>{i.title.clone()}</h1>
                                <p class="incident-head__badges">
                                    <UrgencyBadge urgency=i.urgency/>" "{
                                        let shown = i.clone();
                                        move || view! { <StatusBadge status=live.current(&shown).status/> }
                                    }
                                    " · "{i.alert_count}{if i.alert_count == 1 { " alert" } else { " alerts" }}" · opened "<Time at=i.created_at/>
                                    {i.snoozed_until.map(|t| view! { " · snoozed until " <Time at=t/> })}
                                    {d.sla.map(|sla| view! { " " <crate::sla::card::SlaBadge sla=sla resolved=resolved/> })}
                                </p>
                            </div>
                            <div class="actions" data-testid="incident-actions">
                                <Transition fallback=|| ()>
                                    {move || people.get().map(|(users, teams)| {
                                        let (cu, ct) = (i.assignee_user_id, i.assignee_team_id);
                                        view! {
                                            <select aria-label="Assignee" on:change=move |ev| {
                                                let v = event_target_value(&ev);
                                                let (user_id, team_id) = match v.split_once(':') {
                                                    Some(("u", id)) => (id.parse().ok(), None),
                                                    Some(("t", id)) => (None, id.parse().ok()),
                                                    _ => (None, None),
                                                };
                                                assign.dispatch(AssignIncident { id: iid, user_id, team_id });
                                            }>
                                                <option value="" selected=cu.is_none() && ct.is_none()>"Unassigned"</option>
                                                <optgroup label="People">
                                                    {users.into_iter().map(|u| {
                                                        let selected = cu == Some(u.id);
                                                        view! { <option value=format!("u:{}", u.id) selected=selected>{u.name}</option> }
                                                    }).collect_view()}
                                                </optgroup>
                                                <optgroup label="Teams">
                                                    {teams.into_iter().map(|t| {
                                                        let selected = ct == Some(t.id);
                                                        view! { <option value=format!("t:{}", t.id) selected=selected>{t.name}</option> }
                                                    }).collect_view()}
                                                </optgroup>
                                            </select>
                                        }
                                    })}
                                </Transition>
                                <select aria-label="Priority" on:change=move |ev| {
                                    let p = event_target_value(&ev);
                                    priority.dispatch(SetPriority { id: iid, priority: (!p.is_empty()).then_some(p) });
                                }>
                                    <option value="" selected=i.priority.is_none()>"No priority"</option>
                                    {super::PRIORITIES.into_iter().map(|p| view! {
                                        <option value=p selected=i.priority.as_deref() == Some(p)>{p}</option>
                                    }).collect_view()}
                                </select>
                                {if resolved {
                                    view! {
                                        <crate::postmortems::page::PostmortemButton incident=iid/>
                                        <button class="btn" type="button" on:click=move |_| { reopen.dispatch(ReopenIncidents { ids: vec![iid] }); }>"Reopen"</button>
                                    }.into_any()
                                } else {
                                    view! {
                                        <button class="btn btn--primary" type="button" disabled={
                                                let shown = i.clone();
                                                move || ack.pending().get() || live.current(&shown).status == Status::Acknowledged
                                            }
                                            aria-busy=move || ack.pending().get().to_string()
                                            on:click=move |_| { ack.dispatch(AcknowledgeIncidents { ids: vec![iid] }); }>"Acknowledge"</button>
                                        <select aria-label="Snooze for" on:change=move |ev| minutes.set(event_target_value(&ev))>
                                            <option value="30">"30 min"</option>
                                            <option value="60" selected=true>"1 hour"</option>
                                            <option value="240">"4 hours"</option>
                                            <option value="1440">"1 day"</option>
                                        </select>
                                        <button class="btn" type="button"
                                            on:click=move |_| { snooze.dispatch(SnoozeIncidents { ids: vec![iid], minutes: minutes.get_untracked().parse().unwrap_or(60) }); }>"Snooze"</button>
                                        <button class="btn" type="button" disabled=move || resolve.pending().get()
                                            aria-busy=move || resolve.pending().get().to_string()
                                            on:click=move |_| { resolve.dispatch(ResolveIncidents { ids: vec![iid] }); }>"Resolve"</button>
                                    }.into_any()
                                }}
                            </div>
                        </header>
                        <super::more::MoreActions id=iid open=escalates resolved=resolved/>
                        <FormError error=error/>
                        <div class="split">
                            <section class="card" aria-labelledby="timeline-h">
                                <h2 id="timeline-h" class="card__title">"Timeline"</h2>
                                <NoteForm note=note incident=iid text=text id="note" label="Add a note"
                                    placeholder="Add a note…" rows=2/>
                                <super::widgets::Timeline entries=d.timeline/>
                            </section>
                            <section class="card" aria-labelledby="alerts-h">
                                <h2 id="alerts-h" class="card__title">"Alerts"</h2>
                                {if d.alerts.is_empty() {
                                    view! { <p class="muted">"Opened by hand; no alerts."</p> }.into_any()
                                } else {
                                    d.alerts.into_iter().map(|a| view! {
                                        <details class="alert">
                                            <summary><span class="mono small">{a.severity}</span>" "{a.summary}" "<span class="muted small"><Time at=a.received_at/></span></summary>
                                            <pre class="payload">{a.payload}</pre>
                                        </details>
                                    }).collect_view().into_any()
                                }}
                                <p class="muted small">"Dedup key: "<code>{d.dedup_key}</code></p>
                                {match d.escalation_policy {
                                    Some(p) => view! { <p class="muted small">"Escalation policy: "{p}</p> }.into_any(),
                                    None => view! { <p class="notice notice--error small" data-testid="no-policy">"This service has no escalation policy: nobody is paged. Choose one on the service's page."</p> }.into_any(),
                                }}
                            </section>
                        </div>
                        <crate::notifications::deliveries::Deliveries deliveries=d.deliveries/>
                    }.into_any()
                }
                Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
    }
}

/// Opening an incident by hand (responders): collapsed until needed.
#[component]
fn NewIncident() -> impl IntoView {
    use crate::components::field::Field;
    use crate::components::form::{SelectField, action_error};
    let services = Resource::new(|| (), |_| crate::services::api::list_services());
    let create = ServerAction::<CreateIncident>::new();
    let service = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let urgency = RwSignal::new("HIGH".to_owned());
    let error = action_error(create);
    view! {
        <details class="card new-incident">
            <summary>"Open an incident by hand"</summary>
            <form class="form form--inline" on:submit=move |ev| {
                ev.prevent_default();
                match service.get_untracked().parse() {
                    Ok(service_id) => { create.dispatch(CreateIncident { service_id, title: title.get_untracked(), description: String::new(), urgency: urgency.get_untracked() }); }
                    Err(_) => { create.value().set(Some(Err(crate::error::AppError::invalid("service_id", "choose a service")))); }
                }
            } novalidate>
                <div class="field">
                    <label for="f-service_id">"Service"</label>
                    <Transition fallback=|| view! { <select id="f-service_id" disabled=true></select> }>
                        {move || services.get().map(|r| {
                            let list = r.unwrap_or_default();
                            view! {
                                <select id="f-service_id" on:change=move |ev| service.set(event_target_value(&ev))>
                                    <option value="">"Choose…"</option>
                                    {list.into_iter().map(|s| view! { <option value=s.id.to_string()>{s.name}</option> }).collect_view()}
                                </select>
                            }
                        })}
                    </Transition>
                    <p class="field__error" role="alert">{move || error.get().filter(|e| e.field() == Some("service_id")).map(|e| e.user_message())}</p>
                </div>
                <Field name="title" label="Title" value=title error=error/>
                <SelectField name="urgency" label="Urgency" value=urgency error=error options=vec![("HIGH", "High"), ("MEDIUM", "Medium"), ("LOW", "Low")]/>
                <FormError error=error fields=&["service_id", "title", "urgency"]/>
                <div class="form__actions">
                    <button class="btn btn--primary" type="submit">"Open incident"</button>
                    {move || matches!(create.value().get(), Some(Ok(_))).then(|| view! { <span class="muted" role="status">"Opened"</span> })}
                </div>
            </form>
        </details>
    }
}
