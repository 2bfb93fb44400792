//! The outbox: a step writes rows (and their NOTIFICATION jobs) in the escalation's
//! transaction; the sender marks a row SENDING before the provider call and records the outcome.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::kind;
use crate::domain::{IncidentId, Status, Urgency, UserId};
use crate::error::AppError;
use crate::notifications::message::PageFacts;
use crate::profile::ContactKind;

/// Where a step is, for the outbox key.
#[derive(Debug, Clone, Copy)]
pub struct PageKey {
    pub incident: IncidentId,
    pub generation: i64,
    pub step: i32,
    pub loop_no: i32,
}

/// For each step in `keys` (the incidents of one batch at the same policy step, so the same
/// people), writes one outbox row per (user, contact method) of `users`' rules (or the default:
/// their sign-in email at once), restricted to `channels` when given (a person without rules
/// is then paged at once on their first method of each of those kinds; a phone number is
/// paged only once verified, and an SMS number that replied STOP is not), and one NOTIFICATION
/// job per new row at its send time. For a LOW-urgency incident, a person in their quiet
/// hours is paged from the quiet hours' end instead of now (each rule's delay counts from
/// then; `quiet`). The unique key makes a re-run write nothing.
pub async fn page_users(
    tx: &mut PgConnection,
    keys: &[PageKey],
    users: &[UserId],
    channels: &[ContactKind],
    now: DateTime<Utc>,
) -> Result<Paged, AppError> {
    let channels: Vec<&str> = channels.iter().map(|c| c.as_str()).collect();
    let waiting = super::quiet::waits(tx, keys, users, now).await?;
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
            WHERE r.user_id = ANY($1) AND (cardinality($2::text[]) = 0 OR c.kind = ANY($2))
              AND (c.verified OR c.kind NOT IN ('SMS', 'VOICE')) AND c.stopped_at IS NULL),
         fallback AS (
            SELECT DISTINCT ON (c.user_id, c.kind) c.user_id, c.id AS cm, c.kind, c.address, 0 AS delay
            FROM contact_methods c JOIN users u ON u.id = c.user_id
            WHERE c.user_id = ANY($1) AND NOT EXISTS (SELECT 1 FROM ruled WHERE ruled.user_id = c.user_id)
              AND (c.verified OR c.kind NOT IN ('SMS', 'VOICE')) AND c.stopped_at IS NULL
              AND CASE WHEN cardinality($2::text[]) = 0 THEN c.kind = 'EMAIL' ELSE c.kind = ANY($2) END
            ORDER BY c.user_id, c.kind, (c.address = u.email) DESC, c.created_at, c.id),
         targets AS (SELECT * FROM ruled UNION ALL SELECT * FROM fallback),
         steps AS (
            SELECT * FROM unnest($3::uuid[], $4::bigint[], $5::int[], $6::int[])
                   AS k(incident_id, generation, step, loop_no)),
         ins AS (
            INSERT INTO notifications (incident_id, generation, step, loop_no, user_id, contact_method_id,
                                       channel, address, send_at, created_at, updated_at)
            SELECT k.incident_id, k.generation, k.step, k.loop_no, t.user_id, t.cm, t.kind, t.address,
                   COALESCE(q.start_at, $7) + make_interval(mins => t.delay), $7, $7
            FROM steps k CROSS JOIN targets t
            LEFT JOIN unnest($9::uuid[], $10::uuid[], $11::timestamptz[]) AS q(incident_id, user_id, start_at)
                   ON q.incident_id = k.incident_id AND q.user_id = t.user_id
            ON CONFLICT ON CONSTRAINT notifications_once_key DO NOTHING
            RETURNING id, incident_id, send_at),
         jobs AS (
            INSERT INTO jobs (kind, incident_id, payload, run_at, max_attempts, created_at, updated_at)
            SELECT 'NOTIFICATION', incident_id, jsonb_build_object('notification', id), send_at, $8, $7, $7 FROM ins)
         SELECT u FROM unnest($1::uuid[]) AS u WHERE NOT EXISTS (SELECT 1 FROM targets WHERE user_id = u)",
    )
    .bind(users)
    .bind(&channels)
    .bind(keys.iter().map(|k| k.incident).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.generation).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.step).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.loop_no).collect::<Vec<_>>())
    .bind(now)
    .bind(crate::notifications::MAX_SEND_ATTEMPTS)
    .bind(waiting.iter().map(|q| q.incident).collect::<Vec<_>>())
    .bind(waiting.iter().map(|q| q.user).collect::<Vec<_>>())
    .bind(waiting.iter().map(|q| q.until).collect::<Vec<_>>())
    .fetch_all(&mut *tx)
    .await?;
    crate::jobs::store::wake(tx).await?;
    let waiting = waiting
        .into_iter()
        .filter(|q| !missing.contains(&q.user))
        .collect();
    Ok(Paged {
        unreachable: missing,
        waiting,
    })
}

/// What `page_users` wrote: who could not be paged, and whose pages wait for quiet hours.
#[derive(Debug, Clone, Default)]
pub struct Paged {
    /// No contact method matched.
    pub unreachable: Vec<UserId>,
    pub waiting: Vec<super::Quiet>,
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
    /// Marked SENDING: call the provider, then record the outcome (for the bundle too).
    Send {
        channel: ContactKind,
        user: UserId,
        facts: PageFacts,
        /// Other pages due to the same number, carried by this message (phone kinds).
        bundle: Vec<super::bundle::Member>,
    },
    /// The number's rate limit holds this row until then; run the job again at that time.
    Defer(DateTime<Utc>),
    /// Nothing to send (already done, cancelled, or no longer wanted). Finish the job.
    Skip,
}

/// Decides and records, inside the job's transaction, whether row `id` is sent now. A row
/// found SENDING was interrupted by a crash: it becomes UNKNOWN (with the rows it carried)
/// with a timeline entry and is not resent; one found SENDING inside another row's bundle
/// waits for that send. A row whose incident is no longer OPEN in the row's generation is
/// CANCELLED. A phone row inside its number's rate limit is deferred; otherwise it carries
/// every other page due to that number.
pub async fn begin_send(
    tx: &mut PgConnection,
    id: i64,
    deadline: DateTime<Utc>,
    limits: &super::bundle::Limits,
    now: DateTime<Utc>,
) -> Result<Begin, AppError> {
    // Sends to one phone number take its lock before any row lock, so they queue in order.
    let peek: Option<(String, String)> =
        sqlx::query_as("SELECT channel, address FROM notifications WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some((channel, address)) = &peek {
        let channel = kind("notifications.channel", channel)?;
        if channel.is_phone() {
            super::bundle::lock(tx, channel, address).await?;
        }
    }
    type Row = (
        Option<i64>,
        Option<DateTime<Utc>>,
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
        "SELECT n.bundled_into, n.deadline, n.status, n.generation, n.user_id, n.channel, n.address, i.id, i.number,
                CASE WHEN n.step = $2 THEN 'SLA warning: ' || i.title ELSE i.title END,
                i.urgency, i.status, i.generation, s.name, u.name
         FROM notifications n JOIN incidents i ON i.id = n.incident_id
         JOIN services s ON s.id = i.service_id JOIN users u ON u.id = n.user_id
         WHERE n.id = $1 FOR UPDATE OF n",
    )
    .bind(id)
    .bind(crate::sla::warning::WARNING_STEP)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((
        bundled_into,
        row_deadline,
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
        // Carried by another row's message: wait until that send has ended.
        "SENDING" if bundled_into.is_some() => {
            let until = row_deadline.filter(|d| *d > now).unwrap_or(deadline);
            return Ok(Begin::Defer(until));
        }
        "SENDING" => {
            let stopped: Vec<IncidentId> = sqlx::query_scalar(
                "UPDATE notifications SET status = 'UNKNOWN', deadline = NULL, updated_at = $2,
                        last_error = 'the sender stopped mid-send; not resent to avoid a duplicate page'
                 WHERE id = $1 OR (bundled_into = $1 AND status = 'SENDING')
                 RETURNING incident_id",
            )
            .bind(id)
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
            for incident in stopped {
                timeline(
                    tx,
                    incident,
                    now,
                    serde_json::json!({"user": user_name, "channel": channel, "address": address,
                                       "outcome": "interrupted", "error": "the sender stopped mid-send; not resent"}),
                )
                .await?;
            }
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
    let channel = kind("notifications.channel", &channel)?;
    let mut bundle = Vec::new();
    if channel.is_phone() {
        if let Some(until) = super::bundle::closed_until(tx, channel, &address, limits, now).await?
        {
            return Ok(Begin::Defer(until));
        }
        bundle = super::bundle::gather(tx, id, channel, &address, deadline, now).await?;
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
        channel,
        bundle,
        user,
        facts: PageFacts {
            incident,
            number,
            title,
            urgency: AppError::column("incidents.urgency", &urgency, Urgency::parse(&urgency))?,
            service,
            to: address,
        },
    })
}

pub(super) async fn timeline(
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
    crate::incidents::notify::notify(tx, &[incident]).await
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

/// The NOTIFY channel of the in-app bell; the payload is a [`crate::notifications::PageNotice`].
pub const LIVE_CHANNEL: &str = "opsknight_notifications";

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
    // A final outcome is also a live notice to the person paged (their in-app bell).
    // `o` reads the row as it was before this update: the error of the last failed try.
    type Finished = (IncidentId, String, String, String, i32, i64, Option<String>);
    let row: Option<Finished> = sqlx::query_as(
        "UPDATE notifications n SET status = $2, last_error = $3, deadline = NULL, updated_at = $4,
                sent_at = CASE WHEN $2 = 'SENT' THEN $4 END,
                bundled_into = CASE WHEN $2 = 'PENDING' THEN NULL ELSE n.bundled_into END
         FROM users u, incidents i, (SELECT last_error AS prev FROM notifications WHERE id = $1) o
         WHERE n.id = $1 AND n.status = 'SENDING' AND u.id = n.user_id AND i.id = n.incident_id
         RETURNING n.incident_id, u.name, n.channel, n.address, n.attempts,
                   (SELECT count(*) FROM (SELECT pg_notify($5, json_build_object(
                        'id', n.id, 'user_id', n.user_id, 'incident_id', n.incident_id,
                        'number', i.number, 'title', left(i.title, 200), 'channel', n.channel,
                        'status', $2::text, 'at', $4::timestamptz)::text)
                    WHERE $2 <> 'PENDING') x), o.prev",
    )
    .bind(id)
    .bind(status)
    .bind(error)
    .bind(now)
    .bind(LIVE_CHANNEL)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((incident, user, channel, address, attempts, _, previous)) = row else {
        return Ok(());
    };
    let details = match outcome {
        Outcome::Retry(_) => return Ok(()),
        Outcome::Sent => {
            let mut d = serde_json::json!({"user": user, "channel": channel, "address": address,
                                           "outcome": "sent", "attempts": attempts});
            // Sent after failed tries: the timeline keeps why the earlier ones failed.
            if let Some(e) = previous.filter(|_| attempts > 1) {
                d["retried_after"] = serde_json::json!(e);
            }
            d
        }
        Outcome::Failed(e) => {
            serde_json::json!({"user": user, "channel": channel, "address": address,
                                                 "outcome": "failed", "error": e, "attempts": attempts})
        }
    };
    timeline(tx, incident, now, details).await
}
