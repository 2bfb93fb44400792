//! The checks on phone provider settings, shared by the Settings form and the environment:
//! each error names its field (`account_sid`, `auth_token`, `from`, `api_url`; `url`,
//! `method`, `headers`, `body`, `secret`).

use super::{GatewayMethod, GatewaySettings, TwilioSettings};
use crate::error::AppError;

fn http_url(field: &str, raw: &str, example: &str) -> Result<String, AppError> {
    let url = raw.trim().trim_end_matches('/');
    let ok = url
        .split_once("://")
        .filter(|(scheme, _)| matches!(*scheme, "http" | "https"))
        .and_then(|(_, rest)| rest.split(['/', '?', '#']).next())
        .is_some_and(|host| !host.is_empty() && !host.chars().any(char::is_whitespace))
        && url.parse::<http::Uri>().is_ok();
    if !ok {
        return Err(AppError::invalid(
            field,
            format!("must be an http(s) URL, e.g. {example}"),
        ));
    }
    Ok(url.to_owned())
}

/// Twilio: the account SID, the auth token, the From number and the API base URL.
pub fn parse_twilio(
    account_sid: &str,
    auth_token: &str,
    from: &str,
    api_url: &str,
) -> Result<TwilioSettings, AppError> {
    let sid = account_sid.trim();
    if !(sid.len() == 34
        && sid.starts_with("AC")
        && sid[2..].bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(AppError::invalid(
            "account_sid",
            "must be AC followed by 32 hex digits",
        ));
    }
    let token = auth_token.trim();
    if token.is_empty() {
        return Err(AppError::invalid("auth_token", "is required"));
    }
    if token.len() > 256 || token.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(AppError::invalid(
            "auth_token",
            "must be one word of at most 256 characters",
        ));
    }
    let from = crate::domain::PhoneNumber::parse("from", from)?;
    let api_url = http_url("api_url", api_url, super::TWILIO_API_URL)?;
    Ok(TwilioSettings {
        account_sid: sid.to_owned(),
        tokens: vec![token.to_owned()],
        from: from.as_str().to_owned(),
        api_url,
    })
}

/// The gateway: URL, method, extra headers (a JSON object of strings, or empty), the body
/// template, and the shared secret for replies (empty: replies are refused).
pub fn parse_gateway(
    url: &str,
    method: &str,
    headers: &str,
    body: &str,
    secret: &str,
) -> Result<GatewaySettings, AppError> {
    let url = http_url("url", url, "https://sms.example.com/send")?;
    let method = match method.trim().to_ascii_uppercase().as_str() {
        "POST" => GatewayMethod::Post,
        "PUT" => GatewayMethod::Put,
        _ => return Err(AppError::invalid("method", "must be POST or PUT")),
    };
    let headers = match headers.trim() {
        "" => Vec::new(),
        raw => {
            let map: std::collections::BTreeMap<String, String> = serde_json::from_str(raw)
                .map_err(|_| AppError::invalid("headers", "must be a JSON object of strings"))?;
            for (name, value) in &map {
                if http::HeaderName::from_bytes(name.as_bytes()).is_err()
                    || http::HeaderValue::from_str(value).is_err()
                {
                    return Err(AppError::invalid(
                        "headers",
                        format!("{name:?} is not a valid header"),
                    ));
                }
            }
            map.into_iter().collect()
        }
    };
    let body: serde_json::Value = serde_json::from_str(body)
        .map_err(|_| AppError::invalid("body", "must be a JSON template"))?;
    let text = body.to_string();
    if !text.contains("{{to}}") || !text.contains("{{body}}") {
        return Err(AppError::invalid("body", "must use {{to}} and {{body}}"));
    }
    let secret = Some(secret.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    if secret.as_ref().is_some_and(|s| s.len() < 16) {
        return Err(AppError::invalid(
            "secret",
            "must be at least 16 characters",
        ));
    }
    Ok(GatewaySettings {
        url,
        method,
        headers,
        body,
        secret,
    })
}

/// `"VARIABLE: reason"` for a settings error met in the environment; `variable` maps the
/// error's field to its environment variable.
pub fn env_error(e: &AppError, variable: impl Fn(Option<&str>) -> &'static str) -> String {
    let reason = match e {
        AppError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    };
    format!("{}: {reason}", variable(e.field()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SID: &str = "AC0123456789abcdef0123456789abcdef";

    fn field(e: AppError) -> String {
        e.field().unwrap_or_default().to_owned()
    }

    #[test]
    fn twilio_fields_are_checked_and_each_error_names_its_field() {
        let ok = parse_twilio(SID, "t", "+1 415 555 0100", "http://127.0.0.1:9/").unwrap();
        assert_eq!(
            (ok.from.as_str(), ok.api_url.as_str()),
            ("+14155550100", "http://127.0.0.1:9")
        );
        let api = super::super::TWILIO_API_URL;
        for (e, want) in [
            (
                parse_twilio("AC12", "t", "+14155550100", api),
                "account_sid",
            ),
            (parse_twilio(SID, " ", "+14155550100", api), "auth_token"),
            (parse_twilio(SID, "a b", "+14155550100", api), "auth_token"),
            (parse_twilio(SID, "t", "0170 1234", api), "from"),
            (parse_twilio(SID, "t", "+14155550100", "ftp://x"), "api_url"),
            (
                parse_twilio(SID, "t", "+14155550100", "https://"),
                "api_url",
            ),
        ] {
            assert_eq!(field(e.unwrap_err()), want);
        }
    }

    #[test]
    fn gateway_fields_are_checked_and_each_error_names_its_field() {
        let body = super::super::DEFAULT_BODY;
        let ok = parse_gateway(
            "https://sms.example/send",
            "put",
            r#"{"X-Key":"k"}"#,
            body,
            "",
        )
        .unwrap();
        assert_eq!(ok.method, GatewayMethod::Put);
        assert_eq!(ok.headers, vec![("X-Key".into(), "k".into())]);
        assert_eq!(ok.secret, None);
        let url = "https://x.example";
        for (e, want) in [
            (parse_gateway("ftp://x", "POST", "", body, ""), "url"),
            (parse_gateway(url, "GET", "", body, ""), "method"),
            (parse_gateway(url, "POST", "[1]", body, ""), "headers"),
            (
                parse_gateway(url, "POST", r#"{"a b":"c"}"#, body, ""),
                "headers",
            ),
            (
                parse_gateway(url, "POST", "", r#"{"text":"{{body}}"}"#, ""),
                "body",
            ),
            (parse_gateway(url, "POST", "", "{", ""), "body"),
            (parse_gateway(url, "POST", "", body, "short"), "secret"),
        ] {
            assert_eq!(field(e.unwrap_err()), want);
        }
    }
}
