//! Email over SMTP with lettre, behind the app's `Mailer` trait.

use std::future::Future;
use std::pin::Pin;

use anyhow::Context;
use app::mail::{Mail, Mailer, SendError};
use lettre::message::Mailbox;
use lettre::message::{MultiPart, SinglePart, header::ContentType};
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
            // Well inside the notification lease, so a hung server is a retry, not a stale claim.
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from.parse::<Mailbox>().with_context(|| {
            format!("--smtp-from (OPSKNIGHT_SMTP_FROM): {from:?} is not an email sender")
        })?;
        Ok(Self { transport, from })
    }

    /// From settings saved in the UI (host, port, security, user, password, sender).
    pub fn from_config(c: &app::settings::SmtpConfig) -> Result<Self, String> {
        use app::settings::SmtpSecurity;
        use lettre::transport::smtp::authentication::Credentials;
        let builder = match c.security {
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&c.host),
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.host),
            SmtpSecurity::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                &c.host,
            )),
        }
        .map_err(|e| format!("host: {e}"))?
        .port(c.port)
        .timeout(Some(std::time::Duration::from_secs(20)));
        let builder = if c.username.is_empty() {
            builder
        } else {
            builder.credentials(Credentials::new(c.username.clone(), c.password.clone()))
        };
        let from = c
            .from
            .parse::<Mailbox>()
            .map_err(|e| format!("from: {e}"))?;
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    async fn deliver(&self, mail: Mail) -> Result<(), SendError> {
        let to = mail
            .to
            .parse::<Mailbox>()
            .map_err(|e| SendError::permanent(format!("bad recipient {:?}: {e}", mail.to)))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject);
        for (name, value) in mail.headers {
            let name = lettre::message::header::HeaderName::new_from_ascii(name)
                .map_err(|e| SendError::permanent(format!("bad header name: {e}")))?;
            builder = builder.raw_header(lettre::message::header::HeaderValue::new(name, value));
        }
        let message = match mail.html {
            None => builder.body(mail.body),
            Some(html) => builder.multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(mail.body),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(html),
                    ),
            ),
        }
        .map_err(|e| SendError::permanent(format!("build message: {e}")))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| {
            // A 5xx reply will not change on retry; refused connections, timeouts and 4xx may.
            let message = format!("smtp: {e}");
            if e.is_permanent() {
                SendError::permanent(message)
            } else {
                SendError::temporary(message)
            }
        })
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, mail: Mail) -> Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + '_>> {
        Box::pin(self.deliver(mail))
    }
}

/// The builder the app uses to turn saved SMTP settings into a mailer.
pub fn builder() -> app::mail::BuildMailer {
    std::sync::Arc::new(|c| {
        SmtpMailer::from_config(c).map(|m| std::sync::Arc::new(m) as std::sync::Arc<dyn Mailer>)
    })
}
