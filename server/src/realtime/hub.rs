//! The per-instance fan-out point: one broadcast channel per topic, each with a ring of
//! recent frames for `Last-Event-ID` resume.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use app::auth::caller::Caller;
use app::domain::{Access, Area, UserId};
use app::state::AppState;
use axum::body::Bytes;
use tokio::sync::broadcast;

/// Frames kept per topic for `Last-Event-ID` resume.
const RECENT: usize = 1024;

/// The three streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Incidents = 0,
    Events = 1,
    Notifications = 2,
}

impl Topic {
    /// The role a viewer needs for this stream.
    pub(super) fn access(self) -> Access {
        match self {
            Topic::Incidents => Access::Read(Area::Incidents),
            Topic::Events => Access::Write(Area::Services),
            Topic::Notifications => Access::SignedIn,
        }
    }
}

/// Who may receive a frame (beyond the stream's own access check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Audience {
    Everyone,
    User(UserId),
}

/// One message, rendered once in SSE wire format (`id`, `event`, `data` lines) and shared
/// by every client: fan-out copies nothing.
#[derive(Debug)]
pub struct Frame {
    seq: u64,
    audience: Audience,
    pub(super) wire: Bytes,
}

/// An SSE message: `id: <id>`, `event: <event>`, one `data:` line per line of `data`.
pub(super) fn render(id: &str, event: &str, data: &str) -> Bytes {
    let mut out = String::with_capacity(id.len() + event.len() + data.len() + 32);
    out.push_str("id: ");
    out.push_str(id);
    out.push_str("\nevent: ");
    out.push_str(event);
    out.push('\n');
    for line in data.split('\n') {
        out.push_str("data: ");
        out.push_str(line.strip_suffix('\r').unwrap_or(line));
        out.push('\n');
    }
    out.push('\n');
    Bytes::from(out)
}

impl Frame {
    pub(super) fn visible_to(&self, caller: &Caller) -> bool {
        match self.audience {
            Audience::Everyone => true,
            Audience::User(u) => caller.user.id == u,
        }
    }
}

struct Recent {
    next_seq: u64,
    frames: VecDeque<Arc<Frame>>,
}

pub(super) struct Channel {
    pub(super) tx: broadcast::Sender<Arc<Frame>>,
    recent: Mutex<Recent>,
}

impl Channel {
    fn new() -> Channel {
        Channel {
            tx: broadcast::channel(RECENT).0,
            recent: Mutex::new(Recent {
                next_seq: 1,
                frames: VecDeque::with_capacity(RECENT),
            }),
        }
    }
}

/// What a new subscriber gets: frames to replay first, then the live receiver.
pub(super) struct Subscription {
    pub(super) replay: Vec<Arc<Frame>>,
    pub(super) reset: bool,
    pub(super) rx: broadcast::Receiver<Arc<Frame>>,
}

/// The per-instance fan-out point.
pub struct Hub {
    pub(super) instance: String,
    /// Whether the LISTEN is in place (a client that connected hears every later change).
    pub(super) listening: tokio::sync::watch::Sender<bool>,
    pub(super) channels: [Channel; 3],
    pub(super) heartbeat: Duration,
    pub(super) clients: AtomicUsize,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

impl Hub {
    pub fn new(heartbeat: Duration) -> Arc<Hub> {
        Arc::new(Hub {
            instance: format!("{:08x}", rand::random::<u32>()),
            listening: tokio::sync::watch::channel(false).0,
            channels: [Channel::new(), Channel::new(), Channel::new()],
            heartbeat,
            clients: AtomicUsize::new(0),
        })
    }

    /// A hub fed by this database's notifications, until the pool closes.
    pub fn start(state: &AppState) -> Arc<Hub> {
        let hub = Hub::new(Duration::from_secs(15));
        tokio::spawn(super::listen::listen(hub.clone(), state.clone()));
        hub
    }

    /// Connected SSE clients on this instance.
    pub fn clients(&self) -> usize {
        self.clients.load(Ordering::Relaxed)
    }

    pub(super) fn publish(
        &self,
        topic: Topic,
        event: &'static str,
        audience: Audience,
        data: String,
    ) {
        let channel = &self.channels[topic as usize];
        let mut recent = channel
            .recent
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let seq = recent.next_seq;
        let frame = Arc::new(Frame {
            seq,
            audience,
            wire: render(&format!("{}-{seq}", self.instance), event, &data),
        });
        recent.next_seq += 1;
        if recent.frames.len() == RECENT {
            recent.frames.pop_front();
        }
        recent.frames.push_back(frame.clone());
        // No receivers is fine: nobody is watching.
        let _ = channel.tx.send(frame);
    }

    /// Tells every client of every topic to reload (notifications may have been missed).
    pub(super) fn reset_all(&self) {
        for topic in [Topic::Incidents, Topic::Events, Topic::Notifications] {
            self.publish(topic, "reset", Audience::Everyone, "{}".to_owned());
        }
    }

    pub(super) fn subscribe(&self, topic: Topic, last_event_id: Option<&str>) -> Subscription {
        let channel = &self.channels[topic as usize];
        // Subscribing under the lock: no frame is both replayed and received, none is lost.
        let recent = channel
            .recent
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let rx = channel.tx.subscribe();
        let Some(last) = last_event_id.filter(|s| !s.is_empty()) else {
            return Subscription {
                replay: vec![],
                reset: false,
                rx,
            };
        };
        let seq = last
            .split_once('-')
            .filter(|(instance, _)| *instance == self.instance)
            .and_then(|(_, seq)| seq.parse::<u64>().ok())
            .filter(|seq| *seq < recent.next_seq);
        let oldest = recent.frames.front().map_or(recent.next_seq, |f| f.seq);
        match seq {
            Some(seq) if seq + 1 >= oldest => Subscription {
                replay: recent
                    .frames
                    .iter()
                    .filter(|f| f.seq > seq)
                    .cloned()
                    .collect(),
                reset: false,
                rx,
            },
            _ => Subscription {
                replay: vec![],
                reset: true,
                rx,
            },
        }
    }

    /// `reset` for one client (it could not resume, or fell behind), carrying the id of the
    /// topic's newest frame.
    pub(super) fn reset_event(&self, topic: Topic) -> Bytes {
        let channel = &self.channels[topic as usize];
        let next = channel
            .recent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .next_seq;
        render(&format!("{}-{}", self.instance, next - 1), "reset", "{}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(sub: &Subscription) -> Vec<u64> {
        sub.replay.iter().map(|f| f.seq).collect()
    }

    #[test]
    fn frames_are_rendered_once_in_sse_wire_format() {
        assert_eq!(
            &render("ab12-7", "incidents", "{\"a\":1}")[..],
            b"id: ab12-7\nevent: incidents\ndata: {\"a\":1}\n\n"
        );
        // A line break in the data cannot end the message early.
        assert_eq!(
            &render("x-1", "event", "one\r\ntwo")[..],
            b"id: x-1\nevent: event\ndata: one\ndata: two\n\n"
        );
    }

    #[test]
    fn resume_replays_what_was_missed_and_resets_when_it_cannot() {
        let hub = Hub::new(Duration::from_secs(15));
        for i in 0..5 {
            hub.publish(
                Topic::Incidents,
                "incidents",
                Audience::Everyone,
                i.to_string(),
            );
        }
        let me = |seq: u64| format!("{}-{seq}", hub.instance);
        let sub = hub.subscribe(Topic::Incidents, Some(&me(3)));
        assert_eq!((ids(&sub), sub.reset), (vec![4, 5], false));
        let sub = hub.subscribe(Topic::Incidents, Some(&me(5)));
        assert_eq!((ids(&sub), sub.reset), (vec![], false));
        // From another instance, from the future, or garbage: reload.
        assert!(hub.subscribe(Topic::Incidents, Some("ffffffff-3")).reset);
        assert!(hub.subscribe(Topic::Incidents, Some(&me(9))).reset);
        assert!(hub.subscribe(Topic::Incidents, Some("nonsense")).reset);
        // Another topic has its own sequence.
        assert!(hub.subscribe(Topic::Events, Some(&me(3))).reset);
        // A gap published as `reset` while nobody watched is replayed as that `reset`.
        hub.publish(
            Topic::Incidents,
            "reset",
            Audience::Everyone,
            "{}".to_owned(),
        );
        let sub = hub.subscribe(Topic::Incidents, Some(&me(5)));
        let last = sub
            .replay
            .last()
            .map(|f| f.wire.clone())
            .unwrap_or_default();
        assert!(last.ends_with(b"\nevent: reset\ndata: {}\n\n"), "{last:?}");
        // Too old: the ring has moved on.
        for i in 0..RECENT {
            hub.publish(
                Topic::Incidents,
                "incidents",
                Audience::Everyone,
                i.to_string(),
            );
        }
        assert!(hub.subscribe(Topic::Incidents, Some(&me(5))).reset);
        let sub = hub.subscribe(Topic::Incidents, Some(&me(6)));
        assert_eq!((sub.replay.len(), sub.reset), (RECENT, false));
        // No id: live only.
        let sub = hub.subscribe(Topic::Incidents, None);
        assert_eq!((sub.replay.len(), sub.reset), (0, false));
    }
}
