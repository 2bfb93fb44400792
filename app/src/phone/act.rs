//! Acting on an incident from a phone (an SMS reply or a key pressed on a call) as the person
//! who was paged, and the short sentence that says what happened.

use crate::db::Db;
use chrono::{DateTime, Utc};

use super::reply::Action;
use crate::domain::{IncidentId, Transition, UserId};
use crate::error::AppError;
use crate::lifecycle::escalate::{EscalateNow, escalate_now};

/// What acting did: whether it changed anything, and the sentence to send back.
pub struct Acted {
    pub changed: bool,
    pub text: String,
}

/// Does `action` on incident `number` (`incident`) as `user`; `via` names the channel for
/// the timeline (`SMS reply`, `phone call`). Returns the confirmation or refusal to send back.
pub async fn act(
    pool: &Db,
    incident: IncidentId,
    number: i64,
    user: UserId,
    action: Action,
    via: &str,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    Ok(act_one(pool, incident, number, user, action, via, now)
        .await?
        .text)
}

/// `act`, also saying whether anything changed (a chat answers only when nothing did).
pub async fn act_one(
    pool: &Db,
    incident: IncidentId,
    number: i64,
    user: UserId,
    action: Action,
    via: &str,
    now: DateTime<Utc>,
) -> Result<Acted, AppError> {
    let unchanged = |text: String| Acted {
        changed: false,
        text,
    };
    let transition = match action {
        Action::Acknowledge => Transition::Acknowledge,
        Action::Resolve => Transition::Resolve,
        Action::Escalate => {
            return Ok(match escalate_now(pool, incident, user, now).await? {
                EscalateNow::Moved => Acted {
                    changed: true,
                    text: format!("Escalating #{number} to the next step now"),
                },
                EscalateNow::NotOpen => {
                    unchanged(format!("#{number} is not open, so it does not escalate"))
                }
                EscalateNow::NoNextStep => {
                    unchanged(format!("#{number} has no further step to escalate to"))
                }
            });
        }
    };
    let changed =
        match crate::lifecycle::transition::via(pool, incident, transition, user, via, now).await {
            Ok(changed) => changed,
            Err(AppError::Conflict { message }) => {
                return Ok(unchanged(format!("#{number}: {message}")));
            }
            Err(e) => return Err(e),
        };
    if changed {
        return Ok(Acted {
            changed,
            text: format!("{} #{number}", action.past_tense()),
        });
    }
    Ok(unchanged(format!(
        "#{number} was already {}",
        match action {
            Action::Resolve => "resolved",
            _ => "acknowledged or resolved",
        }
    )))
}

/// Does `action` on every incident `named` (a bundle), each as the person paged for it.
/// Returns one sentence for all of them.
pub async fn act_all(
    pool: &Db,
    named: &[super::store::Named],
    action: Action,
    via: &str,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    if let [one] = named {
        return act(pool, one.incident, one.number, one.user, action, via, now).await;
    }
    let mut changed = Vec::new();
    for n in named {
        if act_one(pool, n.incident, n.number, n.user, action, via, now)
            .await?
            .changed
        {
            changed.push(n.number);
        }
    }
    let numbers = |list: &[i64]| {
        let shown: Vec<String> = list.iter().take(10).map(|n| format!("#{n}")).collect();
        let more = list.len().saturating_sub(10);
        if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        }
    };
    let rest = named.len() - changed.len();
    Ok(match (changed.is_empty(), rest) {
        (true, _) => format!("Nothing changed: all {} were already done", named.len()),
        (false, 0) => format!(
            "{} {} incidents: {}",
            action.past_tense(),
            changed.len(),
            numbers(&changed)
        ),
        (false, rest) => format!(
            "{} {} incidents: {} ({rest} unchanged)",
            action.past_tense(),
            changed.len(),
            numbers(&changed)
        ),
    })
}
