//! Web Push as a paging channel, self-hosted (no relay): the server's VAPID keys (made on
//! first start, sealed at rest, rotated by an admin), each person's devices, and what a push
//! carries: the incident and a token scoped to acknowledging it as that person, so the
//! notification's "Acknowledge" works from the service worker without opening the app.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{IncidentId, PushSubscriptionId};

pub mod api;
#[cfg(feature = "ssr")]
pub mod crypto;
#[cfg(feature = "ssr")]
pub mod ops;
#[cfg(feature = "ssr")]
pub mod store;
pub mod widget;

/// One of a person's devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Device {
    pub id: PushSubscriptionId,
    /// What the browser called itself when it subscribed ("Chrome on Android").
    #[cfg_attr(feature = "ssr", sqlx(rename = "device"))]
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A browser's `PushSubscription`, as `subscription.toJSON()` gives it, plus a label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSubscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub device: String,
}

/// What a push says (JSON, encrypted for the device).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushMessage {
    pub incident_id: IncidentId,
    pub number: i64,
    pub title: String,
    pub urgency: String,
    pub service: String,
    /// Where "Open" goes.
    pub url: String,
    /// Acknowledges this incident as this person (`POST /api/ack-link/confirm`), 24 h.
    pub ack_token: String,
}

pub const ENDPOINT_MAX: usize = 1000;
pub const DEVICE_MAX: usize = 100;

/// Checks a subscription from a browser; errors name the field.
#[cfg(feature = "ssr")]
pub fn validate(sub: &NewSubscription) -> Result<(), crate::error::AppError> {
    use crate::error::AppError;
    let url = sub.endpoint.trim();
    let ok_scheme = url.starts_with("https://")
        || url.strip_prefix("http://").is_some_and(|rest| {
            let authority = rest.split('/').next().unwrap_or("");
            let host = match authority.strip_prefix('[') {
                Some(v6) => v6.split(']').next().unwrap_or(""),
                None => authority.split(':').next().unwrap_or(""),
            };
            matches!(host, "127.0.0.1" | "localhost" | "::1")
        });
    if !ok_scheme || url.len() > ENDPOINT_MAX {
        return Err(AppError::invalid(
            "subscription.endpoint",
            "must be an https:// URL of at most 1000 characters (http:// only on this machine)",
        ));
    }
    crypto::parse_p256dh(&sub.p256dh)
        .map_err(|e| AppError::invalid("subscription.p256dh", format!("{e}")))?;
    crypto::parse_auth(&sub.auth)
        .map_err(|e| AppError::invalid("subscription.auth", format!("{e}")))?;
    let device = sub.device.trim();
    if device.is_empty() || device.chars().count() > DEVICE_MAX {
        return Err(AppError::invalid(
            "subscription.device",
            "must be 1 to 100 characters",
        ));
    }
    Ok(())
}
