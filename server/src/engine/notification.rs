//! NOTIFICATION jobs: mark the outbox row SENDING (committed before the provider call), issue
//! the acknowledge token, send through the kind's channel under one timeout, then record the
//! outcome. A temporary failure retries the job with backoff (at most 5
//! attempts); a permanent one is final. A row found SENDING after a crash is never resent.

use anyhow::Context;
use app::jobs::NotificationJob;
use app::jobs::store::{self as queue, Claimed};
use app::mail::SendError;
use app::notifications::store::{Begin, Outcome, begin_send, finish_send, record_provider_id};

use super::{Engine, payload};
use crate::notify::{Delivered, Page};

pub async fn run(engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    let p: NotificationJob = payload(job)?;
    let now = engine.clock.now();
    let mut tx = engine.pool.begin().await.context("begin")?;
    if !queue::hold(&mut tx, job).await? {
        return Ok(());
    }
    let begin = begin_send(
        &mut tx,
        p.notification,
        now + engine.lease,
        &engine.phone_limits,
        now,
    )
    .await?;
    let (channel, user, facts, bundle) = match begin {
        Begin::Skip => {
            queue::complete(&mut tx, job, now).await?;
            tx.commit().await.context("commit")?;
            return Ok(());
        }
        Begin::Defer(until) => {
            queue::defer(&mut tx, job, until, now).await?;
            tx.commit().await.context("commit deferral")?;
            return Ok(());
        }
        Begin::Send {
            channel,
            user,
            facts,
            bundle,
        } => (channel, user, facts, bundle),
    };
    // The rows this message carries are recorded with it.
    let rows: Vec<i64> = std::iter::once(p.notification)
        .chain(bundle.iter().map(|m| m.id))
        .collect();
    // SENDING is durable before anyone is paged.
    tx.commit().await.context("commit sending")?;

    let expires = now + chrono::Duration::hours(app::notifications::ack_link::VALID_HOURS);
    let ack_token =
        app::notifications::ack_link::issue(&engine.keys, facts.incident, user, expires);
    let page = Page {
        ack_url: format!("{}/ack?token={ack_token}", engine.public_url),
        ack_token,
        user,
        facts,
        bundle,
        now,
    };
    let limit = engine.send_timeout();
    let sent = match engine.channels.get(channel) {
        Ok(provider) => match tokio::time::timeout(limit, provider.send(&page)).await {
            Ok(r) => r,
            Err(_) => Err(SendError::temporary(format!(
                "the {} provider did not answer in {} s",
                channel.label(),
                limit.as_secs()
            ))),
        },
        Err(e) => Err(e),
    };
    let mut provider = None;
    let outcome = match sent {
        Ok(Delivered { provider_id }) => {
            provider = provider_id;
            Outcome::Sent
        }
        Err(e) if !e.permanent && !job.out_of_attempts() => Outcome::Retry(e.message),
        Err(e) => Outcome::Failed(e.message),
    };
    let done = engine.clock.now();
    let mut tx = engine.pool.begin().await.context("begin outcome")?;
    for row in &rows {
        finish_send(&mut tx, *row, &outcome, done).await?;
        if let Some(provider_id) = &provider {
            record_provider_id(&mut tx, *row, provider_id).await?;
        }
    }
    match &outcome {
        Outcome::Retry(e) => {
            queue::fail(&mut tx, job, e, done).await?;
            tracing::info!(notification = p.notification, error = %e, "page not sent; will retry");
        }
        Outcome::Sent | Outcome::Failed(_) => {
            queue::complete(&mut tx, job, done).await?;
        }
    }
    tx.commit().await.context("commit outcome")?;
    Ok(())
}
