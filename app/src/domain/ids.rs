//! Typed ids: a `UserId` can never be passed where an `IncidentId` is expected.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Declares a UUID-backed id newtype with serde, Display and (on the server) sqlx support.
macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

typed_id!(
    /// A user account.
    UserId
);
typed_id!(
    /// A team of users.
    TeamId
);
typed_id!(
    /// An API key (not the secret itself).
    ApiKeyId
);
typed_id!(
    /// A user's email address or phone number.
    ContactMethodId
);
typed_id!(
    /// A sign-in session (not its token).
    SessionId
);
typed_id!(
    /// Something you run and get paged about.
    ServiceId
);
typed_id!(
    /// One way alerts reach a service (a routing key of a given kind).
    IntegrationId
);
typed_id!(
    /// An incident.
    IncidentId
);

typed_id!(
    /// An escalation policy.
    PolicyId
);
typed_id!(
    /// One of a user's notification rules.
    NotificationRuleId
);

typed_id!(
    /// An on-call schedule.
    ScheduleId
);
typed_id!(
    /// One rotation layer of a schedule.
    LayerId
);
typed_id!(
    /// A schedule override (add, remove or replace someone for a window).
    OverrideId
);
typed_id!(
    /// A temporary schedule: fixed shifts that replace a schedule for a window.
    TemporaryId
);
typed_id!(
    /// A secret iCal feed URL (not the secret itself).
    FeedId
);
typed_id!(
    /// One device's Web Push subscription.
    PushSubscriptionId
);
typed_id!(
    /// A service channel: a Slack channel, a Teams or Discord webhook, an outbound webhook….
    ChannelId
);
typed_id!(
    /// A maintenance window.
    MaintenanceId
);
typed_id!(
    /// A heartbeat monitor: a job that must ping on time (not its token).
    HeartbeatId
);
typed_id!(
    /// A postmortem (one per resolved incident).
    PostmortemId
);
typed_id!(
    /// One action item of a postmortem.
    ActionItemId
);
typed_id!(
    /// A status-page component (a service as the public sees it).
    StatusComponentId
);
typed_id!(
    /// A hand-written status-page incident.
    StatusIncidentId
);
typed_id!(
    /// A status-page email subscriber.
    StatusSubscriberId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_string_and_json() {
        let id = UserId::new();
        assert_eq!(id.to_string().parse::<UserId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert!("not-a-uuid".parse::<UserId>().is_err());
    }
}
