//! The queue runner: every server instance runs one. It claims due jobs (`FOR UPDATE SKIP
//! LOCKED`, with a lease), runs them on a bounded set of tasks, and otherwise sleeps until
//! the earliest `run_at` or a NOTIFY on the jobs channel, whichever comes first.

mod claims;
pub mod escalation;
pub mod heartbeat;
pub mod maintenance;
pub mod notification;
pub mod oncall_report;
pub mod sla;
pub mod status_mail;
pub mod tasks;

use std::sync::Arc;

use app::clock::SharedClock;
use app::db::Db;
use app::error::AppError;
use app::jobs::JobKind;
use app::jobs::store::{self as queue, Claimed};
use app::mail::MailerSource;
use app::secrets::Keyring;
use chrono::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Retention for the cleanup task, in days.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub incident_days: i64,
    pub alert_days: i64,
    pub job_days: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            incident_days: 365,
            alert_days: 90,
            job_days: 7,
        }
    }
}

/// What the engine needs: the database, time, the channels it pages through, and limits.
#[derive(Clone, Debug)]
pub struct Engine {
    pub pool: Db,
    pub clock: SharedClock,
    pub keys: Arc<Keyring>,
    pub public_url: String,
    /// The paging channel for each contact kind.
    pub channels: Arc<crate::notify::Registry>,
    /// Where service-channel deliveries go out: the SSRF-guarded client.
    pub outbound: crate::outbound::Outbound,
    /// Jobs run at once on this instance (a batch of escalation steps counts as one), not
    /// counting service-channel deliveries.
    pub concurrency: usize,
    /// Service-channel deliveries run at once, on slots of their own: a slow or hung
    /// destination can hold these, never the slots pages and escalation steps run on.
    pub delivery_concurrency: usize,
    /// The most escalation jobs claimed and run as one batch (one transaction).
    pub step_batch: usize,
    /// How long a claim lasts before another instance may take the job over.
    pub lease: Duration,
    pub retention: Retention,
    /// The least time between two messages to one phone number (pages meanwhile are bundled).
    pub phone_limits: app::notifications::store::bundle::Limits,
    /// Where the engine's own emails go (the weekly on-call report, status-page emails): the
    /// same source as pages (which go through `channels`).
    pub mailer: MailerSource,
    /// Jobs this engine has claimed so far (tests check that every instance took work).
    claimed: Arc<std::sync::atomic::AtomicU64>,
}

/// The channels every server has: email (through `mailer`) and Web Push.
pub fn default_channels(
    pool: &Db,
    mailer: &MailerSource,
    keys: &Arc<Keyring>,
    public_url: &str,
    out: &crate::outbound::Outbound,
) -> crate::notify::Registry {
    use crate::notify::chat_pages::{Ntfy, SlackDm, TelegramDm};
    use app::domain::ContactKind;
    let public_url = public_url.to_owned();
    crate::notify::Registry::default()
        .with(
            ContactKind::Slack,
            Arc::new(SlackDm {
                out: out.clone(),
                public_url: public_url.clone(),
            }),
        )
        .with(
            ContactKind::Telegram,
            Arc::new(TelegramDm {
                out: out.clone(),
                public_url: public_url.clone(),
            }),
        )
        .with(
            ContactKind::Ntfy,
            Arc::new(Ntfy {
                out: out.clone(),
                pool: pool.clone(),
                keys: keys.clone(),
                public_url: public_url.clone(),
            }),
        )
        .with(
            ContactKind::Pushover,
            Arc::new(crate::notify::pushover::PushoverChannel {
                out: out.clone(),
                public_url: public_url.clone(),
            }),
        )
        .with(
            ContactKind::Email,
            Arc::new(crate::notify::email_channel::EmailChannel {
                pool: pool.clone(),
                keys: keys.clone(),
                mailer: mailer.clone(),
                public_url: public_url.to_owned(),
            }),
        )
        .with(
            ContactKind::Push,
            Arc::new(crate::notify::push::PushChannel {
                pool: pool.clone(),
                keys: keys.clone(),
                http: reqwest::Client::new(),
                public_url: public_url.to_owned(),
            }),
        )
}

/// A running engine; `stop` ends its loop (jobs in flight finish or time out on their lease).
pub struct EngineHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    claimed: Arc<std::sync::atomic::AtomicU64>,
}

impl EngineHandle {
    /// How many jobs this engine has claimed since it started.
    pub fn claimed(&self) -> u64 {
        self.claimed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The live count behind `claimed` (for /metrics).
    pub fn claimed_counter(&self) -> Arc<std::sync::atomic::AtomicU64> {
        self.claimed.clone()
    }

    /// Stops claiming and waits for the loop to end.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// Kills the loop at once, as a crash would (tests): claimed jobs stay PROCESSING
    /// until their lease runs out.
    pub fn abort(self) {
        self.task.abort();
    }
}

impl Engine {
    pub fn new(
        pool: Db,
        clock: SharedClock,
        mailer: MailerSource,
        keys: Arc<Keyring>,
        public_url: String,
        outbound: crate::outbound::Outbound,
    ) -> Self {
        let channels = Arc::new(default_channels(
            &pool,
            &mailer,
            &keys,
            &public_url,
            &outbound,
        ));
        Self {
            outbound,
            pool,
            clock,
            keys,
            public_url,
            channels,
            concurrency: 8,
            delivery_concurrency: 16,
            step_batch: 200,
            lease: Duration::seconds(60),
            retention: Retention::default(),
            phone_limits: Default::default(),
            mailer,
            claimed: Arc::default(),
        }
    }

    /// Adds SMS and voice paging through the phone provider in use when each page is sent.
    pub fn with_phones(mut self, source: Arc<crate::notify::PhoneSource>) -> Self {
        use crate::notify::phones::PhoneChannel;
        let mut channels = (*self.channels).clone();
        for kind in [
            app::domain::ContactKind::Sms,
            app::domain::ContactKind::Voice,
        ] {
            let channel = PhoneChannel {
                source: source.clone(),
                kind,
            };
            channels = channels.with(kind, Arc::new(channel));
        }
        self.channels = Arc::new(channels);
        self
    }

    /// How long one send may take: 30 s, or half the lease when that is shorter, so a hung
    /// provider cannot hold a page past its job's lease.
    pub fn send_timeout(&self) -> std::time::Duration {
        let half = (self.lease / 2).to_std().unwrap_or_default();
        half.min(std::time::Duration::from_secs(30))
    }

    /// Starts the loop on its own task.
    pub fn start(self) -> EngineHandle {
        let (stop, rx) = watch::channel(false);
        let claimed = self.claimed.clone();
        let engine = Arc::new(self);
        let task = tokio::spawn(async move { engine.run(rx).await });
        EngineHandle {
            stop,
            task,
            claimed,
        }
    }

    /// Runs claimed jobs: escalation steps together as one batch, the rest one by one. Steps
    /// whose incident another transaction held run after the batch, one by one; a batch that
    /// fails runs again job by job, so one bad job cannot hold back the others.
    async fn execute_all(&self, jobs: Vec<Claimed>) {
        let (steps, singles) = escalation::split_steps(jobs);
        match steps.len() {
            0 => {}
            1 => {
                for (job, _) in steps {
                    self.execute(job).await;
                }
            }
            n => {
                let alone = match escalation::run_steps(self, &steps).await {
                    Ok(busy) => busy,
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), steps = n, "step batch failed; running its jobs one by one");
                        steps.into_iter().map(|(job, _)| job).collect()
                    }
                };
                for job in alone {
                    self.execute(job).await;
                }
            }
        }
        for job in singles {
            self.execute(job).await;
        }
    }

    /// Runs one claimed job; a failure is recorded on the job (retried with backoff).
    #[tracing::instrument(skip_all, fields(job = job.id, kind = %job.kind))]
    async fn execute(&self, job: Claimed) {
        let result = match job.kind() {
            Some(JobKind::Escalation) => escalation::run(self, &job).await,
            Some(JobKind::AutoUnsnooze) => escalation::unsnooze(self, &job).await,
            Some(JobKind::Notification) => notification::run(self, &job).await,
            Some(JobKind::ScheduledTask) => tasks::run(self, &job).await,
            Some(JobKind::ChannelDelivery) => crate::outbound::run(self, &job).await,
            Some(JobKind::ReceiptCancel) => crate::notify::pushover::cancel(self, &job).await,
            Some(JobKind::HeartbeatCheck) => heartbeat::run(self, &job).await,
            Some(JobKind::MaintenanceEnd) => maintenance::run(self, &job).await,
            Some(JobKind::MaintenanceStart) => maintenance::start(self, &job).await,
            Some(JobKind::SlaWarning) => sla::run(self, &job).await,
            Some(JobKind::StatusEmail) => status_mail::run(self, &job).await,
            Some(JobKind::OncallReport) => oncall_report::run(self, &job).await,
            None => Err(anyhow::anyhow!("unknown job kind {:?}", job.kind)),
        };
        if let Err(e) = result {
            let error = format!("{e:#}");
            tracing::warn!(error = %error, attempts = job.attempts, "job failed");
            let mut tx = match self.pool.begin().await {
                Ok(tx) => tx,
                Err(e) => {
                    tracing::error!(error = %e, "cannot record a job failure; its lease will expire");
                    return;
                }
            };
            let recorded = if database_away(&e) {
                queue::retry_soon(&mut tx, &job, &error, self.clock.now()).await
            } else {
                queue::fail(&mut tx, &job, &error, self.clock.now()).await
            };
            let recorded = match recorded {
                Ok(_) => tx.commit().await.map_err(AppError::from),
                Err(e) => Err(e),
            };
            if let Err(e) = recorded {
                tracing::error!(error = %e, "cannot record a job failure; its lease will expire");
            }
        }
    }
}

/// Did the job fail because the database went away (not because of the job)?
fn database_away(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        if let Some(app) = cause.downcast_ref::<app::error::AppError>() {
            return matches!(app, app::error::AppError::Unavailable { .. });
        }
        cause
            .downcast_ref::<sqlx::Error>()
            .is_some_and(app::error::database_unavailable)
    })
}

/// Decodes a job's payload.
pub fn payload<T: serde::de::DeserializeOwned>(job: &Claimed) -> anyhow::Result<T> {
    serde_json::from_value(job.payload.clone())
        .map_err(|e| anyhow::anyhow!("bad {} payload: {e}", job.kind))
}
