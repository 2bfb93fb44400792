//! SLA_WARNING jobs: the breach warning N minutes before an acknowledge target is missed.
//! One transaction holds the claim, runs `app::sla::warning::run` (pages the people holding
//! the incident once, or waits again when snoozed time moved the target) and completes the job.

use anyhow::Context;
use app::jobs::store::{self as queue, Claimed};
use app::sla::warning::{Warned, run as warn};

use super::Engine;

pub async fn run(engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    let Some(incident) = job.incident_id else {
        anyhow::bail!("an SLA_WARNING job without an incident");
    };
    let now = engine.clock.now();
    let mut tx = engine.pool.begin().await.context("begin")?;
    if !queue::hold(&mut tx, job).await? {
        tracing::info!("claim lost (lease expired and taken over); skipping");
        return Ok(());
    }
    match warn(&mut tx, incident, now).await? {
        Warned::Paged(people) => {
            tracing::info!(%incident, paged = people.len(), "SLA warning sent")
        }
        Warned::Later(at) => tracing::debug!(%incident, %at, "SLA warning moved later"),
        Warned::Moot => tracing::debug!(%incident, "SLA warning moot"),
    }
    queue::complete(&mut tx, job, now).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}
