//! The LISTEN loop: Postgres notifications in, frames out (changed incidents and counters
//! loaded once per batch).

use std::sync::Arc;
use std::time::Duration;

use app::db::Db;
use app::domain::{IncidentId, UserId};
use app::error::AppError;
use app::state::AppState;
use sqlx::postgres::{PgListener, PgNotification};

use super::hub::{Audience, Hub, Topic};

/// Notifications gathered into one batch when they arrive together.
const BATCH: usize = 512;

/// The LISTEN loop: reconnects with backoff; after a reconnect every client is told to
/// reload, since notifications sent meanwhile are gone.
pub(super) async fn listen(hub: Arc<Hub>, state: AppState) {
    let channels = [
        app::incidents::notify::CHANNEL,
        app::incidents::notify::EVENTS_CHANNEL,
        app::notifications::store::LIVE_CHANNEL,
    ];
    let mut backoff = Duration::from_millis(100);
    let mut first = true;
    while !state.pool.is_closed() {
        let mut listener = match PgListener::connect_with(state.pool.sessions()).await {
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
            c if c == app::incidents::notify::CHANNEL => {
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
            c if c == app::incidents::notify::EVENTS_CHANNEL => {
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
    pool: &Db,
    ids: &[IncidentId],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<
    (
        Vec<app::incidents::IncidentSummary>,
        app::incidents::Counters,
    ),
    AppError,
> {
    let mut conn = pool.begin().await?;
    let summaries = if ids.is_empty() {
        vec![]
    } else {
        app::incidents::reads::summaries(&mut *conn, ids, now).await?
    };
    let counters = app::incidents::reads::counters(&mut *conn, now).await?;
    Ok((summaries, counters))
}
