//! Acting on an incident from a phone (an SMS reply or a key pressed on a call) as the person
//! who was paged, and the short sentence that says what happened.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::reply::Action;
use crate::domain::{IncidentId, Transition, UserId};
use crate::error::AppError;
use crate::escalation::store::{EscalateNow, escalate_now};

/// Does `action` on incident `number` (`incident`) as `user`; `via` names the channel for
/// the timeline (`SMS reply`, `phone call`). Returns the confirmation or refusal to send back.
pub async fn act(
    pool: &PgPool,
    incident: IncidentId,
    number: i64,
    user: UserId,
    action: Action,
    via: &str,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let transition = match action {
        Action::Acknowledge => Transition::Acknowledge,
        Action::Resolve => Transition::Resolve,
        Action::Escalate => {
            return Ok(match escalate_now(pool, incident, now).await? {
                EscalateNow::Moved => format!("Escalating #{number} to the next step now"),
                EscalateNow::NotOpen => {
                    format!("#{number} is not open, so it does not escalate")
                }
                EscalateNow::NoNextStep => format!("#{number} has no further step to escalate to"),
            });
        }
    };
    let changed =
        match crate::incidents::store::transition_via(pool, incident, transition, user, via, now)
            .await
        {
            Ok(changed) => changed,
            Err(AppError::Conflict { message }) => return Ok(format!("#{number}: {message}")),
            Err(e) => return Err(e),
        };
    Ok(if changed {
        format!("{} #{number}", action.past_tense())
    } else {
        format!(
            "#{number} was already {}",
            match action {
                Action::Resolve => "resolved",
                _ => "acknowledged or resolved",
            }
        )
    })
}
