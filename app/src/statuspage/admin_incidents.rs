//! The hand-written incidents card of `/settings/status`: the incidents with their update
//! stream, the form that publishes one, the form that posts an update; and the `Pick` and
//! `TextArea` fields those forms share with the components form.

use leptos::prelude::*;

use super::admin_page::Actions;
use super::api::{CreateStatusIncident, UpdateStatusIncident};
use super::{AdminComponent, AdminOverview, Impact, IncidentStatus, IncidentView, NewIncident};
use crate::components::form::{FormError, action_error};
use crate::components::time::Time;
use crate::domain::{StatusComponentId, StatusIncidentId};
use crate::error::AppError;

fn field_message(error: Signal<Option<AppError>>, name: &'static str) -> Option<String> {
    error
        .get()
        .filter(|e| e.field() == Some(name))
        .map(|e| e.user_message())
}

/// A labelled `<select>` with owned options and a form-scoped id, showing its field's error.
#[component]
pub(super) fn Pick(
    form: &'static str,
    name: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<AppError>>,
    options: Vec<(String, String)>,
) -> impl IntoView {
    let id = format!("f-{form}-{name}");
    let err_id = format!("{id}-err");
    let message = move || field_message(error, name);
    view! {
        <div class="field" class:field--error=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            <select id=id name=name aria-describedby=err_id.clone()
                on:change=move |ev| value.set(event_target_value(&ev))>
                {options.into_iter().map(|(v, text)| {
                    let key = v.clone();
                    view! { <option value=v selected=move || value.get() == key>{text}</option> }
                }).collect_view()}
            </select>
            <p class="field__error" id=err_id role="alert">{message}</p>
        </div>
    }
}

/// A labelled `<textarea>` with a form-scoped id, showing its field's error.
#[component]
pub(super) fn TextArea(
    form: &'static str,
    name: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = format!("f-{form}-{name}");
    let err_id = format!("{id}-err");
    let message = move || field_message(error, name);
    view! {
        <div class="field" class:field--error=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            <textarea id=id name=name rows="4" aria-describedby=err_id.clone()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))></textarea>
            <p class="field__error" id=err_id role="alert">{message}</p>
        </div>
    }
}

fn statuses() -> Vec<(String, String)> {
    IncidentStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), s.label().to_owned()))
        .collect()
}

#[component]
pub(super) fn IncidentsCard(overview: AdminOverview, act: Actions) -> impl IntoView {
    let names: Vec<(StatusComponentId, String)> = overview
        .components
        .iter()
        .map(|c| (c.id, c.display_name.clone()))
        .collect();
    let open: Vec<(String, String)> = overview
        .incidents
        .iter()
        .filter(|i| i.status != IncidentStatus::Resolved)
        .map(|i| (i.id.to_string(), i.name.clone()))
        .collect();
    let list = if overview.incidents.is_empty() {
        view! { <p class="empty" data-testid="status-incidents-empty">"No status incidents yet. Publish one below when customers should hear about a problem."</p> }.into_any()
    } else {
        overview
            .incidents
            .into_iter()
            .map(|i| view! { <IncidentItem incident=i names=names.clone()/> })
            .collect_view()
            .into_any()
    };
    view! {
        <section class="card" aria-labelledby="sp-inc-h" data-testid="status-incidents">
            <h2 id="sp-inc-h" class="card__title">"Status incidents"</h2>
            {list}
            <NewIncidentForm action=act.create components=overview.components/>
            {(!open.is_empty()).then(|| view! { <UpdateForm action=act.update open=open/> })}
        </section>
    }
}

#[component]
fn IncidentItem(incident: IncidentView, names: Vec<(StatusComponentId, String)>) -> impl IntoView {
    let affected = incident
        .components
        .iter()
        .filter_map(|id| names.iter().find(|(c, _)| c == id).map(|(_, n)| n.clone()))
        .collect::<Vec<_>>()
        .join(", ");
    let badge = if incident.status == IncidentStatus::Resolved {
        "badge badge--ok"
    } else {
        "badge badge--medium"
    };
    let created = incident.created_at;
    view! {
        <article class="stack">
            <h3>{incident.name.clone()}" "<span class=badge>{incident.status.label()}</span></h3>
            <p class="muted small">
                {format!("Impact {} · ", incident.impact.label().to_lowercase())}
                {if affected.is_empty() { "no components".to_owned() } else { affected }}
                " · opened "<Time at=created/>
            </p>
            <ul>
                {incident.updates.into_iter().map(|u| {
                    let at = u.created_at;
                    view! { <li><strong>{u.status.label()}</strong>" · "<Time at=at/>" — "{u.body}</li> }
                }).collect_view()}
            </ul>
        </article>
    }
}

#[component]
fn NewIncidentForm(
    action: ServerAction<CreateStatusIncident>,
    components: Vec<AdminComponent>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let status = RwSignal::new(IncidentStatus::Investigating.as_str().to_owned());
    let impact = RwSignal::new(Impact::Minor.as_str().to_owned());
    let body = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<StatusComponentId>::new());
    let error = action_error(action);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(CreateStatusIncident {
            incident: NewIncident {
                name: name.get_untracked(),
                impact: impact.get_untracked(),
                status: status.get_untracked(),
                body: body.get_untracked(),
                component_ids: chosen.get_untracked(),
            },
        });
    };
    let impacts = Impact::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), s.label().to_owned()))
        .collect();
    view! {
        <form class="form" on:submit=submit novalidate data-testid="status-incident-form">
            <h3>"Publish an incident"</h3>
            <crate::components::field::Field name="name" form="si" label="Title" value=name error=error hint="Public: the page and subscribers' emails show it."/>
            <Pick form="si" name="status" label="Status" value=status error=error options=statuses()/>
            <Pick form="si" name="impact" label="Impact" value=impact error=error options=impacts/>
            <fieldset class="field check-grid">
                <legend>"Affected components"</legend>
                {components.into_iter().map(|c| {
                    let id = c.id;
                    view! {
                        <label class="check"><input type="checkbox"
                            prop:checked=move || chosen.get().contains(&id)
                            on:change=move |e| { let on = event_target_checked(&e); chosen.update(|v| { v.retain(|x| *x != id); if on { v.push(id); } }); }/>
                            {format!(" {}", c.display_name)}</label>
                    }
                }).collect_view()}
                <p class="field__error" role="alert">{move || field_message(error, "component_ids")}</p>
            </fieldset>
            <TextArea form="si" name="body" label="Message" value=body error=error/>
            <FormError error=error fields=&["name", "status", "impact", "component_ids", "body"]/>
            <div class="form__actions"><button class="btn btn--primary" type="submit" disabled=move || action.pending().get()>"Publish incident"</button></div>
        </form>
    }
}

#[component]
fn UpdateForm(
    action: ServerAction<UpdateStatusIncident>,
    open: Vec<(String, String)>,
) -> impl IntoView {
    let incident = RwSignal::new(open.first().map(|(id, _)| id.clone()).unwrap_or_default());
    let status = RwSignal::new(IncidentStatus::Identified.as_str().to_owned());
    let body = RwSignal::new(String::new());
    let error = action_error(action);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(UpdateStatusIncident {
            id: incident
                .get_untracked()
                .parse::<StatusIncidentId>()
                .unwrap_or_default(),
            status: status.get_untracked(),
            body: body.get_untracked(),
        });
    };
    view! {
        <form class="form" on:submit=submit novalidate data-testid="status-update-form">
            <h3>"Post an update"</h3>
            <Pick form="su" name="id" label="Incident" value=incident error=error options=open/>
            <Pick form="su" name="status" label="Status" value=status error=error options=statuses()/>
            <TextArea form="su" name="body" label="Message" value=body error=error/>
            <FormError error=error fields=&["id", "status", "body"]/>
            <div class="form__actions"><button class="btn btn--primary" type="submit" disabled=move || action.pending().get()>"Post update"</button></div>
        </form>
    }
}
