//! `/settings/status` (ADMIN): the public status page's settings, its components (service,
//! display name, group, position, manual override) with add, edit and delete, and the
//! hand-written incidents (`admin_incidents.rs`). Everything loads in one resource.

use leptos::prelude::*;

use super::admin_incidents::{IncidentsCard, Pick};
use super::api::{
    CreateStatusIncident, DeleteStatusComponent, SaveStatusComponent, SaveStatusSettings,
    UpdateStatusIncident, status_overview,
};
use super::{AdminComponent, AdminOverview, ComponentInput, ComponentStatus};
use crate::components::field::Field;
use crate::components::form::{FormError, SelectField, action_error, successes};
use crate::domain::{ServiceId, StatusComponentId};
use crate::services::Service;

/// The component form's values, kept outside the resource's view so "Edit" can fill them.
#[derive(Clone, Copy)]
struct ComponentDraft {
    id: RwSignal<Option<StatusComponentId>>,
    service: RwSignal<String>,
    display_name: RwSignal<String>,
    group_name: RwSignal<String>,
    position: RwSignal<String>,
    override_status: RwSignal<String>,
}

impl ComponentDraft {
    fn new() -> Self {
        Self {
            id: RwSignal::new(None),
            service: RwSignal::new(String::new()),
            display_name: RwSignal::new(String::new()),
            group_name: RwSignal::new(String::new()),
            position: RwSignal::new("0".to_owned()),
            override_status: RwSignal::new(String::new()),
        }
    }

    fn fill(self, c: &AdminComponent) {
        self.id.set(Some(c.id));
        self.service.set(c.service_id.to_string());
        self.display_name.set(c.display_name.clone());
        self.group_name.set(c.group_name.clone());
        self.position.set(c.position.to_string());
        self.override_status.set(
            c.override_status
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
        );
    }

    fn clear(self) {
        self.id.set(None);
        self.service.set(String::new());
        self.display_name.set(String::new());
        self.group_name.set(String::new());
        self.position.set("0".to_owned());
        self.override_status.set(String::new());
    }
}

/// The page's server actions, shared by its cards.
#[derive(Clone, Copy)]
pub struct Actions {
    pub settings: ServerAction<SaveStatusSettings>,
    pub save: ServerAction<SaveStatusComponent>,
    pub delete: ServerAction<DeleteStatusComponent>,
    pub create: ServerAction<CreateStatusIncident>,
    pub update: ServerAction<UpdateStatusIncident>,
}

#[component]
pub fn StatusAdminPage() -> impl IntoView {
    let act = Actions {
        settings: ServerAction::new(),
        save: ServerAction::new(),
        delete: ServerAction::new(),
        create: ServerAction::new(),
        update: ServerAction::new(),
    };
    let (s1, s2, s3, s4) = (
        successes(act.settings),
        successes(act.save),
        successes(act.create),
        successes(act.update),
    );
    let draft = ComponentDraft::new();
    Effect::watch(move || s2.get(), move |_, _, _| draft.clear(), false);
    // One resource for the whole page: nested Transitions mis-hydrate here.
    let data = Resource::new(
        move || {
            (
                s1.get(),
                s2.get(),
                s3.get(),
                s4.get(),
                act.delete.version().get(),
            )
        },
        |_| async {
            let overview = status_overview().await?;
            let services = crate::services::api::list_services().await?;
            Ok::<_, crate::error::AppError>((overview, services))
        },
    );
    view! {
        <leptos_meta::Title text="Status page · OpsKnight"/>
        <header class="page-head">
            <h1>"Status page"</h1>
            <a href="/status" target="_blank" rel="noopener">"Open the public page"</a>
        </header>
        <p class="muted">"What /status shows for each component: a manual override, when set, wins; else under maintenance while a maintenance window covering its service is active; else from the service's open incidents (not resolved, not suppressed): any HIGH urgency → major outage, else MEDIUM → partial outage, else LOW → degraded performance; else operational. Service names stay internal: the public sees display names and groups only."</p>
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading the status page…"</p> }>
            {move || data.get().map(|r| match r {
                Ok((o, services)) => view! {
                    <div class="stack">
                        <SettingsCard overview=o.clone() action=act.settings/>
                        <ComponentsCard list=o.components.clone() services=services act=act draft=draft/>
                        <IncidentsCard overview=o act=act/>
                    </div>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn SettingsCard(
    overview: AdminOverview,
    action: ServerAction<SaveStatusSettings>,
) -> impl IntoView {
    let page_name = RwSignal::new(overview.page_name.clone());
    let show = RwSignal::new(overview.show_maintenance);
    let error = action_error(action);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(SaveStatusSettings {
            page_name: page_name.get_untracked(),
            show_maintenance: show.get_untracked(),
        });
    };
    let subscribers = format!(
        "Email subscribers: {} confirmed, {} waiting for confirmation.",
        overview.confirmed_subscribers, overview.pending_subscribers
    );
    view! {
        <section class="card" aria-labelledby="sp-settings-h">
            <h2 id="sp-settings-h" class="card__title">"Settings"</h2>
            <p class="muted small" data-testid="status-subscribers">{subscribers}</p>
            <form class="form" on:submit=submit novalidate>
                <Field name="page_name" label="Page name" value=page_name error=error/>
                <label class="check"><input type="checkbox" name="show_maintenance" prop:checked=move || show.get()
                    on:change=move |e| show.set(event_target_checked(&e))/>
                    " Show scheduled maintenance on the page"</label>
                <FormError error=error fields=&["page_name"]/>
                <div class="form__actions"><button class="btn btn--primary" type="submit" disabled=move || action.pending().get()>"Save settings"</button></div>
            </form>
        </section>
    }
}

fn status_badge(s: ComponentStatus) -> &'static str {
    match s {
        ComponentStatus::Operational => "badge badge--ok",
        ComponentStatus::UnderMaintenance => "badge",
        ComponentStatus::DegradedPerformance => "badge badge--low",
        ComponentStatus::PartialOutage => "badge badge--medium",
        ComponentStatus::MajorOutage => "badge badge--high",
    }
}

#[component]
fn ComponentsCard(
    list: Vec<AdminComponent>,
    services: Vec<Service>,
    act: Actions,
    draft: ComponentDraft,
) -> impl IntoView {
    let delete_error = action_error(act.delete);
    let table = if list.is_empty() {
        view! { <p class="empty" data-testid="status-components-empty">"No components yet: add one to show a service on /status."</p> }.into_any()
    } else {
        view! {
            <table class="table" data-testid="status-components">
                <thead><tr><th>"Display name"</th><th>"Group"</th><th>"Service"</th><th class="num">"Position"</th><th>"Status"</th><th class="num"></th></tr></thead>
                <tbody>
                    {list.into_iter().map(|c| {
                        let id = c.id;
                        let how = if c.override_status.is_some() { " (override)" } else { " (derived)" };
                        let row = c.clone();
                        view! {
                            <tr>
                                <td>{c.display_name.clone()}</td>
                                <td>{c.group_name.clone()}</td>
                                <td>{c.service_name.clone()}</td>
                                <td class="num">{c.position}</td>
                                <td><span class=status_badge(c.status)>{c.status.label()}</span><span class="muted small">{how}</span></td>
                                <td class="num">
                                    <button class="btn btn--quiet" type="button" on:click=move |_| draft.fill(&row)>"Edit"</button>
                                    <button class="btn btn--quiet" type="button" on:click=move |_| { act.delete.dispatch(DeleteStatusComponent { id }); }>"Delete"</button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any()
    };
    view! {
        <section class="card" aria-labelledby="sp-comp-h">
            <h2 id="sp-comp-h" class="card__title">"Components"</h2>
            {table}
            <FormError error=delete_error/>
            <ComponentForm services=services action=act.save draft=draft/>
        </section>
    }
}

#[component]
fn ComponentForm(
    services: Vec<Service>,
    action: ServerAction<SaveStatusComponent>,
    draft: ComponentDraft,
) -> impl IntoView {
    let error = action_error(action);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let raw = draft.position.get_untracked();
        // Not a number: out of range on purpose, so the server names the field.
        let position = match raw.trim() {
            "" => 0,
            s => s.parse().unwrap_or(i32::MAX),
        };
        action.dispatch(SaveStatusComponent {
            component: ComponentInput {
                id: draft.id.get_untracked(),
                service_id: draft
                    .service
                    .get_untracked()
                    .parse::<ServiceId>()
                    .unwrap_or_default(),
                display_name: draft.display_name.get_untracked(),
                group_name: draft.group_name.get_untracked(),
                position,
                override_status: draft.override_status.get_untracked(),
            },
        });
    };
    let mut service_options = vec![(String::new(), "Choose a service…".to_owned())];
    service_options.extend(services.into_iter().map(|s| (s.id.to_string(), s.name)));
    let mut overrides = vec![("", "None: derived")];
    overrides.extend(ComponentStatus::ALL.iter().map(|s| (s.as_str(), s.label())));
    let title = move || {
        if draft.id.get().is_some() {
            "Edit the component"
        } else {
            "Add a component"
        }
    };
    view! {
        <form class="form" on:submit=submit novalidate data-testid="status-component-form">
            <h3>{title}</h3>
            <Pick form="sc" name="service_id" label="Service" value=draft.service error=error options=service_options/>
            <Field name="display_name" label="Display name" value=draft.display_name error=error hint="What the public sees."/>
            <Field name="group_name" label="Group" value=draft.group_name error=error hint="Optional."/>
            <Field name="position" label="Position" kind="number" value=draft.position error=error hint="Lower comes first."/>
            <SelectField name="override_status" label="Override status" value=draft.override_status error=error options=overrides/>
            <FormError error=error fields=&["service_id", "display_name", "group_name", "position", "override_status"]/>
            <div class="form__actions">
                <button class="btn btn--primary" type="submit" disabled=move || action.pending().get()>"Save component"</button>
                {move || draft.id.get().is_some().then(|| view! {
                    <button class="btn btn--quiet" type="button" on:click=move |_| draft.clear()>"Cancel editing"</button>
                })}
            </div>
        </form>
    }
}
