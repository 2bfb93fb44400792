//! `/postmortems`: the postmortems with a status filter, and the overdue action items per
//! team; and the incident page's "Write postmortem" / "Postmortem" button.

use leptos::prelude::*;

use super::api::{CreatePostmortem, list_postmortems, postmortem_of_incident};
use super::{PmStatus, PostmortemRow, TeamOverdue};
use crate::components::time::{CurrentUser, Time};
use crate::domain::{IncidentId, PostmortemId};

#[component]
pub fn PostmortemsPage() -> impl IntoView {
    let status = RwSignal::new(String::new());
    let data = Resource::new(
        move || status.get(),
        |s| async move { list_postmortems((!s.is_empty()).then_some(s)).await },
    );
    view! {
        <leptos_meta::Title text="Postmortems · OpsKnight"/>
        <header class="page-head"><h1>"Postmortems"</h1><a href="/incidents">"Incidents"</a></header>
        <p class="muted">"One per resolved incident, written from its timeline: what happened, why, and what we will do about it. Open a resolved incident and choose “Write postmortem”."</p>
        <div class="toolbar">
            <label for="pm-status">"Status"</label>
            <select id="pm-status" on:change=move |e| status.set(event_target_value(&e))>
                <option value="">"Any"</option>
                {PmStatus::ALL.map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
            </select>
        </div>
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading postmortems…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(list) => view! {
                    <div class="stack">
                        <section class="card" aria-labelledby="pm-h">
                            <h2 id="pm-h" class="card__title">"Postmortems"</h2>
                            {if list.postmortems.is_empty() {
                                view! { <p class="empty" data-testid="postmortems-empty">"No postmortems yet."</p> }.into_any()
                            } else {
                                view! { <PostmortemTable rows=list.postmortems/> }.into_any()
                            }}
                        </section>
                        <section class="card" aria-labelledby="od-h" data-testid="overdue">
                            <h2 id="od-h" class="card__title">"Overdue action items"</h2>
                            {if list.overdue.is_empty() {
                                view! { <p class="empty">"No action item is past its due date."</p> }.into_any()
                            } else {
                                list.overdue.into_iter().map(|t| view! { <TeamOverdueList team=t/> }).collect_view().into_any()
                            }}
                        </section>
                    </div>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
    }
}

fn badge(status: &str) -> (&'static str, &'static str) {
    match PmStatus::parse(status) {
        Some(PmStatus::Published) => ("badge badge--ok", "Published"),
        Some(PmStatus::InReview) => ("badge badge--medium", "In review"),
        _ => ("badge", "Draft"),
    }
}

#[component]
fn PostmortemTable(rows: Vec<PostmortemRow>) -> impl IntoView {
    view! {
        <table class="table" data-testid="postmortems">
            <thead><tr><th>"Title"</th><th>"Incident"</th><th>"Team"</th><th>"Status"</th><th class="num">"Open items"</th><th>"Updated"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|p| {
                    let (class, label) = badge(&p.status);
                    view! {
                        <tr>
                            <td><a href=format!("/postmortems/{}", p.id)>{p.title}</a></td>
                            <td>"#"{p.incident_number}" · "{p.service_name}</td>
                            <td>{p.team_name.unwrap_or_else(|| "—".into())}</td>
                            <td><span class=class>{label}</span></td>
                            <td class="num">{p.open_actions}</td>
                            <td><Time at=p.updated_at/></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn TeamOverdueList(team: TeamOverdue) -> impl IntoView {
    view! {
        <h3 class="small">{team.team.clone()}</h3>
        <ul class="pm-overdue">
            {team.items.into_iter().map(|i| view! {
                <li>
                    <span class="badge badge--high">{format!("due {}", i.due_on)}</span>" "
                    {i.title}" · "{i.owner.unwrap_or_else(|| "no owner".into())}" · "
                    <a href=format!("/postmortems/{}", i.postmortem_id)>{i.postmortem_title}</a>
                </li>
            }).collect_view()}
        </ul>
    }
}

/// On a resolved incident's page: a link to its postmortem, or (for RESPONDERs) a button
/// that drafts one and opens it.
#[component]
pub fn PostmortemButton(incident: IncidentId) -> impl IntoView {
    let me = expect_context::<CurrentUser>();
    let create = ServerAction::<CreatePostmortem>::new();
    // Loaded after hydration (an effect runs in the browser only): a Transition of its own
    // nested in the incident page's would risk a hydration mismatch (see ServicePage).
    let existing = RwSignal::new(None::<Option<PostmortemId>>);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(found) = postmortem_of_incident(incident).await {
                existing.set(Some(found));
            }
        });
    });
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            navigate(&format!("/postmortems/{id}"), Default::default());
        }
    });
    view! {
        {move || existing.get().map(|found| match found {
                Some(id) => view! { <a class="btn" href=format!("/postmortems/{id}")>"Postmortem"</a> }.into_any(),
                None if me.can_write() => view! {
                    <button class="btn" type="button" disabled=move || create.pending().get()
                        on:click=move |_| { create.dispatch(CreatePostmortem { incident_id: incident }); }>"Write postmortem"</button>
                    {move || create.value().get().and_then(Result::err).map(|e| view! { <span class="error" role="alert">{e.user_message()}</span> })}
                }.into_any(),
                None => ().into_any(),
            })}
    }
}
