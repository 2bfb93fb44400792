//! Server functions for the caller's own notification rules: shells over `ops` (like the
//! rest of a profile: a session, or a key with the `admin` scope).

use leptos::prelude::*;

use super::NotificationRule;
use crate::domain::{ContactMethodId, NotificationRuleId};
use crate::error::AppError;

/// `POST /api/profile/notification-rules` → the caller's rules. None means the default:
/// email to the sign-in address as soon as a step pages them.
#[server(prefix = "/api", endpoint = "profile/notification-rules", input = server_fn::codec::Json)]
pub async fn list_notification_rules() -> Result<Vec<NotificationRule>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::list(&state, &caller).await
}

/// `POST /api/profile/notification-rules/add` with `{"contact_method_id","delay_minutes":0}`:
/// page that contact method this many minutes after a step pages the caller.
#[server(prefix = "/api", endpoint = "profile/notification-rules/add", input = server_fn::codec::Json)]
pub async fn add_notification_rule(
    contact_method_id: ContactMethodId,
    delay_minutes: i32,
) -> Result<Vec<NotificationRule>, AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::add(&state, &caller, contact_method_id, delay_minutes).await
}

/// `POST /api/profile/notification-rules/remove` with `{"id"}`.
#[server(prefix = "/api", endpoint = "profile/notification-rules/remove", input = server_fn::codec::Json)]
pub async fn remove_notification_rule(id: NotificationRuleId) -> Result<(), AppError> {
    let (state, caller) = crate::auth::caller::current().await?;
    super::ops::remove(&state, &caller, id).await
}
