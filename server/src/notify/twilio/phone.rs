//! Twilio outside paging: verification codes, as one text (`Messages.json`) or one call
//! whose TwiML is sent inline (`Calls.json` with `Twiml`, so no URL of ours is fetched).

use std::sync::Arc;

use app::phone::{PhoneFuture, PhoneSender};

use super::{TwilioConfig, api};

#[derive(Debug)]
pub struct TwilioPhone {
    pub config: Arc<TwilioConfig>,
    pub http: reqwest::Client,
}

impl TwilioPhone {
    pub fn new(config: Arc<TwilioConfig>) -> Self {
        Self {
            config,
            http: reqwest::Client::new(),
        }
    }
}

impl PhoneSender for TwilioPhone {
    fn send_text<'a>(&'a self, to: &'a str, body: &'a str) -> PhoneFuture<'a> {
        Box::pin(async move {
            let form = [
                ("To", to),
                ("From", self.config.from.as_str()),
                ("Body", body),
            ];
            api::create(&self.http, &self.config, "Messages", &form, "SMS").await
        })
    }

    fn call<'a>(&'a self, to: &'a str, twiml: &'a str) -> PhoneFuture<'a> {
        Box::pin(async move {
            let form = [
                ("To", to),
                ("From", self.config.from.as_str()),
                ("Twiml", twiml),
            ];
            api::create(&self.http, &self.config, "Calls", &form, "call").await
        })
    }
}
