//! The gateway's settings, from flags or the environment, checked at start-up: an error names
//! the variable. The URL turns the gateway on; the rest have defaults.

pub use app::settings::phone::DEFAULT_BODY;

/// The `opsknight serve` options for the HTTP SMS gateway.
#[derive(clap::Args, Clone)]
pub struct GatewayArgs {
    /// The gateway's URL: every SMS and voice page is one request to it. Unset: no gateway.
    #[arg(long, env = "OPSKNIGHT_SMS_GATEWAY_URL")]
    pub sms_gateway_url: Option<String>,
    /// POST or PUT.
    #[arg(long, env = "OPSKNIGHT_SMS_GATEWAY_METHOD", default_value = "POST")]
    pub sms_gateway_method: String,
    /// Extra request headers, a JSON object of strings (an API key, say). Secret.
    #[arg(long, env = "OPSKNIGHT_SMS_GATEWAY_HEADERS", hide_env_values = true)]
    pub sms_gateway_headers: Option<String>,
    /// The JSON body, with `{{to}}`, `{{body}}`, `{{incident_url}}` and `{{kind}}` (sms or
    /// voice) filled in (JSON-escaped).
    #[arg(long, env = "OPSKNIGHT_SMS_GATEWAY_BODY", default_value = DEFAULT_BODY)]
    pub sms_gateway_body: String,
    /// The shared secret the gateway sends as `Authorization: Bearer …` with replies to
    /// `POST /api/sms-gateway/inbound` (at least 16 characters). Unset: replies are refused.
    #[arg(long, env = "OPSKNIGHT_SMS_GATEWAY_SECRET", hide_env_values = true)]
    pub sms_gateway_secret: Option<String>,
}

impl std::fmt::Debug for GatewayArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayArgs")
            .field("sms_gateway_url", &self.sms_gateway_url)
            .field("sms_gateway_method", &self.sms_gateway_method)
            .finish_non_exhaustive()
    }
}

/// Checked gateway settings (the same checks and type as the Settings page's).
pub type GatewayConfig = app::settings::phone::GatewaySettings;

/// The values a request body is rendered with.
#[derive(Debug, Clone, Copy)]
pub struct Fill<'a> {
    pub to: &'a str,
    pub body: &'a str,
    pub incident_url: &'a str,
    pub kind: &'a str,
}

/// `template` with every placeholder in its strings replaced. Values are inserted into JSON
/// strings, so quotes and newlines in a page cannot break the body.
pub fn render(template: &serde_json::Value, fill: &Fill<'_>) -> serde_json::Value {
    use serde_json::Value;
    match template {
        Value::String(s) => Value::String(
            s.replace("{{to}}", fill.to)
                .replace("{{body}}", fill.body)
                .replace("{{incident_url}}", fill.incident_url)
                .replace("{{kind}}", fill.kind),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| render(v, fill)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), render(v, fill)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn set(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl GatewayArgs {
    /// The checked settings; `None` when no URL is set.
    pub fn config(&self) -> anyhow::Result<Option<GatewayConfig>> {
        let Some(url) = set(&self.sms_gateway_url) else {
            return Ok(None);
        };
        let config = app::settings::phone::parse_gateway(
            url,
            &self.sms_gateway_method,
            self.sms_gateway_headers.as_deref().unwrap_or(""),
            &self.sms_gateway_body,
            self.sms_gateway_secret.as_deref().unwrap_or(""),
        )
        .map_err(|e| {
            anyhow::anyhow!(app::settings::phone::env_error(&e, |field| match field {
                Some("method") => "OPSKNIGHT_SMS_GATEWAY_METHOD",
                Some("headers") => "OPSKNIGHT_SMS_GATEWAY_HEADERS",
                Some("body") => "OPSKNIGHT_SMS_GATEWAY_BODY",
                Some("secret") => "OPSKNIGHT_SMS_GATEWAY_SECRET",
                _ => "OPSKNIGHT_SMS_GATEWAY_URL",
            }))
        })?;
        Ok(Some(config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(url: Option<&str>) -> GatewayArgs {
        GatewayArgs {
            sms_gateway_url: url.map(Into::into),
            sms_gateway_method: "POST".into(),
            sms_gateway_headers: None,
            sms_gateway_body: DEFAULT_BODY.into(),
            sms_gateway_secret: None,
        }
    }

    #[test]
    fn bad_settings_name_their_variable() {
        assert!(args(None).config().unwrap().is_none());
        assert!(
            args(Some("https://sms.example.com/send"))
                .config()
                .unwrap()
                .is_some()
        );
        let err = |a: GatewayArgs| a.config().unwrap_err().to_string();
        assert!(err(args(Some("ftp://x"))).starts_with("OPSKNIGHT_SMS_GATEWAY_URL"));
        let mut a = args(Some("https://x.example"));
        a.sms_gateway_method = "GET".into();
        assert!(err(a).starts_with("OPSKNIGHT_SMS_GATEWAY_METHOD"));
        let mut a = args(Some("https://x.example"));
        a.sms_gateway_headers = Some("[1]".into());
        assert!(err(a).starts_with("OPSKNIGHT_SMS_GATEWAY_HEADERS"));
        let mut a = args(Some("https://x.example"));
        a.sms_gateway_body = r#"{"text":"{{body}}"}"#.into();
        assert!(err(a).contains("OPSKNIGHT_SMS_GATEWAY_BODY: must use {{to}}"));
        let mut a = args(Some("https://x.example"));
        a.sms_gateway_secret = Some("short".into());
        assert!(err(a).starts_with("OPSKNIGHT_SMS_GATEWAY_SECRET"));
    }

    #[test]
    fn a_template_is_filled_with_escaped_values() {
        let template: serde_json::Value =
            serde_json::from_str(r#"{"to":"{{to}}","msg":{"text":"{{body}}","n":[1,"{{kind}}"]}}"#)
                .unwrap();
        let out = render(
            &template,
            &Fill {
                to: "+14155550123",
                body: "Disk \"full\"\nreply 1a",
                incident_url: "u",
                kind: "sms",
            },
        );
        let want: serde_json::Value = serde_json::from_str(
            r#"{"to":"+14155550123","msg":{"text":"Disk \"full\"\nreply 1a","n":[1,"sms"]}}"#,
        )
        .unwrap();
        assert_eq!(out, want);
    }
}
