//! Server functions for the caller's own notification rules (like the rest of a profile: a
//! session, or a key with the `admin` scope).

use leptos::prelude::*;

use super::NotificationRule;
use crate::domain::{ContactMethodId, NotificationRuleId};
use crate::error::AppError;

/// `POST /api/profile/notification-rules` → the caller's rules. None means the default:
/// email to the sign-in address as soon as a step pages them.
#[server(prefix = "/api", endpoint = "profile/notification-rules", input = server_fn::codec::Json)]
pub async fn list_notification_rules() -> Result<Vec<NotificationRule>, AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::OwnAccount).await?;
    let state = crate::state::app_state()?;
    super::store::rules(&state.pool, caller.user.id).await
}

/// `POST /api/profile/notification-rules/add` with `{"contact_method_id","delay_minutes":0}`:
/// page that contact method this many minutes after a step pages the caller.
#[server(prefix = "/api", endpoint = "profile/notification-rules/add", input = server_fn::codec::Json)]
pub async fn add_notification_rule(
    contact_method_id: ContactMethodId,
    delay_minutes: i32,
) -> Result<Vec<NotificationRule>, AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::OwnAccount).await?;
    let state = crate::state::app_state()?;
    if !(0..=super::MAX_RULE_DELAY).contains(&delay_minutes) {
        return Err(AppError::invalid(
            "delay_minutes",
            format!("must be between 0 and {} minutes", super::MAX_RULE_DELAY),
        ));
    }
    super::store::add_rule(
        &state.pool,
        caller.user.id,
        contact_method_id,
        delay_minutes,
        state.clock.now(),
    )
    .await?;
    super::store::rules(&state.pool, caller.user.id).await
}

/// `POST /api/profile/notification-rules/remove` with `{"id"}`.
#[server(prefix = "/api", endpoint = "profile/notification-rules/remove", input = server_fn::codec::Json)]
pub async fn remove_notification_rule(id: NotificationRuleId) -> Result<(), AppError> {
    let caller = crate::auth::caller::authorize(crate::domain::Access::OwnAccount).await?;
    let state = crate::state::app_state()?;
    super::store::delete_rule(&state.pool, caller.user.id, id).await
}
