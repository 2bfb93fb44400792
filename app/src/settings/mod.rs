//! Settings an admin changes at run time: email delivery (SMTP host, port, security, user,
//! password and sender), stored with the password encrypted, overriding the
//! `OPSKNIGHT_SMTP_URL` environment default, and a test email; phone paging (`phone`); the
//! chat apps' credentials (`chat`); and team access (`access`).

use serde::{Deserialize, Serialize};

pub mod access;
pub mod api;
pub mod chat;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod page;
pub mod phone;
#[cfg(feature = "ssr")]
pub mod store;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SmtpSecurity {
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
    /// Plain, upgraded with STARTTLS (required), usually port 587.
    Starttls,
    /// No encryption (a local relay or a test server only).
    None,
}

impl SmtpSecurity {
    pub fn parse(raw: &str) -> Option<SmtpSecurity> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "TLS" => Some(SmtpSecurity::Tls),
            "STARTTLS" => Some(SmtpSecurity::Starttls),
            "NONE" => Some(SmtpSecurity::None),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::Tls => "TLS",
            SmtpSecurity::Starttls => "STARTTLS",
            SmtpSecurity::None => "NONE",
        }
    }
}

/// The SMTP settings as the server uses them (the password decrypted, in memory only).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: String,
    pub password: String,
    pub from: String,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("from", &self.from)
            .finish()
    }
}

/// Where email settings come from right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailSource {
    /// Saved by an admin in Settings.
    Settings,
    /// `OPSKNIGHT_SMTP_URL`.
    Environment,
    /// Not configured: no email is sent.
    None,
}

/// What the Settings page shows: never the password, only whether one is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpView {
    pub source: MailSource,
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: String,
    pub password_set: bool,
    pub from: String,
}
