//! The engine's loop: claim due jobs in three groups (escalation batches, the other paging
//! kinds, channel deliveries), each on its own slots, run them, and otherwise sleep until the
//! next due job of a group with a free slot, a NOTIFY on the jobs channel, or a freed slot.

use std::sync::Arc;

use app::jobs::JobKind;
use app::jobs::store::{self as queue, Claimed, Kinds};
use chrono::Duration;
use sqlx::postgres::PgListener;
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;

use super::Engine;

impl Engine {
    async fn listen(&self) -> Option<PgListener> {
        match PgListener::connect_with(self.pool.sessions()).await {
            Ok(mut l) => match l.listen(queue::CHANNEL).await {
                Ok(()) => Some(l),
                Err(e) => {
                    tracing::warn!(error = %e, "engine: LISTEN failed; retrying");
                    None
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "engine: cannot connect for LISTEN; retrying");
                None
            }
        }
    }

    pub(super) async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        if let Err(e) = queue::ensure_tasks(&self.pool, self.clock.now()).await {
            tracing::warn!(error = %e, "engine: cannot schedule recurring tasks");
        }
        let slots = Arc::new(Semaphore::new(self.concurrency.max(1)));
        let delivery_slots = Arc::new(Semaphore::new(self.delivery_concurrency.max(1)));
        // What each claim takes, on which slots: escalation steps as batches (a batch takes
        // one slot), the other paging kinds one per slot, and channel deliveries one per
        // slot of their own.
        const PAGING: &[JobKind] = &[JobKind::Escalation, JobKind::ChannelDelivery];
        let groups = [
            (Kinds::Only(JobKind::Escalation), slots.clone()),
            (Kinds::AllBut(PAGING), slots.clone()),
            (
                Kinds::Only(JobKind::ChannelDelivery),
                delivery_slots.clone(),
            ),
        ];
        let freed = Arc::new(Notify::new());
        let mut listener = self.listen().await;
        // Jobs in flight belong to the loop: if the loop is aborted (a crash), so are they.
        let mut running = JoinSet::new();
        tracing::info!(
            concurrency = self.concurrency,
            "engine started: waiting for jobs"
        );
        loop {
            if *stop.borrow() {
                break;
            }
            while running.try_join_next().is_some() {}
            // Claim as many due jobs as there are free slots, until none is due.
            let mut claimed_any = false;
            loop {
                let mut claimed_now = false;
                for (kinds, slots) in &groups {
                    let kinds = *kinds;
                    let free = slots.available_permits();
                    if free == 0 {
                        continue;
                    }
                    let n = match kinds {
                        Kinds::Only(JobKind::Escalation) => self.step_batch.max(1),
                        _ => free,
                    };
                    let jobs = match queue::claim(
                        &self.pool,
                        i64::try_from(n).unwrap_or(1),
                        kinds,
                        self.lease,
                        self.clock.now(),
                    )
                    .await
                    {
                        Ok(jobs) => jobs,
                        Err(e) => {
                            tracing::warn!(error = %e, "engine: claim failed");
                            break;
                        }
                    };
                    if jobs.is_empty() {
                        continue;
                    }
                    claimed_now = true;
                    self.claimed.fetch_add(
                        u64::try_from(jobs.len()).unwrap_or(u64::MAX),
                        std::sync::atomic::Ordering::Relaxed,
                    );
                    let units: Vec<Vec<Claimed>> = match kinds {
                        Kinds::Only(JobKind::Escalation) => vec![jobs],
                        _ => jobs.into_iter().map(|j| vec![j]).collect(),
                    };
                    for unit in units {
                        let Ok(permit) = slots.clone().try_acquire_owned() else {
                            break;
                        };
                        let engine = self.clone();
                        let freed = freed.clone();
                        running.spawn(async move {
                            engine.execute_all(unit).await;
                            drop(permit);
                            freed.notify_one();
                        });
                    }
                }
                claimed_any |= claimed_now;
                if !claimed_now {
                    break;
                }
            }
            // A group whose slots are all taken waits for one to free; the others wait for
            // their next due job.
            let saturated = groups.iter().any(|(_, s)| s.available_permits() == 0);
            if claimed_any && !saturated {
                // More may have become due while we claimed; look again at once.
                continue;
            }
            let mut next: Option<chrono::DateTime<chrono::Utc>> = None;
            for (kinds, slots) in &groups {
                if slots.available_permits() == 0 {
                    continue;
                }
                let due = match queue::next_due(&self.pool, *kinds).await {
                    Ok(at) => at,
                    Err(e) => {
                        tracing::warn!(error = %e, "engine: cannot read the next due time");
                        Some(self.clock.now() + Duration::seconds(1))
                    }
                };
                next = match (next, due) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            let timer = async {
                match next {
                    Some(at) => self.clock.sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            // `try_recv`, not `recv`: `recv` reconnects silently, and a NOTIFY sent while the
            // connection was down is gone, so a due job could wait for the next, unrelated
            // NOTIFY. `Ok(None)` comes once the listener has reconnected and listens again
            // (eager reconnect); it wakes the loop, which then reads the queue.
            let heard = async {
                match listener.as_mut() {
                    Some(l) => match l.try_recv().await {
                        Ok(Some(_)) => {}
                        Ok(None) => {
                            tracing::info!("engine: LISTEN connection lost; re-reading the queue");
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "engine: LISTEN connection lost");
                            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                        }
                    },
                    None => {
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            };
            tokio::select! {
                changed = stop.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
                _ = freed.notified(), if saturated => {}
                _ = timer => {}
                _ = heard => {}
            }
            if listener.is_none() {
                listener = self.listen().await;
            }
        }
        // A clean stop lets jobs in flight finish (each is bounded by its send timeout).
        while running.join_next().await.is_some() {}
        tracing::info!("engine stopped");
    }
}
