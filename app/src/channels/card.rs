//! The service page's Channels card: a service's destinations with their events, state and
//! last delivery; add a webhook (its secret shown once); send a test; turn on or off; rotate
//! the secret; remove; and each channel's delivery log, paged, with Redeliver.

use leptos::prelude::*;

use super::api::{
    AddChannel, Redeliver, RemoveChannel, RotateChannelSecret, TestChannel, UpdateChannel,
    channel_deliveries, list_channels,
};
use super::{ChannelEvent, ChannelKind, Delivery, DeliveryStatus, ServiceChannel};
use crate::components::form::{FormError, action_error};
use crate::components::pager::{CursorPager, current_cursor, cursor_stack};
use crate::components::time::Time;
use crate::domain::{ChannelId, ServiceId};

fn status_badge(status: DeliveryStatus) -> impl IntoView {
    let (class, text) = match status {
        DeliveryStatus::Delivered => ("badge badge--ok", "delivered"),
        DeliveryStatus::Failed => ("badge badge--high", "failed"),
        DeliveryStatus::Refused => ("badge badge--high", "refused"),
    };
    view! { <span class=class>{text}</span> }
}

/// A service's channels, or (`service` None) the webhooks that take every service's events.
#[component]
pub fn ChannelsCard(service: Option<ServiceId>, write: bool) -> impl IntoView {
    let add = ServerAction::<AddChannel>::new();
    let update = ServerAction::<UpdateChannel>::new();
    let remove = ServerAction::<RemoveChannel>::new();
    let test = ServerAction::<TestChannel>::new();
    let rotate = ServerAction::<RotateChannelSecret>::new();
    // The log shows deliveries made after the page asked; poll while one is open.
    let tick = RwSignal::new(0u32);
    let channels = Resource::new(
        move || {
            (
                add.version().get()
                    + update.version().get()
                    + remove.version().get()
                    + test.version().get(),
                tick.get(),
            )
        },
        move |_| list_channels(service),
    );
    let target = RwSignal::new(String::new());
    // Every service's events go to webhooks only.
    let kinds: Vec<ChannelKind> = if service.is_some() {
        ChannelKind::ALL.to_vec()
    } else {
        vec![ChannelKind::Webhook]
    };
    let kind = RwSignal::new(kinds[0].as_str().to_owned());
    let chosen = move || ChannelKind::parse(&kind.get()).unwrap_or(ChannelKind::Webhook);
    let events = RwSignal::new(vec![
        ChannelEvent::Triggered,
        ChannelEvent::Acknowledged,
        ChannelEvent::Resolved,
    ]);
    let open_log = RwSignal::new(None::<ChannelId>);
    let error = action_error(add);
    let row_error = Signal::derive(move || {
        update
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| remove.value().get().and_then(Result::err))
            .or_else(|| test.value().get().and_then(Result::err))
            .or_else(|| rotate.value().get().and_then(Result::err))
    });
    let secret = Signal::derive(move || {
        rotate.value().get().and_then(Result::ok).or_else(|| {
            add.value()
                .get()
                .and_then(Result::ok)
                .and_then(|a| a.secret)
        })
    });
    // A webhook added: the form starts empty again (its secret shows above).
    Effect::new(move |_| {
        if matches!(add.value().get(), Some(Ok(_))) {
            target.set(String::new());
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add.dispatch(AddChannel {
            service_id: service,
            kind: kind.get_untracked(),
            target: target.get_untracked(),
            events: events
                .get_untracked()
                .iter()
                .map(|e| e.as_str().to_owned())
                .collect(),
        });
    };
    view! {
        <section class="card" aria-labelledby="chan-h" data-testid="channels">
            <h2 id="chan-h" class="card__title">{if service.is_some() { "Channels" } else { "Webhooks for every service" }}</h2>
            <p class="muted small">{if service.is_some() {
                "Where this service's incident events are posted: Slack, Microsoft Teams, Mattermost, Discord, Telegram, or a signed webhook. Chat messages carry Acknowledge and Resolve; Slack and Telegram update the message in place. Every attempt is logged."
            } else {
                "Signed webhooks (Standard Webhooks) that take the incident events of every service, for your own systems. Every attempt is logged."
            }}</p>
            {move || secret.get().map(|s| view! {
                <div class="notice notice--ok" role="status">
                    <p>"Signing secret (shown once; copy it now). Check each delivery's webhook-signature with it:"</p>
                    <code class="secret" data-testid="channel-secret">{s}</code>
                </div>
            })}
            <FormError error=row_error/>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading channels…"</p> }>
                {move || channels.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted">{if service.is_some() {
                            "No channels yet. Add a chat channel for the team, or a webhook for your own systems."
                        } else {
                            "No webhooks for every service."
                        }}</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <table class="table" data-testid="channel-list">
                            <thead><tr><th>"Kind"</th><th>"Target"</th><th class="opt">"Events"</th><th>"State"</th><th>"Last delivery"</th>
                                <th class="num"></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|c| view! { <ChannelRow c=c write=write update=update remove=remove test=test rotate=rotate open_log=open_log/> }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
            {move || open_log.get().map(|id| view! { <DeliveryLog channel=id write=write tick=tick/> })}
            {write.then(|| view! {
                <form class="form" on:submit=on_submit novalidate>
                    <div class="field">
                        <label for="f-chan-kind">"Kind"</label>
                        <select id="f-chan-kind" name="kind" data-testid="channel-kind"
                            on:change=move |ev| { kind.set(event_target_value(&ev)); target.set(String::new()); }>
                            {kinds.iter().copied().map(|k| view! {
                                <option value=k.as_str() selected=move || kind.get() == k.as_str()>{k.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field" class:field--error=move || error.get().is_some_and(|e| e.field() == Some("target"))>
                        <label for="f-chan-target">{move || chosen().target_label()}</label>
                        <input id="f-chan-target" name="target" type="text" autocomplete="off"
                            aria-describedby="f-chan-target-hint f-chan-target-err"
                            aria-invalid=move || error.get().is_some_and(|e| e.field() == Some("target")).to_string()
                            prop:value=move || target.get() on:input=move |ev| target.set(event_target_value(&ev))/>
                        <p class="field__hint" id="f-chan-target-hint">{move || chosen().target_hint()}</p>
                        <p class="field__error" id="f-chan-target-err" role="alert">
                            {move || error.get().filter(|e| e.field() == Some("target")).map(|e| e.user_message())}
                        </p>
                    </div>
                    <fieldset class="field scopes" aria-describedby="f-chan-events-err">
                        <legend>"Events"</legend>
                        {ChannelEvent::ALL.into_iter().map(|e| view! {
                            <label class="check">
                                <input type="checkbox" prop:checked=move || events.get().contains(&e)
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        events.update(|list| { list.retain(|x| *x != e); if on { list.push(e); } });
                                    }/>
                                <span>{e.as_str()}</span>
                            </label>
                        }).collect_view()}
                        <p class="field__error" id="f-chan-events-err" role="alert">
                            {move || error.get().filter(|e| e.field() == Some("events")).map(|e| e.user_message())}
                        </p>
                    </fieldset>
                    <FormError error=error fields=&["kind", "target", "events"]/>
                    <div class="form__actions">
                        <button class="btn" type="submit" disabled=move || add.pending().get()>"Add channel"</button>
                    </div>
                </form>
            })}
        </section>
    }
}

#[component]
fn ChannelRow(
    c: ServiceChannel,
    write: bool,
    update: ServerAction<UpdateChannel>,
    remove: ServerAction<RemoveChannel>,
    test: ServerAction<TestChannel>,
    rotate: ServerAction<RotateChannelSecret>,
    open_log: RwSignal<Option<ChannelId>>,
) -> impl IntoView {
    let id = c.id;
    let enabled = c.enabled;
    let names: Vec<String> = c.events.iter().map(|e| e.as_str().to_owned()).collect();
    let last = c.last_delivery.clone();
    view! {
        <tr>
            <td>{c.kind.label()}</td>
            <td class="mono">{c.target.clone()}</td>
            <td class="opt small">{names.join(", ")}</td>
            <td>{if enabled {
                view! { <span class="badge badge--ok">"on"</span> }.into_any()
            } else {
                view! { <span class="badge badge--high" title=c.disabled_reason.clone().unwrap_or_default()>"off"</span>
                    {c.disabled_reason.clone().map(|r| view! { <span class="small muted">" "{r}</span> })} }.into_any()
            }}</td>
            <td>{match last {
                Some(d) => view! { {status_badge(d.status)}" "<span class="small muted">{d.http_status.map(|s| format!("{s} · ")).unwrap_or_default()}<Time at=d.at/></span> }.into_any(),
                None => view! { <span class="muted small">"none yet"</span> }.into_any(),
            }}</td>
            <td class="num actions">
                <button class="btn btn--quiet" type="button" aria-expanded=move || (open_log.get() == Some(id)).to_string()
                    on:click=move |_| open_log.update(|o| *o = if *o == Some(id) { None } else { Some(id) })>"Deliveries"</button>
                {write.then(|| view! {
                    <button class="btn btn--quiet" type="button" on:click=move |_| { test.dispatch(TestChannel { id }); open_log.set(Some(id)); }>"Send test"</button>
                    <button class="btn btn--quiet" type="button" on:click={
                        let events = names.clone();
                        move |_| { update.dispatch(UpdateChannel { id, events: events.clone(), enabled: !enabled }); }
                    }>{if enabled { "Turn off" } else { "Turn on" }}</button>
                    {(c.kind == ChannelKind::Webhook).then(|| view! {
                        <button class="btn btn--quiet" type="button" on:click=move |_| { rotate.dispatch(RotateChannelSecret { id }); }>"Rotate secret"</button>
                    })}
                    <button class="btn btn--quiet" type="button" on:click=move |_| {
                        if window().confirm_with_message("Remove this channel and its delivery log?").unwrap_or(false) {
                            remove.dispatch(RemoveChannel { id });
                        }
                    }>"Remove"</button>
                })}
            </td>
        </tr>
    }
}

/// One channel's delivery log, newest first, paged; refreshed every 2 s while open.
#[component]
fn DeliveryLog(channel: ChannelId, write: bool, tick: RwSignal<u32>) -> impl IntoView {
    let cursors = cursor_stack();
    let redeliver = ServerAction::<Redeliver>::new();
    let page = Resource::new(
        move || {
            (
                current_cursor(cursors),
                tick.get(),
                redeliver.version().get(),
            )
        },
        move |(before, _, _)| channel_deliveries(channel, before, 20),
    );
    // In the browser only (effects do not run on the server).
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || tick.update(|t| *t = t.wrapping_add(1)),
            std::time::Duration::from_secs(2),
        )
        .ok();
        on_cleanup(move || {
            if let Some(h) = handle {
                h.clear();
            }
        });
    });
    view! {
        <div class="delivery-log" data-testid="delivery-log">
            <h3 class="card__title">"Delivery log"</h3>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading deliveries…"</p> }>
                {move || page.get().map(|r| match r {
                    Ok(p) if p.deliveries.is_empty() => view! { <p class="muted">"No deliveries yet."</p> }.into_any(),
                    Ok(p) => {
                        let next = p.next_before;
                        view! {
                            <table class="table table--compact">
                                <thead><tr><th>"When"</th><th>"Event"</th><th class="num">"Try"</th><th>"Result"</th><th class="num opt">"Took"</th><th class="opt">"Answer"</th><th class="num"></th></tr></thead>
                                <tbody>{p.deliveries.into_iter().map(|d| view! { <DeliveryRow d=d write=write channel=channel redeliver=redeliver/> }).collect_view()}</tbody>
                            </table>
                            <CursorPager cursors=cursors next=next/>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
        </div>
    }
}

#[component]
fn DeliveryRow(
    d: Delivery,
    write: bool,
    channel: ChannelId,
    redeliver: ServerAction<Redeliver>,
) -> impl IntoView {
    let delivery_id = d.id;
    view! {
        <tr>
            <td class="small"><Time at=d.at/></td>
            <td class="mono small" title=d.event_id.clone()>{d.event.clone()}</td>
            <td class="num">{d.attempt}</td>
            <td>{status_badge(d.status)}" "{d.http_status.map(|s| s.to_string()).unwrap_or_default()}</td>
            <td class="num opt">{d.latency_ms.map(|ms| format!("{ms} ms")).unwrap_or_default()}</td>
            <td class="opt small mono detail" title=d.detail.clone()>{d.detail.clone()}</td>
            <td class="num">{write.then(|| view! {
                <button class="btn btn--quiet" type="button" on:click=move |_| { redeliver.dispatch(Redeliver { id: channel, delivery_id }); }>"Redeliver"</button>
            })}</td>
        </tr>
    }
}
