//! The page's side of the service worker (`/sw.js`): registers it, hands it the
//! acknowledgements tapped without network (it keeps them in IndexedDB and sends them when
//! the network returns) and shows what became of them, and asks it to subscribe this device
//! to Web Push. Messages both ways are JSON strings.

use std::collections::HashSet;

use leptos::prelude::*;

use crate::domain::IncidentId;

/// Acknowledgements waiting in the service worker's queue.
#[derive(Debug, Clone, Copy)]
pub struct Outbox {
    pub queued: RwSignal<HashSet<IncidentId>>,
    /// Queued acknowledgements the server refused (views roll back their optimistic state).
    pub refused: RwSignal<HashSet<IncidentId>>,
    /// What became of the last "enable push on this device": ok, and what to tell the person.
    pub push: RwSignal<Option<(bool, String)>>,
}

impl Outbox {
    fn new() -> Outbox {
        Outbox {
            queued: RwSignal::new(HashSet::new()),
            refused: RwSignal::new(HashSet::new()),
            push: RwSignal::new(None),
        }
    }
}

/// What the service worker reports.
#[cfg(feature = "hydrate")]
#[derive(Debug, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum FromWorker {
    /// The whole queue, after any change.
    Queue { ids: Vec<IncidentId> },
    /// The outcome of subscribing this device to push.
    Push { ok: bool, message: String },
    /// A queued acknowledgement was sent: `ok`, or refused with the server's message.
    Sent {
        id: IncidentId,
        ok: bool,
        #[serde(default)]
        message: Option<String>,
    },
}

/// Whether the browser believes it has a network (always true on the server).
pub fn is_online() -> bool {
    #[cfg(feature = "hydrate")]
    {
        window().navigator().on_line()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        true
    }
}

impl Outbox {
    /// Queues an acknowledgement in the service worker. `false` when no worker controls the
    /// page (it could not be kept).
    pub fn queue_ack(&self, id: IncidentId) -> bool {
        let sent = post(&serde_json::json!({"type": "queue_ack", "id": id}).to_string());
        if sent {
            self.queued.update(|q| {
                q.insert(id);
            });
        }
        sent
    }
}

/// A short name for this browser and system ("Chrome on Android"), for the device list.
pub fn device_label(user_agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .into_iter()
    .find(|(needle, _)| user_agent.contains(needle))
    .map_or("Browser", |(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(needle, _)| user_agent.contains(needle))
    .map_or("this device", |(_, name)| name);
    format!("{browser} on {system}")
}

/// Asks for permission to show notifications, then has the service worker subscribe with the
/// server's `key` and register the device; the outcome arrives as `Outbox::push`. `false`
/// when no service worker controls the page.
pub fn request_push(key: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::closure::Closure;
        if window().navigator().service_worker().controller().is_none() {
            return false;
        }
        let outbox = use_outbox();
        let device = device_label(&window().navigator().user_agent().unwrap_or_default());
        let message =
            serde_json::json!({"type": "push_subscribe", "key": key, "device": device}).to_string();
        let Ok(promise) = web_sys::Notification::request_permission() else {
            return false;
        };
        let on_answer = Closure::once(move |answer: wasm_bindgen::JsValue| {
            if answer.as_string().as_deref() == Some("granted") {
                if !post(&message) {
                    outbox.push.set(Some((
                        false,
                        "The service worker went away; reload and try again.".into(),
                    )));
                }
            } else {
                outbox.push.set(Some((
                    false,
                    "Notifications are blocked for this site: allow them in the browser's site settings.".into(),
                )));
            }
        });
        let _ = promise.then(&on_answer);
        // Runs once, when the person answers.
        on_answer.forget();
        true
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key;
        false
    }
}

fn post(message: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        let Some(worker) = window().navigator().service_worker().controller() else {
            return false;
        };
        worker
            .post_message(&wasm_bindgen::JsValue::from_str(message))
            .is_ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = message;
        false
    }
}

/// Provides the outbox to the phone layout; in the browser, registers the worker, listens to
/// it, and asks it to send the queue whenever the network comes back.
pub fn provide_outbox() -> Outbox {
    let outbox = Outbox::new();
    provide_context(outbox);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| browser::start(outbox));
    outbox
}

pub fn use_outbox() -> Outbox {
    use_context::<Outbox>().unwrap_or_else(Outbox::new)
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    use super::{FromWorker, Outbox, post};

    pub fn start(outbox: Outbox) {
        let container = window().navigator().service_worker();
        let _ = container.register("/sw.js");
        let toasts = crate::components::toast::use_toasts();
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let Some(text) = ev.data().as_string() else {
                    return;
                };
                match serde_json::from_str::<FromWorker>(&text) {
                    Ok(FromWorker::Queue { ids }) => {
                        outbox.queued.set(ids.into_iter().collect());
                    }
                    Ok(FromWorker::Push { ok, message }) => outbox.push.set(Some((ok, message))),
                    Ok(FromWorker::Sent { id, ok, message }) => {
                        outbox.queued.update(|q| {
                            q.remove(&id);
                        });
                        if ok {
                            toasts.show("Your offline acknowledgement was sent.", false);
                        } else {
                            outbox.refused.update(|r| {
                                r.insert(id);
                            });
                            toasts.show(
                                format!(
                                    "Your offline acknowledgement was refused: {}",
                                    message.unwrap_or_else(|| "unknown error".into())
                                ),
                                true,
                            );
                        }
                    }
                    Err(_) => {}
                }
            });
        let _ = container
            .add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
        // Lives as long as the page: one listener per page load.
        on_message.forget();
        let on_online = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            post(r#"{"type":"flush"}"#);
        });
        let _ =
            window().add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
        on_online.forget();
        // Learn what an earlier page left queued (and send it, if online).
        post(r#"{"type":"flush"}"#);
    }
}
