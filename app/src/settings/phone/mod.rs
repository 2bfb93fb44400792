//! Phone paging settings: Twilio or a generic HTTP SMS gateway, saved by an admin (secrets
//! sealed by the keyring) or taken from the environment. One set of checks serves both: a
//! form error names the form field, a start-up error the environment variable.

use serde::{Deserialize, Serialize};

pub mod api;
#[cfg(feature = "ssr")]
mod check;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod page;
#[cfg(feature = "ssr")]
pub mod store;

#[cfg(feature = "ssr")]
pub use check::{env_error, parse_gateway, parse_twilio};

/// Which provider sends SMS and places calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneProvider {
    Twilio,
    Gateway,
}

impl PhoneProvider {
    pub const ALL: [PhoneProvider; 2] = [PhoneProvider::Twilio, PhoneProvider::Gateway];

    pub fn as_str(self) -> &'static str {
        match self {
            PhoneProvider::Twilio => "twilio",
            PhoneProvider::Gateway => "gateway",
        }
    }

    pub fn parse(raw: &str) -> Option<PhoneProvider> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            PhoneProvider::Twilio => "Twilio",
            PhoneProvider::Gateway => "HTTP SMS gateway",
        }
    }
}

/// The default gateway request body.
pub const DEFAULT_BODY: &str = r#"{"to":"{{to}}","body":"{{body}}"}"#;

/// The default Twilio API base URL.
pub const TWILIO_API_URL: &str = "https://api.twilio.com";

/// What the Settings page shows: secrets only as "set" or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneView {
    /// Where the settings in use come from.
    pub source: super::MailSource,
    /// The provider in use, if any.
    pub provider: Option<PhoneProvider>,
    pub account_sid: String,
    pub auth_token_set: bool,
    pub from: String,
    pub api_url: String,
    pub url: String,
    pub method: String,
    pub headers_set: bool,
    pub body: String,
    pub secret_set: bool,
}

/// Checked Twilio settings (the tokens in memory only).
#[derive(Clone, PartialEq, Eq)]
pub struct TwilioSettings {
    /// `AC` and 32 hex digits.
    pub account_sid: String,
    /// The current auth token first; the previous one (still accepted on callbacks while a
    /// rotation settles) after it.
    pub tokens: Vec<String>,
    /// E.164.
    pub from: String,
    /// Without a trailing slash.
    pub api_url: String,
}

impl std::fmt::Debug for TwilioSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioSettings")
            .field("account_sid", &self.account_sid)
            .field("from", &self.from)
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

/// How the gateway is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum GatewayMethod {
    Post,
    Put,
}

impl GatewayMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            GatewayMethod::Post => "POST",
            GatewayMethod::Put => "PUT",
        }
    }
}

/// Checked gateway settings.
#[derive(Clone, PartialEq, Eq)]
pub struct GatewaySettings {
    pub url: String,
    pub method: GatewayMethod,
    /// Extra request headers (an API key, say): secret.
    pub headers: Vec<(String, String)>,
    /// The body template, parsed; it uses `{{to}}` and `{{body}}`.
    pub body: serde_json::Value,
    /// What the gateway sends as `Authorization: Bearer …` with replies.
    pub secret: Option<String>,
}

impl std::fmt::Debug for GatewaySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewaySettings")
            .field("url", &self.url)
            .field("method", &self.method)
            .field("headers", &self.headers.len())
            .finish_non_exhaustive()
    }
}

/// The phone provider settings in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneSettings {
    Twilio(TwilioSettings),
    Gateway(GatewaySettings),
}

impl PhoneSettings {
    pub fn provider(&self) -> PhoneProvider {
        match self {
            PhoneSettings::Twilio(_) => PhoneProvider::Twilio,
            PhoneSettings::Gateway(_) => PhoneProvider::Gateway,
        }
    }
}
