//! The SMS channel: a page as one `POST …/Accounts/{sid}/Messages.json` (form, HTTP Basic),
//! at most two segments, with a reply code per phone number and a status callback for the
//! delivery receipt. Twilio's answer decides: 201 is sent (its `SM…` sid is kept), 429 and
//! 5xx are temporary, anything else is permanent.

use std::sync::Arc;

use app::mail::SendError;
use sqlx::PgPool;

use super::TwilioConfig;
use crate::notify::channel::{Channel, Delivered, Page, SendFuture};

/// A Twilio API call that has not answered in this long is a temporary failure.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// Twilio error codes that say the number can never take an SMS (invalid, not a mobile,
/// unsubscribed with STOP): permanent, whatever the HTTP status.
const PERMANENT_CODES: [i64; 3] = [21211, 21614, 21610];

#[derive(Debug)]
pub struct SmsChannel {
    pub pool: PgPool,
    pub config: Arc<TwilioConfig>,
    pub http: reqwest::Client,
    pub public_url: String,
}

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

impl Channel for SmsChannel {
    fn send<'a>(&'a self, page: &'a Page) -> SendFuture<'a> {
        Box::pin(self.sms(page))
    }
}

impl app::phone::TextSender for SmsChannel {
    fn send_text<'a>(
        &'a self,
        to: &'a str,
        body: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, SendError>> + Send + 'a>>
    {
        Box::pin(self.post(to, body))
    }
}

impl SmsChannel {
    pub fn new(pool: PgPool, config: Arc<TwilioConfig>, public_url: String) -> Self {
        Self {
            pool,
            config,
            http: reqwest::Client::new(),
            public_url,
        }
    }

    async fn sms(&self, page: &Page) -> Result<Delivered, SendError> {
        let facts = &page.facts;
        let code = app::phone::store::issue_code(
            &self.pool,
            &facts.to,
            facts.incident,
            page.user,
            page.now,
        )
        .await
        .map_err(|e| SendError::temporary(format!("reply code: {e}")))?;
        let link = format!("{}/m/incidents/{}", self.public_url, facts.incident);
        let body = app::phone::page_sms(facts, &link, code);
        let sid = self.post(&facts.to, &body).await?;
        Ok(Delivered {
            provider_id: Some(sid),
        })
    }

    /// One `Messages.json` call; Twilio's `SM…` sid on success.
    async fn post(&self, to: &str, body: &str) -> Result<String, SendError> {
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.config.api_url, self.config.account_sid
        );
        let callback = format!("{}/api/twilio/status", self.public_url);
        let form = [
            ("To", to),
            ("From", self.config.from.as_str()),
            ("Body", body),
            ("StatusCallback", callback.as_str()),
        ];
        let res = self
            .http
            .post(&url)
            .basic_auth(&self.config.account_sid, self.config.tokens.first())
            .form(&form)
            .timeout(TIMEOUT)
            .send()
            .await
            .map_err(|e| {
                SendError::temporary(format!("Twilio unreachable: {}", e.without_url()))
            })?;
        let status = res.status().as_u16();
        if status == 201 || status == 200 {
            let created: Created = res
                .json()
                .await
                .map_err(|e| SendError::temporary(format!("Twilio's answer: {e}")))?;
            return Ok(created.sid);
        }
        let err: TwilioError = res.json().await.unwrap_or_default();
        let what = format!(
            "Twilio refused the SMS ({status}{}{})",
            err.code.map(|c| format!(", error {c}")).unwrap_or_default(),
            err.message
                .map(|m| format!(": {}", m.chars().take(200).collect::<String>()))
                .unwrap_or_default()
        );
        let permanent_code = err.code.is_some_and(|c| PERMANENT_CODES.contains(&c));
        if !permanent_code && (status == 429 || status >= 500) {
            Err(SendError::temporary(what))
        } else {
            Err(SendError::permanent(what))
        }
    }
}
