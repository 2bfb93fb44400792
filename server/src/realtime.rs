//! Live updates: one Postgres LISTEN per instance feeds in-process broadcasts, served as
//! server-sent event streams filtered per viewer, with heartbeats and `Last-Event-ID` resume.
//!
//! - `GET /api/realtime/stream`: event `incidents` ([`app::incidents::LiveUpdate`]) for any
//!   reader of incidents;
//! - `GET /api/events/stream`: event `event`, the digest of each inbound event, for those who
//!   may wire integrations (RESPONDER, ADMIN);
//! - `GET /api/notifications/stream`: event `notification`, the caller's own pages.
//!
//! Any instance's NOTIFY reaches every instance's clients. Each frame is serialised once and
//! shared by every client; filtering is a comparison per frame and client. Event ids are
//! `<instance>-<seq>`: a client reconnecting to the same instance gets what it missed from a
//! ring of recent frames; otherwise (another instance, or too old) it gets `reset` and
//! reloads.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use app::auth::caller::{Caller, identify};
use app::auth::session::RequestInfo;
use app::domain::{Access, Area, IncidentId, UserId};
use app::error::AppError;
use app::state::AppState;
use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::Stream;
use sqlx::PgPool;
use sqlx::postgres::{PgListener, PgNotification};
use tokio::sync::broadcast;

/// Frames kept per topic for `Last-Event-ID` resume.
const RECENT: usize = 1024;
/// Notifications gathered into one batch when they arrive together.
const BATCH: usize = 512;

/// The three streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Incidents = 0,
    Events = 1,
    Notifications = 2,
}

impl Topic {
    /// The role a viewer needs for this stream.
    fn access(self) -> Access {
        match self {
            Topic::Incidents => Access::Read(Area::Incidents),
            Topic::Events => Access::Write(Area::Services),
            Topic::Notifications => Access::SignedIn,
        }
    }
}

/// Who may receive a frame (beyond the stream's own access check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    Everyone,
    User(UserId),
}

/// One message, serialised once for every client.
#[derive(Debug)]
pub struct Frame {
    seq: u64,
    event: &'static str,
    audience: Audience,
    data: String,
}

impl Frame {
    fn visible_to(&self, caller: &Caller) -> bool {
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

struct Channel {
    tx: broadcast::Sender<Arc<Frame>>,
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
struct Subscription {
    replay: Vec<Arc<Frame>>,
    reset: bool,
    rx: broadcast::Receiver<Arc<Frame>>,
}

/// The per-instance fan-out point.
pub struct Hub {
    instance: String,
    /// Whether the LISTEN is in place (a client that connected hears every later change).
    listening: tokio::sync::watch::Sender<bool>,
    channels: [Channel; 3],
    heartbeat: Duration,
    clients: AtomicUsize,
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
        tokio::spawn(listen(hub.clone(), state.clone()));
        hub
    }

    /// Connected SSE clients on this instance.
    pub fn clients(&self) -> usize {
        self.clients.load(Ordering::Relaxed)
    }

    fn publish(&self, topic: Topic, event: &'static str, audience: Audience, data: String) {
        let channel = &self.channels[topic as usize];
        let mut recent = channel
            .recent
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let frame = Arc::new(Frame {
            seq: recent.next_seq,
            event,
            audience,
            data,
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
    fn reset_all(&self) {
        for topic in [Topic::Incidents, Topic::Events, Topic::Notifications] {
            self.publish(topic, "reset", Audience::Everyone, "{}".to_owned());
        }
    }

    fn subscribe(&self, topic: Topic, last_event_id: Option<&str>) -> Subscription {
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

    fn event(&self, frame: &Frame) -> Event {
        Event::default()
            .id(format!("{}-{}", self.instance, frame.seq))
            .event(frame.event)
            .data(&frame.data)
    }

    fn reset_event(&self, topic: Topic) -> Event {
        let channel = &self.channels[topic as usize];
        let next = channel
            .recent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .next_seq;
        Event::default()
            .id(format!("{}-{}", self.instance, next - 1))
            .event("reset")
            .data("{}")
    }
}

/// The LISTEN loop: reconnects with backoff; after a reconnect every client is told to
/// reload, since notifications sent meanwhile are gone.
async fn listen(hub: Arc<Hub>, state: AppState) {
    let channels = [
        app::incidents::store::CHANNEL,
        app::incidents::store::EVENTS_CHANNEL,
        app::notifications::store::LIVE_CHANNEL,
    ];
    let mut backoff = Duration::from_millis(100);
    let mut first = true;
    while !state.pool.is_closed() {
        let mut listener = match PgListener::connect_with(&state.pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "realtime: cannot connect for LISTEN; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        if let Err(e) = listener.listen_all(channels).await {
            tracing::warn!(error = %e, "realtime: LISTEN failed; retrying");
            tokio::time::sleep(backoff).await;
            continue;
        }
        backoff = Duration::from_millis(100);
        hub.listening.send_replace(true);
        if !first {
            hub.reset_all();
        }
        first = false;
        loop {
            // `try_recv`: a lost connection is `Ok(None)`, returned once the listener has
            // reconnected and listens again (eager reconnect); what was sent meanwhile is gone,
            // so clients reload. (`recv` would reconnect silently.)
            let n = match listener.try_recv().await {
                Ok(Some(n)) => n,
                Ok(None) => {
                    tracing::warn!("realtime: LISTEN connection was lost; clients reload");
                    hub.reset_all();
                    continue;
                }
                Err(e) => {
                    hub.listening.send_replace(false);
                    if !state.pool.is_closed() {
                        tracing::warn!(error = %e, "realtime: LISTEN connection lost");
                    }
                    break;
                }
            };
            let mut batch = vec![n];
            while batch.len() < BATCH {
                match listener.next_buffered() {
                    Some(n) => batch.push(n),
                    None => break,
                }
            }
            dispatch(&hub, &state, batch).await;
        }
    }
}

/// Turns one batch of notifications into frames: the incidents' summaries and the counters
/// are loaded once for every client.
async fn dispatch(hub: &Hub, state: &AppState, batch: Vec<PgNotification>) {
    let mut ids: Vec<IncidentId> = Vec::new();
    let mut resync = false;
    let mut incidents = false;
    for n in &batch {
        match n.channel() {
            c if c == app::incidents::store::CHANNEL => {
                incidents = true;
                let payload = n.payload();
                if payload.starts_with('{') {
                    // An ingest batch: the incidents and the event log's digests together.
                    #[derive(serde::Deserialize)]
                    struct Both {
                        ids: serde_json::Value,
                        events: serde_json::Value,
                    }
                    match serde_json::from_str::<Both>(payload) {
                        Ok(both) => {
                            match serde_json::from_value::<Vec<IncidentId>>(both.ids) {
                                Ok(changed) => ids.extend(changed),
                                Err(_) => resync = true,
                            }
                            hub.publish(
                                Topic::Events,
                                "event",
                                Audience::Everyone,
                                both.events.to_string(),
                            );
                        }
                        Err(_) => resync = true,
                    }
                } else {
                    match serde_json::from_str::<Vec<IncidentId>>(payload) {
                        Ok(changed) => ids.extend(changed),
                        Err(_) => resync = true,
                    }
                }
            }
            c if c == app::incidents::store::EVENTS_CHANNEL => {
                hub.publish(
                    Topic::Events,
                    "event",
                    Audience::Everyone,
                    n.payload().to_owned(),
                );
            }
            c if c == app::notifications::store::LIVE_CHANNEL => {
                #[derive(serde::Deserialize)]
                struct Addressed {
                    user_id: UserId,
                }
                match serde_json::from_str::<Addressed>(n.payload()) {
                    Ok(a) => hub.publish(
                        Topic::Notifications,
                        "notification",
                        Audience::User(a.user_id),
                        n.payload().to_owned(),
                    ),
                    Err(e) => tracing::warn!(error = %e, "realtime: bad notification payload"),
                }
            }
            _ => {}
        }
    }
    if !incidents {
        return;
    }
    // Nobody watching on this instance: no queries. The ring gets a `reset` instead, so a
    // client resuming across this gap reloads rather than missing the change.
    if hub.channels[Topic::Incidents as usize].tx.receiver_count() == 0 {
        hub.publish(
            Topic::Incidents,
            "reset",
            Audience::Everyone,
            "{}".to_owned(),
        );
        return;
    }
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > BATCH {
        ids.clear();
        resync = true;
    }
    match load(&state.pool, &ids, state.clock.now()).await {
        Ok((summaries, counters)) => {
            let update = app::incidents::LiveUpdate {
                incidents: summaries,
                counters,
                resync,
            };
            match serde_json::to_string(&update) {
                Ok(data) => hub.publish(Topic::Incidents, "incidents", Audience::Everyone, data),
                Err(e) => tracing::warn!(error = %e, "realtime: cannot encode an update"),
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "realtime: cannot load changed incidents; clients reload");
            hub.publish(
                Topic::Incidents,
                "reset",
                Audience::Everyone,
                "{}".to_owned(),
            );
        }
    }
}

async fn load(
    pool: &PgPool,
    ids: &[IncidentId],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<
    (
        Vec<app::incidents::IncidentSummary>,
        app::incidents::Counters,
    ),
    AppError,
> {
    let mut conn = pool.acquire().await?;
    let summaries = if ids.is_empty() {
        vec![]
    } else {
        app::incidents::store::summaries(&mut *conn, ids).await?
    };
    let counters = app::incidents::store::counters(&mut *conn, now).await?;
    Ok((summaries, counters))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/realtime/stream",
            get(|s, q, r| stream(Topic::Incidents, s, q, r)),
        )
        .route(
            "/api/events/stream",
            get(|s, q, r| stream(Topic::Events, s, q, r)),
        )
        .route(
            "/api/notifications/stream",
            get(|s, q, r| stream(Topic::Notifications, s, q, r)),
        )
}

#[derive(Debug, serde::Deserialize)]
struct ResumeQuery {
    /// For clients that reconnect by opening a new `EventSource` (which cannot set headers).
    last_event_id: Option<String>,
}

/// Counts a connected client for as long as its stream lives.
struct Connected(Arc<Hub>);

impl Drop for Connected {
    fn drop(&mut self) {
        self.0.clients.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn stream(
    topic: Topic,
    State(state): State<AppState>,
    Query(query): Query<ResumeQuery>,
    req: Request,
) -> Response {
    let Some(hub) = req.extensions().get::<Arc<Hub>>().cloned() else {
        return error(AppError::Internal {
            message: "realtime hub missing".into(),
        });
    };
    let info = RequestInfo::from_parts(req.headers(), req.uri(), req.extensions());
    let caller = match identify(&state, &info).await {
        Ok(c) => c,
        Err(e) => return error(e),
    };
    if let Err(e) = caller.check(topic.access()) {
        return error(e);
    }
    let last = req
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(query.last_event_id);
    // A stream opened while this instance is (re)connecting its LISTEN waits for it (up to
    // 5 s), so that a connected client hears every change made after it connected.
    let mut listening = hub.listening.subscribe();
    let _ = tokio::time::timeout(Duration::from_secs(5), listening.wait_for(|l| *l)).await;
    let sub = hub.subscribe(topic, last.as_deref());
    hub.clients.fetch_add(1, Ordering::Relaxed);
    let guard = Connected(hub.clone());
    let heartbeat = hub.heartbeat;
    let mut res = Sse::new(frames(hub, topic, caller, sub, guard))
        .keep_alive(KeepAlive::new().interval(heartbeat).text("heartbeat"))
        .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Tells reverse proxies (nginx) not to buffer the stream.
    res.headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    res
}

/// The client's stream: a `retry` hint, then the replay (or `reset`), then live frames the
/// caller may see. A client too slow to keep up gets `reset` and reloads.
fn frames(
    hub: Arc<Hub>,
    topic: Topic,
    caller: Caller,
    sub: Subscription,
    guard: Connected,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let mut first: VecDeque<Event> = VecDeque::new();
    first.push_back(Event::default().retry(Duration::from_secs(2)).comment("ok"));
    if sub.reset {
        first.push_back(hub.reset_event(topic));
    }
    for f in sub.replay.iter().filter(|f| f.visible_to(&caller)) {
        first.push_back(hub.event(f));
    }
    let state = (first, sub.rx, hub, caller, guard);
    futures_util::stream::unfold(
        state,
        move |(mut first, mut rx, hub, caller, guard)| async move {
            if let Some(ev) = first.pop_front() {
                return Some((Ok(ev), (first, rx, hub, caller, guard)));
            }
            loop {
                match rx.recv().await {
                    Ok(f) if f.visible_to(&caller) => {
                        let ev = hub.event(&f);
                        return Some((Ok(ev), (first, rx, hub, caller, guard)));
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let ev = hub.reset_event(topic);
                        return Some((Ok(ev), (first, rx, hub, caller, guard)));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        },
    )
}

fn error(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = (status, serde_json::to_string(&e).unwrap_or_default()).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(sub: &Subscription) -> Vec<u64> {
        sub.replay.iter().map(|f| f.seq).collect()
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
        assert_eq!(sub.replay.last().map(|f| f.event), Some("reset"));
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
