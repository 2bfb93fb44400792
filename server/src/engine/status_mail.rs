//! STATUS_EMAIL jobs: one status-page email (a confirmation or an update) to one subscriber.
//! A subscriber no longer in the right state (confirmed for updates, pending for a
//! confirmation) gets nothing; a permanent send failure completes the job (logged), a
//! temporary one retries. Update emails carry RFC 8058 one-click unsubscribe headers.

use anyhow::Context;
use app::jobs::store::{self as queue, Claimed};
use app::mail::Mail;
use app::statuspage::SubscriberState;
use app::statuspage::subscribers::{self as subs, MailJob};

use super::Engine;

pub async fn run(engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    let payload: MailJob = super::payload(job)?;
    if let Some(mail) = compose(engine, &payload).await? {
        let mailer = engine
            .mailer
            .current(&engine.pool, &engine.keys)
            .await?
            .context("no mailer is configured (SMTP settings or OPSKNIGHT_SMTP_URL)")?;
        match mailer.send(mail).await {
            Ok(()) => {}
            Err(e) if e.permanent => {
                tracing::warn!(error = %e, job = job.id, "status email refused; not retried");
            }
            Err(e) => return Err(anyhow::anyhow!("status email: {e}")),
        }
    }
    let now = engine.clock.now();
    let mut tx = engine.pool.begin().await.context("begin")?;
    if queue::hold(&mut tx, job).await? {
        queue::complete(&mut tx, job, now).await?;
        tx.commit().await.context("commit")?;
    }
    Ok(())
}

fn status_url(engine: &Engine) -> String {
    format!("{}/status", engine.public_url.trim_end_matches('/'))
}

/// The email a job sends, or `None` when there is nothing to send any more.
async fn compose(engine: &Engine, job: &MailJob) -> anyhow::Result<Option<Mail>> {
    let page = app::statuspage::store::settings(&engine.pool)
        .await?
        .page_name;
    let base = status_url(engine);
    match job {
        MailJob::Confirm {
            subscriber_id,
            token,
        } => {
            let Some((email, SubscriberState::Pending, _)) =
                subs::for_mail(&engine.pool, *subscriber_id).await?
            else {
                return Ok(None);
            };
            let token = engine
                .keys
                .decrypt(token)
                .map_err(|e| anyhow::anyhow!("confirmation token: {e}"))?;
            let link = format!("{base}/confirm?token={token}");
            Ok(Some(Mail {
                to: email,
                subject: format!("Confirm your subscription to {page}"),
                body: format!(
                    "Someone (hopefully you) asked to receive status updates from {page} at this address.\n\n\
                     Open this link and press the button to confirm:\n\n{link}\n\n\
                     The link works once and expires in 24 hours. If you did not ask for this, ignore this email.\n"
                ),
                html: None,
                headers: Vec::new(),
            }))
        }
        MailJob::Update {
            subscriber_id,
            update_id,
        } => {
            let Some((email, SubscriberState::Confirmed, Some(nonce))) =
                subs::for_mail(&engine.pool, *subscriber_id).await?
            else {
                return Ok(None);
            };
            let Some((name, status, body, at)) =
                subs::update_for_mail(&engine.pool, *update_id).await?
            else {
                return Ok(None);
            };
            let token = subs::unsubscribe_token(&engine.keys, *subscriber_id, &nonce);
            let unsubscribe = format!("{base}/unsubscribe?token={token}");
            Ok(Some(Mail {
                to: email,
                subject: format!("[{page}] {}: {name}", status.label()),
                body: format!(
                    "{name}\n{} at {}\n\n{body}\n\nStatus page: {base}\n\nUnsubscribe: {unsubscribe}\n",
                    status.label(),
                    at.format("%Y-%m-%d %H:%M UTC"),
                ),
                html: None,
                headers: vec![
                    ("List-Unsubscribe".to_owned(), format!("<{unsubscribe}>")),
                    (
                        "List-Unsubscribe-Post".to_owned(),
                        "List-Unsubscribe=One-Click".to_owned(),
                    ),
                ],
            }))
        }
    }
}
