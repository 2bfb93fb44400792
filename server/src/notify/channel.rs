//! The one seam every paging channel sits behind: a `Channel` sends a `Page` and says whether
//! its provider took it; the `Registry` maps each contact kind to its channel and is built
//! once at start-up.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use app::domain::{ContactKind, UserId};
use app::mail::SendError;
use app::notifications::message::PageFacts;
use chrono::{DateTime, Utc};

/// One page to one contact method, with the acknowledge token already issued (the engine
/// issues it, once, for every channel).
#[derive(Debug, Clone)]
pub struct Page {
    pub user: UserId,
    /// The incident and the address (`facts.to`).
    pub facts: PageFacts,
    /// Signed token that acknowledges the incident as `user` (the push action button).
    pub ack_token: String,
    /// The one-click acknowledge page for that token (email, SMS).
    pub ack_url: String,
    /// Other pages due to the same phone number, carried by this one message (SMS, voice).
    pub bundle: Vec<app::notifications::store::bundle::Member>,
    pub now: DateTime<Utc>,
}

/// The provider took the page. `provider_id` is its id for the message, when it gives one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    pub provider_id: Option<String>,
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<Delivered, SendError>> + Send + 'a>>;

/// A way to page someone (email, push, SMS, …).
pub trait Channel: Send + Sync {
    fn send<'a>(&'a self, page: &'a Page) -> SendFuture<'a>;
}

/// The channel for each contact kind.
#[derive(Clone, Default)]
pub struct Registry {
    channels: HashMap<ContactKind, Arc<dyn Channel>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kinds: Vec<_> = self.channels.keys().collect();
        kinds.sort();
        f.debug_struct("Registry").field("kinds", &kinds).finish()
    }
}

impl Registry {
    /// Registers (or replaces) the channel for `kind`.
    pub fn with(mut self, kind: ContactKind, channel: Arc<dyn Channel>) -> Self {
        self.channels.insert(kind, channel);
        self
    }

    /// The channel for `kind`; none is a permanent failure that says what to set up.
    pub fn get(&self, kind: ContactKind) -> Result<&dyn Channel, SendError> {
        self.channels
            .get(&kind)
            .map(|c| c.as_ref())
            .ok_or_else(|| SendError::permanent(missing(kind)))
    }
}

/// What to set up so that `kind` can be paged.
pub(crate) fn missing(kind: ContactKind) -> String {
    match kind {
        ContactKind::Email => "email is not configured (Settings, or OPSKNIGHT_SMTP_URL)".into(),
        ContactKind::Push => "Web Push is not running on this server".into(),
        ContactKind::Sms | ContactKind::Voice => format!(
            "no phone provider is configured, so nobody can be paged by {}: set up Twilio or \
             an SMS gateway in Settings (or OPSKNIGHT_TWILIO_* / OPSKNIGHT_SMS_GATEWAY_URL)",
            kind.label()
        ),
        ContactKind::Slack => {
            "the Slack app is not set up (OPSKNIGHT_SLACK_BOT_TOKEN, OPSKNIGHT_SLACK_SIGNING_SECRET)".into()
        }
        ContactKind::Telegram => "the Telegram bot is not set up (OPSKNIGHT_TELEGRAM_BOT_TOKEN)".into(),
        ContactKind::Ntfy => "ntfy pages are not running on this server".into(),
        ContactKind::Pushover => "Pushover is not set up (OPSKNIGHT_PUSHOVER_TOKEN)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl Channel for Fixed {
        fn send<'a>(&'a self, _: &'a Page) -> SendFuture<'a> {
            Box::pin(async {
                Ok(Delivered {
                    provider_id: Some("x".into()),
                })
            })
        }
    }

    #[test]
    fn a_kind_without_a_channel_is_a_permanent_failure_naming_it() {
        let registry = Registry::default().with(ContactKind::Email, Arc::new(Fixed));
        assert!(registry.get(ContactKind::Email).is_ok());
        for kind in [ContactKind::Sms, ContactKind::Voice] {
            let Err(e) = registry.get(kind) else {
                panic!("{kind} has no channel")
            };
            assert!(e.permanent);
            assert!(e.message.contains(kind.label()), "{}", e.message);
        }
    }
}
