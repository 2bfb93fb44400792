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
}

impl ContactKind {
    /// Every kind, in the order pickers show them.
    pub const ALL: [ContactKind; 4] = [
        ContactKind::Sms,
        ContactKind::Voice,
        ContactKind::Push,
        ContactKind::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Email => "EMAIL",
            ContactKind::Sms => "SMS",
            ContactKind::Voice => "VOICE",
            ContactKind::Push => "PUSH",
        }
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            ContactKind::Email => "Email",
            ContactKind::Sms => "SMS",
            ContactKind::Voice => "Voice call",
            ContactKind::Push => "Push",
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

    /// People add it on the profile with an address they type (push is added per device).
    pub fn typed(self) -> bool {
        !matches!(self, ContactKind::Push)
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
        assert_eq!(ContactKind::parse(""), None);
    }
}
