//! Group commit for ingestion. Request handlers hand events to a few workers, sharded by
//! (service, dedup key) so two workers never touch the same incident (no lock waits or
//! deadlocks between batches). Each worker takes everything queued for it (up to a batch
//! limit), applies it in one transaction with one NOTIFY, commits, and only then answers every
//! caller. Under load many events share one commit; alone, an event waits for nobody. If a
//! batch fails, each of its events is retried in its own transaction, so one bad event fails
//! only itself. Also the per-integration rate limit and the SNS confirmer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use app::clock::SharedClock;
use app::db::Db;
use app::domain::{IncidentId, IntegrationId};
use app::error::AppError;
use app::incidents::batch::ingest_batch;
use app::incidents::notify::notify_ingest;
use app::incidents::store::{IngestTarget, Ingested};
use app::incidents::{EventDigest, InboundEvent};
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};

struct Job {
    target: IngestTarget,
    event: InboundEvent,
    reply: oneshot::Sender<Result<Ingested, AppError>>,
}

/// The ingestion front door shared by every receiver.
pub struct Ingestor {
    shards: Vec<mpsc::Sender<Job>>,
    pub limiter: RateLimiter,
    /// Fetches SNS subscription-confirmation URLs (CloudWatch).
    pub sns: Arc<dyn SnsConfirmer>,
}

/// Confirms an SNS subscription by fetching its `SubscribeURL`. Behind a trait so tests fake
/// Amazon at this HTTP boundary.
pub trait SnsConfirmer: Send + Sync {
    fn confirm(
        &self,
        url: String,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + '_>>;
}

/// The real confirmer: an HTTPS GET with a short timeout.
pub struct HttpsConfirmer(reqwest::Client);

impl SnsConfirmer for HttpsConfirmer {
    fn confirm(
        &self,
        url: String,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + '_>> {
        Box::pin(async move {
            let res = self.0.get(&url).send().await.map_err(|e| e.to_string())?;
            if res.status().is_success() {
                Ok(())
            } else {
                Err(format!("SNS answered {}", res.status()))
            }
        })
    }
}

fn https_confirmer() -> Arc<dyn SnsConfirmer> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default();
    Arc::new(HttpsConfirmer(client))
}

impl std::fmt::Debug for Ingestor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ingestor").finish_non_exhaustive()
    }
}

/// Events one transaction takes at most.
pub const MAX_BATCH: usize = 256;

impl Ingestor {
    /// Starts `workers` batch workers on the current runtime.
    pub fn start(pool: Db, clock: SharedClock, workers: usize) -> Arc<Ingestor> {
        Self::start_with(pool, clock, workers, https_confirmer())
    }

    /// `start` with a given SNS confirmer.
    pub fn start_with(
        pool: Db,
        clock: SharedClock,
        workers: usize,
        sns: Arc<dyn SnsConfirmer>,
    ) -> Arc<Ingestor> {
        let shards = (0..workers.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::channel::<Job>(16 * MAX_BATCH);
                tokio::spawn(worker(rx, pool.clone(), clock.clone()));
                tx
            })
            .collect();
        Arc::new(Ingestor {
            shards,
            limiter: RateLimiter::default(),
            sns,
        })
    }

    /// The worker for an event: by (service, dedup key); keyless triggers (each their own
    /// incident) by their service.
    fn shard(&self, target: &IngestTarget, event: &InboundEvent) -> &mpsc::Sender<Job> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        target.service_id.hash(&mut h);
        event.dedup_key.hash(&mut h);
        let i = usize::try_from(h.finish() % self.shards.len() as u64).unwrap_or(0);
        &self.shards[i]
    }

    /// Applies the events (in order per dedup key) and returns once all are committed.
    pub async fn submit(
        &self,
        items: Vec<(IngestTarget, InboundEvent)>,
    ) -> Vec<Result<Ingested, AppError>> {
        let mut waits = Vec::with_capacity(items.len());
        for (target, event) in items {
            let (reply, wait) = oneshot::channel();
            let shard = self.shard(&target, &event);
            if shard
                .send(Job {
                    target,
                    event,
                    reply,
                })
                .await
                .is_err()
            {
                waits.push(None);
            } else {
                waits.push(Some(wait));
            }
        }
        let mut out = Vec::with_capacity(waits.len());
        for w in waits {
            out.push(match w {
                Some(w) => w.await.unwrap_or_else(|_| Err(stopped())),
                None => Err(stopped()),
            });
        }
        out
    }
}

fn stopped() -> AppError {
    AppError::Unavailable {
        message: "ingestion is shutting down; retry".into(),
    }
}

async fn worker(mut rx: mpsc::Receiver<Job>, pool: Db, clock: SharedClock) {
    loop {
        let mut batch = Vec::new();
        match rx.recv().await {
            Some(job) => batch.push(job),
            None => return,
        }
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // Rounds in `ingest_batch` keep each key's order; sorting keeps row locks taken in one
        // order, should another instance work on the same keys at the same time.
        batch.sort_by(|a, b| {
            (a.target.service_id, &a.event.dedup_key)
                .cmp(&(b.target.service_id, &b.event.dedup_key))
        });
        run(&pool, clock.now(), batch).await;
    }
}

async fn run(pool: &Db, now: DateTime<Utc>, batch: Vec<Job>) {
    match apply(pool, now, batch.iter().map(|j| (&j.target, &j.event))).await {
        Ok(results) => {
            for (job, r) in batch.into_iter().zip(results) {
                let _ = job.reply.send(Ok(r));
            }
        }
        Err(e) if batch.len() == 1 => {
            for job in batch {
                let _ = job.reply.send(Err(e.clone()));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, events = batch.len(), "ingest batch failed; retrying its events one by one");
            for job in batch {
                let r = apply(pool, now, std::iter::once((&job.target, &job.event)))
                    .await
                    .map(|mut v| v.remove(0));
                let _ = job.reply.send(r);
            }
        }
    }
}

/// One transaction: every event, then one NOTIFY for all the incidents touched, then commit.
async fn apply<'a>(
    pool: &Db,
    now: DateTime<Utc>,
    items: impl Iterator<Item = (&'a IngestTarget, &'a InboundEvent)>,
) -> Result<Vec<Ingested>, AppError> {
    let items: Vec<(&IngestTarget, &InboundEvent)> = items.collect();
    let mut tx = pool.begin().await?;
    let results = ingest_batch(&mut tx, &items, now).await?;
    let mut touched: Vec<IncidentId> = results.iter().filter_map(|r| r.incident).collect();
    touched.sort_unstable();
    touched.dedup();
    let digests: Vec<EventDigest> = items
        .iter()
        .zip(&results)
        .map(|((target, ev), r)| EventDigest {
            at: now,
            service_id: target.service_id,
            action: ev.action,
            dedup_key: r.dedup_key.clone(),
            summary: ev.summary.chars().take(200).collect(),
            severity: ev.severity,
            source: ev.source.chars().take(200).collect(),
            incident_id: r.incident,
        })
        .collect();
    notify_ingest(&mut tx, &touched, &digests).await?;
    tx.commit().await?;
    Ok(results)
}

/// A token bucket per integration: `per_min` events a minute, bursts up to `per_min`.
/// Per server instance; N instances allow up to N times the rate.
#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<IntegrationId, (f64, DateTime<Utc>)>>,
}

impl RateLimiter {
    /// Takes `n` tokens, or says how many seconds until they are available.
    pub fn take(
        &self,
        id: IntegrationId,
        per_min: i32,
        n: usize,
        now: DateTime<Utc>,
    ) -> Result<(), u64> {
        let capacity = f64::from(per_min.max(1));
        let need = (n as f64).min(capacity);
        let per_sec = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, at) = buckets.entry(id).or_insert((capacity, now));
        let elapsed = (now - *at).num_milliseconds().max(0) as f64 / 1000.0;
        *tokens = (*tokens + elapsed * per_sec).min(capacity);
        *at = now;
        if *tokens >= need {
            *tokens -= need;
            Ok(())
        } else {
            Err((((need - *tokens) / per_sec).ceil() as u64).max(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_refills_at_the_configured_rate() {
        let l = RateLimiter::default();
        let id = IntegrationId::new();
        let t0: DateTime<Utc> = "2026-03-08T06:30:00Z".parse().unwrap();
        for _ in 0..120 {
            assert!(l.take(id, 120, 1, t0).is_ok());
        }
        assert_eq!(
            l.take(id, 120, 1, t0),
            Err(1),
            "one token every half second"
        );
        assert!(
            l.take(id, 120, 1, t0 + chrono::Duration::milliseconds(500))
                .is_ok()
        );
        assert!(
            l.take(id, 120, 1, t0 + chrono::Duration::milliseconds(500))
                .is_err()
        );
        assert!(
            l.take(id, 120, 60, t0 + chrono::Duration::seconds(31))
                .is_ok()
        );
        // Another integration has its own bucket.
        assert!(l.take(IntegrationId::new(), 120, 1, t0).is_ok());
    }
}
