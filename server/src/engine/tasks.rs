//! SCHEDULED_TASK jobs: the hourly cleanup (retention) and rollup (daily per-service figures).
//! Each run completes its job and schedules the next in one transaction.

use anyhow::Context;
use app::jobs::store::{self as queue, Claimed};
use app::jobs::{Task, TaskJob};

use super::{Engine, payload};

/// How often each recurring task runs.
pub fn every() -> chrono::Duration {
    chrono::Duration::hours(1)
}

pub async fn run(engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    let p: TaskJob = payload(job)?;
    let now = engine.clock.now();
    let mut tx = engine.pool.begin().await.context("begin")?;
    if !queue::hold(&mut tx, job).await? {
        return Ok(());
    }
    match p.task {
        Task::Cleanup => {
            let r = engine.retention;
            let gone = app::jobs::tasks::cleanup(
                &mut tx,
                now,
                app::jobs::tasks::Retention {
                    incident_days: r.incident_days,
                    alert_days: r.alert_days,
                    job_days: r.job_days,
                },
            )
            .await?;
            tracing::info!(?gone, "cleanup done");
        }
        Task::Rollup => {
            let rows = app::jobs::tasks::rollup(&mut tx, now).await?;
            tracing::info!(rows, "rollup done");
        }
    }
    queue::complete(&mut tx, job, now).await?;
    queue::schedule_task(&mut tx, p.task, now + every()).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}
