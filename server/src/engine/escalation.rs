//! ESCALATION and AUTO_UNSNOOZE jobs: one transaction holds the claim, runs the step (or the
//! snooze's end, or the ack timeout) through `app::lifecycle::step`, and completes the job.

use anyhow::Context;
use app::jobs::store::{self as queue, Claimed};
use app::jobs::{EscalationJob, UnsnoozeJob};
use app::lifecycle::step::StepOutcome;

use super::{Engine, payload};

/// Holds the claim, runs `work` with the job's incident, completes: one transaction.
async fn in_job_tx<F>(engine: &Engine, job: &Claimed, work: F) -> anyhow::Result<()>
where
    F: for<'c> FnOnce(
        &'c mut sqlx::PgConnection,
        app::domain::IncidentId,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<StepOutcome, app::error::AppError>> + Send + 'c,
        >,
    >,
{
    let incident = job.incident_id.context("job has no incident")?;
    let mut tx = engine.pool.begin().await.context("begin")?;
    if !queue::hold(&mut tx, job).await? {
        tracing::info!("claim lost (lease expired and taken over); skipping");
        return Ok(());
    }
    let outcome = work(&mut tx, incident).await?;
    tracing::debug!(?outcome, %incident, "job ran");
    queue::complete(&mut tx, job, engine.clock.now()).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

pub async fn run(engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    let step: EscalationJob = payload(job)?;
    let now = engine.clock.now();
    in_job_tx(engine, job, |tx, incident| {
        Box::pin(app::lifecycle::step::run(tx, incident, step, now))
    })
    .await
}

pub async fn unsnooze(engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    let p: UnsnoozeJob = payload(job)?;
    let now = engine.clock.now();
    in_job_tx(engine, job, |tx, incident| {
        Box::pin(app::lifecycle::step::unsnooze(tx, incident, p, now))
    })
    .await
}
