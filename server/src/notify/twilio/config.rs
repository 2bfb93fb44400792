//! Twilio's settings, from flags or the environment, checked at start-up: an error names the
//! variable. All of account SID, auth token and From number, or none (SMS paging off).

use anyhow::bail;

/// The `opsknight serve` options for Twilio.
#[derive(clap::Args, Clone)]
pub struct TwilioArgs {
    /// Twilio Account SID (`AC` and 32 hex digits). With the auth token and a From number,
    /// people can be paged by SMS.
    #[arg(long, env = "OPSKNIGHT_TWILIO_ACCOUNT_SID")]
    pub twilio_account_sid: Option<String>,
    /// Twilio auth token (secret): authenticates our API calls and checks Twilio's
    /// signatures on its callbacks.
    #[arg(long, env = "OPSKNIGHT_TWILIO_AUTH_TOKEN", hide_env_values = true)]
    pub twilio_auth_token: Option<String>,
    /// The previous auth token, still accepted on callbacks while a rotation settles.
    #[arg(
        long,
        env = "OPSKNIGHT_TWILIO_PREVIOUS_AUTH_TOKEN",
        hide_env_values = true
    )]
    pub twilio_previous_auth_token: Option<String>,
    /// The number pages are sent from, in E.164 (`+14155550100`).
    #[arg(long, env = "OPSKNIGHT_TWILIO_FROM")]
    pub twilio_from: Option<String>,
    /// Twilio's API base URL (a proxy, or a test fake).
    #[arg(
        long,
        env = "OPSKNIGHT_TWILIO_API_URL",
        default_value = "https://api.twilio.com"
    )]
    pub twilio_api_url: String,
}

impl std::fmt::Debug for TwilioArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioArgs")
            .field("twilio_account_sid", &self.twilio_account_sid)
            .field(
                "twilio_auth_token",
                &self.twilio_auth_token.as_ref().map(|_| "[redacted]"),
            )
            .field("twilio_from", &self.twilio_from)
            .field("twilio_api_url", &self.twilio_api_url)
            .finish()
    }
}

/// Checked Twilio settings (the same checks and type as the Settings page's).
pub type TwilioConfig = app::settings::phone::TwilioSettings;

/// The environment variable for each Twilio settings field.
fn variable(field: Option<&str>) -> &'static str {
    match field {
        Some("account_sid") => "OPSKNIGHT_TWILIO_ACCOUNT_SID",
        Some("auth_token") => "OPSKNIGHT_TWILIO_AUTH_TOKEN",
        Some("from") => "OPSKNIGHT_TWILIO_FROM",
        _ => "OPSKNIGHT_TWILIO_API_URL",
    }
}

fn set(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl TwilioArgs {
    /// The checked settings; `None` when none of them is set.
    pub fn config(&self) -> anyhow::Result<Option<TwilioConfig>> {
        let (sid, token, from) = (
            set(&self.twilio_account_sid),
            set(&self.twilio_auth_token),
            set(&self.twilio_from),
        );
        let (sid, token, from) = match (sid, token, from) {
            (None, None, None) => return Ok(None),
            (Some(s), Some(t), Some(f)) => (s, t, f),
            _ => {
                let missing: Vec<&str> = [
                    (sid, "OPSKNIGHT_TWILIO_ACCOUNT_SID"),
                    (token, "OPSKNIGHT_TWILIO_AUTH_TOKEN"),
                    (from, "OPSKNIGHT_TWILIO_FROM"),
                ]
                .into_iter()
                .filter(|(v, _)| v.is_none())
                .map(|(_, name)| name)
                .collect();
                bail!(
                    "{}: Twilio needs the account SID, the auth token and a From number; set it too, or unset the others",
                    missing.join(", ")
                );
            }
        };
        let mut config = app::settings::phone::parse_twilio(sid, token, from, &self.twilio_api_url)
            .map_err(|e| anyhow::anyhow!(app::settings::phone::env_error(&e, variable)))?;
        config
            .tokens
            .extend(set(&self.twilio_previous_auth_token).map(str::to_owned));
        Ok(Some(config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(sid: Option<&str>, token: Option<&str>, from: Option<&str>, url: &str) -> TwilioArgs {
        TwilioArgs {
            twilio_account_sid: sid.map(Into::into),
            twilio_auth_token: token.map(Into::into),
            twilio_previous_auth_token: None,
            twilio_from: from.map(Into::into),
            twilio_api_url: url.into(),
        }
    }

    const SID: &str = "AC0123456789abcdef0123456789abcdef";

    #[test]
    fn none_set_is_off_and_each_bad_value_names_its_variable() {
        let api = "https://api.twilio.com";
        assert!(args(None, None, None, api).config().unwrap().is_none());
        let ok = args(
            Some(SID),
            Some("t"),
            Some("+1 415 555 0100"),
            "http://127.0.0.1:9/",
        )
        .config()
        .unwrap()
        .unwrap();
        assert_eq!(
            (ok.from.as_str(), ok.api_url.as_str()),
            ("+14155550100", "http://127.0.0.1:9")
        );
        for (a, var) in [
            (
                args(Some(SID), None, None, api),
                "OPSKNIGHT_TWILIO_AUTH_TOKEN",
            ),
            (
                args(Some("AC12"), Some("t"), Some("+14155550100"), api),
                "OPSKNIGHT_TWILIO_ACCOUNT_SID",
            ),
            (
                args(Some(SID), Some("t"), Some("0170 1234"), api),
                "OPSKNIGHT_TWILIO_FROM",
            ),
            (
                args(Some(SID), Some("t"), Some("+14155550100"), "ftp://x"),
                "OPSKNIGHT_TWILIO_API_URL",
            ),
        ] {
            let e = a.config().unwrap_err().to_string();
            assert!(e.starts_with(var) || e.contains(var), "{var}: {e}");
            assert!(!e.contains("\"t\""), "{e}");
        }
    }
}
