//! Acting on an incident from a chat (a button, a slash command) as the linked OpsKnight user,
//! under the web's rule: RESPONDER and above act on any incident, a USER only on incidents
//! assigned to them or their teams. The transition itself is the phone's (`phone::act`), so a
//! repeat changes nothing and says so; the timeline records the chat (`via`).

use chrono::{DateTime, Utc};

use super::render::{Card, Happened, Press};
use crate::db::Db;
use crate::domain::{IncidentId, Role, UserId};
use crate::error::AppError;
use crate::phone::act::{Acted, act_one};
use crate::phone::reply::Action;

/// Whether `user` may act on `incident`.
pub async fn may_act(pool: &Db, user: UserId, incident: IncidentId) -> Result<bool, AppError> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(pool)
        .await?;
    let Some(role) = role else { return Ok(false) };
    if AppError::column("users.role", &role, Role::parse(&role))?.at_least(Role::Responder) {
        return Ok(true);
    }
    let mine = crate::teams::store::teams_of_user(pool, user).await?;
    let (assignee, teams) = crate::incidents::reads::teams_of(pool, incident).await?;
    Ok(assignee == Some(user) || teams.iter().any(|t| mine.contains(t)))
}

/// Does `action` on `incident` as `user`, `via` naming the chat for the timeline.
pub async fn act(
    pool: &Db,
    incident: IncidentId,
    user: UserId,
    action: Action,
    via: &str,
    now: DateTime<Utc>,
) -> Result<Acted, AppError> {
    let number = super::messages::number(pool, incident).await?;
    if !may_act(pool, user, incident).await? {
        return Ok(Acted {
            changed: false,
            text: format!(
                "You cannot act on #{number}: a USER acts only on incidents assigned to them or their teams"
            ),
        });
    }
    act_one(pool, incident, number, user, action, via, now).await
}

/// A chat button press acted on, and what the pressed message shows now.
pub struct Pressed {
    pub acted: Acted,
    /// The incident as it is now, with what the press did when it changed something (else
    /// nothing); None when it cannot be read (deleted since, or the read failed: logged).
    pub redraw: Option<(Card, Happened)>,
}

/// Does `press` on `incident` as `user` (`act`), then reads what the pressed message should
/// show: the one path for chats whose answer redraws the message (Telegram, Mattermost).
pub async fn press(
    pool: &Db,
    incident: IncidentId,
    user: UserId,
    press: Press,
    via: &str,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<Pressed, AppError> {
    let acted = act(pool, incident, user, press.action(), via, now).await?;
    let card = match super::messages::card(pool, incident, public_url).await {
        Ok(card) => card,
        Err(e) => {
            if !matches!(e, AppError::NotFound { .. }) {
                tracing::warn!(error = %e, "could not read an incident to redraw its chat message");
            }
            return Ok(Pressed {
                acted,
                redraw: None,
            });
        }
    };
    let shown = if acted.changed {
        let actor: Option<String> = sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(pool)
            .await
            .ok()
            .flatten();
        Happened {
            event: Some(press.event()),
            actor,
            note: None,
        }
    } else {
        Happened::default()
    };
    Ok(Pressed {
        acted,
        redraw: Some((card, shown)),
    })
}

/// The incident with this number, or NotFound.
pub async fn by_number(pool: &Db, number: i64) -> Result<IncidentId, AppError> {
    let id: Option<IncidentId> = sqlx::query_scalar("SELECT id FROM incidents WHERE number = $1")
        .bind(number)
        .fetch_optional(pool)
        .await?;
    id.ok_or_else(|| AppError::NotFound {
        what: format!("incident #{number}"),
    })
}

/// Who step 1 of the escalation policy of the service a chat channel posts for would page
/// now: `(service name, [names])` for each service with a channel of `kind` whose
/// target is `target`.
pub async fn on_call_for_channel(
    pool: &Db,
    kind: super::ChannelKind,
    target: &str,
    now: DateTime<Utc>,
) -> Result<Vec<(String, Vec<String>)>, AppError> {
    let services: Vec<(String, Option<crate::domain::PolicyId>)> = sqlx::query_as(
        "SELECT s.name, s.escalation_policy_id FROM service_channels c
         JOIN services s ON s.id = c.service_id
         WHERE c.kind = $1 AND c.target = $2 ORDER BY s.name",
    )
    .bind(kind.as_str())
    .bind(target)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    let mut conn = pool.begin().await?;
    for (name, policy) in services {
        let mut people = Vec::new();
        if let Some(policy) = policy
            && let Some(plan) = crate::policies::store::step_plan(&mut *conn, policy, 0).await?
        {
            for u in crate::policies::store::step_users(&mut conn, policy, 0, &plan.schedules, now)
                .await?
            {
                people.push(u.name);
            }
        }
        out.push((name, people));
    }
    conn.commit().await?;
    Ok(out)
}
