//! Secret iCal feed URLs: one live token per user (their shifts on every schedule) and per
//! schedule (everyone's shifts). Only the token's SHA-256 is stored; a new one revokes the old.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use super::Feed;
use super::ical::{AHEAD_DAYS, Event, PAST_DAYS, render};
use crate::auth::session::{new_token, token_hash};
use crate::domain::{FeedId, ScheduleId, UserId};
use crate::error::AppError;

/// Whose shifts a feed shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    User(UserId),
    Schedule(ScheduleId),
}

impl Owner {
    fn columns(self) -> (Option<UserId>, Option<ScheduleId>) {
        match self {
            Owner::User(u) => (Some(u), None),
            Owner::Schedule(s) => (None, Some(s)),
        }
    }
}

/// The feed's public URL for `token`.
pub fn url(base: &str, token: &str) -> String {
    format!("{}/ical/{token}.ics", base.trim_end_matches('/'))
}

/// The owner's live feed (without its URL: the token is not stored).
pub async fn live(conn: &mut PgConnection, owner: Owner) -> Result<Option<Feed>, AppError> {
    let (user, schedule) = owner.columns();
    let row: Option<(FeedId, DateTime<Utc>)> = sqlx::query_as(
        "SELECT id, created_at FROM ical_feeds
         WHERE revoked_at IS NULL AND user_id IS NOT DISTINCT FROM $1 AND schedule_id IS NOT DISTINCT FROM $2",
    )
    .bind(user)
    .bind(schedule)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(id, created_at)| Feed {
        id,
        url: None,
        created_at,
    }))
}

/// Revokes the owner's live feed, if any. Returns whether there was one.
pub async fn revoke(
    conn: &mut PgConnection,
    owner: Owner,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let (user, schedule) = owner.columns();
    let done = sqlx::query(
        "UPDATE ical_feeds SET revoked_at = $3
         WHERE revoked_at IS NULL AND user_id IS NOT DISTINCT FROM $1 AND schedule_id IS NOT DISTINCT FROM $2",
    )
    .bind(user)
    .bind(schedule)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A new secret URL for `owner`, revoking the previous one.
pub async fn create(
    conn: &mut PgConnection,
    owner: Owner,
    by: UserId,
    base: &str,
    now: DateTime<Utc>,
) -> Result<Feed, AppError> {
    revoke(conn, owner, now).await?;
    let (user, schedule) = owner.columns();
    let token = new_token();
    let id = FeedId::new();
    sqlx::query(
        "INSERT INTO ical_feeds (id, token_hash, user_id, schedule_id, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(token_hash(&token))
    .bind(user)
    .bind(schedule)
    .bind(by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(Feed {
        id,
        url: Some(url(base, &token)),
        created_at: now,
    })
}

/// The calendar behind `token` (`<token>` or `<token>.ics`), or 404 naming `token`.
pub async fn calendar(
    conn: &mut PgConnection,
    token: &str,
    base: &str,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let token = token.strip_suffix(".ics").unwrap_or(token);
    let unknown = || AppError::NotFound {
        what: "calendar feed (unknown or revoked link)".into(),
    };
    if token.is_empty() || token.len() > 100 {
        return Err(unknown());
    }
    let row: Option<(Option<UserId>, Option<ScheduleId>, Option<String>)> = sqlx::query_as(
        "SELECT f.user_id, f.schedule_id, u.name FROM ical_feeds f
         LEFT JOIN users u ON u.id = f.user_id
         WHERE f.token_hash = $1 AND f.revoked_at IS NULL
           AND (f.user_id IS NULL OR u.status = 'ACTIVE')",
    )
    .bind(token_hash(token))
    .fetch_optional(&mut *conn)
    .await?;
    let (user, schedule, user_name) = row.ok_or_else(unknown)?;
    let (from, to) = (
        now - Duration::days(PAST_DAYS),
        now + Duration::days(AHEAD_DAYS),
    );
    let ids: Option<Vec<ScheduleId>> = schedule.map(|s| vec![s]);
    let loaded = super::store::load(conn, ids.as_deref(), from, to).await?;
    let mut mentioned: Vec<UserId> = loaded
        .iter()
        .flat_map(|l| super::store::mentioned(&l.definition))
        .collect();
    mentioned.sort_unstable();
    mentioned.dedup();
    let people = super::store::people(conn, &mentioned).await?;
    let mut shifts = Vec::new();
    for l in &loaded {
        let t = crate::domain::schedule::timeline(&l.definition, from, to);
        for s in t.stretches() {
            if user.is_none_or(|u| u == s.user) {
                shifts.push((l, s));
            }
        }
    }
    shifts.sort_by_key(|(_, s)| (s.start, s.user));
    let names: Vec<String> = shifts
        .iter()
        .map(|(_, s)| super::name_in(&people, s.user))
        .collect();
    let events: Vec<Event<'_>> = shifts
        .iter()
        .zip(&names)
        .map(|((l, s), person)| Event {
            schedule_id: l.id,
            schedule_name: &l.name,
            person,
            shift: *s,
        })
        .collect();
    let title = match (&user_name, loaded.first()) {
        (Some(n), _) => format!("{n}: on-call shifts"),
        (None, Some(l)) => format!("{}: on call", l.name),
        (None, None) => "On call".to_owned(),
    };
    Ok(render(&title, base, now, &events))
}
