//! Email subscribers: sign-up (double opt-in), confirmation, one-click unsubscribe, and the
//! rate limits. Sign-up answers the same whatever the address's state (no enumeration). The
//! confirmation token is random, stored as its SHA-256, single use and valid 24 hours; the
//! confirmation email gets it through the job payload, encrypted under the keyring. The
//! unsubscribe link is signed over (subscriber id, a nonce set at confirmation); unsubscribing
//! clears the nonce, so each link works once. Rate limits live in the database
//! (`status_subscribe_attempts`), so every instance shares them: 10 sign-ups per client address
//! per 10 minutes (429), and 3 per email address per hour (beyond that the answer is the same
//! but no email is sent).

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::PgConnection;

use crate::domain::{Email, StatusSubscriberId};
use crate::error::AppError;
use crate::jobs::JobKind;
use crate::secrets::Keyring;

/// Sign-ups per client address per `IP_WINDOW`.
pub const PER_IP: i64 = 10;
pub const IP_WINDOW: TimeDelta = TimeDelta::minutes(10);
/// Sign-ups per email address per `EMAIL_WINDOW`.
pub const PER_EMAIL: i64 = 3;
pub const EMAIL_WINDOW: TimeDelta = TimeDelta::hours(1);
/// How long a confirmation link works.
pub const CONFIRM_VALID: TimeDelta = TimeDelta::hours(24);
/// The signing purpose of unsubscribe links.
const UNSUBSCRIBE: &str = "status-unsubscribe";

/// A STATUS_EMAIL job's payload.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailJob {
    /// The confirmation email; `token` is sealed with `Keyring::encrypt`.
    Confirm {
        subscriber_id: StatusSubscriberId,
        token: String,
    },
    /// An incident update.
    Update {
        subscriber_id: StatusSubscriberId,
        update_id: uuid::Uuid,
    },
    /// The debounced check of derived statuses (one live job, `task_key` `status-derived`,
    /// and one `status-derived-again` for a change while it runs; enqueued by the incident
    /// triggers): see `derived_mail`.
    Derived,
    /// Derived status changes found by a check, to one subscriber.
    Changed {
        subscriber_id: StatusSubscriberId,
        at: DateTime<Utc>,
        changes: Vec<super::derived_mail::DerivedChange>,
    },
}

/// Counts an attempt under `key` and says whether it is within `limit` per `window`.
async fn within(
    tx: &mut PgConnection,
    key: &str,
    limit: i64,
    window: TimeDelta,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let (recent,): (i64,) = sqlx::query_as(
        "WITH a AS (INSERT INTO status_subscribe_attempts (key, at) VALUES ($1, $2))
         SELECT count(*) FROM status_subscribe_attempts WHERE key = $1 AND at > $3",
    )
    .bind(key)
    .bind(now)
    .bind(now - window)
    .fetch_one(&mut *tx)
    .await?;
    // The row just inserted is not visible to the count (same statement): `recent` is the
    // attempts before this one.
    Ok(recent < limit)
}

/// A sign-up from `client` (its address, for the rate limit). `Ok` means "if the address can
/// subscribe, a confirmation email is on its way", whatever the address's state.
pub async fn subscribe(
    pool: &crate::db::Db,
    keys: &Keyring,
    raw_email: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let email = Email::parse("email", raw_email)?;
    let email = email.as_str().to_owned();
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM status_subscribe_attempts WHERE at < $1")
        .bind(now - TimeDelta::days(1))
        .execute(&mut *tx)
        .await?;
    if !within(&mut tx, &format!("ip:{client}"), PER_IP, IP_WINDOW, now).await? {
        tx.commit().await?;
        return Err(AppError::RateLimited {
            retry_after_secs: IP_WINDOW.num_seconds() as u64,
        });
    }
    if !within(
        &mut tx,
        &format!("email:{email}"),
        PER_EMAIL,
        EMAIL_WINDOW,
        now,
    )
    .await?
    {
        tx.commit().await?;
        tracing::info!("status sign-up over the per-address limit; no email sent");
        return Ok(());
    }
    let token = crate::auth::session::new_token();
    let id: Option<StatusSubscriberId> = sqlx::query_scalar(
        "INSERT INTO status_subscribers (id, email, state, confirm_hash, confirm_expires_at,
                                         created_at, updated_at)
         VALUES ($1, $2, 'PENDING', $3, $4, $5, $5)
         ON CONFLICT (lower(email)) DO UPDATE
            SET state = 'PENDING', confirm_hash = $3, confirm_expires_at = $4, updated_at = $5
            WHERE status_subscribers.state <> 'CONFIRMED'
         RETURNING id",
    )
    .bind(StatusSubscriberId::new())
    .bind(&email)
    .bind(crate::auth::session::token_hash(&token))
    .bind(now + CONFIRM_VALID)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(subscriber_id) = id {
        let job = MailJob::Confirm {
            subscriber_id,
            token: keys.encrypt(&token),
        };
        crate::jobs::store::enqueue(&mut tx, JobKind::StatusEmail, None, &job, now, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Whether `token` is a live confirmation token (for the confirmation page, without using it).
pub async fn confirmable(
    pool: &crate::db::Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar::<_, i32>(
        "SELECT 1 FROM status_subscribers
         WHERE confirm_hash = $1 AND confirm_expires_at > $2 AND state = 'PENDING'",
    )
    .bind(crate::auth::session::token_hash(token))
    .bind(now)
    .fetch_optional(pool)
    .await?
    .is_some())
}

/// Confirms the subscription `token` belongs to, using the token up → whether it worked.
pub async fn confirm(
    pool: &crate::db::Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let mut nonce = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut nonce);
    Ok(sqlx::query(
        "UPDATE status_subscribers
         SET state = 'CONFIRMED', confirm_hash = NULL, confirm_expires_at = NULL,
             confirmed_at = $2, updated_at = $2, unsubscribe_nonce = $3
         WHERE confirm_hash = $1 AND confirm_expires_at > $2 AND state = 'PENDING'",
    )
    .bind(crate::auth::session::token_hash(token))
    .bind(now)
    .bind(&nonce[..])
    .execute(pool)
    .await?
    .rows_affected()
        == 1)
}

/// The unsubscribe token for a subscriber and its current nonce.
pub fn unsubscribe_token(keys: &Keyring, id: StatusSubscriberId, nonce: &[u8]) -> String {
    let mut data = id.0.as_bytes().to_vec();
    data.extend_from_slice(nonce);
    keys.seal_token(UNSUBSCRIBE, &data)
}

/// Unsubscribes with a token from an email → whether it worked (false: forged, or used).
pub async fn unsubscribe(
    pool: &crate::db::Db,
    keys: &Keyring,
    token: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let Some(data) = keys.open_token(UNSUBSCRIBE, token) else {
        return Ok(false);
    };
    if data.len() != 32 {
        return Ok(false);
    }
    let Ok(id) = uuid::Uuid::from_slice(&data[..16]) else {
        return Ok(false);
    };
    Ok(sqlx::query(
        "UPDATE status_subscribers SET state = 'UNSUBSCRIBED', unsubscribe_nonce = NULL, updated_at = $3
         WHERE id = $1 AND unsubscribe_nonce = $2 AND state = 'CONFIRMED'",
    )
    .bind(id)
    .bind(&data[16..])
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected()
        == 1)
}

/// A subscriber as the mail job reads it: (email, state, unsubscribe nonce).
pub type MailSubscriber = (String, super::SubscriberState, Option<Vec<u8>>);
/// An update as its email tells it: (incident name, update status, body, when).
pub type MailUpdate = (String, super::IncidentStatus, String, DateTime<Utc>);
type UpdateRow = (String, String, String, DateTime<Utc>);

/// A subscriber as the mail job reads it.
pub async fn for_mail(
    pool: &crate::db::Db,
    id: StatusSubscriberId,
) -> Result<Option<MailSubscriber>, AppError> {
    let row: Option<(String, String, Option<Vec<u8>>)> = sqlx::query_as(
        "SELECT email, state, unsubscribe_nonce FROM status_subscribers WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.map(|(email, state, nonce)| {
        let s = AppError::column(
            "status_subscribers.state",
            &state,
            super::SubscriberState::parse(&state),
        )?;
        Ok((email, s, nonce))
    })
    .transpose()
}

/// An update as its email tells it: (incident name, update status, body, when).
pub async fn update_for_mail(
    pool: &crate::db::Db,
    update: uuid::Uuid,
) -> Result<Option<MailUpdate>, AppError> {
    let row: Option<UpdateRow> = sqlx::query_as(
        "SELECT i.name, u.status, u.body, u.created_at
         FROM status_incident_updates u JOIN status_incidents i ON i.id = u.incident_id
         WHERE u.id = $1",
    )
    .bind(update)
    .fetch_optional(pool)
    .await?;
    row.map(|(name, status, body, at)| {
        let s = AppError::column(
            "status_incident_updates.status",
            &status,
            super::IncidentStatus::parse(&status),
        )?;
        Ok((name, s, body, at))
    })
    .transpose()
}
