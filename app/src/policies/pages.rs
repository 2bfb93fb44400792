//! Desktop pages for escalation policies: `/policies` (list) and `/policies/:id` (the editor,
//! `new` for a new one) with steps to add, reorder and remove, and a preview of who each
//! step would page right now.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::api::{
    CreatePolicy, DeletePolicy, UpdatePolicy, get_policy, list_policies, preview_policy,
};
use super::{Policy, Step};
use crate::components::field::Field;
use crate::components::form::FormError;
use crate::components::time::CurrentUser;
use crate::domain::PolicyId;

#[component]
pub fn PoliciesPage() -> impl IntoView {
    let me = expect_context::<CurrentUser>();
    let policies = Resource::new(|| (), |_| list_policies());
    view! {
        <leptos_meta::Title text="Escalation policies · OpsKnight"/>
        <header class="page-head">
            <h1>"Escalation policies"</h1>
            <Transition fallback=|| ()>
                {move || me.can_write().then(|| view! { <a class="btn btn--primary" href="/policies/new">"New policy"</a> })}
            </Transition>
        </header>
        <div class="stack">
            <section class="card" aria-label="Policy list">
                <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading policies…"</p> }>
                    {move || policies.get().map(|r| match r {
                        Ok(list) if list.is_empty() => view! {
                            <p class="muted">"No escalation policies yet. A policy says who is paged, in which order, and how long each step waits before the next."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <table class="table" data-testid="policies">
                                <thead><tr><th>"Policy"</th><th class="opt">"Team"</th><th class="num">"Steps"</th><th class="num">"Repeats"</th><th class="num">"Services"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|p| view! {
                                        <tr>
                                            <td><a href=format!("/policies/{}", p.id)>{p.name}</a>
                                                <div class="muted small">{p.description}</div></td>
                                            <td class="opt">{p.team_name.unwrap_or_else(|| "—".into())}</td>
                                            <td class="num">{p.steps}</td>
                                            <td class="num">{p.repeat_count}</td>
                                            <td class="num">{p.services}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                    })}
                </Transition>
            </section>
        </div>
    }
}

/// `/policies/:id`: loads the policy (or starts a new one) and shows the editor.
#[component]
pub fn PolicyPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let policy = Resource::new(id, |id| async move {
        match id.parse::<PolicyId>() {
            Ok(pid) => get_policy(pid).await.map(Some),
            Err(_) => Ok(None),
        }
    });
    view! {
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading policy…"</p> }>
            {move || policy.get().map(|r| match r {
                Ok(p) => view! { <PolicyEditor policy=p/> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn PolicyEditor(policy: Option<Policy>) -> impl IntoView {
    let me = expect_context::<CurrentUser>();
    let existing = policy.as_ref().map(|p| p.id);
    let name = RwSignal::new(policy.as_ref().map(|p| p.name.clone()).unwrap_or_default());
    let description = RwSignal::new(
        policy
            .as_ref()
            .map(|p| p.description.clone())
            .unwrap_or_default(),
    );
    let repeat = RwSignal::new(policy.as_ref().map_or(0, |p| p.repeat_count).to_string());
    let team = RwSignal::new(
        policy
            .as_ref()
            .and_then(|p| p.team_id)
            .map(|t| t.to_string())
            .unwrap_or_default(),
    );
    let steps = RwSignal::new(policy.as_ref().map(|p| p.steps.clone()).unwrap_or_else(|| {
        vec![Step {
            delay_minutes: 15,
            channels: Vec::new(),
            targets: Vec::new(),
            conditions: None,
        }]
    }));
    let services = policy
        .as_ref()
        .map(|p| p.services.clone())
        .unwrap_or_default();
    // Step editors re-render when steps are added, removed or moved, not on every keystroke.
    let step_count = Memo::new(move |_| steps.with(Vec::len));
    // Loaded once for every step's target pickers.
    let users = Resource::new(
        || (),
        |_| crate::users::api::list_users(String::new(), 1, 200),
    );
    let teams = Resource::new(|| (), |_| crate::teams::api::list_teams());
    let schedules = Resource::new(|| (), |_| crate::schedules::api::list_schedules());
    let create = ServerAction::<CreatePolicy>::new();
    let update = ServerAction::<UpdatePolicy>::new();
    let delete = ServerAction::<DeletePolicy>::new();
    let error = Signal::derive(move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| update.value().get().and_then(Result::err))
            .or_else(|| delete.value().get().and_then(Result::err))
    });
    let navigate = use_navigate();
    let nav = navigate.clone();
    Effect::new(move |_| {
        if let Some(Ok(p)) = create.value().get() {
            nav(&format!("/policies/{}", p.id), Default::default());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            navigate("/policies", Default::default());
        }
    });
    let preview = Resource::new(
        move || update.version().get(),
        move |_| async move {
            match existing {
                Some(id) => preview_policy(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let repeat_count = repeat.get_untracked().trim().parse::<i32>().unwrap_or(-1);
        let (name, description, steps) = (
            name.get_untracked(),
            description.get_untracked(),
            steps.get_untracked(),
        );
        let team_id = team.get_untracked().parse().ok();
        match existing {
            Some(id) => {
                update.dispatch(UpdatePolicy {
                    id,
                    name,
                    description,
                    team_id,
                    repeat_count,
                    steps,
                });
            }
            None => {
                create.dispatch(CreatePolicy {
                    name,
                    description,
                    team_id,
                    repeat_count,
                    steps,
                });
            }
        }
    };
    let title = if existing.is_some() {
        "Edit escalation policy"
    } else {
        "New escalation policy"
    };
    view! {
        <leptos_meta::Title text="Escalation policy · OpsKnight"/>
        <header class="page-head"><h1>{title}</h1><a class="btn btn--quiet" href="/policies">"All policies"</a></header>
        <div class="stack">
            {view! {
            <form class="card form" on:submit=on_submit novalidate data-testid="policy-form">
                <div class="form--inline form">
                    <Field name="name" label="Name" value=name error=error/>
                    <Field name="description" label="Description" value=description error=error/>
                    <Field name="repeat_count" label="Repeat (0–9 more passes)" kind="number" value=repeat error=error/>
                    <crate::teams::picker::TeamPicker form="policy" value=team error=error
                        teams=Signal::derive(move || teams.get().and_then(Result::ok).unwrap_or_default())/>
                </div>
                <ol class="steps" aria-label="Steps">
                    {move || {
                        let n = step_count.get();
                        (0..n).map(|i| view! { <super::step_editor::StepEditor index=i steps=steps error=error users=users teams=teams schedules=schedules/> }).collect_view()
                    }}
                </ol>
                <div class="form__actions">
                    <button class="btn" type="button" data-testid="add-step" on:click=move |_| steps.update(|s| s.push(Step {
                        delay_minutes: 15, channels: Vec::new(), targets: Vec::new(), conditions: None }))>"Add step"</button>
                </div>
                <FormError error=error fields=&["name", "description", "repeat_count", "team_id"]/>
                <Transition fallback=|| ()>
                    {move || me.can_write().then(|| view! {
                        <div class="form__actions">
                            <button class="btn btn--primary" type="submit" data-testid="save-policy"
                                disabled=move || create.pending().get() || update.pending().get()>"Save policy"</button>
                            {move || matches!(update.value().get(), Some(Ok(_))).then(|| view! { <span class="muted" role="status">"Saved"</span> })}
                            {existing.map(|id| view! {
                                <button class="btn btn--quiet" type="button" on:click=move |_| { delete.dispatch(DeletePolicy { id }); }>"Delete policy"</button>
                            })}
                        </div>
                    })}
                </Transition>
            </form>
            }.into_any()}
            {existing.is_some().then(|| view! {
                <section class="card" aria-labelledby="preview-h" data-testid="preview">
                    <h2 id="preview-h" class="card__title">"Who would be paged right now"</h2>
                    <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Resolving…"</p> }>
                        {move || preview.get().map(|r| match r {
                            Ok(Some(list)) => view! {
                                <ul class="preview">
                                    {list.into_iter().map(|s| view! {
                                        <li>
                                            <strong>{format!("Step {}", s.step + 1)}</strong>
                                            {if s.users.is_empty() {
                                                view! { <span class="badge badge--high">"nobody: this step is skipped"</span> }.into_any()
                                            } else {
                                                view! { <span>{s.users.iter().map(|u| u.name.clone()).collect::<Vec<_>>().join(", ")}</span> }.into_any()
                                            }}
                                            <span class="muted small">{format!(" · then {} min", s.delay_minutes)}</span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Ok(None) => ().into_any(),
                            Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                        })}
                    </Transition>
                </section>
                <section class="card" aria-labelledby="used-h">
                    <h2 id="used-h" class="card__title">"Used by"</h2>
                    {if services.is_empty() {
                        view! { <p class="muted">"No service uses this policy yet. Pick it on a service's page."</p> }.into_any()
                    } else {
                        view! { <ul>{services.clone().into_iter().map(|s| view! {
                            <li><a href=format!("/services/{}", s.id)>{s.name}</a></li>
                        }).collect_view()}</ul> }.into_any()
                    }}
                </section>
            })}
        </div>
    }
}
