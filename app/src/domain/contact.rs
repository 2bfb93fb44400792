//! How a person can be paged: the one list of contact kinds. The API, the pickers (contact
//! methods, notification rules, policy step channels) and the database CHECK constraints all
//! use it; `server/tests/enum_constraints.rs` compares it with the constraints.

use serde::{Deserialize, Serialize};

/// A contact kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContactKind {
    Email,
    /// Text messages to an E.164 number (Twilio or an HTTP SMS gateway).
    Sms,
    /// Phone calls to an E.164 number that read the page and take a key press.
    Voice,
    /// Web Push to every device the person enabled (address: "all devices").
    Push,
    /// A direct message from the Slack app (address: the Slack member id, `U…`).
    Slack,
    /// A message from the Telegram bot (address: the chat id; linked with /start).
    Telegram,
    /// An ntfy topic (address: `https://ntfy.sh/my-topic` on any ntfy server).
    Ntfy,
    /// Pushover (address: the user or group key); high urgency is an emergency page.
    Pushover,
}

impl ContactKind {
    /// Every kind, in the order pickers show them.
    pub const ALL: [ContactKind; 8] = [
        ContactKind::Sms,
        ContactKind::Voice,
        ContactKind::Push,
        ContactKind::Email,
        ContactKind::Slack,
        ContactKind::Telegram,
        ContactKind::Ntfy,
        ContactKind::Pushover,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Email => "EMAIL",
            ContactKind::Sms => "SMS",
            ContactKind::Voice => "VOICE",
            ContactKind::Push => "PUSH",
            ContactKind::Slack => "SLACK",
            ContactKind::Telegram => "TELEGRAM",
            ContactKind::Ntfy => "NTFY",
            ContactKind::Pushover => "PUSHOVER",
        }
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            ContactKind::Email => "Email",
            ContactKind::Sms => "SMS",
            ContactKind::Voice => "Voice call",
            ContactKind::Push => "Push",
            ContactKind::Slack => "Slack DM",
            ContactKind::Telegram => "Telegram",
            ContactKind::Ntfy => "ntfy",
            ContactKind::Pushover => "Pushover",
        }
    }

    /// The name of any kind, any case, surrounding space ignored.
    pub fn parse(raw: &str) -> Option<ContactKind> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(raw.trim()))
    }

    /// Reaches a phone number (and so is verified by a code before it is paged).
    pub fn is_phone(self) -> bool {
        matches!(self, ContactKind::Sms | ContactKind::Voice)
    }

    /// Counts as an interruption in on-call health (PagerDuty's rule: SMS, phone and push;
    /// ntfy and Pushover are push notifications too; email and chat messages are not).
    pub fn interrupts(self) -> bool {
        matches!(
            self,
            ContactKind::Sms
                | ContactKind::Voice
                | ContactKind::Push
                | ContactKind::Ntfy
                | ContactKind::Pushover
        )
    }

    /// People add it on the profile with an address they type (push is added per device,
    /// Telegram by sending the bot /start with a code from the profile).
    pub fn typed(self) -> bool {
        !matches!(self, ContactKind::Push | ContactKind::Telegram)
    }

    /// What to type, for the profile's address field.
    pub fn address_hint(self) -> &'static str {
        match self {
            ContactKind::Email => "you@example.com",
            ContactKind::Sms | ContactKind::Voice => "+14155550123",
            ContactKind::Slack => "U0123ABCDEF (Slack profile → ⋮ → Copy member ID)",
            ContactKind::Ntfy => "https://ntfy.sh/your-secret-topic",
            ContactKind::Pushover => "your 30-character user key",
            ContactKind::Push | ContactKind::Telegram => "",
        }
    }

    /// The address of a chat or push kind, checked (email and phone numbers have their own
    /// types): a Slack member id, an ntfy topic URL, a Pushover user key.
    pub fn check_address(self, raw: &str) -> Result<String, &'static str> {
        let a = raw.trim();
        let ok = match self {
            ContactKind::Slack => {
                (9..=20).contains(&a.len())
                    && matches!(a.as_bytes()[0], b'U' | b'W')
                    && a.bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            }
            ContactKind::Ntfy => ntfy_topic_url(a).is_some(),
            ContactKind::Pushover => a.len() == 30 && a.bytes().all(|b| b.is_ascii_alphanumeric()),
            _ => true,
        };
        if ok {
            Ok(a.to_owned())
        } else {
            Err(match self {
                ContactKind::Slack => {
                    "must be a Slack member id such as U0123ABCDEF (Slack profile → ⋮ → Copy member ID)"
                }
                ContactKind::Ntfy => {
                    "must be an ntfy topic URL such as https://ntfy.sh/your-topic (letters, digits, - and _ in the topic)"
                }
                _ => {
                    "must be your Pushover user key: 30 letters and digits (pushover.net, top right)"
                }
            })
        }
    }

    /// The SQL list for a CHECK constraint: `'EMAIL', 'SMS', …`.
    pub fn sql_list() -> String {
        Self::ALL
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `https://ntfy.example.com/topic` → (server, topic); the topic is 1–64 of `A-Za-z0-9_-`.
pub fn ntfy_topic_url(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let (host_and_path, topic) = rest.trim_end_matches('/').rsplit_once('/')?;
    let ok_topic = (1..=64).contains(&topic.len())
        && topic
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let host = host_and_path.split('/').next().unwrap_or_default();
    if !ok_topic || host.is_empty() || url.contains(['?', '#', ' ']) {
        return None;
    }
    let server = &url[..scheme.len() + 3 + host_and_path.len()];
    Some((server, topic))
}

impl std::fmt::Display for ContactKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_parses_back_and_serializes_as_its_name() {
        for kind in ContactKind::ALL {
            assert_eq!(ContactKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                ContactKind::parse(&format!(" {} ", kind.as_str().to_lowercase())),
                Some(kind)
            );
            assert_eq!(
                serde_json::to_string(&kind).ok(),
                Some(format!("\"{}\"", kind.as_str()))
            );
        }
        assert_eq!(ContactKind::parse("PHONE"), None);
        assert!(ContactKind::Slack.check_address(" U0123ABCDEF ").is_ok());
        assert!(ContactKind::Slack.check_address("C0123ABCDEF").is_err());
        assert_eq!(
            ntfy_topic_url("https://ntfy.example.com/sub/alerts-ann"),
            Some(("https://ntfy.example.com/sub", "alerts-ann"))
        );
        assert!(ContactKind::Ntfy.check_address("https://ntfy.sh/").is_err());
        assert!(
            ContactKind::Ntfy
                .check_address("https://ntfy.sh/a b")
                .is_err()
        );
        assert!(
            ContactKind::Pushover
                .check_address("uQiRzpo4DXghDmr9QzzfQu27cmVRsG")
                .is_ok()
        );
        assert!(ContactKind::Pushover.check_address("short").is_err());
        assert_eq!(ContactKind::parse(""), None);
    }
}
