//! STATUS_EMAIL jobs: one status-page email (a confirmation, an update, or derived status
//! changes) to one subscriber, and the debounced check of derived statuses that queues the
//! latter (`app::statuspage::derived_mail`). A subscriber no longer in the right state
//! (confirmed for updates and changes, pending for a confirmation) gets nothing; a permanent
//! send failure completes the job (logged), a temporary one retries. Update and change emails
//! carry RFC 8058 one-click unsubscribe headers.

use anyhow::Context;
use app::jobs::store::{self as queue, Claimed};
use app::mail::Mail;
use app::statuspage::SubscriberState;
use app::statuspage::derived_mail;
use app::statuspage::subscribers::{self as subs, MailJob};

use super::Engine;

pub async fn run(engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    let payload: MailJob = super::payload(job)?;
    if payload == MailJob::Derived {
        return derived(engine, job).await;
    }
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

/// The debounced check: derives every component's status now and, in the job's transaction,
/// queues one email per confirmed subscriber if any changed since they were last told.
async fn derived(engine: &Engine, job: &Claimed) -> anyhow::Result<()> {
    let now = engine.clock.now();
    let components = app::statuspage::store::components(&engine.pool, now).await?;
    let mut tx = engine.pool.begin().await.context("begin")?;
    if queue::hold(&mut tx, job).await? {
        derived_mail::check(&mut tx, &components, now).await?;
        queue::complete(&mut tx, job, now).await?;
        tx.commit().await.context("commit")?;
    }
    Ok(())
}

/// A confirmed subscriber's address and their one-click unsubscribe link, or `None` when they
/// are no longer confirmed.
async fn confirmed(
    engine: &Engine,
    id: app::domain::StatusSubscriberId,
    base: &str,
) -> anyhow::Result<Option<(String, String)>> {
    let Some((email, SubscriberState::Confirmed, Some(nonce))) =
        subs::for_mail(&engine.pool, id).await?
    else {
        return Ok(None);
    };
    let token = subs::unsubscribe_token(&engine.keys, id, &nonce);
    Ok(Some((email, format!("{base}/unsubscribe?token={token}"))))
}

/// RFC 8058 one-click unsubscribe headers.
fn unsubscribe_headers(link: &str) -> Vec<(String, String)> {
    vec![
        ("List-Unsubscribe".to_owned(), format!("<{link}>")),
        (
            "List-Unsubscribe-Post".to_owned(),
            "List-Unsubscribe=One-Click".to_owned(),
        ),
    ]
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
            let Some((email, unsubscribe)) = confirmed(engine, *subscriber_id, &base).await? else {
                return Ok(None);
            };
            let Some((name, status, body, at)) =
                subs::update_for_mail(&engine.pool, *update_id).await?
            else {
                return Ok(None);
            };
            Ok(Some(Mail {
                to: email,
                subject: format!("[{page}] {}: {name}", status.label()),
                body: format!(
                    "{name}\n{} at {}\n\n{body}\n\nStatus page: {base}\n\nUnsubscribe: {unsubscribe}\n",
                    status.label(),
                    at.format("%Y-%m-%d %H:%M UTC"),
                ),
                html: None,
                headers: unsubscribe_headers(&unsubscribe),
            }))
        }
        // Public component names and status labels only.
        MailJob::Changed {
            subscriber_id,
            at,
            changes,
        } => {
            let Some((email, unsubscribe)) = confirmed(engine, *subscriber_id, &base).await? else {
                return Ok(None);
            };
            let subject = match changes.as_slice() {
                [] => return Ok(None),
                [one] => format!("[{page}] {}: {}", one.component, one.status.label()),
                many => format!("[{page}] {} components changed status", many.len()),
            };
            let lines: Vec<String> = changes
                .iter()
                .map(|c| format!("- {}: {}", c.component, c.status.label()))
                .collect();
            Ok(Some(Mail {
                to: email,
                subject,
                body: format!(
                    "The status of {page} changed at {}:\n\n{}\n\nStatus page: {base}\n\nUnsubscribe: {unsubscribe}\n",
                    at.format("%Y-%m-%d %H:%M UTC"),
                    lines.join("\n"),
                ),
                html: None,
                headers: unsubscribe_headers(&unsubscribe),
            }))
        }
        MailJob::Derived => Ok(None),
    }
}
