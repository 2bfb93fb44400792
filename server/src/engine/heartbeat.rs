//! HEARTBEAT_CHECK jobs: a heartbeat monitor's deadline. One transaction holds the claim,
//! moves the monitor on (`app::heartbeats::beat::deadline`: LATE, or DOWN with an incident;
//! nothing when a ping moved the deadline since) and completes the job.

use anyhow::Context;
use app::heartbeats::HeartbeatJob;
use app::jobs::store::{self as queue, Claimed};

use super::{Engine, payload};

pub async fn run(engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    let check: HeartbeatJob = payload(job)?;
    let now = engine.clock.now();
    let mut tx = engine.pool.begin().await.context("begin")?;
    if !queue::hold(&mut tx, job).await? {
        tracing::info!("claim lost (lease expired and taken over); skipping");
        return Ok(());
    }
    let moved = app::heartbeats::beat::deadline(&mut tx, check, now).await?;
    if moved.is_none() {
        tracing::debug!(monitor = %check.monitor, "heartbeat check is stale; nothing to do");
    }
    queue::complete(&mut tx, job, now).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}
