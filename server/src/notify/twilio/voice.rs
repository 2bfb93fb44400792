//! The voice channel: a page as one `Calls.json` call. Twilio dials the number with answering
//! machine detection on, then fetches what to say from our `/api/twilio/voice` (the page,
//! and a one-key menu), and reports how the call ended to `/api/twilio/status`. A call that
//! carries several pages (a bundle) names its bundle code, and its keys act on all of them.

use std::sync::Arc;

use app::mail::SendError;

use super::TwilioConfig;
use crate::notify::channel::{Channel, Delivered, Page, SendFuture};

/// A call nobody picks up rings this long before Twilio reports `no-answer`.
const RING_SECS: &str = "30";

#[derive(Debug)]
pub struct VoiceChannel {
    pub pool: app::db::Db,
    pub config: Arc<TwilioConfig>,
    pub http: reqwest::Client,
    pub public_url: String,
}

impl Channel for VoiceChannel {
    fn send<'a>(&'a self, page: &'a Page) -> SendFuture<'a> {
        Box::pin(self.call(page))
    }
}

/// The URL Twilio fetches the call's TwiML from (and posts key presses to). Its query names
/// the incident and the person paged; the request signature covers it.
pub fn twiml_url(public_url: &str, page: &Page) -> String {
    format!(
        "{public_url}/api/twilio/voice?incident={}&user={}",
        page.facts.incident, page.user
    )
}

impl VoiceChannel {
    pub fn new(pool: app::db::Db, config: Arc<TwilioConfig>, public_url: String) -> Self {
        Self {
            pool,
            config,
            http: reqwest::Client::new(),
            public_url,
        }
    }

    async fn call(&self, page: &Page) -> Result<Delivered, SendError> {
        let mut url = twiml_url(&self.public_url, page);
        if !page.bundle.is_empty() {
            // Several pages due to this number: one call about all of them, keys act on all.
            let code = crate::notify::phone_text::bundle_code(&self.pool, page).await?;
            if let Some((code, _)) = code {
                url.push_str(&format!("&bundle={code}"));
            }
        }
        let callback = format!("{}/api/twilio/status", self.public_url);
        let form = [
            ("To", page.facts.to.as_str()),
            ("From", self.config.from.as_str()),
            ("Url", url.as_str()),
            ("Method", "POST"),
            ("MachineDetection", "Enable"),
            ("Timeout", RING_SECS),
            ("StatusCallback", callback.as_str()),
            ("StatusCallbackMethod", "POST"),
        ];
        let sid = super::api::create(&self.http, &self.config, "Calls", &form, "call").await?;
        Ok(Delivered {
            provider_id: Some(sid),
        })
    }
}
