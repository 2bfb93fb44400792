//! `/maintenance`: the windows (active, scheduled, recently over) with Cancel, and the form
//! that schedules one, one-off or weekly, on chosen services; and the service page's
//! "In maintenance until …" banner.

use leptos::prelude::*;

use super::api::{CancelMaintenance, CreateMaintenance, list_maintenance};
use super::{NewWindow, WindowState, WindowView};
use crate::components::field::Field;
use crate::components::form::{FormError, action_error, successes};
use crate::components::time::{CurrentUser, Time, user_time_zone};
use crate::domain::ServiceId;
use crate::domain::window::DAYS;

#[component]
pub fn MaintenancePage() -> impl IntoView {
    let me = expect_context::<CurrentUser>();
    let create = ServerAction::<CreateMaintenance>::new();
    let cancel = ServerAction::<CancelMaintenance>::new();
    let created = successes(create);
    // The form's service list loads with the windows, in one resource: a Transition of its
    // own nested in this one's content fails to hydrate now and then (see ServicePage).
    let data = Resource::new(
        move || (created.get(), cancel.version().get()),
        |_| async {
            let windows = list_maintenance(None).await?;
            let services = crate::services::api::list_services()
                .await
                .unwrap_or_default();
            Ok::<_, crate::error::AppError>((windows, services))
        },
    );
    view! {
        <leptos_meta::Title text="Maintenance · OpsKnight"/>
        <header class="page-head"><h1>"Maintenance windows"</h1><a href="/services">"Services"</a></header>
        <p class="muted">"During a window, new incidents on its services are created SUPPRESSED: visible, paging nobody. When it ends (or is cancelled) anything still open starts escalating at step 1. Incidents already open keep escalating."</p>
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading windows…"</p> }>
            {move || data.get().map(|r| match r {
                Ok((list, services)) => {
                    let write = me.can_write();
                    view! {
                        <div class="stack">
                            <section class="card" aria-labelledby="mw-h">
                                <h2 id="mw-h" class="card__title">"Windows"</h2>
                                {if list.is_empty() {
                                    view! { <p class="empty" data-testid="maintenance-empty">"No maintenance windows. Schedule one below before planned work."</p> }.into_any()
                                } else {
                                    view! { <WindowTable list=list cancel=cancel write=write/> }.into_any()
                                }}
                            </section>
                            {write.then(|| view! { <NewWindowForm create=create services=services/> })}
                        </div>
                    }.into_any()
                }
                Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
            })}
        </Transition>
    }
}

fn when(w: &WindowView) -> impl IntoView + use<> {
    let weekly = w.weekly.clone().map(|t| {
        let days = if t.days.is_empty() {
            "every day".to_owned()
        } else {
            t.days.join(", ")
        };
        format!("weekly: {days} {}–{} ({})", t.from, t.to, t.zone)
    });
    let (start, end) = (w.starts_at, w.ends_at);
    view! {
        {weekly.clone()}
        {weekly.is_some().then_some(", ")}
        {if weekly.is_some() { "from " } else { "" }}<Time at=start/>
        {end.map(|e| view! { " to "<Time at=e/> })}
    }
}

#[component]
fn WindowTable(
    list: Vec<WindowView>,
    cancel: ServerAction<CancelMaintenance>,
    write: bool,
) -> impl IntoView {
    view! {
        <table class="table" data-testid="maintenance-windows">
            <thead><tr><th>"Name"</th><th>"Services"</th><th>"When"</th><th>"State"</th>{write.then(|| view! { <th class="num"></th> })}</tr></thead>
            <tbody>
                {list.into_iter().map(|w| {
                    let id = w.id;
                    let live = matches!(w.state, WindowState::Active | WindowState::Scheduled);
                    let badge = match w.state {
                        WindowState::Active => "badge badge--medium",
                        WindowState::Scheduled => "badge",
                        _ => "badge badge--ok",
                    };
                    let until = w.active_until;
                    view! {
                        <tr>
                            <td>{w.name.clone()}</td>
                            <td>{w.services.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>().join(", ")}</td>
                            <td>{when(&w)}</td>
                            <td><span class=badge>{w.state.label()}</span>{until.map(|u| view! { " until "<Time at=u/> })}</td>
                            {write.then(|| view! {
                                <td class="num">{live.then(|| view! {
                                    <button class="btn btn--quiet" type="button" on:click=move |_| { cancel.dispatch(CancelMaintenance { id }); }>"Cancel"</button>
                                })}</td>
                            })}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn NewWindowForm(
    create: ServerAction<CreateMaintenance>,
    services: Vec<crate::services::Service>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<ServiceId>::new());
    let kind = RwSignal::new("ONCE".to_owned());
    let starts_at = RwSignal::new(String::new());
    let ends_at = RwSignal::new(String::new());
    let days = RwSignal::new(Vec::<String>::new());
    let from = RwSignal::new("22:00".to_owned());
    let to = RwSignal::new("02:00".to_owned());
    let hold_open = RwSignal::new(false);
    let error = action_error(create);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateMaintenance {
            window: NewWindow {
                name: name.get_untracked(),
                service_ids: chosen.get_untracked(),
                kind: kind.get_untracked(),
                zone: user_time_zone().name().to_owned(),
                starts_at: starts_at.get_untracked(),
                ends_at: ends_at.get_untracked(),
                days: days.get_untracked(),
                from: from.get_untracked(),
                to: to.get_untracked(),
                hold_open: hold_open.get_untracked(),
            },
        });
    };
    view! {
        <section class="card" aria-labelledby="nw-h">
            <h2 id="nw-h" class="card__title">"Schedule a window"</h2>
            <form class="form" on:submit=submit novalidate>
                <Field name="name" label="Name" value=name error=error/>
                <fieldset class="field check-grid">
                    <legend>"Services"</legend>
                    {services.into_iter().map(|s| {
                            let id = s.id;
                            view! {
                                <label class="check"><input type="checkbox"
                                    prop:checked=move || chosen.get().contains(&id)
                                    on:change=move |e| { let on = event_target_checked(&e); chosen.update(|v| { v.retain(|x| *x != id); if on { v.push(id); } }); }/>
                                    {format!(" {}", s.name)}</label>
                            }
                        }).collect_view()}
                </fieldset>
                <label for="mw-kind">"Repeats"</label>
                <select id="mw-kind" prop:value=move || kind.get() on:change=move |e| kind.set(event_target_value(&e))>
                    <option value="ONCE">"Once"</option>
                    <option value="WEEKLY">"Weekly"</option>
                </select>
                {move || (kind.get() == "WEEKLY").then(|| view! {
                    <fieldset class="field">
                        <legend>"Every week"</legend>
                        {DAYS.map(|d| view! {
                            <label class="check"><input type="checkbox"
                                prop:checked=move || days.get().iter().any(|x| x == d)
                                on:change=move |e| { let on = event_target_checked(&e); days.update(|v| { v.retain(|x| x != d); if on { v.push(d.to_owned()); } }); }/>
                                {format!(" {d}")}</label>
                        }).collect_view()}
                        <Field name="from" label="From (HH:MM)" value=from error=error/>
                        <Field name="to" label="To (HH:MM)" value=to error=error/>
                    </fieldset>
                })}
                <Field name="starts_at" label="Starts" kind="datetime-local" value=starts_at error=error hint="Your time zone. Weekly: empty means from now."/>
                <Field name="ends_at" label="Ends" kind="datetime-local" value=ends_at error=error hint="Weekly: empty means no end."/>
                <label class="check"><input type="checkbox" name="hold_open" prop:checked=move || hold_open.get()
                    on:change=move |e| hold_open.set(event_target_checked(&e))/>
                    " Also pause incidents already open (by default they keep escalating)"</label>
                <FormError error=error fields=&["name", "starts_at", "ends_at", "from", "to"]/>
                <div class="form__actions"><button class="btn btn--primary" type="submit" disabled=move || create.pending().get()>"Schedule"</button></div>
            </form>
        </section>
    }
}

/// "In maintenance until …" on a service page, while one of its `windows` holds it.
#[component]
pub fn MaintenanceBanner(windows: Vec<WindowView>) -> impl IntoView {
    windows
        .into_iter()
        .find(|w| w.state == WindowState::Active)
        .map(|w| {
            view! {
                <p class="banner banner--maintenance" role="status" data-testid="maintenance-banner">
                    {"In maintenance"}
                    {w.active_until.map(|u| view! { " until "<Time at=u/> })}
                    {format!(" ({}): {}", w.name, if w.hold_open { "nothing on it pages." } else { "new incidents page nobody." })}
                    " "<a href="/maintenance">"Maintenance windows"</a>
                </p>
            }
        })
}
