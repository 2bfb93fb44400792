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
    }
}
