//! On-call health's SQL: the interruptions of a set of people, who is in a report, the
//! team's weekly-report setting and the weeks each owner was sent it.
//!
//! An interruption is an outbox row (`notifications`) that was SENT (status SENT, at
//! `sent_at`; PENDING, CANCELLED, FAILED and UNKNOWN rows interrupted nobody, or nobody knows)
//! on an interrupting kind (SMS, VOICE, PUSH, NTFY, PUSHOVER: `ContactKind::interrupts`),
//! and not carried inside another row's message (`bundled_into`: a bundle is one message).
//! Rows of the same page (incident, generation, step, loop) to one person are one
//! interruption per destination: SMS and VOICE to one number are one (the phone number is
//! the destination), PUSH is one whatever the number of devices (one row already fans out to
//! them all), each ntfy topic and Pushover key is its own. Its time is the first send.

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::Db;
use crate::domain::{TeamId, UserId};
use crate::error::AppError;

/// The SQL list of the kinds that interrupt (kept equal to `ContactKind::interrupts` by a test).
pub const INTERRUPTING: [&str; 5] = ["SMS", "VOICE", "PUSH", "NTFY", "PUSHOVER"];

/// Each interruption of `users` first sent in `(since, until]`, so consecutive windows share
/// none and a page sent at `until` (now) is in: (person, when).
pub async fn interruptions(
    db: &Db,
    users: &[UserId],
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(UserId, DateTime<Utc>)>, AppError> {
    // A page's rows are sent within minutes of each other; a day's margin finds the first
    // send of a page that straddles `since`.
    Ok(sqlx::query_as(
        "SELECT user_id, first FROM (
            SELECT n.user_id, min(n.sent_at) AS first
            FROM notifications n
            WHERE n.user_id = ANY($1) AND n.status = 'SENT' AND n.bundled_into IS NULL
              AND n.channel = ANY($4) AND n.sent_at > $2 - interval '1 day' AND n.sent_at <= $3
            GROUP BY n.incident_id, n.generation, n.step, n.loop_no, n.user_id,
                     CASE WHEN n.channel IN ('SMS', 'VOICE') THEN 'phone:' || n.address
                          WHEN n.channel = 'PUSH' THEN 'push'
                          ELSE n.channel || ':' || n.address END) p
         WHERE first > $2
         ORDER BY user_id, first",
    )
    .bind(users)
    .bind(since)
    .bind(until)
    .bind(&INTERRUPTING[..])
    .fetch_all(db)
    .await?)
}

/// A person a report may show: id, name, zone.
pub type Person = (UserId, String, String);

/// The ACTIVE members of `team`.
pub async fn team_people(db: &Db, team: TeamId) -> Result<Vec<Person>, AppError> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.name, u.time_zone FROM team_members m JOIN users u ON u.id = m.user_id
         WHERE m.team_id = $1 AND u.status = 'ACTIVE' ORDER BY lower(u.name), u.id",
    )
    .bind(team)
    .fetch_all(db)
    .await?)
}

/// Every ACTIVE person (the workspace view keeps those with any load).
pub async fn all_people(db: &Db) -> Result<Vec<Person>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, name, time_zone FROM users WHERE status = 'ACTIVE' AND service_team_id IS NULL
         ORDER BY lower(name), id LIMIT 5000",
    )
    .fetch_all(db)
    .await?)
}

/// Whether `team` sends the weekly report; `None` when there is no such team.
pub async fn weekly_report(db: &Db, team: TeamId) -> Result<Option<bool>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT weekly_health_report FROM teams WHERE id = $1")
            .bind(team)
            .fetch_optional(db)
            .await?,
    )
}

/// Sets the team's weekly-report setting; `None` when there is no such team.
pub async fn set_weekly_report(
    tx: &mut sqlx::PgConnection,
    team: TeamId,
    on: bool,
) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar(
        "UPDATE teams SET weekly_health_report = $2 WHERE id = $1 RETURNING name",
    )
    .bind(team)
    .bind(on)
    .fetch_optional(&mut *tx)
    .await?)
}

/// Every team, or the teams where `user` is an OWNER or ADMIN member.
pub async fn managed_teams(
    db: &Db,
    user: Option<UserId>,
) -> Result<Vec<(TeamId, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT t.id, t.name FROM teams t
         WHERE $1::uuid IS NULL OR EXISTS (SELECT 1 FROM team_members m
               WHERE m.team_id = t.id AND m.user_id = $1 AND m.role IN ('OWNER', 'ADMIN'))
         ORDER BY lower(t.name), t.id",
    )
    .bind(user)
    .fetch_all(db)
    .await?)
}

/// An OWNER the weekly report goes to: id, email, name, zone, when they joined the team.
pub type Owner = (UserId, String, String, String, DateTime<Utc>);

/// The team's OWNER members who are ACTIVE.
pub async fn owners(db: &Db, team: TeamId) -> Result<Vec<Owner>, AppError> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.email, u.name, u.time_zone, m.added_at
         FROM team_members m JOIN users u ON u.id = m.user_id
         WHERE m.team_id = $1 AND m.role = 'OWNER' AND u.status = 'ACTIVE' ORDER BY u.email",
    )
    .bind(team)
    .fetch_all(db)
    .await?)
}

/// Whether `user` was sent `team`'s report for the week of local Monday `week`.
pub async fn reported(
    db: &Db,
    team: TeamId,
    user: UserId,
    week: NaiveDate,
) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM oncall_report_sends
                        WHERE team_id = $1 AND user_id = $2 AND week = $3)",
    )
    .bind(team)
    .bind(user)
    .bind(week)
    .fetch_one(db)
    .await?)
}

/// Records that `user` was sent `team`'s report for the week of local Monday `week`.
pub async fn record_report(
    db: &Db,
    team: TeamId,
    user: UserId,
    week: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO oncall_report_sends (team_id, user_id, week, sent_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(team)
    .bind(user)
    .bind(week)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}
