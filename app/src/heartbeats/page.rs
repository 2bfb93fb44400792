//! `/heartbeats`: every monitor with its state, last ping (in the user's time zone), period and
//! grace, refreshed every few seconds; responders add one (the ping URL is shown once, with
//! curl examples), give one a new URL, or delete one.

use leptos::prelude::*;

use super::api::{CreateHeartbeat, DeleteHeartbeat, RotateHeartbeat, list_heartbeats};
use super::{Heartbeat, NewHeartbeat};
use crate::components::field::Field;
use crate::components::form::{FormError, action_error};
use crate::components::time::{CurrentUser, Time, duration_text};
use crate::domain::HeartbeatId;

/// How often the list is read again while the page is open.
const REFRESH_SECS: u64 = 5;

#[component]
pub fn HeartbeatsPage() -> impl IntoView {
    let me = expect_context::<CurrentUser>();
    let create = ServerAction::<CreateHeartbeat>::new();
    let rotate = ServerAction::<RotateHeartbeat>::new();
    let delete = ServerAction::<DeleteHeartbeat>::new();
    let tick = RwSignal::new(0u32);
    // Deleting takes a second click on the same row (kept across the list's refreshes).
    let confirming = RwSignal::new(None::<HeartbeatId>);
    let list = Resource::new(
        move || {
            (
                tick.get(),
                create.version().get() + rotate.version().get() + delete.version().get(),
            )
        },
        |_| list_heartbeats(),
    );
    // In the browser only (effects do not run on the server).
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || tick.update(|t| *t = t.wrapping_add(1)),
            std::time::Duration::from_secs(REFRESH_SECS),
        )
        .ok();
        on_cleanup(move || {
            if let Some(h) = handle {
                h.clear();
            }
        });
    });
    let fresh = Signal::derive(move || {
        create
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| rotate.value().get().and_then(Result::ok))
    });
    let row_error = Signal::derive(move || {
        rotate
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| delete.value().get().and_then(Result::err))
    });
    view! {
        <leptos_meta::Title text="Heartbeats · OpsKnight"/>
        <header class="page-head"><h1>"Heartbeats"</h1><span class="page-head__links"><a href="/services">"Services"</a></span></header>
        <p class="muted">"A job pings its URL each time it runs. Past its period it is late; past period and grace it is down and an incident opens on its service, which the next ping resolves. A new monitor waits for its first ping."</p>
        <div class="stack">
            {move || fresh.get().map(|n| view! { <PingUrl created=n/> })}
            <FormError error=row_error/>
            <section class="card" aria-label="Heartbeat monitors">
                <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading heartbeats…"</p> }>
                    {move || list.get().map(|r| match r {
                        Ok(all) if all.is_empty() => view! {
                            <p class="muted" data-testid="heartbeats-empty">"No heartbeat monitors yet. Add one for each cron job or backup that must run on time."</p>
                        }.into_any(),
                        Ok(all) => view! { <Table all=all write=me.can_write() confirming=confirming rotate=rotate delete=delete/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                    })}
                </Transition>
            </section>
            <Transition fallback=|| ()>
                {move || me.can_write().then(|| view! { <CreateForm create=create/> })}
            </Transition>
        </div>
    }
}

#[component]
fn Table(
    all: Vec<Heartbeat>,
    write: bool,
    confirming: RwSignal<Option<HeartbeatId>>,
    rotate: ServerAction<RotateHeartbeat>,
    delete: ServerAction<DeleteHeartbeat>,
) -> impl IntoView {
    view! {
        <table class="table" data-testid="heartbeats">
            <thead><tr>
                <th>"Name"</th><th>"State"</th><th>"Last ping"</th>
                <th class="num">"Period"</th><th class="num">"Grace"</th><th class="opt">"Service"</th>
                {write.then(|| view! { <th class="num"></th> })}
            </tr></thead>
            <tbody>
                {all.into_iter().map(|h| {
                    let id = h.id;
                    let secs = |s: i32| duration_text(chrono::Duration::seconds(i64::from(s)));
                    view! {
                        <tr data-testid="heartbeat">
                            <td>{h.name.clone()}<div class="muted small mono">{format!("{}…", h.token_prefix)}</div></td>
                            <td><span class=h.state.badge() data-testid="heartbeat-state">{h.state.label()}</span></td>
                            <td>{match h.last_ping_at {
                                Some(at) => view! { <Time at=at/> }.into_any(),
                                None => view! { <span class="muted">"never"</span> }.into_any(),
                            }}</td>
                            <td class="num">{secs(h.period_secs)}</td>
                            <td class="num">{secs(h.grace_secs)}</td>
                            <td class="opt"><a href=format!("/services/{}", h.service_id)>{h.service_name.clone()}</a></td>
                            {write.then(|| view! {
                                <td class="num actions">
                                    <button class="btn btn--quiet" type="button" on:click=move |_| { rotate.dispatch(RotateHeartbeat { id }); }>"New URL"</button>
                                    {move || if confirming.get() == Some(id) {
                                        view! { <button class="btn btn--quiet" type="button" on:click=move |_| { confirming.set(None); delete.dispatch(DeleteHeartbeat { id }); }>"Confirm delete"</button> }.into_any()
                                    } else {
                                        view! { <button class="btn btn--quiet" type="button" on:click=move |_| confirming.set(Some(id))>"Delete"</button> }.into_any()
                                    }}
                                </td>
                            })}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Minutes as typed → seconds (`-1` when not a whole number: the server names the field).
fn minutes_to_secs(raw: &str) -> i32 {
    raw.trim()
        .parse::<i32>()
        .map_or(-1, |m| m.saturating_mul(60))
}

#[component]
fn CreateForm(create: ServerAction<CreateHeartbeat>) -> impl IntoView {
    let services = Resource::new(|| (), |_| crate::services::api::list_services());
    let service = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let period = RwSignal::new("60".to_owned());
    let grace = RwSignal::new("5".to_owned());
    let error = action_error(create);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // Until the select is changed, the first service (the one it shows) is meant.
        let chosen = service.get_untracked();
        let service_id = if chosen.is_empty() {
            services
                .get_untracked()
                .and_then(Result::ok)
                .and_then(|l| l.first().map(|s| s.id))
        } else {
            chosen.parse().ok()
        };
        let Some(service_id) = service_id else {
            return;
        };
        create.dispatch(CreateHeartbeat {
            service_id,
            name: name.get_untracked(),
            period_secs: minutes_to_secs(&period.get_untracked()),
            grace_secs: minutes_to_secs(&grace.get_untracked()),
        });
    };
    view! {
        <section class="card" aria-labelledby="hb-new-h">
            <h2 id="hb-new-h" class="card__title">"New heartbeat"</h2>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading services…"</p> }>
                {move || services.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted">"A heartbeat belongs to a service: "<a href="/services">"create a service"</a>" first."</p>
                    }.into_any(),
                    Ok(list) => view! {
                            <form class="form form--inline" on:submit=submit novalidate>
                                <div class="field" class:field--error=move || error.get().is_some_and(|e| e.field() == Some("service_id"))>
                                    <label for="f-hb-service">"Service"</label>
                                    <select id="f-hb-service" name="service_id" on:change=move |ev| service.set(event_target_value(&ev))>
                                        {list.into_iter().map(|s| view! { <option value=s.id.to_string()>{s.name}</option> }).collect_view()}
                                    </select>
                                </div>
                                <Field name="name" form="hb" label="Name" value=name error=error hint="e.g. Nightly backup"/>
                                <Field name="period_secs" label="Period (minutes)" kind="number" value=period error=error hint="How often it runs"/>
                                <Field name="grace_secs" label="Grace (minutes)" kind="number" value=grace error=error hint="How late it may be"/>
                                <FormError error=error fields=&["name", "period_secs", "grace_secs"]/>
                                <div class="form__actions"><button class="btn btn--primary" type="submit" disabled=move || create.pending().get()>"Add heartbeat"</button></div>
                            </form>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// The ping URL, shown once, with examples for a cron job.
#[component]
fn PingUrl(created: NewHeartbeat) -> impl IntoView {
    let url = created.ping_url;
    let every = duration_text(chrono::Duration::seconds(i64::from(
        created.heartbeat.period_secs,
    )));
    let example = format!(
        "# At the end of the job (it runs every {every}):\n\
         /usr/local/bin/backup.sh && curl -fsS -m 10 --retry 3 -X POST {url}\n\n\
         # Or say when it starts, and when it fails (an incident at once):\n\
         curl -fsS -m 10 -X POST {url}/start\n\
         /usr/local/bin/backup.sh && curl -fsS -m 10 -X POST {url} || curl -fsS -m 10 -X POST {url}/fail"
    );
    view! {
        <div class="notice notice--ok" role="status">
            <p>{format!("Ping URL for {} (shown once; copy it now):", created.heartbeat.name)}</p>
            <code class="secret" data-testid="ping-url">{url.clone()}</code>
            <p class="small">"Examples:"</p>
            <pre class="payload" data-testid="heartbeat-example">{example}</pre>
        </div>
    }
}
