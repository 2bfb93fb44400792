//! ONCALL_REPORT jobs: the weekly on-call health report to a team's owners, Monday 09:00 in
//! each owner's own zone (`app::health::report`). Each due mail goes out and is then recorded
//! for that owner's week, so a retry after a failed send reaches only the owners not yet
//! reached; then, in one transaction, the job completes and the next run is queued.

use anyhow::Context;
use app::health::report::{self, ReportJob};
use app::jobs::store::{self as queue, Claimed};

use super::{Engine, payload};

pub async fn run(engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    let p: ReportJob = payload(job)?;
    let now = engine.clock.now();
    let due = report::due(&engine.pool, &p, now, &engine.public_url).await?;
    let opted_in = due.is_some();
    if let Some(due) = due
        && !due.is_empty()
    {
        let Some(mailer) = engine.mailer.current(&engine.pool, &engine.keys).await? else {
            // Nothing to retry until someone configures SMTP: the weeks stay unsent, so the
            // chain's next run sends the latest one.
            tracing::warn!(team = %p.team_id, "no SMTP server is configured; weekly on-call report skipped");
            return finish(engine, job, &p, true, now).await;
        };
        for d in due {
            let to = d.mail.to.clone();
            mailer
                .send(d.mail.clone())
                .await
                .with_context(|| format!("weekly on-call report to {to}"))?;
            report::sent(&engine.pool, p.team_id, &d, now).await?;
        }
    }
    finish(engine, job, &p, opted_in, now).await
}

/// Completes the job and, for a team still opted in, queues the run at the first of its
/// owners' next Monday 09:00s after `now` (the run's start, so no owner's time is passed over).
async fn finish(
    engine: &Engine,
    job: &Claimed,
    p: &ReportJob,
    opted_in: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let next = report::next_run(&engine.pool, p.team_id, now).await?;
    let mut tx = engine.pool.begin().await.context("begin")?;
    if !queue::hold(&mut tx, job).await? {
        return Ok(());
    }
    queue::complete(&mut tx, job, engine.clock.now()).await?;
    if opted_in {
        report::schedule(&mut tx, *p, next, engine.clock.now()).await?;
    }
    tx.commit().await.context("commit")?;
    tracing::info!(team = %p.team_id, opted_in, %next, "weekly on-call report done");
    Ok(())
}
