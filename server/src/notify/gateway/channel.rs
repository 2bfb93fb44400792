//! The gateway as a paging channel (SMS and voice: the same text, `{{kind}}` tells them
//! apart) and as the sender of verification codes. One request per message; 2xx is sent (an
//! `id` or `sid` in a JSON answer is kept as the provider's id), 429 and 5xx are temporary,
//! anything else is permanent.

use std::sync::Arc;

use app::db::Db;
use app::domain::ContactKind;
use app::mail::SendError;
use app::phone::{PhoneFuture, PhoneSender};

use super::GatewayConfig;
use super::config::{Fill, render};
use crate::notify::channel::{Channel, Delivered, Page, SendFuture};
use app::settings::phone::GatewayMethod;

/// A gateway that has not answered in this long is a temporary failure.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

#[derive(Debug, Clone)]
pub struct Gateway {
    pub pool: Db,
    pub config: Arc<GatewayConfig>,
    pub http: reqwest::Client,
    pub public_url: String,
}

/// The gateway for one contact kind.
#[derive(Debug)]
pub struct GatewayChannel {
    pub gateway: Gateway,
    pub kind: ContactKind,
}

impl Channel for GatewayChannel {
    fn send<'a>(&'a self, page: &'a Page) -> SendFuture<'a> {
        Box::pin(self.gateway.page(page, self.kind))
    }
}

impl PhoneSender for Gateway {
    fn send_text<'a>(&'a self, to: &'a str, body: &'a str) -> PhoneFuture<'a> {
        Box::pin(self.post(to, body, "", "sms"))
    }

    /// The gateway speaks text, not TwiML: a voice code is sent as its words.
    fn call<'a>(&'a self, to: &'a str, twiml: &'a str) -> PhoneFuture<'a> {
        Box::pin(async move {
            let words = twiml_words(twiml);
            self.post(to, &words, "", "voice").await
        })
    }
}

/// The spoken text of a TwiML document (the tags dropped).
fn twiml_words(twiml: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in twiml.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Gateway {
    pub fn new(pool: Db, config: Arc<GatewayConfig>, public_url: String) -> Self {
        Self {
            pool,
            config,
            http: reqwest::Client::new(),
            public_url,
        }
    }

    async fn page(&self, page: &Page, kind: ContactKind) -> Result<Delivered, SendError> {
        let facts = &page.facts;
        let incident_url = format!("{}/m/incidents/{}", self.public_url, facts.incident);
        let text = crate::notify::phone_text::page_text(&self.pool, page, &self.public_url).await?;
        let kind = if kind == ContactKind::Voice {
            "voice"
        } else {
            "sms"
        };
        let id = self.post(&facts.to, &text, &incident_url, kind).await?;
        Ok(Delivered {
            provider_id: (!id.is_empty()).then_some(id),
        })
    }

    /// One request; the gateway's id for the message (empty when it gives none).
    async fn post(
        &self,
        to: &str,
        body: &str,
        incident_url: &str,
        kind: &str,
    ) -> Result<String, SendError> {
        let fill = Fill {
            to,
            body,
            incident_url,
            kind,
        };
        let json = render(&self.config.body, &fill);
        let mut req = self
            .http
            .request(
                match self.config.method {
                    GatewayMethod::Post => reqwest::Method::POST,
                    GatewayMethod::Put => reqwest::Method::PUT,
                },
                &self.config.url,
            )
            .json(&json)
            .timeout(TIMEOUT);
        for (name, value) in &self.config.headers {
            req = req.header(name, value);
        }
        let res = req.send().await.map_err(|e| {
            SendError::temporary(format!(
                "the SMS gateway is unreachable: {}",
                e.without_url()
            ))
        })?;
        let status = res.status();
        if status.is_success() {
            let answer: serde_json::Value = res.json().await.unwrap_or_default();
            let id = ["id", "sid", "message_id"]
                .iter()
                .find_map(|k| answer.get(k))
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .unwrap_or_default();
            return Ok(id.chars().take(200).collect());
        }
        let text = format!("the SMS gateway answered {}", status.as_u16());
        if status.as_u16() == 429 || status.is_server_error() {
            Err(SendError::temporary(text))
        } else {
            Err(SendError::permanent(text))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_voice_code_is_sent_as_words() {
        let twiml = app::phone::twiml::code("123456");
        let words = super::twiml_words(&twiml);
        assert!(
            words.starts_with("Your OpsKnight verification code is 1, 2, 3, 4, 5, 6."),
            "{words}"
        );
        assert!(!words.contains('<'));
    }
}
