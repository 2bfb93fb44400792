//! What the provider said after it took a page: its id for the message, and its delivery
//! receipts (delivered, undelivered, failed …), on the outbox row and the incident timeline.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::domain::IncidentId;
use crate::error::AppError;

/// Records the provider's id for a sent page (in the transaction that records the outcome).
pub async fn record_provider_id(
    tx: &mut PgConnection,
    id: i64,
    provider_id: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE notifications SET provider_id = $2 WHERE id = $1")
        .bind(id)
        .bind(provider_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// A delivery receipt. `failed` carries the provider's error when the message did not arrive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt<'a> {
    pub provider_id: &'a str,
    /// The provider's status word (`delivered`, `undelivered`, …).
    pub status: &'a str,
    pub delivered: bool,
    pub failed: Option<String>,
    /// The word for the timeline when the answer is final: `delivered`, `undelivered`,
    /// `answered`, `voicemail`, `not answered`.
    pub outcome: &'a str,
}

/// Applies a receipt to the page with that provider id: its provider status, when it was
/// delivered, and a timeline entry for its first final answer. Returns false for an unknown
/// id. A repeated receipt changes nothing.
pub async fn record_receipt(
    pool: &PgPool,
    receipt: &Receipt<'_>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    // One message may carry several pages (a bundle): each of its rows takes the receipt.
    let rows: Vec<(IncidentId, String, String, String, Option<String>, bool)> = sqlx::query_as(
        "WITH before AS (SELECT id, provider_status, delivered_at IS NOT NULL AS delivered
                         FROM notifications WHERE provider_id = $1 FOR UPDATE)
         UPDATE notifications n SET provider_status = $2,
                delivered_at = CASE WHEN $3 THEN coalesce(n.delivered_at, $4) ELSE n.delivered_at END,
                last_error = coalesce($5, n.last_error), updated_at = $4
         FROM before, users u
         WHERE n.id = before.id AND u.id = n.user_id
         RETURNING n.incident_id, u.name, n.channel, n.address, before.provider_status, before.delivered",
    )
    .bind(receipt.provider_id)
    .bind(receipt.status)
    .bind(receipt.delivered)
    .bind(now)
    .bind(receipt.failed.as_deref())
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        return Ok(false);
    }
    // One final answer on the timeline: a repeat, or a call's `completed` after its
    // voicemail was recorded, adds nothing.
    let final_answer = receipt.delivered || receipt.failed.is_some();
    for (incident, user, channel, address, before, was_delivered) in rows {
        if final_answer && !was_delivered && before.as_deref() != Some(receipt.status) {
            let mut details = serde_json::json!({"user": user, "channel": channel, "address": address,
                "outcome": receipt.outcome});
            if let Some(e) = &receipt.failed {
                details["error"] = serde_json::Value::String(e.clone());
            }
            super::outbox::timeline(&mut tx, incident, now, details).await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}
