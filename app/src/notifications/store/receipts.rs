//! What the provider said after it took a page: its id for the message, and its delivery
//! receipts (delivered, undelivered, failed …), on the outbox row and the incident timeline.

use crate::db::Db;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

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
    pool: &Db,
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

/// Calls to a busy line, at most, before the page is left to the next rule and step.
pub const MAX_BUSY_CALLS: i32 = 3;

/// A call that found the line busy is placed again after a backoff (2, then 4 minutes), at
/// most `MAX_BUSY_CALLS` calls in all: its row goes back to PENDING with a new job, and the
/// timeline says when. Returns the minutes until the next call, or `None` (not a busy call we
/// placed, or out of calls). The retry still waits for the number's rate limit and for the
/// incident to be open.
pub async fn retry_busy_call(
    pool: &Db,
    provider_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, AppError> {
    let mut tx = pool.begin().await?;
    let row: Option<(i64, IncidentId, i32, String, String)> = sqlx::query_as(
        "SELECT n.id, n.incident_id, n.attempts, u.name, n.address FROM notifications n
         JOIN users u ON u.id = n.user_id
         WHERE n.provider_id = $1 AND n.channel = 'VOICE' AND n.status = 'SENT'
         FOR UPDATE OF n",
    )
    .bind(provider_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, incident, attempts, user, address)) = row else {
        return Ok(None);
    };
    if attempts >= MAX_BUSY_CALLS {
        return Ok(None);
    }
    let minutes = 2_i64 << (attempts.clamp(1, 4) - 1);
    let at = now + chrono::Duration::minutes(minutes);
    sqlx::query(
        "UPDATE notifications SET status = 'PENDING', send_at = $2, provider_id = NULL,
                bundled_into = NULL, updated_at = $3
         WHERE id = $1",
    )
    .bind(id)
    .bind(at)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let job = crate::jobs::NotificationJob { notification: id };
    crate::jobs::store::enqueue(
        &mut tx,
        crate::jobs::JobKind::Notification,
        Some(incident),
        &job,
        at,
        now,
    )
    .await?;
    let details = serde_json::json!({"user": user, "channel": "VOICE", "address": address,
        "outcome": "retrying", "error": format!("the line was busy; calling again in {minutes} min")});
    super::outbox::timeline(&mut tx, incident, now, details).await?;
    tx.commit().await?;
    Ok(Some(minutes))
}
