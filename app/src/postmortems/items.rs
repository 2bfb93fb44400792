//! A postmortem's action items on its page: the table (an overdue one marked), its status
//! changed in place, and the form that adds one (title, type, owner, due date, bug).

use leptos::prelude::*;

use super::api::{DeletePostmortemAction, SavePostmortemAction};
use super::{ActionInput, ActionItem, ActionKind, ActionStatus, PostmortemView};
use crate::components::field::Field;
use crate::components::form::{SelectField, action_error};
use crate::domain::PostmortemId;

/// The item as the API takes it, with another status.
fn with_status(a: &ActionItem, status: &str) -> ActionInput {
    ActionInput {
        id: Some(a.id),
        title: a.title.clone(),
        kind: a.kind.as_str().to_owned(),
        owner_user_id: a.owner_user_id,
        due_on: a.due_on.map(|d| d.to_string()).unwrap_or_default(),
        status: status.to_owned(),
        bug: a.bug.clone(),
    }
}

#[component]
pub fn ActionItems(
    view: PostmortemView,
    save: ServerAction<SavePostmortemAction>,
    remove: ServerAction<DeletePostmortemAction>,
) -> impl IntoView {
    let id = view.postmortem.id;
    let edit = view.can_edit;
    let items = view.postmortem.actions;
    view! {
        <section class="card" aria-labelledby="ai-h">
            <h2 id="ai-h" class="card__title">"Action items"</h2>
            {if items.is_empty() {
                view! { <p class="empty">"No action items yet."</p> }.into_any()
            } else {
                view! {
                    <table class="table" data-testid="pm-actions">
                        <thead><tr><th>"Item"</th><th>"Type"</th><th>"Owner"</th><th>"Due"</th><th>"Status"</th><th>"Bug"</th>{edit.then(|| view! { <th class="num"></th> })}</tr></thead>
                        <tbody>
                            {items.into_iter().map(|a| {
                                let item = a.clone();
                                let aid = a.id;
                                view! {
                                    <tr class:pm-overdue-row=a.overdue>
                                        <td>{a.title.clone()}</td>
                                        <td>{a.kind.label()}</td>
                                        <td>{a.owner.clone().unwrap_or_else(|| "—".into())}</td>
                                        <td>{a.due_on.map(|d| d.to_string()).unwrap_or_else(|| "—".into())}
                                            {a.overdue.then(|| view! { " "<span class="badge badge--high">"overdue"</span> })}</td>
                                        <td>{if edit {
                                            view! {
                                                <select aria-label=format!("Status of {}", a.title) on:change=move |e| {
                                                    save.dispatch(SavePostmortemAction { id, action: with_status(&item, &event_target_value(&e)) });
                                                }>
                                                    {ActionStatus::ALL.map(|s| view! { <option value=s.as_str() selected=s == a.status>{s.label()}</option> }).collect_view()}
                                                </select>
                                            }.into_any()
                                        } else {
                                            a.status.label().into_any()
                                        }}</td>
                                        <td>{a.bug.clone()}</td>
                                        {edit.then(|| view! {
                                            <td class="num"><button class="btn btn--quiet" type="button"
                                                on:click=move |_| { remove.dispatch(DeletePostmortemAction { id, action_id: aid }); }>"Delete"</button></td>
                                        })}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {edit.then(|| view! { <NewItem id=id save=save/> })}
        </section>
    }
}

/// The form that adds an action item.
#[component]
fn NewItem(id: PostmortemId, save: ServerAction<SavePostmortemAction>) -> impl IntoView {
    let title = RwSignal::new(String::new());
    let kind = RwSignal::new(ActionKind::Prevent.as_str().to_owned());
    let owner = RwSignal::new(String::new());
    let due_on = RwSignal::new(String::new());
    let bug = RwSignal::new(String::new());
    let error = action_error(save);
    // Field names as the API reports them ("action.title"); the form's fields by the same.
    // The owners to choose from, loaded in the browser after hydration (no nested Transition).
    let users = RwSignal::new(Vec::<crate::users::UserSummary>::new());
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(page) = crate::users::api::list_users(String::new(), 1, 200).await {
                users.set(page.users);
            }
        });
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SavePostmortemAction {
            id,
            action: ActionInput {
                id: None,
                title: title.get_untracked(),
                kind: kind.get_untracked(),
                owner_user_id: owner.get_untracked().parse().ok(),
                due_on: due_on.get_untracked(),
                status: ActionStatus::Open.as_str().to_owned(),
                bug: bug.get_untracked(),
            },
        });
    };
    view! {
        <form class="form pm-new-item" on:submit=submit novalidate aria-label="Add an action item">
            <Field name="action.title" label="Action item" value=title error=error form="ai"/>
            <SelectField name="action.kind" label="Type" value=kind error=error
                options=ActionKind::ALL.map(|k| (k.as_str(), k.label())).to_vec()/>
            <div class="field">
                <label for="ai-owner">"Owner"</label>
                <select id="ai-owner" on:change=move |e| owner.set(event_target_value(&e))>
                    <option value="">"Nobody yet"</option>
                    {move || users.get().into_iter().map(|u| view! {
                        <option value=u.id.to_string()>{u.name}</option>
                    }).collect_view()}
                </select>
            </div>
            <Field name="action.due_on" label="Due" kind="date" value=due_on error=error form="ai"/>
            <Field name="action.bug" label="Bug or ticket" value=bug error=error form="ai"/>
            {move || error.get().filter(|e| e.field().is_none_or(|f| !f.starts_with("action."))).map(|e| view! { <p class="error" role="alert">{e.user_message()}</p> })}
            <div class="form__actions"><button class="btn btn--primary" type="submit" disabled=move || save.pending().get()>"Add action item"</button></div>
        </form>
    }
}
