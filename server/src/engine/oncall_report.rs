//! ONCALL_REPORT jobs: the weekly on-call health report to a team's owners
//! (`app::health::report`). The mails go out first; then, in one transaction, the job
//! completes and the next week's is queued. A failed send fails the job (retried with
//! backoff), so a report is late rather than lost; a retry may repeat it to owners it
//! already reached.

use anyhow::Context;
use app::health::report::{self, ReportJob};
use app::jobs::store::{self as queue, Claimed};

use super::{Engine, payload};

pub async fn run(engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    let p: ReportJob = payload(job)?;
    let now = engine.clock.now();
    let mails = report::mails(&engine.pool, p.team_id, now, &engine.public_url).await?;
    let opted_in = mails.is_some();
    if let Some(mails) = mails
        && !mails.is_empty()
    {
        let Some(mailer) = engine.mailer.current(&engine.pool, &engine.keys).await? else {
            // Nothing to retry until someone configures SMTP: next week's still comes.
            tracing::warn!(team = %p.team_id, "no SMTP server is configured; weekly on-call report skipped");
            return finish(engine, job, &p, true).await;
        };
        for mail in mails {
            let to = mail.to.clone();
            mailer
                .send(mail)
                .await
                .with_context(|| format!("weekly on-call report to {to}"))?;
        }
    }
    finish(engine, job, &p, opted_in).await
}

/// Completes the job and, for a team still opted in, queues next week's.
async fn finish(
    engine: &Engine,
    job: &Claimed,
    p: &ReportJob,
    opted_in: bool,
) -> anyhow::Result<()> {
    let now = engine.clock.now();
    let mut tx = engine.pool.begin().await.context("begin")?;
    if !queue::hold(&mut tx, job).await? {
        return Ok(());
    }
    queue::complete(&mut tx, job, now).await?;
    if opted_in {
        report::schedule(&mut tx, p.team_id, report::next_run(now), now).await?;
    }
    tx.commit().await.context("commit")?;
    tracing::info!(team = %p.team_id, opted_in, "weekly on-call report done");
    Ok(())
}
