//! ESCALATION and AUTO_UNSNOOZE jobs: one transaction holds the claim, runs the step (or the
//! snooze's end, or the ack timeout) through `app::lifecycle::step`, and completes the job.
//! A claimed batch of steps runs set-based in one transaction (`app::lifecycle::steps`).

use anyhow::Context;
use app::jobs::store::{self as queue, Claimed};
use app::jobs::{EscalationJob, UnsnoozeJob};
use app::lifecycle::step::StepOutcome;
use app::lifecycle::steps::{DueStep, Locking};

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

/// The batch's jobs that are steps (with their step), and the rest (run one by one).
pub fn split_steps(jobs: Vec<Claimed>) -> (Vec<(Claimed, DueStep)>, Vec<Claimed>) {
    let mut steps = Vec::new();
    let mut singles = Vec::new();
    for job in jobs {
        let due = match (job.incident_id, payload::<EscalationJob>(&job)) {
            (
                Some(incident),
                Ok(EscalationJob::Step {
                    generation,
                    step,
                    loop_no,
                }),
            ) => DueStep {
                incident,
                generation,
                at: app::domain::escalation::Position { step, loop_no },
            },
            _ => {
                singles.push(job);
                continue;
            }
        };
        steps.push((job, due));
    }
    (steps, singles)
}

/// Runs claimed steps in one transaction: holds the claims still ours, runs their steps
/// set-based (skipping incidents another transaction holds), completes them, commits.
/// Returns the jobs left for running one by one (their incident was busy).
pub async fn run_steps(
    engine: &Engine,
    batch: &[(Claimed, DueStep)],
) -> anyhow::Result<Vec<Claimed>> {
    let mut tx = engine.pool.begin().await.context("begin")?;
    let held = queue::hold_many(&mut tx, batch.iter().map(|(j, _)| j)).await?;
    if held.len() < batch.len() {
        tracing::info!(
            lost = batch.len() - held.len(),
            "claims lost (lease expired and taken over); skipping those"
        );
    }
    let (held_jobs, due): (Vec<Claimed>, Vec<DueStep>) = batch
        .iter()
        .filter(|(j, _)| held.contains(&j.id))
        .cloned()
        .unzip();
    let now = engine.clock.now();
    let outcomes =
        app::lifecycle::steps::run_steps(&mut tx, &due, Locking::SkipLocked, now).await?;
    let (busy, done): (Vec<_>, Vec<_>) = held_jobs
        .into_iter()
        .zip(&outcomes)
        .partition(|(_, o)| **o == StepOutcome::Busy);
    let done: Vec<Claimed> = done.into_iter().map(|(j, _)| j).collect();
    tracing::debug!(steps = done.len(), busy = busy.len(), "step batch ran");
    queue::complete_many(&mut tx, &done, now).await?;
    tx.commit().await.context("commit")?;
    Ok(busy.into_iter().map(|(j, _)| j).collect())
}
