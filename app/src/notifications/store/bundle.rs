//! Rate limits and bundles for phone pages. Every send to one number (per channel) takes the
//! number's lock first, so the limit sees every send: inside the limit a row waits until it
//! ends; when it ends, the row carries every other page due to that number in one message.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use crate::domain::{IncidentId, Urgency, UserId};
use crate::error::AppError;
use crate::notifications::message::PageFacts;
use crate::profile::ContactKind;

/// The least time between two messages to one number, per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub sms: Duration,
    pub voice: Duration,
}

impl Default for Limits {
    /// One SMS per 30 seconds, one call per 2 minutes.
    fn default() -> Self {
        Limits {
            sms: Duration::seconds(30),
            voice: Duration::minutes(2),
        }
    }
}

impl Limits {
    fn of(&self, kind: ContactKind) -> Duration {
        match kind {
            ContactKind::Voice => self.voice,
            _ => self.sms,
        }
    }
}

/// A page carried by another row's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: i64,
    pub user: UserId,
    pub facts: PageFacts,
}

/// Serialises sends to `address` on `kind` until the transaction ends.
pub async fn lock(tx: &mut PgConnection, kind: ContactKind, address: &str) -> Result<(), AppError> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('page:' || $1 || ':' || $2))")
        .bind(kind.as_str())
        .bind(address)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// When the limit for `address` ends, if it has not yet (the caller holds the lock).
pub async fn closed_until(
    tx: &mut PgConnection,
    kind: ContactKind,
    address: &str,
    limits: &Limits,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let last: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT last_at FROM phone_sends WHERE channel = $1 AND address = $2")
            .bind(kind.as_str())
            .bind(address)
            .fetch_optional(&mut *tx)
            .await?;
    Ok(last
        .map(|at| at + limits.of(kind))
        .filter(|until| *until > now))
}

/// Takes every other page due to `address` on `kind` into row `carrier`'s message: marks
/// them SENDING, bundled into it, and records the send for the limit. Rows another sender
/// holds are left to it (never waited for).
pub async fn gather(
    tx: &mut PgConnection,
    carrier: i64,
    kind: ContactKind,
    address: &str,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<Member>, AppError> {
    type Row = (i64, UserId, IncidentId, i64, String, String, String);
    let rows: Vec<Row> = sqlx::query_as(
        "WITH due AS (
            SELECT n.id FROM notifications n JOIN incidents i ON i.id = n.incident_id
            WHERE n.channel = $1 AND n.address = $2 AND n.status = 'PENDING' AND n.send_at <= $4
              AND n.id <> $3 AND i.status = 'OPEN' AND i.generation = n.generation
            ORDER BY n.send_at, n.id
            FOR UPDATE OF n SKIP LOCKED)
         UPDATE notifications n SET status = 'SENDING', bundled_into = $3, attempts = n.attempts + 1,
                deadline = $5, updated_at = $4
         FROM due, incidents i, services s
         WHERE n.id = due.id AND i.id = n.incident_id AND s.id = i.service_id
         RETURNING n.id, n.user_id, i.id, i.number, i.title, i.urgency, s.name",
    )
    .bind(kind.as_str())
    .bind(address)
    .bind(carrier)
    .bind(now)
    .bind(deadline)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO phone_sends (channel, address, last_at) VALUES ($1, $2, $3)
         ON CONFLICT (channel, address) DO UPDATE SET last_at = $3",
    )
    .bind(kind.as_str())
    .bind(address)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let mut members = rows
        .into_iter()
        .map(|(id, user, incident, number, title, urgency, service)| {
            Ok(Member {
                id,
                user,
                facts: PageFacts {
                    incident,
                    number,
                    title,
                    urgency: AppError::column(
                        "incidents.urgency",
                        &urgency,
                        Urgency::parse(&urgency),
                    )?,
                    service,
                    to: address.to_owned(),
                },
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    members.sort_by_key(|m| m.facts.number);
    Ok(members)
}
