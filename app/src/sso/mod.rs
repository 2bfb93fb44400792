//! Single sign-on through an OpenID Connect provider: its settings, the claim rules that set a
//! person's role and teams, and the words each refusal is shown in. The protocol itself (the
//! redirects, the code exchange, the ID-token checks) runs in the server crate (`server::sso`);
//! what happens once a signed identity arrives is `signin` here.

use serde::{Deserialize, Serialize};

use crate::domain::{Role, TeamId, UserId};

pub mod api;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod page;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod signin;
#[cfg(feature = "ssr")]
pub mod store;

/// Who may still sign in with a password once single sign-on is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PasswordLogin {
    /// Everyone with a password (the default).
    #[default]
    Everyone,
    /// Only the break-glass admin; everyone else signs in through the provider.
    BreakGlassOnly,
}

impl PasswordLogin {
    pub const ALL: [PasswordLogin; 2] = [PasswordLogin::Everyone, PasswordLogin::BreakGlassOnly];

    pub fn as_str(self) -> &'static str {
        match self {
            PasswordLogin::Everyone => "EVERYONE",
            PasswordLogin::BreakGlassOnly => "BREAK_GLASS_ONLY",
        }
    }

    pub fn parse(raw: &str) -> Option<PasswordLogin> {
        PasswordLogin::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(raw.trim()))
    }
}

/// "When claim `claim` has `value`, the person gets `role`." The highest role any rule gives wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRule {
    pub claim: String,
    pub value: String,
    pub role: Role,
}

/// "When claim `claim` has `value`, the person is a member of `team_id`." A team named by any
/// rule is managed by the rules: membership follows the claims at every sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRule {
    pub claim: String,
    pub value: String,
    pub team_id: TeamId,
}

/// The settings an admin edits. The client secret is write-only: empty keeps the saved one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SsoForm {
    pub enabled: bool,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Space-separated; `openid` is always sent.
    pub scopes: String,
    /// The button reads "Sign in with <label>".
    pub label: String,
    /// Create an account at the first sign-in of someone unknown (else only existing
    /// accounts, matched by verified email, may sign in).
    pub auto_provision: bool,
    /// The role of a provisioned account when no role rule matches.
    pub default_role: Option<Role>,
    /// Comma- or space-separated; empty allows every domain.
    pub allowed_domains: String,
    pub role_rules: Vec<RoleRule>,
    pub team_rules: Vec<TeamRule>,
    pub password_login: PasswordLogin,
    /// The ADMIN who may still sign in with a password when `password_login` is
    /// `BreakGlassOnly`.
    pub break_glass_user: Option<UserId>,
}

/// Where the settings in force come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SsoSource {
    Saved,
    Environment,
    None,
}

/// The settings page's view: the form without the secret, and what to register at the
/// provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoView {
    pub form: SsoForm,
    pub has_secret: bool,
    pub source: SsoSource,
    /// The redirect URI to register with the provider.
    pub redirect_uri: String,
    /// The post-logout redirect URI to register (RP-initiated logout).
    pub post_logout_uri: String,
}

/// What the sign-in page offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SignInOptions {
    /// "Sign in with <label>", when single sign-on is on.
    pub sso_label: Option<String>,
    /// Whether the password form is for everyone (false: only the break-glass admin).
    pub password_for_everyone: bool,
}

/// Why a single sign-on attempt was refused: the code travels in the sign-in page's URL
/// (`?sso_error=`), and the page shows the words, never the provider's raw text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotConfigured,
    ProviderUnreachable,
    ProviderDenied,
    BadState,
    Expired,
    CodeRejected,
    TokenInvalid,
    EmailUnverified,
    DomainNotAllowed,
    NoAccount,
    Disabled,
    Internal,
}

impl Refusal {
    pub const ALL: [Refusal; 12] = [
        Refusal::NotConfigured,
        Refusal::ProviderUnreachable,
        Refusal::ProviderDenied,
        Refusal::BadState,
        Refusal::Expired,
        Refusal::CodeRejected,
        Refusal::TokenInvalid,
        Refusal::EmailUnverified,
        Refusal::DomainNotAllowed,
        Refusal::NoAccount,
        Refusal::Disabled,
        Refusal::Internal,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Refusal::NotConfigured => "not_configured",
            Refusal::ProviderUnreachable => "provider_unreachable",
            Refusal::ProviderDenied => "provider_denied",
            Refusal::BadState => "bad_state",
            Refusal::Expired => "expired",
            Refusal::CodeRejected => "code_rejected",
            Refusal::TokenInvalid => "token_invalid",
            Refusal::EmailUnverified => "email_unverified",
            Refusal::DomainNotAllowed => "domain_not_allowed",
            Refusal::NoAccount => "no_account",
            Refusal::Disabled => "disabled",
            Refusal::Internal => "internal",
        }
    }

    pub fn parse(code: &str) -> Option<Refusal> {
        Refusal::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The sentence the sign-in page shows.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::NotConfigured => {
                "Single sign-on is not set up. Sign in with your password, or ask an admin."
            }
            Refusal::ProviderUnreachable => {
                "The identity provider could not be reached. Try again in a minute; if it keeps failing, tell an admin."
            }
            Refusal::ProviderDenied => {
                "The identity provider did not sign you in (you may have cancelled). Try again."
            }
            Refusal::BadState => {
                "That sign-in link was already used or did not start here. Start again with the button below."
            }
            Refusal::Expired => "The sign-in took too long. Start again with the button below.",
            Refusal::CodeRejected => {
                "The identity provider refused to complete the sign-in (the code was already used or has expired). Start again."
            }
            Refusal::TokenInvalid => {
                "The identity provider's answer could not be verified, so you were not signed in. Tell an admin if this repeats."
            }
            Refusal::EmailUnverified => {
                "Your identity provider has not verified your email address, so it cannot be used to sign in here."
            }
            Refusal::DomainNotAllowed => "Accounts with that email domain may not sign in here.",
            Refusal::NoAccount => {
                "There is no OpsKnight account for your email address. Ask an admin to invite you."
            }
            Refusal::Disabled => "Your OpsKnight account is disabled. Ask an admin.",
            Refusal::Internal => {
                "Something went wrong on our side while signing you in; it has been logged. Try again."
            }
        }
    }
}

/// The path of the sign-in redirect, and of the provider's callback.
pub const START_PATH: &str = "/auth/sso/start";
pub const CALLBACK_PATH: &str = "/auth/sso/callback";
/// Where the provider sends the browser after RP-initiated logout.
pub const LOGGED_OUT_PATH: &str = "/login";

/// Limits on what the settings form accepts.
pub const LABEL_MAX: usize = 40;
pub const RULES_MAX: usize = 50;

/// The signed purpose of a logout hint.
#[cfg(feature = "ssr")]
pub const LOGOUT_PURPOSE: &str = "sso-logout";

/// The path that sends a signed-out browser on to the provider's logout, carrying the ID
/// token as a signed hint (only this server can have made it).
#[cfg(feature = "ssr")]
pub fn logout_path(keys: &crate::secrets::Keyring, id_token: &str) -> String {
    format!(
        "/auth/sso/logout?hint={}",
        keys.seal_token(LOGOUT_PURPOSE, id_token.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_codes_round_trip_and_are_distinct() {
        for r in Refusal::ALL {
            assert_eq!(Refusal::parse(r.code()), Some(r));
        }
        let mut codes: Vec<_> = Refusal::ALL.iter().map(|r| r.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), Refusal::ALL.len());
        assert_eq!(Refusal::parse("<script>"), None);
    }

    #[test]
    fn password_login_modes_parse() {
        for m in PasswordLogin::ALL {
            assert_eq!(PasswordLogin::parse(m.as_str()), Some(m));
        }
        assert_eq!(PasswordLogin::parse("nobody"), None);
    }
}
