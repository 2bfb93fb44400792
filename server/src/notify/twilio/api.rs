//! One call to Twilio's REST API that creates something (`Messages.json`, `Calls.json`): a
//! form POST with HTTP Basic auth. Twilio's answer decides: 201 is sent (its sid is kept),
//! 429 and 5xx are temporary, anything else is permanent, and so are the error codes that
//! say the number can never take this kind of page.

use app::mail::SendError;

use super::TwilioConfig;

/// A Twilio API call that has not answered in this long is a temporary failure.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// Twilio error codes that say the number can never take the page (invalid, not a mobile,
/// unsubscribed with STOP, not a valid number to call, no permission to call there):
/// permanent, whatever the HTTP status.
const PERMANENT_CODES: [i64; 6] = [21211, 21614, 21610, 21217, 21215, 13224];

#[derive(serde::Deserialize)]
struct Created {
    sid: String,
}

#[derive(serde::Deserialize, Default)]
struct TwilioError {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
}

/// POSTs `form` to `…/Accounts/{sid}/{resource}.json` and returns the new sid; `what` names
/// the page in errors ("SMS", "call").
pub async fn create(
    http: &reqwest::Client,
    config: &TwilioConfig,
    resource: &str,
    form: &[(&str, &str)],
    what: &str,
) -> Result<String, SendError> {
    let url = format!(
        "{}/2010-04-01/Accounts/{}/{resource}.json",
        config.api_url, config.account_sid
    );
    let res = http
        .post(&url)
        .basic_auth(&config.account_sid, config.tokens.first())
        .form(form)
        .timeout(TIMEOUT)
        .send()
        .await
        .map_err(|e| SendError::temporary(format!("Twilio unreachable: {}", e.without_url())))?;
    let status = res.status().as_u16();
    if status == 201 || status == 200 {
        let created: Created = res
            .json()
            .await
            .map_err(|e| SendError::temporary(format!("Twilio's answer: {e}")))?;
        return Ok(created.sid);
    }
    let err: TwilioError = res.json().await.unwrap_or_default();
    let text = format!(
        "Twilio refused the {what} ({status}{}{})",
        err.code.map(|c| format!(", error {c}")).unwrap_or_default(),
        err.message
            .map(|m| format!(": {}", m.chars().take(200).collect::<String>()))
            .unwrap_or_default()
    );
    let permanent_code = err.code.is_some_and(|c| PERMANENT_CODES.contains(&c));
    if !permanent_code && (status == 429 || status >= 500) {
        Err(SendError::temporary(text))
    } else {
        Err(SendError::permanent(text))
    }
}
