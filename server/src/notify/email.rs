//! Email over SMTP with lettre, behind the app's `Mailer` trait.

use std::future::Future;
use std::pin::Pin;

use anyhow::Context;
use app::mail::{Mail, Mailer};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Sends through one SMTP server; a connection per message.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("from", &self.from)
            .finish()
    }
}

impl SmtpMailer {
    /// From `smtp://[user:pass@]host[:port][?tls=required|opportunistic]` or `smtps://…`,
    /// and a sender such as `OpsKnight <pager@example.com>`. Errors name the option.
    pub fn from_url(url: &str, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("--smtp-url (OPSKNIGHT_SMTP_URL): {e}"))?
            .build();
        let from = from.parse::<Mailbox>().with_context(|| {
            format!("--smtp-from (OPSKNIGHT_SMTP_FROM): {from:?} is not an email sender")
        })?;
        Ok(Self { transport, from })
    }

    async fn deliver(&self, mail: Mail) -> Result<(), String> {
        let to = mail
            .to
            .parse::<Mailbox>()
            .map_err(|e| format!("bad recipient {:?}: {e}", mail.to))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .body(mail.body)
            .map_err(|e| format!("build message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("smtp: {e}"))
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, mail: Mail) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>> {
        Box::pin(self.deliver(mail))
    }
}
