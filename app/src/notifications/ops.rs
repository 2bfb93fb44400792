//! Every notification-rule operation, once: the caller's check (their own account, like the
//! rest of a profile: a session, or a key with the `admin` scope), validation and the change.

use super::NotificationRule;
use crate::auth::caller::Caller;
use crate::domain::{Access, ContactMethodId, NotificationRuleId};
use crate::error::AppError;
use crate::state::AppState;

/// The caller's rules.
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<NotificationRule>, AppError> {
    caller.check(Access::OwnAccount)?;
    super::store::rules(&state.pool, caller.user.id).await
}

/// Pages the contact method `delay_minutes` after a step pages the caller → the caller's rules.
pub async fn add(
    state: &AppState,
    caller: &Caller,
    contact_method_id: ContactMethodId,
    delay_minutes: i32,
) -> Result<Vec<NotificationRule>, AppError> {
    caller.check(Access::OwnAccount)?;
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

/// Removes one of the caller's rules.
pub async fn remove(
    state: &AppState,
    caller: &Caller,
    id: NotificationRuleId,
) -> Result<(), AppError> {
    caller.check(Access::OwnAccount)?;
    super::store::delete_rule(&state.pool, caller.user.id, id).await
}
