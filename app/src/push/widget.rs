//! The "Push notifications" card (profile, desktop and /m): this person's devices with
//! Remove, and "Enable on this device" (permission, then the service worker subscribes with
//! the server's key and registers the device).

use leptos::prelude::*;

use super::api::{PushRemove, push_devices, push_key};
use crate::components::time::Time;

#[component]
pub fn PushDevices() -> impl IntoView {
    let remove = ServerAction::<PushRemove>::new();
    let outbox = crate::offline::use_outbox();
    let devices = Resource::new(
        move || (remove.version().get(), outbox.push.get()),
        |_| push_devices(),
    );
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<(bool, String)>);
    Effect::new(move |_| {
        if let Some(result) = outbox.push.get() {
            busy.set(false);
            message.set(Some(result));
        }
    });
    let enable = move |_| {
        busy.set(true);
        message.set(None);
        leptos::task::spawn_local(async move {
            match push_key().await {
                Ok(key) => {
                    if !crate::offline::request_push(&key) {
                        busy.set(false);
                        message.set(Some((false, "This browser cannot receive push notifications here (no service worker yet: reload the page and try again).".into())));
                    }
                }
                Err(e) => {
                    busy.set(false);
                    message.set(Some((false, e.user_message())));
                }
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="push-h" data-testid="push-devices">
            <h2 id="push-h" class="card__title">"Push notifications"</h2>
            <p class="muted small">"Pages arrive on these devices with Acknowledge and Open buttons. Add “Push to my devices” to your notification rules to be paged here."</p>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading…"</p> }>
                {move || devices.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No devices yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="devices">
                            {list.into_iter().map(|d| {
                                let id = d.id;
                                view! {
                                    <li>
                                        <strong>{d.label}</strong>
                                        <span class="muted small">" since "<Time at=d.created_at/></span>
                                        <button class="btn btn--quiet" type="button" aria-label="Remove this device"
                                            on:click=move |_| { remove.dispatch(PushRemove { id }); }>"Remove"</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
            <button class="btn btn--primary" type="button" on:click=enable disabled=move || busy.get()
                aria-busy=move || busy.get().to_string()>
                {move || if busy.get() { "Enabling…" } else { "Enable on this device" }}
            </button>
            {move || message.get().map(|(ok, text)| view! {
                <p class=if ok { "muted small" } else { "error small" } role="status">{text}</p>
            })}
        </section>
    }
}
