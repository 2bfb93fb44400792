//! The SMS channel: a page as one `Messages.json` call, at most two segments, with a reply
//! code per phone number and a status callback for the delivery receipt.

use std::sync::Arc;

use app::db::Db;
use app::mail::SendError;

use super::TwilioConfig;
use crate::notify::channel::{Channel, Delivered, Page, SendFuture};

#[derive(Debug)]
pub struct SmsChannel {
    pub pool: Db,
    pub config: Arc<TwilioConfig>,
    pub http: reqwest::Client,
    pub public_url: String,
}

impl Channel for SmsChannel {
    fn send<'a>(&'a self, page: &'a Page) -> SendFuture<'a> {
        Box::pin(self.sms(page))
    }
}

impl SmsChannel {
    pub fn new(pool: Db, config: Arc<TwilioConfig>, public_url: String) -> Self {
        Self {
            pool,
            config,
            http: reqwest::Client::new(),
            public_url,
        }
    }

    async fn sms(&self, page: &Page) -> Result<Delivered, SendError> {
        let body = crate::notify::phone_text::page_text(&self.pool, page, &self.public_url).await?;
        let sid = self.post(&page.facts.to, &body).await?;
        Ok(Delivered {
            provider_id: Some(sid),
        })
    }

    /// One `Messages.json` call; Twilio's `SM…` sid on success.
    async fn post(&self, to: &str, body: &str) -> Result<String, SendError> {
        let callback = format!("{}/api/twilio/status", self.public_url);
        let form = [
            ("To", to),
            ("From", self.config.from.as_str()),
            ("Body", body),
            ("StatusCallback", callback.as_str()),
        ];
        super::api::create(&self.http, &self.config, "Messages", &form, "SMS").await
    }
}
