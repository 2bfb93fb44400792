//! All SQL for paging people: notification rules, writing a step's outbox rows (with their
//! NOTIFICATION jobs, in the escalation's transaction), the sender's state changes, and the
//! delivery list of an incident.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::message::PageFacts;
use super::{Delivery, DeliveryStatus, NotificationRule};
use crate::domain::{ContactMethodId, IncidentId, NotificationRuleId, Status, Urgency, UserId};
use crate::error::AppError;
use crate::profile::ContactKind;

fn kind(raw: &str) -> ContactKind {
    if raw == "PHONE" {
        ContactKind::Phone
    } else {
        ContactKind::Email
    }
}

pub async fn rules(pool: &PgPool, user: UserId) -> Result<Vec<NotificationRule>, AppError> {
    let rows: Vec<(
        NotificationRuleId,
        ContactMethodId,
        String,
        String,
        String,
        i32,
    )> = sqlx::query_as(
        "SELECT r.id, c.id, c.kind, c.address, c.label, r.delay_minutes
             FROM notification_rules r JOIN contact_methods c ON c.id = r.contact_method_id
             WHERE r.user_id = $1 ORDER BY r.delay_minutes, c.kind, c.address",
    )
    .bind(user)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, contact_method_id, k, address, label, delay_minutes)| NotificationRule {
                id,
                contact_method_id,
                kind: kind(&k),
                address,
                label,
                delay_minutes,
            },
        )
        .collect())
}

/// Adds a rule on one of the user's own contact methods.
pub async fn add_rule(
    pool: &PgPool,
    user: UserId,
    contact_method: ContactMethodId,
    delay_minutes: i32,
    now: DateTime<Utc>,
) -> Result<NotificationRuleId, AppError> {
    let id = NotificationRuleId::new();
    let done = sqlx::query(
        "INSERT INTO notification_rules (id, user_id, contact_method_id, delay_minutes, created_at)
         SELECT $1, $2, c.id, $4, $5 FROM contact_methods c
         WHERE c.id = $3 AND c.user_id = $2
           AND (SELECT count(*) FROM notification_rules WHERE user_id = $2) < $6",
    )
    .bind(id)
    .bind(user)
    .bind(contact_method)
    .bind(delay_minutes)
    .bind(now)
    .bind(super::MAX_RULES)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        let mine: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM contact_methods WHERE id = $1 AND user_id = $2)",
        )
        .bind(contact_method)
        .bind(user)
        .fetch_one(pool)
        .await?;
        return Err(if mine {
            AppError::conflict(format!(
                "you already have {} rules; remove one first",
                super::MAX_RULES
            ))
        } else {
            AppError::invalid("contact_method_id", "not one of your contact methods")
        });
    }
    Ok(id)
}

pub async fn delete_rule(
    pool: &PgPool,
    user: UserId,
    id: NotificationRuleId,
) -> Result<(), AppError> {
    let done = sqlx::query("DELETE FROM notification_rules WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user)
        .execute(pool)
        .await?;
    crate::error::found(done, "notification rule")
}

/// Where a step is, for the outbox key.
#[derive(Debug, Clone, Copy)]
pub struct PageKey {
    pub incident: IncidentId,
    pub generation: i64,
    pub step: i32,
    pub loop_no: i32,
}

/// Writes one outbox row per (user, contact method) of `users`' rules (or the default:
/// their sign-in email at once), restricted to `channels` when given, and one NOTIFICATION
/// job per new row at its send time. The unique key makes a re-run write nothing. Returns
/// the users no row could be written for (no matching contact method).
pub async fn page_users(
    tx: &mut PgConnection,
    key: PageKey,
    users: &[UserId],
    channels: &[ContactKind],
    now: DateTime<Utc>,
) -> Result<Vec<UserId>, AppError> {
    let channels: Vec<&str> = channels.iter().map(|c| c.as_str()).collect();
    // The default rule pages the sign-in email: make sure it exists as a contact method.
    sqlx::query(
        "INSERT INTO contact_methods (id, user_id, kind, address, label, verified, created_at)
         SELECT gen_random_uuid(), u.id, 'EMAIL', u.email, 'Sign-in email', true, $2
         FROM users u
         WHERE u.id = ANY($1)
           AND NOT EXISTS (SELECT 1 FROM notification_rules r WHERE r.user_id = u.id)
           AND NOT EXISTS (SELECT 1 FROM contact_methods c WHERE c.user_id = u.id AND c.kind = 'EMAIL')
         ON CONFLICT DO NOTHING",
    )
    .bind(users)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let missing: Vec<UserId> = sqlx::query_scalar(
        "WITH ruled AS (
            SELECT r.user_id, c.id AS cm, c.kind, c.address, r.delay_minutes AS delay
            FROM notification_rules r JOIN contact_methods c ON c.id = r.contact_method_id
            WHERE r.user_id = ANY($1) AND (cardinality($2::text[]) = 0 OR c.kind = ANY($2))),
         fallback AS (
            SELECT DISTINCT ON (c.user_id) c.user_id, c.id AS cm, c.kind, c.address, 0 AS delay
            FROM contact_methods c JOIN users u ON u.id = c.user_id
            WHERE c.user_id = ANY($1) AND NOT EXISTS (SELECT 1 FROM ruled WHERE ruled.user_id = c.user_id)
              AND CASE WHEN cardinality($2::text[]) = 0 THEN c.kind = 'EMAIL' ELSE c.kind = ANY($2) END
            ORDER BY c.user_id, (c.address = u.email) DESC, c.created_at, c.id),
         targets AS (SELECT * FROM ruled UNION ALL SELECT * FROM fallback),
         ins AS (
            INSERT INTO notifications (incident_id, generation, step, loop_no, user_id, contact_method_id,
                                       channel, address, send_at, created_at, updated_at)
            SELECT $3, $4, $5, $6, user_id, cm, kind, address, $7 + make_interval(mins => delay), $7, $7
            FROM targets
            ON CONFLICT ON CONSTRAINT notifications_once_key DO NOTHING
            RETURNING id, send_at),
         jobs AS (
            INSERT INTO jobs (kind, incident_id, payload, run_at, max_attempts, created_at, updated_at)
            SELECT 'NOTIFICATION', $3, jsonb_build_object('notification', id), send_at, $8, $7, $7 FROM ins)
         SELECT u FROM unnest($1::uuid[]) AS u WHERE NOT EXISTS (SELECT 1 FROM targets WHERE user_id = u)",
    )
    .bind(users)
    .bind(&channels)
    .bind(key.incident)
    .bind(key.generation)
    .bind(key.step)
    .bind(key.loop_no)
    .bind(now)
    .bind(super::MAX_SEND_ATTEMPTS)
    .fetch_all(&mut *tx)
    .await?;
    crate::jobs::store::wake(tx).await?;
    Ok(missing)
}

/// Cancels the incident's waiting pages (it was acknowledged, resolved or snoozed).
pub async fn cancel_for_incident(
    tx: &mut PgConnection,
    incident: IncidentId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE notifications SET status = 'CANCELLED', updated_at = $2
         WHERE incident_id = $1 AND status = 'PENDING'",
    )
    .bind(incident)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// What the sender should do with an outbox row.
#[derive(Debug, Clone)]
pub enum Begin {
    /// Marked SENDING: call the provider, then record the outcome.
    Send {
        channel: ContactKind,
        user: UserId,
        facts: PageFacts,
    },
    /// Nothing to send (already done, cancelled, or no longer wanted). Finish the job.
    Skip,
}

/// Decides and records, inside the job's transaction, whether row `id` is sent now. A row
/// found SENDING was interrupted by a crash: it becomes UNKNOWN with a timeline entry and is
/// not resent. A row whose incident is no longer OPEN in the row's generation is CANCELLED.
pub async fn begin_send(
    tx: &mut PgConnection,
    id: i64,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Begin, AppError> {
    type Row = (
        String,
        i64,
        UserId,
        String,
        String,
        IncidentId,
        i64,
        String,
        String,
        String,
        i64,
        String,
        String,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT n.status, n.generation, n.user_id, n.channel, n.address, i.id, i.number, i.title,
                i.urgency, i.status, i.generation, s.name, u.name
         FROM notifications n JOIN incidents i ON i.id = n.incident_id
         JOIN services s ON s.id = i.service_id JOIN users u ON u.id = n.user_id
         WHERE n.id = $1 FOR UPDATE OF n",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((
        status,
        generation,
        user,
        channel,
        address,
        incident,
        number,
        title,
        urgency,
        inc_status,
        inc_generation,
        service,
        user_name,
    )) = row
    else {
        return Ok(Begin::Skip);
    };
    match status.as_str() {
        "PENDING" => {}
        "SENDING" => {
            sqlx::query(
                "UPDATE notifications SET status = 'UNKNOWN', deadline = NULL, updated_at = $2,
                        last_error = 'the sender stopped mid-send; not resent to avoid a duplicate page'
                 WHERE id = $1",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            timeline(
                tx,
                incident,
                now,
                serde_json::json!({"user": user_name, "channel": channel, "address": address,
                                   "outcome": "interrupted", "error": "the sender stopped mid-send; not resent"}),
            )
            .await?;
            return Ok(Begin::Skip);
        }
        _ => return Ok(Begin::Skip),
    }
    if inc_status != Status::Open.as_str() || inc_generation != generation {
        sqlx::query("UPDATE notifications SET status = 'CANCELLED', updated_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        return Ok(Begin::Skip);
    }
    sqlx::query(
        "UPDATE notifications SET status = 'SENDING', attempts = attempts + 1, deadline = $2, updated_at = $3
         WHERE id = $1",
    )
    .bind(id)
    .bind(deadline)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(Begin::Send {
        channel: kind(&channel),
        user,
        facts: PageFacts {
            incident,
            number,
            title,
            urgency: Urgency::parse(&urgency).unwrap_or(Urgency::High),
            service,
            to: address,
        },
    })
}

async fn timeline(
    tx: &mut PgConnection,
    incident: IncidentId,
    now: DateTime<Utc>,
    details: serde_json::Value,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO incident_timeline (incident_id, at, kind, details) VALUES ($1, $2, 'NOTIFIED', $3)",
    )
    .bind(incident)
    .bind(now)
    .bind(details)
    .execute(&mut *tx)
    .await?;
    crate::incidents::store::notify(tx, &[incident]).await
}

/// How a send ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    Sent,
    /// Worth retrying; the row goes back to PENDING.
    Retry(String),
    /// Given up: a permanent error or out of attempts.
    Failed(String),
}

/// Records a send's outcome on the row (and, when final, on the incident timeline).
pub async fn finish_send(
    tx: &mut PgConnection,
    id: i64,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (status, error) = match outcome {
        Outcome::Sent => ("SENT", None),
        Outcome::Retry(e) => ("PENDING", Some(e.as_str())),
        Outcome::Failed(e) => ("FAILED", Some(e.as_str())),
    };
    let row: Option<(IncidentId, String, String, String, i32)> = sqlx::query_as(
        "UPDATE notifications n SET status = $2, last_error = $3, deadline = NULL, updated_at = $4,
                sent_at = CASE WHEN $2 = 'SENT' THEN $4 END
         FROM users u WHERE n.id = $1 AND n.status = 'SENDING' AND u.id = n.user_id
         RETURNING n.incident_id, u.name, n.channel, n.address, n.attempts",
    )
    .bind(id)
    .bind(status)
    .bind(error)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((incident, user, channel, address, attempts)) = row else {
        return Ok(());
    };
    let details = match outcome {
        Outcome::Retry(_) => return Ok(()),
        Outcome::Sent => serde_json::json!({"user": user, "channel": channel, "address": address,
                                            "outcome": "sent", "attempts": attempts}),
        Outcome::Failed(e) => {
            serde_json::json!({"user": user, "channel": channel, "address": address,
                                                 "outcome": "failed", "error": e, "attempts": attempts})
        }
    };
    timeline(tx, incident, now, details).await
}

/// Every page of an incident, oldest first.
pub async fn for_incident(pool: &PgPool, incident: IncidentId) -> Result<Vec<Delivery>, AppError> {
    type Row = (
        i64,
        UserId,
        String,
        String,
        String,
        i32,
        i32,
        String,
        i32,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT n.id, n.user_id, u.name, n.channel, n.address, n.step, n.loop_no, n.status, n.attempts,
                n.send_at, n.sent_at, n.last_error
         FROM notifications n JOIN users u ON u.id = n.user_id
         WHERE n.incident_id = $1 ORDER BY n.send_at, n.id LIMIT 500",
    )
    .bind(incident)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                user_id,
                user_name,
                channel,
                address,
                step,
                loop_no,
                status,
                attempts,
                send_at,
                sent_at,
                last_error,
            )| Delivery {
                id,
                user_id,
                user_name,
                channel: kind(&channel),
                address,
                step,
                loop_no,
                status: DeliveryStatus::parse(&status).unwrap_or(DeliveryStatus::Unknown),
                attempts,
                send_at,
                sent_at,
                last_error,
            },
        )
        .collect())
}

/// The confirm page's view of an acknowledge link.
pub async fn ack_link_info(
    pool: &PgPool,
    incident: IncidentId,
    user: UserId,
) -> Result<super::ack_link::AckTarget, AppError> {
    let row: Option<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT i.number, i.title, s.name, i.status, u.name
         FROM incidents i JOIN services s ON s.id = i.service_id, users u
         WHERE i.id = $1 AND u.id = $2 AND u.status = 'ACTIVE'",
    )
    .bind(incident)
    .bind(user)
    .fetch_optional(pool)
    .await?;
    let (number, title, service, status, user_name) = row.ok_or_else(|| AppError::NotFound {
        what: "incident".into(),
    })?;
    Ok(super::ack_link::AckTarget {
        number,
        title,
        service,
        status: Status::parse(&status).unwrap_or(Status::Open),
        user_name,
    })
}
