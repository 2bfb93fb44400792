//! Reply codes per phone number: the smallest free code from 1 names one incident for one
//! person, a resolved incident's code is free again, and a reply finds its incident by code
//! or, for a bare letter, by the latest page to that number.

use crate::db::Db;
use chrono::{DateTime, Utc};

use crate::domain::{IncidentId, UserId};
use crate::error::AppError;

/// The incident a code (or the latest page) names, and the person paged at that number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Named {
    pub incident: IncidentId,
    pub number: i64,
    pub user: UserId,
}

/// The code for `incident` at `phone`: the one it already has, else the smallest free one.
/// `None` when all 99 are taken by open incidents (the SMS then goes without a code).
pub async fn issue_code(
    pool: &Db,
    phone: &str,
    incident: IncidentId,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<Option<u32>, AppError> {
    let mut tx = pool.begin().await?;
    // One page at a time per number picks a code.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('sms_codes:' || $1))")
        .bind(phone)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM sms_codes s USING incidents i
         WHERE s.phone = $1 AND i.id = s.incident_id AND i.status = 'RESOLVED'",
    )
    .bind(phone)
    .execute(&mut *tx)
    .await?;
    let code: Option<i32> = sqlx::query_scalar(
        "WITH existing AS (
            UPDATE sms_codes SET sent_at = $4, user_id = $3
            WHERE phone = $1 AND incident_id = $2 RETURNING code),
         free AS (
            SELECT min(n) AS code FROM generate_series(1, 99) AS n
            WHERE NOT EXISTS (SELECT 1 FROM sms_codes WHERE phone = $1 AND code = n)),
         fresh AS (
            INSERT INTO sms_codes (phone, code, incident_id, user_id, sent_at)
            SELECT $1, free.code, $2, $3, $4 FROM free
            WHERE free.code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM existing)
            RETURNING code)
         SELECT code FROM existing UNION ALL SELECT code FROM fresh",
    )
    .bind(phone)
    .bind(incident)
    .bind(user)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    // A page is going out: replies from this number may be answered again.
    sqlx::query("DELETE FROM sms_reply_budget WHERE phone = $1")
        .bind(phone)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(code.and_then(|c| u32::try_from(c).ok()))
}

/// What `code` (or, with `None`, the latest page) names at `phone`.
pub async fn named(pool: &Db, phone: &str, code: Option<u32>) -> Result<Option<Named>, AppError> {
    let code = code.map(i64::from);
    let row: Option<(IncidentId, i64, UserId)> = sqlx::query_as(
        "SELECT s.incident_id, i.number, s.user_id FROM sms_codes s
         JOIN incidents i ON i.id = s.incident_id
         WHERE s.phone = $1 AND ($2::bigint IS NULL OR s.code = $2)
         ORDER BY s.sent_at DESC LIMIT 1",
    )
    .bind(phone)
    .bind(code)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(incident, number, user)| Named {
        incident,
        number,
        user,
    }))
}

/// What a call about `incident` says: its number, title, urgency and service (`to` empty).
pub async fn incident_facts(
    pool: &Db,
    incident: IncidentId,
) -> Result<Option<crate::notifications::message::PageFacts>, AppError> {
    let row: Option<(i64, String, String, String)> = sqlx::query_as(
        "SELECT i.number, i.title, i.urgency, s.name FROM incidents i
         JOIN services s ON s.id = i.service_id WHERE i.id = $1",
    )
    .bind(incident)
    .fetch_optional(pool)
    .await?;
    let Some((number, title, urgency, service)) = row else {
        return Ok(None);
    };
    Ok(Some(crate::notifications::message::PageFacts {
        incident,
        number,
        title,
        urgency: AppError::column(
            "incidents.urgency",
            &urgency,
            crate::domain::Urgency::parse(&urgency),
        )?,
        service,
        to: String::new(),
    }))
}

/// STOP (`stopped`) or START from `phone`: marks every SMS method at that number, whoever's
/// it is. Returns how many methods changed.
pub async fn set_stopped(
    pool: &Db,
    phone: &str,
    stopped: bool,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let done = sqlx::query(
        "UPDATE contact_methods SET stopped_at = CASE WHEN $2 THEN coalesce(stopped_at, $3) END
         WHERE kind = 'SMS' AND address = $1 AND (stopped_at IS NULL) = $2",
    )
    .bind(phone)
    .bind(stopped)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Replies that act on nothing we answer at most this many times in a row per number.
pub const MAX_UNANSWERED: i32 = 5;

/// Counts one answer to a reply that acted on nothing; false once `MAX_UNANSWERED` were
/// given in a row (then say nothing, so two auto-responders cannot loop).
pub async fn may_answer(pool: &Db, phone: &str, now: DateTime<Utc>) -> Result<bool, AppError> {
    let n: i32 = sqlx::query_scalar(
        "INSERT INTO sms_reply_budget (phone, unanswered, updated_at) VALUES ($1, 1, $2)
         ON CONFLICT (phone) DO UPDATE SET unanswered = sms_reply_budget.unanswered + 1, updated_at = $2
         RETURNING unanswered",
    )
    .bind(phone)
    .bind(now)
    .fetch_one(pool)
    .await?;
    Ok(n <= MAX_UNANSWERED)
}

/// A page went to `phone`, or a reply from it acted: it may be answered again.
pub async fn reset_answers(pool: &Db, phone: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sms_reply_budget WHERE phone = $1")
        .bind(phone)
        .execute(pool)
        .await?;
    Ok(())
}

/// A bundle code (100 and up) at `phone` for `pages` (incident, person paged), also covering
/// every open incident that still has a single code at that number, so one reply acts on all
/// of them. Returns the code and how many incidents it covers; `None` when all 900 are taken.
pub async fn issue_bundle(
    pool: &Db,
    phone: &str,
    pages: &[(IncidentId, UserId)],
    now: DateTime<Utc>,
) -> Result<Option<(u32, usize)>, AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('sms_codes:' || $1))")
        .bind(phone)
        .execute(&mut *tx)
        .await?;
    // A bundle whose incidents are all resolved frees its code.
    sqlx::query(
        "DELETE FROM sms_bundles b WHERE b.phone = $1 AND NOT EXISTS (
            SELECT 1 FROM sms_bundles o JOIN incidents i ON i.id = o.incident_id
            WHERE o.phone = b.phone AND o.code = b.code AND i.status <> 'RESOLVED')",
    )
    .bind(phone)
    .execute(&mut *tx)
    .await?;
    let code: Option<i32> = sqlx::query_scalar(
        "SELECT min(n) FROM generate_series(100, 999) AS n
         WHERE NOT EXISTS (SELECT 1 FROM sms_bundles WHERE phone = $1 AND code = n)",
    )
    .bind(phone)
    .fetch_one(&mut *tx)
    .await?;
    let Some(code) = code else {
        return Ok(None);
    };
    let incidents: Vec<IncidentId> = pages.iter().map(|p| p.0).collect();
    let users: Vec<UserId> = pages.iter().map(|p| p.1).collect();
    let covered = sqlx::query(
        "INSERT INTO sms_bundles (phone, code, incident_id, user_id, sent_at)
         SELECT $1, $2, incident, person, $5 FROM unnest($3::uuid[], $4::uuid[]) AS p(incident, person)
         UNION
         SELECT $1, $2, s.incident_id, s.user_id, $5 FROM sms_codes s JOIN incidents i ON i.id = s.incident_id
         WHERE s.phone = $1 AND i.status <> 'RESOLVED' AND s.incident_id <> ALL($3)
         ON CONFLICT DO NOTHING",
    )
    .bind(phone)
    .bind(code)
    .bind(&incidents)
    .bind(&users)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM sms_reply_budget WHERE phone = $1")
        .bind(phone)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(u32::try_from(code)
        .ok()
        .map(|c| (c, usize::try_from(covered).unwrap_or(usize::MAX))))
}

/// Every incident bundle `code` names at `phone`, oldest number first.
pub async fn named_bundle(pool: &Db, phone: &str, code: u32) -> Result<Vec<Named>, AppError> {
    let rows: Vec<(IncidentId, i64, UserId)> = sqlx::query_as(
        "SELECT b.incident_id, i.number, b.user_id FROM sms_bundles b
         JOIN incidents i ON i.id = b.incident_id
         WHERE b.phone = $1 AND b.code = $2 ORDER BY i.number",
    )
    .bind(phone)
    .bind(i64::from(code))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(incident, number, user)| Named {
            incident,
            number,
            user,
        })
        .collect())
}

/// The bundle code of the latest message to `phone`, when that message was a bundle (so a
/// bare `a` or `c` acts on everything it named).
pub async fn latest_bundle(pool: &Db, phone: &str) -> Result<Option<u32>, AppError> {
    let code: Option<i32> = sqlx::query_scalar(
        "SELECT b.code FROM (
            SELECT code, max(sent_at) AS at FROM sms_bundles WHERE phone = $1
            GROUP BY code ORDER BY at DESC LIMIT 1) b
         WHERE b.at >= coalesce((SELECT max(sent_at) FROM sms_codes WHERE phone = $1), '-infinity')",
    )
    .bind(phone)
    .fetch_optional(pool)
    .await?;
    Ok(code.and_then(|c| u32::try_from(c).ok()))
}
