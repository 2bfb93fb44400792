//! Outgoing email as the app sees it: a `Mailer` the server provides (SMTP through lettre),
//! and the link emails for invites and password resets.

use std::future::Future;
use std::pin::Pin;

/// One plain-text message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Sends mail. `Err` carries a reason fit for the log (never shown to users).
pub trait Mailer: Send + Sync + std::fmt::Debug {
    fn send(&self, mail: Mail) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>>;
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
    }
}
