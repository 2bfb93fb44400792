//! Single sign-on from flags or the environment (`OPSKNIGHT_OIDC_*`), checked at start-up with
//! the same checks as the settings form; an error names the variable. Saved settings win.

use anyhow::bail;
use app::sso::config::{EnvConfig, check_client_value, check_issuer, check_label};

/// The `opsknight serve` options for an OpenID Connect provider.
#[derive(clap::Args, Clone, Default)]
pub struct SsoArgs {
    /// The provider's issuer URL (discovery is read from
    /// `<issuer>/.well-known/openid-configuration`). Set with the client id and secret.
    #[arg(long, env = "OPSKNIGHT_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// The client id OpsKnight is registered under at the provider.
    #[arg(long, env = "OPSKNIGHT_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// The client secret (confidential client, `client_secret_basic`).
    #[arg(long, env = "OPSKNIGHT_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// Scopes to ask for, space-separated (`openid` is always sent).
    #[arg(
        long,
        env = "OPSKNIGHT_OIDC_SCOPES",
        default_value = "openid email profile"
    )]
    pub oidc_scopes: String,
    /// The sign-in button reads "Sign in with <label>".
    #[arg(long, env = "OPSKNIGHT_OIDC_LABEL", default_value = "SSO")]
    pub oidc_label: String,
}

impl SsoArgs {
    /// The checked provider, or None when `OPSKNIGHT_OIDC_ISSUER` is unset.
    pub fn config(&self) -> anyhow::Result<Option<EnvConfig>> {
        let Some(issuer) = self.oidc_issuer.as_deref().filter(|s| !s.trim().is_empty()) else {
            if self.oidc_client_id.is_some() || self.oidc_client_secret.is_some() {
                bail!(
                    "OPSKNIGHT_OIDC_ISSUER: set it with OPSKNIGHT_OIDC_CLIENT_ID and OPSKNIGHT_OIDC_CLIENT_SECRET"
                );
            }
            return Ok(None);
        };
        let issuer =
            check_issuer(issuer).map_err(|m| anyhow::anyhow!("OPSKNIGHT_OIDC_ISSUER: {m}"))?;
        let client_id =
            check_client_value(self.oidc_client_id.as_deref().unwrap_or(""), "client id")
                .map_err(|m| anyhow::anyhow!("OPSKNIGHT_OIDC_CLIENT_ID: {m}"))?;
        let client_secret = check_client_value(
            self.oidc_client_secret.as_deref().unwrap_or(""),
            "client secret",
        )
        .map_err(|m| anyhow::anyhow!("OPSKNIGHT_OIDC_CLIENT_SECRET: {m}"))?;
        let scopes = app::sso::rules::parse_scopes(&self.oidc_scopes)
            .map_err(|m| anyhow::anyhow!("OPSKNIGHT_OIDC_SCOPES: {m}"))?;
        let label = check_label(&self.oidc_label)
            .map_err(|m| anyhow::anyhow!("OPSKNIGHT_OIDC_LABEL: {m}"))?;
        Ok(Some(EnvConfig {
            issuer,
            client_id,
            client_secret,
            scopes,
            label,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(issuer: Option<&str>, id: Option<&str>, secret: Option<&str>) -> SsoArgs {
        SsoArgs {
            oidc_issuer: issuer.map(str::to_owned),
            oidc_client_id: id.map(str::to_owned),
            oidc_client_secret: secret.map(str::to_owned),
            oidc_scopes: "openid email profile".into(),
            oidc_label: "Okta".into(),
        }
    }

    #[test]
    fn errors_name_the_variable() {
        assert!(args(None, None, None).config().unwrap().is_none());
        let e = args(None, Some("x"), None)
            .config()
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("OPSKNIGHT_OIDC_ISSUER"), "{e}");
        let e = args(Some("http://id.example.com"), Some("x"), Some("y"))
            .config()
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("OPSKNIGHT_OIDC_ISSUER: must use https"),
            "{e}"
        );
        let e = args(Some("https://id.example.com"), None, Some("y"))
            .config()
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("OPSKNIGHT_OIDC_CLIENT_ID"), "{e}");
        let e = args(Some("https://id.example.com"), Some("x"), None)
            .config()
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("OPSKNIGHT_OIDC_CLIENT_SECRET"), "{e}");
        let ok = args(Some("https://id.example.com"), Some("x"), Some("y"))
            .config()
            .unwrap()
            .unwrap();
        assert_eq!(ok.scopes, vec!["openid", "email", "profile"]);
        assert_eq!(ok.label, "Okta");
    }
}
