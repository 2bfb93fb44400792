//! The three SSE endpoints: authenticate, subscribe (with resume), then stream the frames
//! the caller may see, with heartbeats.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use app::auth::caller::{Caller, identify};
use app::auth::session::RequestInfo;
use app::error::AppError;
use app::state::AppState;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::Stream;
use tokio::sync::broadcast;

use super::hub::{Hub, Subscription, Topic};

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
    let mut res = Body::from_stream(frames(hub, topic, caller, sub, guard)).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Tells reverse proxies (nginx) not to buffer the stream.
    res.headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    res
}

/// The client's stream: a `retry` hint, then the replay (or `reset`), then live frames the
/// caller may see, as the bytes each frame was rendered to once; a heartbeat comment after
/// each quiet interval. A client too slow to keep up gets `reset` and reloads.
fn frames(
    hub: Arc<Hub>,
    topic: Topic,
    caller: Caller,
    sub: Subscription,
    guard: Connected,
) -> impl Stream<Item = Result<Bytes, Infallible>> {
    let mut first: VecDeque<Bytes> = VecDeque::new();
    first.push_back(Bytes::from_static(b"retry: 2000\n: ok\n\n"));
    if sub.reset {
        first.push_back(hub.reset_event(topic));
    }
    for f in sub.replay.iter().filter(|f| f.visible_to(&caller)) {
        first.push_back(f.wire.clone());
    }
    let state = (first, sub.rx, hub, caller, guard);
    futures_util::stream::unfold(
        state,
        move |(mut first, mut rx, hub, caller, guard)| async move {
            if let Some(bytes) = first.pop_front() {
                return Some((Ok(bytes), (first, rx, hub, caller, guard)));
            }
            let quiet = tokio::time::sleep(hub.heartbeat);
            tokio::pin!(quiet);
            loop {
                let bytes = tokio::select! {
                    received = rx.recv() => match received {
                        Ok(f) if f.visible_to(&caller) => f.wire.clone(),
                        Ok(_) => continue,
                        Err(broadcast::error::RecvError::Lagged(_)) => hub.reset_event(topic),
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    () = &mut quiet => Bytes::from_static(b": heartbeat\n\n"),
                };
                return Some((Ok(bytes), (first, rx, hub, caller, guard)));
            }
        },
    )
}

fn error(e: AppError) -> Response {
    e.into_response()
}
