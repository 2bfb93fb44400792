//! The browser's end of the live streams: an `EventSource` per stream that reconnects with
//! backoff and resumes from the last event id, exposed to pages as signals: the latest state
//! of changed incidents, rows to highlight, the counters, reload requests and the bell.

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;

use crate::domain::{IncidentId, Status};
use crate::incidents::{Counters, IncidentSummary, LiveUpdate};
use crate::notifications::PageNotice;

/// How long a changed row stays highlighted.
pub const FLASH_MS: u64 = 2500;

/// The live state shared by every page of a layout.
#[derive(Debug, Clone, Copy)]
pub struct Live {
    /// The newest state of each incident changed since the page loaded.
    pub incidents: RwSignal<HashMap<IncidentId, IncidentSummary>>,
    /// The ids of the latest update.
    pub last: RwSignal<Vec<IncidentId>>,
    /// Rows to highlight now.
    pub flashing: RwSignal<HashSet<IncidentId>>,
    pub counters: RwSignal<Option<Counters>>,
    /// Bumped when views must reload what they show (a reset, or too much changed at once).
    pub reloads: RwSignal<usize>,
    /// Whether the incident stream is connected.
    pub connected: RwSignal<bool>,
    /// The caller's pages since this page loaded, newest first.
    pub notices: RwSignal<Vec<PageNotice>>,
    /// Notices the caller has not opened the bell for.
    pub unseen: RwSignal<usize>,
    /// Statuses shown ahead of the server while an action of ours is in flight (optimistic);
    /// the next update of an incident replaces its entry, a failed action removes it, and a
    /// successful one removes it a few seconds later (`incidents::widgets::optimistic`).
    pub expected: RwSignal<HashMap<IncidentId, Status>>,
}

impl Live {
    fn new() -> Live {
        Live {
            incidents: RwSignal::new(HashMap::new()),
            last: RwSignal::new(vec![]),
            flashing: RwSignal::new(HashSet::new()),
            counters: RwSignal::new(None),
            reloads: RwSignal::new(0),
            connected: RwSignal::new(false),
            notices: RwSignal::new(vec![]),
            unseen: RwSignal::new(0),
            expected: RwSignal::new(HashMap::new()),
        }
    }

    /// `base` as it is now: the live copy when it is at least as new, with the status an
    /// action of ours in flight expects (tracked).
    pub fn current(&self, base: &IncidentSummary) -> IncidentSummary {
        let mut now = self.incidents.with(|m| match m.get(&base.id) {
            Some(live) if live.updated_at >= base.updated_at => live.clone(),
            _ => base.clone(),
        });
        if let Some(status) = self.expected.with(|e| e.get(&base.id).copied()) {
            now.status = expected_status(status, now.status);
        }
        now
    }

    /// Shows `status` on `ids` until the server says otherwise (an optimistic update).
    pub fn expect(&self, ids: &[IncidentId], status: Status) {
        self.expected
            .update(|e| e.extend(ids.iter().map(|id| (*id, status))));
    }

    /// Drops what `expect` showed on `ids` (the action failed: back to the server's state).
    pub fn forget(&self, ids: &[IncidentId]) {
        self.expected.update(|e| {
            for id in ids {
                e.remove(id);
            }
        });
    }

    pub fn is_flashing(&self, id: IncidentId) -> bool {
        self.flashing.with(|f| f.contains(&id))
    }

    /// Whether the latest update names an incident not in `shown` (a view then reloads).
    pub fn has_new(&self, shown: &[IncidentId]) -> bool {
        self.last
            .with(|last| last.iter().any(|id| !shown.contains(id)))
    }

    /// Applies one update of the incident stream.
    pub fn apply(&self, update: LiveUpdate) {
        let ids: Vec<IncidentId> = update.incidents.iter().map(|i| i.id).collect();
        self.counters.set(Some(update.counters));
        if update.resync {
            self.reloads.update(|r| *r += 1);
        }
        if ids.is_empty() {
            return;
        }
        self.forget(&ids);
        self.incidents.update(|m| {
            for i in update.incidents {
                m.insert(i.id, i);
            }
        });
        self.flashing.update(|f| f.extend(ids.iter().copied()));
        self.last.set(ids.clone());
        let flashing = self.flashing;
        set_timeout(
            move || {
                flashing.update(|f| {
                    for id in &ids {
                        f.remove(id);
                    }
                })
            },
            std::time::Duration::from_millis(FLASH_MS),
        );
    }

    pub fn notice(&self, n: PageNotice) {
        self.notices.update(|v| {
            v.insert(0, n);
            v.truncate(50);
        });
        self.unseen.update(|u| *u += 1);
    }
}

/// The status to show while an action expecting `expected` is in flight: acknowledging shows
/// ACKNOWLEDGED on an open or snoozed incident (one already acknowledged or resolved stays as
/// it is), resolving shows RESOLVED.
pub fn expected_status(expected: Status, actual: Status) -> Status {
    match (expected, actual) {
        (Status::Acknowledged, Status::Open | Status::Snoozed) => Status::Acknowledged,
        (Status::Acknowledged, other) => other,
        (expected, _) => expected,
    }
}

/// Provides the live state to a layout and, in the browser, opens the incident and
/// notification streams for as long as the layout lives.
pub fn provide_live() -> Live {
    let live = Live::new();
    provide_context(live);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let incidents = client::Stream::open(
            "/api/realtime/stream",
            &["incidents", "reset"],
            live.connected,
            move |event, data| match event {
                "incidents" => {
                    if let Ok(update) = serde_json::from_str::<LiveUpdate>(data) {
                        live.apply(update);
                    }
                }
                _ => live.reloads.update(|r| *r += 1),
            },
        );
        let notices = client::Stream::open(
            "/api/notifications/stream",
            &["notification"],
            RwSignal::new(false),
            move |_, data| {
                if let Ok(n) = serde_json::from_str::<PageNotice>(data) {
                    live.notice(n);
                }
            },
        );
        // Owned by this effect: dropped (and closed) when the layout goes away.
        StoredValue::new_local((incidents, notices));
    });
    live
}

/// The layout's live state (a fresh, unconnected one outside a layout).
pub fn use_live() -> Live {
    use_context::<Live>().unwrap_or_else(Live::new)
}

/// A counter for a list view's resource: bumped when the latest update names an incident
/// the list does not show (`shown`), or when views must reload. Changed rows that are shown
/// update in place through [`Live::current`] and need no reload.
pub fn follow_list(shown: impl Fn() -> Vec<IncidentId> + Send + Sync + 'static) -> RwSignal<usize> {
    let live = use_live();
    let tick = RwSignal::new(0usize);
    Effect::new(move |_| {
        live.last.track();
        if live.has_new(&shown()) {
            tick.update(|t| *t += 1);
        }
    });
    bump_on_reload(live, tick);
    tick
}

/// A counter for one incident's view: bumped when an update names it, or views must reload.
pub fn follow_one(id: impl Fn() -> Option<IncidentId> + Send + Sync + 'static) -> RwSignal<usize> {
    let live = use_live();
    let tick = RwSignal::new(0usize);
    Effect::new(move |_| {
        let named = live
            .last
            .with(|last| id().is_some_and(|id| last.contains(&id)));
        if named {
            tick.update(|t| *t += 1);
        }
    });
    bump_on_reload(live, tick);
    tick
}

fn bump_on_reload(live: Live, tick: RwSignal<usize>) {
    Effect::new(move |prev: Option<usize>| {
        let r = live.reloads.get();
        if prev.is_some() {
            tick.update(|t| *t += 1);
        }
        r
    });
}

/// Opens a stream for a view (the event log); `on_event(event, data)` for each message.
#[cfg(feature = "hydrate")]
pub fn open_stream(
    url: &'static str,
    events: &'static [&'static str],
    connected: RwSignal<bool>,
    on_event: impl Fn(&str, &str) + 'static,
) -> impl Drop {
    client::Stream::open(url, events, connected, on_event)
}

#[cfg(feature = "hydrate")]
mod client {
    use std::cell::RefCell;
    use std::rc::Rc;

    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    /// Longest wait between reconnection attempts.
    const MAX_BACKOFF_MS: u32 = 30_000;

    struct Conn {
        source: EventSource,
        _handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
        _on_open: Closure<dyn FnMut(web_sys::Event)>,
        _on_error: Closure<dyn FnMut(web_sys::Event)>,
    }

    /// Called with (event name, data) for each message.
    type Handler = Box<dyn Fn(&str, &str)>;

    struct Inner {
        url: &'static str,
        events: &'static [&'static str],
        on_event: Handler,
        connected: RwSignal<bool>,
        conn: Option<Conn>,
        last_id: Option<String>,
        backoff_ms: u32,
        closed: bool,
    }

    /// One `EventSource` that reconnects itself. Its handler also hears `open` when a connection
    /// starts with nothing to resume from. On a stream error it closes the source and
    /// opens a new one after a doubling, jittered delay (0.5 s … 30 s), passing the last
    /// event id so the server replays what was missed. Dropping it closes the stream.
    pub struct Stream(Rc<RefCell<Inner>>);

    impl Stream {
        pub fn open(
            url: &'static str,
            events: &'static [&'static str],
            connected: RwSignal<bool>,
            on_event: impl Fn(&str, &str) + 'static,
        ) -> Stream {
            let inner = Rc::new(RefCell::new(Inner {
                url,
                events,
                on_event: Box::new(on_event),
                connected,
                conn: None,
                last_id: None,
                backoff_ms: 500,
                closed: false,
            }));
            connect(&inner);
            Stream(inner)
        }
    }

    impl Drop for Stream {
        fn drop(&mut self) {
            let mut inner = self.0.borrow_mut();
            inner.closed = true;
            if let Some(c) = inner.conn.take() {
                c.source.close();
            }
        }
    }

    fn connect(inner: &Rc<RefCell<Inner>>) {
        let url = {
            let i = inner.borrow();
            if i.closed {
                return;
            }
            match &i.last_id {
                Some(id) => format!("{}?last_event_id={}", i.url, urlencode(id)),
                None => i.url.to_owned(),
            }
        };
        let Ok(source) = EventSource::new(&url) else {
            schedule(inner);
            return;
        };
        let events = inner.borrow().events;
        let handlers: Vec<Closure<dyn FnMut(MessageEvent)>> = events
            .iter()
            .map(|name| {
                let weak = Rc::downgrade(inner);
                let name: &'static str = name;
                let cb = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
                    let Some(inner) = weak.upgrade() else { return };
                    let data = ev.data().as_string().unwrap_or_default();
                    let id = ev.last_event_id();
                    if !id.is_empty() {
                        inner.borrow_mut().last_id = Some(id);
                    }
                    // The handler may update signals; never hold the borrow across it.
                    let inner = inner.borrow();
                    (inner.on_event)(name, &data);
                });
                let _ = source.add_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
                cb
            })
            .collect();
        let weak = Rc::downgrade(inner);
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(inner) = weak.upgrade() {
                let fresh = {
                    let mut i = inner.borrow_mut();
                    i.backoff_ms = 500;
                    i.connected.set(true);
                    i.last_id.is_none()
                };
                // Without an id to resume from, whatever changed before now may be missed:
                // the handler hears "open" and views reload once.
                if fresh {
                    let i = inner.borrow();
                    (i.on_event)("open", "");
                }
            }
        });
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        let weak = Rc::downgrade(inner);
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(inner) = weak.upgrade() {
                {
                    let i = inner.borrow();
                    i.connected.set(false);
                    if let Some(c) = i.conn.as_ref() {
                        c.source.close();
                    }
                }
                schedule(&inner);
            }
        });
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        inner.borrow_mut().conn = Some(Conn {
            source,
            _handlers: handlers,
            _on_open: on_open,
            _on_error: on_error,
        });
    }

    /// Reconnects after the current backoff (with ±25 % jitter), then doubles it.
    fn schedule(inner: &Rc<RefCell<Inner>>) {
        let delay = {
            let mut i = inner.borrow_mut();
            let d = i.backoff_ms;
            i.backoff_ms = (d * 2).min(MAX_BACKOFF_MS);
            let jitter = (js_sys_random() * 0.5 + 0.75) * f64::from(d);
            jitter as u64
        };
        let weak = Rc::downgrade(inner);
        set_timeout(
            move || {
                if let Some(inner) = weak.upgrade() {
                    // The old connection (and its closures) goes only now, outside its handler.
                    drop(inner.borrow_mut().conn.take());
                    connect(&inner);
                }
            },
            std::time::Duration::from_millis(delay),
        );
    }

    fn js_sys_random() -> f64 {
        // Jitter only needs to differ between tabs: the fractional bits of a scaled clock.
        window()
            .performance()
            .map_or(0.5, |p| (p.now() * 7919.0).fract())
    }

    fn urlencode(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
}
