//! Pure domain logic with no IO; compiles for the server and for WASM.

pub mod conditions;
pub mod contact;
pub mod egress;
pub mod email;
pub mod escalation;
pub mod ids;
pub mod incident;
pub mod interruption;
pub mod password;
pub mod phone;
pub mod role;
pub mod schedule;
pub mod scope;
pub mod timezone;
pub mod window;

pub use contact::ContactKind;
pub use email::Email;
pub use ids::{
    ActionItemId, ApiKeyId, ChannelId, ContactMethodId, FeedId, HeartbeatId, IncidentId,
    IntegrationId, LayerId, MaintenanceId, NotificationRuleId, OverrideId, PolicyId, PostmortemId,
    PushSubscriptionId, ScheduleId, ServiceId, SessionId, StatusComponentId, StatusIncidentId,
    StatusSubscriberId, TeamId, TemporaryId, UserId,
};
pub use incident::{Severity, Status, Transition, Urgency};
pub use phone::PhoneNumber;
pub use role::Role;
pub use scope::{Access, Area, Scope};
pub use timezone::parse_time_zone;

use crate::error::AppError;

/// A trimmed, non-empty display name of at most `max` characters.
pub fn parse_name(field: &str, raw: &str, max: usize) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AppError::invalid(field, "is required"));
    }
    if name.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(name.to_owned())
}
