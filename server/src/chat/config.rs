//! The chat apps' credentials, from flags or the environment, checked at start-up (an error
//! names the variable): the Slack app (bot token and signing secret, both or neither) and the
//! Telegram bot. The API base URLs are settable for proxies and test fakes.

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

/// Every chat app configured.
#[derive(Clone, Debug, Default)]
pub struct ChatConfig {
    pub slack: Option<Arc<SlackConfig>>,
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
    pub fn config(&self) -> anyhow::Result<ChatConfig> {
        let slack = match (set(&self.slack_bot_token), set(&self.slack_signing_secret)) {
            (None, None) => None,
            (Some(_), None) => bail!(
                "OPSKNIGHT_SLACK_SIGNING_SECRET: set it with OPSKNIGHT_SLACK_BOT_TOKEN (the app's Basic Information page shows it)"
            ),
            (None, Some(_)) => bail!(
                "OPSKNIGHT_SLACK_BOT_TOKEN: set it with OPSKNIGHT_SLACK_SIGNING_SECRET (OAuth & Permissions shows the bot token)"
            ),
            (Some(token), Some(secret)) => {
                if !token.starts_with("xoxb-") {
                    bail!("OPSKNIGHT_SLACK_BOT_TOKEN: must be a bot token, starting with xoxb-");
                }
                if secret.len() < 16 || !secret.chars().all(|c| c.is_ascii_alphanumeric()) {
                    bail!(
                        "OPSKNIGHT_SLACK_SIGNING_SECRET: must be the app's signing secret (letters and digits, 16 or more)"
                    );
                }
                Some(Arc::new(SlackConfig {
                    bot_token: token.to_owned(),
                    signing_secret: secret.to_owned(),
                    api_url: base_url("OPSKNIGHT_SLACK_API_URL", &self.slack_api_url)?,
                }))
            }
        };
        Ok(ChatConfig { slack })
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
        }
    }

    #[test]
    fn slack_needs_both_and_each_error_names_its_variable() {
        let ok = args(
            Some("xoxb-1-2"),
            Some("8f742231b10e8888abcd99yyyzzz85a5"),
            "https://slack.com/api/",
        );
        let c = ok.config().unwrap().slack.unwrap();
        assert_eq!(c.api_url, "https://slack.com/api");
        assert!(args(None, None, "x").config().unwrap().slack.is_none());
        for (bad, var) in [
            (
                args(Some("xoxb-1"), None, "https://s"),
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
                args(Some("xoxb-1"), Some("short"), "https://s"),
                "OPSKNIGHT_SLACK_SIGNING_SECRET",
            ),
            (
                args(Some("xoxb-1"), Some("abcdefabcdefabcdef"), "ftp://s"),
                "OPSKNIGHT_SLACK_API_URL",
            ),
        ] {
            let e = bad.config().unwrap_err().to_string();
            assert!(e.starts_with(var), "{e}");
        }
    }
}
