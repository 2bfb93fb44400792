//! Outgoing email as the app sees it: a `Mailer` the server provides (SMTP through lettre),
//! and the link emails for invites and password resets.

use std::future::Future;
use std::pin::Pin;

/// One message: a plain-text body and, optionally, an HTML alternative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub html: Option<String>,
    /// Extra headers (name, value), e.g. `List-Unsubscribe`; names are ASCII.
    pub headers: Vec<(String, String)>,
}

/// Why a message was not sent. `permanent`: retrying will not help (a 5xx reply, a bad
/// address); otherwise it is worth retrying (connection refused, 4xx, timeout).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

impl SendError {
    pub fn temporary(message: impl Into<String>) -> Self {
        Self {
            permanent: false,
            message: message.into(),
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            permanent: true,
            message: message.into(),
        }
    }
}

/// Sends mail. The error's message is fit for logs and the incident timeline, not for users.
pub trait Mailer: Send + Sync + std::fmt::Debug {
    fn send(&self, mail: Mail) -> Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + '_>>;
}

/// What a one-time link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Invite,
    Reset,
}

/// The email carrying an invite or reset link.
pub fn link_mail(kind: LinkKind, to: &str, name: &str, link: &str, valid_hours: i64) -> Mail {
    let (subject, intro) = match kind {
        LinkKind::Invite => (
            "You are invited to OpsKnight",
            "You have been invited to OpsKnight, where your team handles incidents and on-call.\n\
             Open this link to choose a password and sign in:",
        ),
        LinkKind::Reset => (
            "Reset your OpsKnight password",
            "Someone (hopefully you) asked to reset your OpsKnight password.\n\
             Open this link to choose a new one:",
        ),
    };
    Mail {
        to: to.to_owned(),
        subject: subject.to_owned(),
        body: format!(
            "Hello {name},\n\n{intro}\n\n{link}\n\nThe link works once and expires in {valid_hours} hours.\n\
             If you did not expect this email, ignore it.\n"
        ),
        html: None,
        headers: Vec::new(),
    }
}

/// Builds a mailer from saved SMTP settings (the server provides one backed by lettre).
pub type BuildMailer = std::sync::Arc<
    dyn Fn(&crate::settings::SmtpConfig) -> Result<std::sync::Arc<dyn Mailer>, String>
        + Send
        + Sync,
>;

/// A mailer built from saved settings, and the settings version it was built from.
type Cached = (String, std::sync::Arc<dyn Mailer>);

/// Where mail goes right now: the settings an admin saved (rebuilt when they change, on
/// every instance), else the environment's `OPSKNIGHT_SMTP_URL`, else nowhere.
#[derive(Clone)]
pub struct MailerSource {
    env: Option<std::sync::Arc<dyn Mailer>>,
    build: Option<BuildMailer>,
    cache: std::sync::Arc<std::sync::Mutex<Option<Cached>>>,
}

impl std::fmt::Debug for MailerSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailerSource")
            .field("env", &self.env.is_some())
            .field("settings", &self.build.is_some())
            .finish()
    }
}

impl MailerSource {
    pub fn new(env: Option<std::sync::Arc<dyn Mailer>>, build: Option<BuildMailer>) -> Self {
        Self {
            env,
            build,
            cache: Default::default(),
        }
    }

    /// Only the given mailer (tests, and servers without settings support).
    pub fn fixed(env: Option<std::sync::Arc<dyn Mailer>>) -> Self {
        Self::new(env, None)
    }

    /// Whether any source is configured: the environment, or saved settings.
    pub fn environment(&self) -> bool {
        self.env.is_some()
    }

    /// The mailer to use now. One primary-key read per call; a rebuild only when the saved
    /// settings changed (the version is the stored JSON, which a save always changes).
    pub async fn current(
        &self,
        pool: &crate::db::Db,
        keys: &crate::secrets::Keyring,
    ) -> Result<Option<std::sync::Arc<dyn Mailer>>, crate::error::AppError> {
        let Some(build) = &self.build else {
            return Ok(self.env.clone());
        };
        let Some((config, at)) = crate::settings::store::smtp(pool, keys).await? else {
            return Ok(self.env.clone());
        };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((cached_at, mailer)) = cache.as_ref()
            && *cached_at == at
        {
            return Ok(Some(mailer.clone()));
        }
        let mailer = build(&config).map_err(|e| crate::error::AppError::Internal {
            message: format!("saved SMTP settings: {e}"),
        })?;
        *cache = Some((at, mailer.clone()));
        Ok(Some(mailer))
    }
}
