//! The chat apps' credentials, from flags or the environment, checked at start-up (an error
//! names the variable): the Slack app (bot token and signing secret, both or neither) and the
//! Telegram bot (token, and how its updates reach us). The API base URLs are settable for proxies and test fakes.

use std::sync::Arc;

use anyhow::bail;

/// The `opsknight serve` options for Slack and Telegram.
#[derive(clap::Args, Clone)]
pub struct ChatArgs {
    /// The Slack app's bot token (`xoxb-…`): posts and updates channel messages, sends DMs,
    /// and looks people up by email (scopes chat:write, users:read, users:read.email).
    #[arg(long, env = "OPSKNIGHT_SLACK_BOT_TOKEN", hide_env_values = true)]
    pub slack_bot_token: Option<String>,
    /// The Slack app's signing secret: checks the v0 signature of button presses and slash
    /// commands.
    #[arg(long, env = "OPSKNIGHT_SLACK_SIGNING_SECRET", hide_env_values = true)]
    pub slack_signing_secret: Option<String>,
    /// Slack's Web API base URL (a proxy, or a test fake).
    #[arg(
        long,
        env = "OPSKNIGHT_SLACK_API_URL",
        default_value = "https://slack.com/api"
    )]
    pub slack_api_url: String,
    /// The Telegram bot's token from @BotFather (`123456:ABC…`): posts to group chats, pages
    /// linked people, and takes their button presses.
    #[arg(long, env = "OPSKNIGHT_TELEGRAM_BOT_TOKEN", hide_env_values = true)]
    pub telegram_bot_token: Option<String>,
    /// Telegram's Bot API base URL (a proxy, or a test fake).
    #[arg(
        long,
        env = "OPSKNIGHT_TELEGRAM_API_URL",
        default_value = "https://api.telegram.org"
    )]
    pub telegram_api_url: String,
    /// How button presses and /start reach us: `webhook` (Telegram calls
    /// <public URL>/api/telegram/webhook; needs a public https URL) or `poll` (we long-poll
    /// getUpdates: no public URL needed). Default: webhook when OPSKNIGHT_PUBLIC_URL is
    /// https, else poll.
    #[arg(long, env = "OPSKNIGHT_TELEGRAM_UPDATES")]
    pub telegram_updates: Option<String>,
    /// The Pushover application's API token (30 letters and digits): people with a Pushover
    /// contact method are paged through it, high urgency as emergency priority.
    #[arg(long, env = "OPSKNIGHT_PUSHOVER_TOKEN", hide_env_values = true)]
    pub pushover_token: Option<String>,
    /// Pushover's API base URL (a proxy, or a test fake).
    #[arg(
        long,
        env = "OPSKNIGHT_PUSHOVER_API_URL",
        default_value = "https://api.pushover.net"
    )]
    pub pushover_api_url: String,
}

impl std::fmt::Debug for ChatArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |v: &Option<String>| v.as_ref().map(|_| "[redacted]");
        f.debug_struct("ChatArgs")
            .field("slack_bot_token", &redacted(&self.slack_bot_token))
            .field(
                "slack_signing_secret",
                &redacted(&self.slack_signing_secret),
            )
            .field("slack_api_url", &self.slack_api_url)
            .field("telegram_bot_token", &redacted(&self.telegram_bot_token))
            .field("telegram_api_url", &self.telegram_api_url)
            .field("telegram_updates", &self.telegram_updates)
            .field("pushover_token", &redacted(&self.pushover_token))
            .field("pushover_api_url", &self.pushover_api_url)
            .finish()
    }
}

/// The Slack app.
#[derive(Clone)]
pub struct SlackConfig {
    pub bot_token: String,
    pub signing_secret: String,
    /// Without a trailing slash: `https://slack.com/api`.
    pub api_url: String,
}

impl std::fmt::Debug for SlackConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackConfig")
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

/// How Telegram's updates reach us.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Updates {
    Webhook,
    Poll,
}

/// The Telegram bot.
#[derive(Clone)]
pub struct TelegramConfig {
    pub bot_token: String,
    /// Without a trailing slash: `https://api.telegram.org`.
    pub api_url: String,
    pub updates: Updates,
}

impl std::fmt::Debug for TelegramConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramConfig")
            .field("api_url", &self.api_url)
            .field("updates", &self.updates)
            .finish_non_exhaustive()
    }
}

impl TelegramConfig {
    /// `https://api.telegram.org/bot<token>/<method>`
    pub fn method_url(&self, method: &str) -> String {
        format!("{}/bot{}/{method}", self.api_url, self.bot_token)
    }
}

/// The Pushover application.
#[derive(Clone)]
pub struct PushoverConfig {
    pub token: String,
    /// Without a trailing slash: `https://api.pushover.net`.
    pub api_url: String,
}

impl std::fmt::Debug for PushoverConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushoverConfig")
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

/// Every chat and push app configured, and the API bases credentials saved in Settings use.
#[derive(Clone, Debug)]
pub struct ChatConfig {
    pub slack: Option<Arc<SlackConfig>>,
    pub telegram: Option<Arc<TelegramConfig>>,
    pub pushover: Option<Arc<PushoverConfig>>,
    pub slack_api_url: String,
    pub telegram_api_url: String,
    pub telegram_updates: Updates,
}

impl Default for ChatConfig {
    fn default() -> ChatConfig {
        ChatConfig {
            slack: None,
            telegram: None,
            pushover: None,
            slack_api_url: "https://slack.com/api".into(),
            telegram_api_url: "https://api.telegram.org".into(),
            telegram_updates: Updates::Poll,
        }
    }
}

fn set(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// An http(s) base URL, without its trailing slash.
fn base_url(variable: &str, raw: &str) -> anyhow::Result<String> {
    let raw = raw.trim().trim_end_matches('/');
    match url::Url::parse(raw) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
            Ok(raw.to_owned())
        }
        _ => bail!("{variable}: must be an http:// or https:// URL, not {raw:?}"),
    }
}

impl ChatArgs {
    /// The checked settings; `public_url` decides Telegram's default update mode.
    pub fn config(&self, public_url: &str) -> anyhow::Result<ChatConfig> {
        let updates = match set(&self.telegram_updates) {
            None if public_url.starts_with("https://") => Updates::Webhook,
            None => Updates::Poll,
            Some("webhook") => Updates::Webhook,
            Some("poll") => Updates::Poll,
            Some(other) => {
                bail!("OPSKNIGHT_TELEGRAM_UPDATES: must be webhook or poll, not {other:?}")
            }
        };
        let telegram_api_url = base_url("OPSKNIGHT_TELEGRAM_API_URL", &self.telegram_api_url)?;
        let telegram = match set(&self.telegram_bot_token) {
            None => None,
            Some(token) => {
                let token = app::settings::chat::check_telegram_token(token)
                    .map_err(|m| anyhow::anyhow!("OPSKNIGHT_TELEGRAM_BOT_TOKEN: {m}"))?;
                Some(Arc::new(TelegramConfig {
                    bot_token: token.to_owned(),
                    api_url: telegram_api_url.clone(),
                    updates,
                }))
            }
        };
        let pushover = match set(&self.pushover_token) {
            None => None,
            Some(t) if t.len() == 30 && t.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                Some(Arc::new(PushoverConfig {
                    token: t.to_owned(),
                    api_url: base_url("OPSKNIGHT_PUSHOVER_API_URL", &self.pushover_api_url)?,
                }))
            }
            Some(_) => bail!(
                "OPSKNIGHT_PUSHOVER_TOKEN: must be a Pushover application token (30 letters and digits)"
            ),
        };
        let mut config = self.slack_config()?;
        config.telegram = telegram;
        config.pushover = pushover;
        config.telegram_api_url = telegram_api_url;
        config.telegram_updates = updates;
        Ok(config)
    }

    fn slack_config(&self) -> anyhow::Result<ChatConfig> {
        let slack_api_url = base_url("OPSKNIGHT_SLACK_API_URL", &self.slack_api_url)?;
        let slack = match (set(&self.slack_bot_token), set(&self.slack_signing_secret)) {
            (None, None) => None,
            (Some(_), None) => bail!(
                "OPSKNIGHT_SLACK_SIGNING_SECRET: set it with OPSKNIGHT_SLACK_BOT_TOKEN (the app's Basic Information page shows it)"
            ),
            (None, Some(_)) => bail!(
                "OPSKNIGHT_SLACK_BOT_TOKEN: set it with OPSKNIGHT_SLACK_SIGNING_SECRET (OAuth & Permissions shows the bot token)"
            ),
            (Some(token), Some(secret)) => {
                let token = app::settings::chat::check_slack_token(token)
                    .map_err(|m| anyhow::anyhow!("OPSKNIGHT_SLACK_BOT_TOKEN: {m}"))?;
                let secret = app::settings::chat::check_slack_secret(secret)
                    .map_err(|m| anyhow::anyhow!("OPSKNIGHT_SLACK_SIGNING_SECRET: {m}"))?;
                Some(Arc::new(SlackConfig {
                    bot_token: token.to_owned(),
                    signing_secret: secret.to_owned(),
                    api_url: slack_api_url.clone(),
                }))
            }
        };
        Ok(ChatConfig {
            slack,
            slack_api_url,
            ..ChatConfig::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(token: Option<&str>, secret: Option<&str>, url: &str) -> ChatArgs {
        ChatArgs {
            slack_bot_token: token.map(str::to_owned),
            slack_signing_secret: secret.map(str::to_owned),
            slack_api_url: url.into(),
            telegram_bot_token: None,
            telegram_api_url: "https://api.telegram.org".into(),
            telegram_updates: None,
            pushover_token: None,
            pushover_api_url: "https://api.pushover.net".into(),
        }
    }

    #[test]
    fn telegram_takes_a_bot_token_and_picks_its_update_mode() {
        let mut a = args(None, None, "https://s");
        a.telegram_bot_token = Some("123456789:AAEhBOweik9ai2o4SIXVv7DDc7n7nF0x5ZQ".into());
        let c = a
            .config("https://pager.example.com")
            .unwrap()
            .telegram
            .unwrap();
        assert_eq!(c.updates, Updates::Webhook);
        assert_eq!(
            a.config("http://localhost:3000")
                .unwrap()
                .telegram
                .unwrap()
                .updates,
            Updates::Poll
        );
        a.telegram_updates = Some("poll".into());
        assert_eq!(
            a.config("https://p").unwrap().telegram.unwrap().updates,
            Updates::Poll
        );
        a.telegram_updates = Some("push".into());
        assert!(
            a.config("https://p")
                .unwrap_err()
                .to_string()
                .starts_with("OPSKNIGHT_TELEGRAM_UPDATES")
        );
        a.telegram_updates = None;
        a.telegram_bot_token = Some("not-a-token".into());
        assert!(
            a.config("https://p")
                .unwrap_err()
                .to_string()
                .starts_with("OPSKNIGHT_TELEGRAM_BOT_TOKEN")
        );
    }

    #[test]
    fn slack_needs_both_and_each_error_names_its_variable() {
        let ok = args(
            Some("xoxb-1-2-abcdef"),
            Some("8f742231b10e8888abcd99yyyzzz85a5"),
            "https://slack.com/api/",
        );
        let c = ok.config("https://p").unwrap().slack.unwrap();
        assert_eq!(c.api_url, "https://slack.com/api");
        assert!(
            args(None, None, "https://s")
                .config("https://p")
                .unwrap()
                .slack
                .is_none()
        );
        for (bad, var) in [
            (
                args(Some("xoxb-1-2-abcdef"), None, "https://s"),
                "OPSKNIGHT_SLACK_SIGNING_SECRET",
            ),
            (
                args(None, Some("abcdefabcdefabcdef"), "https://s"),
                "OPSKNIGHT_SLACK_BOT_TOKEN",
            ),
            (
                args(Some("xoxp-1"), Some("abcdefabcdefabcdef"), "https://s"),
                "OPSKNIGHT_SLACK_BOT_TOKEN",
            ),
            (
                args(Some("xoxb-1-2-abcdef"), Some("short"), "https://s"),
                "OPSKNIGHT_SLACK_SIGNING_SECRET",
            ),
            (
                args(
                    Some("xoxb-1-2-abcdef"),
                    Some("abcdefabcdefabcdef"),
                    "ftp://s",
                ),
                "OPSKNIGHT_SLACK_API_URL",
            ),
        ] {
            let e = bad.config("https://p").unwrap_err().to_string();
            assert!(e.starts_with(var), "{e}");
        }
    }
}
