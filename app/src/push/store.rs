//! All SQL for Web Push: the VAPID keys (one current; retired ones stay while a device
//! subscribed with them remains), devices, and the PUSH contact method that pages them.

use crate::db::Db;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::crypto::{KeyPair, b64, unb64};
use super::{Device, NewSubscription};
use crate::domain::{PushSubscriptionId, UserId};
use crate::error::AppError;
use crate::secrets::Keyring;

/// The address of everyone's one PUSH contact method: it pages all their devices.
pub const ALL_DEVICES: &str = "all devices";

fn sealed(keys: &Keyring, key: &KeyPair) -> String {
    keys.encrypt(&b64(&key.secret_bytes()))
}

fn unseal(keys: &Keyring, sealed: &str) -> Result<KeyPair, AppError> {
    let plain = keys.decrypt(sealed).map_err(|e| AppError::Internal {
        message: format!("VAPID key: {e}"),
    })?;
    let bytes = unb64(&plain).map_err(|e| AppError::Internal {
        message: format!("VAPID key: {e}"),
    })?;
    KeyPair::from_bytes(&bytes).map_err(|e| AppError::Internal {
        message: format!("VAPID key: {e}"),
    })
}

/// The current key's id and public key, creating the first key if there is none (first start).
pub async fn ensure_key(
    pool: &Db,
    keys: &Keyring,
    now: DateTime<Utc>,
) -> Result<(uuid::Uuid, String), AppError> {
    if let Some(row) = current(pool).await? {
        return Ok(row);
    }
    let key = KeyPair::generate();
    // Two instances starting together: the partial unique index keeps one.
    sqlx::query(
        "INSERT INTO vapid_keys (id, public_key, private_key, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT ((true)) WHERE retired_at IS NULL DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(key.public_b64())
    .bind(sealed(keys, &key))
    .bind(now)
    .execute(pool)
    .await?;
    current(pool).await?.ok_or_else(|| AppError::Internal {
        message: "no current VAPID key after creating one".into(),
    })
}

async fn current(db: impl sqlx::PgExecutor<'_>) -> Result<Option<(uuid::Uuid, String)>, AppError> {
    Ok(
        sqlx::query_as("SELECT id, public_key FROM vapid_keys WHERE retired_at IS NULL")
            .fetch_optional(db)
            .await?,
    )
}

/// A new current key. Devices subscribed with the old one keep working (pushes to them are
/// signed with the key they subscribed with) until they subscribe again; retired keys no
/// device uses any more are deleted.
pub async fn rotate(
    tx: &mut PgConnection,
    keys: &Keyring,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    sqlx::query("UPDATE vapid_keys SET retired_at = $1 WHERE retired_at IS NULL")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM vapid_keys v WHERE retired_at IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM push_subscriptions s WHERE s.vapid_key_id = v.id)",
    )
    .execute(&mut *tx)
    .await?;
    let key = KeyPair::generate();
    sqlx::query(
        "INSERT INTO vapid_keys (id, public_key, private_key, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(key.public_b64())
    .bind(sealed(keys, &key))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(key.public_b64())
}

/// Saves a device (an endpoint seen again moves to this person and these keys) under the
/// current key, and makes sure the person has the PUSH contact method their notification
/// rules can use. One transaction.
pub async fn subscribe(
    pool: &Db,
    keys: &Keyring,
    user: UserId,
    sub: &NewSubscription,
    now: DateTime<Utc>,
) -> Result<Device, AppError> {
    let (key_id, _) = ensure_key(pool, keys, now).await?;
    let mut tx = pool.begin().await?;
    let device: Device = sqlx::query_as(
        "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, device, vapid_key_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT ON CONSTRAINT push_subscriptions_endpoint_key DO UPDATE
           SET user_id = $2, p256dh = $4, auth = $5, device = $6, vapid_key_id = $7
         RETURNING id, device, created_at, last_used_at",
    )
    .bind(PushSubscriptionId::new())
    .bind(user)
    .bind(&sub.endpoint)
    .bind(&sub.p256dh)
    .bind(&sub.auth)
    .bind(&sub.device)
    .bind(key_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO contact_methods (id, user_id, kind, address, label, verified, created_at)
         VALUES ($2, $1, 'PUSH', $3, 'Push to my devices', true, $4)
         ON CONFLICT ON CONSTRAINT contact_methods_address_key DO NOTHING",
    )
    .bind(user)
    .bind(uuid::Uuid::new_v4())
    .bind(ALL_DEVICES)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(device)
}

pub async fn devices(pool: &Db, user: UserId) -> Result<Vec<Device>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, device, created_at, last_used_at FROM push_subscriptions
         WHERE user_id = $1 ORDER BY created_at, id",
    )
    .bind(user)
    .fetch_all(pool)
    .await?)
}

/// Removes one of the caller's devices; `false` if it was not theirs (or already gone).
pub async fn remove(pool: &Db, user: UserId, id: PushSubscriptionId) -> Result<bool, AppError> {
    let done = sqlx::query("DELETE FROM push_subscriptions WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// One device to push to, with the key it subscribed with.
#[derive(Debug, Clone)]
pub struct Target {
    pub id: PushSubscriptionId,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub key: KeyPair,
}

/// A person's devices, ready to push to.
pub async fn targets(pool: &Db, keys: &Keyring, user: UserId) -> Result<Vec<Target>, AppError> {
    let rows: Vec<(PushSubscriptionId, String, String, String, String)> = sqlx::query_as(
        "SELECT s.id, s.endpoint, s.p256dh, s.auth, v.private_key
         FROM push_subscriptions s JOIN vapid_keys v ON v.id = s.vapid_key_id
         WHERE s.user_id = $1 ORDER BY s.created_at, s.id",
    )
    .bind(user)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, endpoint, p256dh, auth, sealed_key)| {
            Ok(Target {
                id,
                endpoint,
                p256dh,
                auth,
                key: unseal(keys, &sealed_key)?,
            })
        })
        .collect()
}

/// After a push: a device the push service says is gone (404/410) is dropped; one that
/// took the push is marked used.
pub async fn after_push(
    pool: &Db,
    id: PushSubscriptionId,
    gone: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let sql = if gone {
        "DELETE FROM push_subscriptions WHERE id = $1 AND $2::timestamptz IS NOT NULL"
    } else {
        "UPDATE push_subscriptions SET last_used_at = $2 WHERE id = $1"
    };
    sqlx::query(sql).bind(id).bind(now).execute(pool).await?;
    Ok(())
}
