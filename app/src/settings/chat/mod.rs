//! The chat apps' credentials an admin saves in Settings: the Slack app (bot token and signing
//! secret) and the Telegram bot (token), sealed at rest, overriding `OPSKNIGHT_SLACK_*` /
//! `OPSKNIGHT_TELEGRAM_BOT_TOKEN` on every instance without a restart. The checks here are the
//! ones the environment's values go through too (server/src/chat/config.rs).

use serde::{Deserialize, Serialize};

pub mod api;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod page;
#[cfg(feature = "ssr")]
pub mod store;

/// What the Settings page shows: never a secret, only whether one is saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatView {
    /// A Slack app is saved here (else the environment's, if any, applies).
    pub slack_saved: bool,
    pub telegram_saved: bool,
}

/// Saved Slack credentials (in memory only, decrypted).
#[derive(Clone, PartialEq, Eq)]
pub struct SlackCreds {
    pub bot_token: String,
    pub signing_secret: String,
}

impl std::fmt::Debug for SlackCreds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SlackCreds([redacted])")
    }
}

/// A Slack bot token: `xoxb-…`.
pub fn check_slack_token(raw: &str) -> Result<&str, &'static str> {
    let t = raw.trim();
    if t.starts_with("xoxb-") && t.len() > 10 && !t.chars().any(char::is_whitespace) {
        Ok(t)
    } else {
        Err("must be a bot token, starting with xoxb- (OAuth & Permissions)")
    }
}

/// A Slack signing secret: letters and digits, 16 or more.
pub fn check_slack_secret(raw: &str) -> Result<&str, &'static str> {
    let s = raw.trim();
    if s.len() >= 16 && s.len() <= 128 && s.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(s)
    } else {
        Err("must be the app's signing secret: letters and digits, 16 or more (Basic Information)")
    }
}

/// A Telegram bot token from @BotFather: `123456789:AAE…`.
pub fn check_telegram_token(raw: &str) -> Result<&str, &'static str> {
    let t = raw.trim();
    let ok = t.split_once(':').is_some_and(|(id, secret)| {
        !id.is_empty()
            && id.len() <= 20
            && id.bytes().all(|b| b.is_ascii_digit())
            && (30..=100).contains(&secret.len())
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    });
    if ok {
        Ok(t)
    } else {
        Err("must be a bot token from @BotFather, like 123456789:AAE…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_checked_for_their_shape() {
        assert!(check_slack_token(" xoxb-1-2-abc ").is_ok());
        assert!(check_slack_token("xoxp-1-2-abc").is_err());
        assert!(check_slack_secret("8f742231b10e8888abcd99yyyzzz85a5").is_ok());
        assert!(check_slack_secret("short").is_err());
        assert!(check_telegram_token("123456789:AAEhBOweik9ai2o4SIXVv7DDc7n7nF0x5ZQ").is_ok());
        assert!(check_telegram_token("123456789:short").is_err());
        assert!(check_telegram_token("abc:AAEhBOweik9ai2o4SIXVv7DDc7n7nF0x5ZQ").is_err());
    }
}
