//! MAINTENANCE_END and MAINTENANCE_START jobs: a maintenance window's end releases what it
//! held (`app::maintenance::end`); a start of a window that holds open incidents suppresses
//! them (`app::maintenance::start`); each in the job's transaction.

use anyhow::Context;
use app::jobs::store::{self as queue, Claimed};
use app::maintenance::end::EndJob;
use app::maintenance::start::StartJob;

use super::Engine;

pub async fn run(engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    let payload: EndJob =
        serde_json::from_value(job.payload.clone()).context("MAINTENANCE_END payload")?;
    let now = engine.clock.now();
    let mut tx = engine.pool.begin().await.context("begin")?;
    if queue::hold(&mut tx, job).await? {
        let released = app::maintenance::end::run(&mut tx, payload, now).await?;
        queue::complete(&mut tx, job, now).await?;
        tx.commit().await.context("commit")?;
        if released > 0 {
            tracing::info!(window = %payload.window_id, released, "maintenance window ended");
        }
    }
    Ok(())
}

pub async fn start(engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    let payload: StartJob =
        serde_json::from_value(job.payload.clone()).context("MAINTENANCE_START payload")?;
    let now = engine.clock.now();
    let mut tx = engine.pool.begin().await.context("begin")?;
    if queue::hold(&mut tx, job).await? {
        let held = app::maintenance::start::run(&mut tx, payload, now).await?;
        queue::complete(&mut tx, job, now).await?;
        tx.commit().await.context("commit")?;
        if held > 0 {
            tracing::info!(window = %payload.window_id, held, "maintenance window started");
        }
    }
    Ok(())
}
