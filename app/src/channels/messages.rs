//! All SQL for chat messages: the incident as a card reads it now, what an event added (who
//! did it, a note's text), the one message a chat channel keeps per incident (held by one
//! delivery at a time, so two events never both post it), and linked chat accounts.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use super::ChatProvider;
use super::render::{Card, Happened};
use crate::db::Db;
use crate::domain::{ChannelId, IncidentId, Status, Urgency, UserId};
use crate::error::AppError;

#[derive(sqlx::FromRow)]
struct CardRow {
    number: i64,
    title: String,
    status: String,
    urgency: String,
    service: String,
    held_by: Option<String>,
}

/// The incident as it is now, or NotFound (deleted since).
pub async fn card(db: &Db, incident: IncidentId, public_url: &str) -> Result<Card, AppError> {
    let row: Option<CardRow> = sqlx::query_as(
        "SELECT i.number, i.title, i.status, i.urgency, s.name AS service,
                COALESCE((SELECT u.name FROM users u WHERE u.id = i.assignee_user_id),
                         (SELECT string_agg(u.name, ', ' ORDER BY u.name) FROM users u
                          WHERE u.id = ANY (i.paged_user_ids))) AS held_by
         FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.id = $1",
    )
    .bind(incident)
    .fetch_optional(db)
    .await?;
    let r = row.ok_or_else(|| AppError::NotFound {
        what: "incident".into(),
    })?;
    Ok(Card {
        incident_id: incident,
        number: r.number,
        title: r.title,
        status: AppError::column("incidents.status", &r.status, Status::parse(&r.status))?,
        urgency: AppError::column("incidents.urgency", &r.urgency, Urgency::parse(&r.urgency))?,
        service: r.service,
        held_by: r.held_by,
        url: format!("{public_url}/incidents/{}", incident.0),
    })
}

/// Who did the event and, for a note, its text. `event_id` is `evt_<timeline id>`.
pub async fn happened(
    db: &Db,
    event: Option<super::ChannelEvent>,
    event_id: &str,
    actor: Option<UserId>,
) -> Result<Happened, AppError> {
    let entry: Option<i64> = event_id.strip_prefix("evt_").and_then(|n| n.parse().ok());
    let row: (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT (SELECT name FROM users WHERE id = $1),
                (SELECT details->>'note' FROM incident_timeline WHERE id = $2 AND kind = 'NOTE')",
    )
    .bind(actor)
    .bind(entry)
    .fetch_one(db)
    .await?;
    Ok(Happened {
        event,
        actor: row.0,
        note: row.1,
    })
}

/// A delivery's hold on the message of (channel, incident).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// Held: the message's ref, or None when nothing has been posted yet.
    Mine(Option<String>),
    /// Another delivery holds it until then.
    Busy,
}

/// Holds the message of (channel, incident) until `until`, unless another delivery holds it.
pub async fn hold<'e>(
    db: impl PgExecutor<'e>,
    channel: ChannelId,
    incident: IncidentId,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Hold, AppError> {
    let held: Option<Option<String>> = sqlx::query_scalar(
        "INSERT INTO channel_messages (channel_id, incident_id, claimed_until, updated_at)
         VALUES ($1, $2, $4, $3)
         ON CONFLICT (channel_id, incident_id) DO UPDATE
            SET claimed_until = EXCLUDED.claimed_until, updated_at = EXCLUDED.updated_at
            WHERE channel_messages.claimed_until IS NULL OR channel_messages.claimed_until <= $3
         RETURNING ref",
    )
    .bind(channel)
    .bind(incident)
    .bind(now)
    .bind(until)
    .fetch_optional(db)
    .await?;
    Ok(match held {
        Some(r) => Hold::Mine(r),
        None => Hold::Busy,
    })
}

/// Lets go of the message, keeping `posted` as its ref when a new message was posted.
pub async fn release<'e>(
    db: impl PgExecutor<'e>,
    channel: ChannelId,
    incident: IncidentId,
    posted: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE channel_messages SET claimed_until = NULL, ref = COALESCE($3, ref), updated_at = $4
         WHERE channel_id = $1 AND incident_id = $2",
    )
    .bind(channel)
    .bind(incident)
    .bind(posted)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// The channel and incident whose message is `message_ref` (a button pressed on it).
pub async fn by_ref<'e>(
    db: impl PgExecutor<'e>,
    message_ref: &str,
) -> Result<Option<(ChannelId, IncidentId)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT channel_id, incident_id FROM channel_messages WHERE ref = $1 LIMIT 1",
    )
    .bind(message_ref)
    .fetch_optional(db)
    .await?)
}

/// The OpsKnight user a chat account is linked to, if they are still active.
pub async fn linked_user<'e>(
    db: impl PgExecutor<'e>,
    provider: ChatProvider,
    external: &str,
) -> Result<Option<UserId>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT l.user_id FROM chat_links l JOIN users u ON u.id = l.user_id
         WHERE l.provider = $1 AND l.external_id = $2 AND u.status = 'ACTIVE'",
    )
    .bind(provider.as_str())
    .bind(external)
    .fetch_optional(db)
    .await?)
}

/// Links a chat account to a user (a newer link of the same account replaces the old one).
pub async fn link<'e>(
    db: impl PgExecutor<'e>,
    provider: ChatProvider,
    external: &str,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO chat_links (provider, external_id, user_id, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (provider, external_id) DO UPDATE SET user_id = EXCLUDED.user_id,
                created_at = EXCLUDED.created_at",
    )
    .bind(provider.as_str())
    .bind(external)
    .bind(user)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// The active user with this email (lower-cased, as stored).
pub async fn user_by_email<'e>(
    db: impl PgExecutor<'e>,
    email: &str,
) -> Result<Option<UserId>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM users WHERE email = lower($1) AND status = 'ACTIVE'")
            .bind(email.trim())
            .fetch_optional(db)
            .await?,
    )
}

/// The incident's number (for replies), or NotFound.
pub async fn number<'e>(db: impl PgExecutor<'e>, incident: IncidentId) -> Result<i64, AppError> {
    let n: Option<i64> = sqlx::query_scalar("SELECT number FROM incidents WHERE id = $1")
        .bind(incident)
        .fetch_optional(db)
        .await?;
    n.ok_or_else(|| AppError::NotFound {
        what: "incident".into(),
    })
}

/// Whether an inbound request (`key`: `slack:<signature>`, `telegram:<update_id>`) is seen for
/// the first time; a replay returns false.
pub async fn first_time<'e>(
    db: impl PgExecutor<'e>,
    key: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let done =
        sqlx::query("INSERT INTO inbound_seen (key, at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(key)
            .bind(now)
            .execute(db)
            .await?;
    Ok(done.rows_affected() == 1)
}
