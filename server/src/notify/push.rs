//! The Web Push channel: a page is encrypted for each of the person's devices (RFC 8291) and
//! POSTed to its push service with a VAPID JWT (RFC 8292). A device its push service calls
//! gone (404/410) is dropped. The page counts as sent when at least one device took it;
//! otherwise a temporary failure (network, 429, 5xx) is retried and anything else is final.
//! Devices are pushed to at once, so one slow push service cannot hold the others back.

use std::sync::Arc;

use app::db::Db;
use app::mail::SendError;
use app::push::PushMessage;
use app::push::crypto;
use app::push::store::{Target, after_push, targets};
use app::secrets::Keyring;
use chrono::{DateTime, Utc};

use super::channel::{Channel, Delivered, Page, SendFuture};

/// A push service that has not answered in this long is a temporary failure.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

enum Failure {
    Gone,
    Temporary(String),
    Permanent(String),
}

/// Web Push to every device the person enabled.
pub struct PushChannel {
    pub pool: Db,
    pub keys: Arc<Keyring>,
    pub http: reqwest::Client,
    /// The VAPID `sub` claim.
    pub public_url: String,
}

impl Channel for PushChannel {
    fn send<'a>(&'a self, page: &'a Page) -> SendFuture<'a> {
        Box::pin(self.page(page))
    }
}

impl PushChannel {
    async fn page(&self, page: &Page) -> Result<Delivered, SendError> {
        let devices = targets(&self.pool, &self.keys, page.user)
            .await
            .map_err(|e| SendError::temporary(format!("push devices: {e}")))?;
        if devices.is_empty() {
            return Err(SendError::permanent(
                "no device receives push for this person (Profile, Push notifications)",
            ));
        }
        let facts = &page.facts;
        let message = PushMessage {
            incident_id: facts.incident,
            number: facts.number,
            title: facts.title.chars().take(200).collect(),
            urgency: facts.urgency.as_str().to_owned(),
            service: facts.service.chars().take(100).collect(),
            url: format!("/m/incidents/{}", facts.incident),
            ack_token: page.ack_token.clone(),
        };
        let json = serde_json::to_vec(&message)
            .map_err(|e| SendError::permanent(format!("push payload: {e}")))?;
        let results = futures_util::future::join_all(
            devices
                .iter()
                .map(|device| self.push_one(device, &json, page.now)),
        )
        .await;
        let (mut accepted, mut temporary, mut permanent) = (0, None, None);
        for result in results {
            match result {
                Ok(()) => accepted += 1,
                Err(Failure::Gone) => {
                    permanent = Some(
                        "the device unsubscribed (its push service answered 404/410)".to_owned(),
                    );
                }
                Err(Failure::Temporary(m)) => temporary = Some(m),
                Err(Failure::Permanent(m)) => permanent = Some(m),
            }
        }
        match (accepted, temporary, permanent) {
            (n, _, _) if n > 0 => Ok(Delivered::default()),
            (_, Some(t), _) => Err(SendError::temporary(t)),
            (_, None, p) => Err(SendError::permanent(
                p.unwrap_or_else(|| "no device took the push".to_owned()),
            )),
        }
    }

    /// Pushes to one device and records its answer (a gone device is dropped).
    async fn push_one(
        &self,
        device: &Target,
        json: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), Failure> {
        let result = self.deliver(device, json, now).await;
        let gone = matches!(result, Err(Failure::Gone));
        if gone {
            tracing::info!(device = %device.id, "push: device gone (404/410); dropped");
        }
        if let Err(e) = after_push(&self.pool, device.id, gone, now).await {
            tracing::warn!(error = %e, "push: could not record the device's answer");
        }
        result
    }

    async fn deliver(
        &self,
        device: &Target,
        json: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), Failure> {
        let url = reqwest::Url::parse(&device.endpoint)
            .map_err(|e| Failure::Permanent(format!("bad endpoint: {e}")))?;
        let audience = url.origin().ascii_serialization();
        let ua =
            crypto::parse_p256dh(&device.p256dh).map_err(|e| Failure::Permanent(e.to_string()))?;
        let auth =
            crypto::parse_auth(&device.auth).map_err(|e| Failure::Permanent(e.to_string()))?;
        let body =
            crypto::encrypt(&ua, &auth, json).map_err(|e| Failure::Permanent(e.to_string()))?;
        let exp = (now + chrono::Duration::hours(12)).timestamp();
        let res = self
            .http
            .post(url)
            .header(
                "authorization",
                device.key.authorization(&audience, &self.public_url, exp),
            )
            .header("content-encoding", "aes128gcm")
            .header("content-type", "application/octet-stream")
            .header("ttl", "3600")
            .header("urgency", "high")
            .timeout(TIMEOUT)
            .body(body)
            .send()
            .await
            .map_err(|e| Failure::Temporary(format!("push service unreachable: {e}")))?;
        match res.status().as_u16() {
            200..=299 => Ok(()),
            404 | 410 => Err(Failure::Gone),
            s @ (429 | 500..=599) => Err(Failure::Temporary(format!("push service answered {s}"))),
            s => Err(Failure::Permanent(format!(
                "push service refused the push ({s})"
            ))),
        }
    }
}
