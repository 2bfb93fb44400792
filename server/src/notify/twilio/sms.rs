//! The SMS channel: a page as one `Messages.json` call, at most two segments, with a reply
//! code per phone number and a status callback for the delivery receipt.

use std::sync::Arc;

use app::mail::SendError;
use sqlx::PgPool;

use super::TwilioConfig;
use crate::notify::channel::{Channel, Delivered, Page, SendFuture};

#[derive(Debug)]
pub struct SmsChannel {
    pub pool: PgPool,
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
    pub fn new(pool: PgPool, config: Arc<TwilioConfig>, public_url: String) -> Self {
        Self {
            pool,
            config,
            http: reqwest::Client::new(),
            public_url,
        }
    }

    async fn sms(&self, page: &Page) -> Result<Delivered, SendError> {
        if !page.bundle.is_empty() {
            return self.bundle(page).await;
        }
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

    /// Several pages due to one number in one SMS, with a bundle reply code.
    async fn bundle(&self, page: &Page) -> Result<Delivered, SendError> {
        let mut facts: Vec<&app::notifications::message::PageFacts> = vec![&page.facts];
        facts.extend(page.bundle.iter().map(|m| &m.facts));
        facts.sort_by_key(|f| f.number);
        facts.dedup_by_key(|f| f.incident);
        let pages: Vec<_> = std::iter::once((page.facts.incident, page.user))
            .chain(page.bundle.iter().map(|m| (m.facts.incident, m.user)))
            .collect();
        let code = app::phone::store::issue_bundle(&self.pool, &page.facts.to, &pages, page.now)
            .await
            .map_err(|e| SendError::temporary(format!("bundle code: {e}")))?;
        let link = format!("{}/m", self.public_url);
        let body = app::phone::bundle_sms(&facts, &link, code);
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
