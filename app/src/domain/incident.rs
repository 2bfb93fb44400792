//! The incident state machine and severity → urgency, as pure functions.

use serde::{Deserialize, Serialize};

/// Where an incident stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Open,
    Acknowledged,
    Snoozed,
    Suppressed,
    Resolved,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Open,
        Status::Acknowledged,
        Status::Snoozed,
        Status::Suppressed,
        Status::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "OPEN",
            Status::Acknowledged => "ACKNOWLEDGED",
            Status::Snoozed => "SNOOZED",
            Status::Suppressed => "SUPPRESSED",
            Status::Resolved => "RESOLVED",
        }
    }

    pub fn parse(raw: &str) -> Option<Status> {
        Status::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(raw.trim()))
    }
}

/// How loudly an incident pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Urgency {
    High,
    Medium,
    Low,
}

impl Urgency {
    pub const ALL: [Urgency; 3] = [Urgency::High, Urgency::Medium, Urgency::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::High => "HIGH",
            Urgency::Medium => "MEDIUM",
            Urgency::Low => "LOW",
        }
    }

    pub fn parse(raw: &str) -> Option<Urgency> {
        Urgency::ALL
            .into_iter()
            .find(|u| u.as_str().eq_ignore_ascii_case(raw.trim()))
    }
}

/// PagerDuty's event severities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    pub fn parse(raw: &str) -> Option<Severity> {
        match raw {
            "critical" => Some(Severity::Critical),
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }

    /// critical → HIGH, error and warning → MEDIUM, info → LOW.
    pub fn urgency(self) -> Urgency {
        match self {
            Severity::Critical => Urgency::High,
            Severity::Error | Severity::Warning => Urgency::Medium,
            Severity::Info => Urgency::Low,
        }
    }
}

/// What an event or a person asks of an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Acknowledge,
    Snooze,
    Unsnooze,
    Resolve,
    Reopen,
    /// The acknowledgement timed out (the service's ack timeout): back to OPEN, escalating.
    Unacknowledge,
    /// What a maintenance window held (SUPPRESSED) is let go when it ends: OPEN, escalating.
    Release,
    /// A maintenance window that holds open incidents starts: an OPEN one pauses, SUPPRESSED.
    Hold,
}

/// The status after `t`, or `None` when `t` does not apply (a repeat, or a transition that
/// makes no sense from here). `None` means: change nothing, notify nobody.
pub fn next_status(from: Status, t: Transition) -> Option<Status> {
    use Status::*;
    match (from, t) {
        (Open | Snoozed | Suppressed, Transition::Acknowledge) => Some(Acknowledged),
        (Open | Acknowledged, Transition::Snooze) => Some(Snoozed),
        (Snoozed, Transition::Unsnooze) => Some(Open),
        (Open | Acknowledged | Snoozed | Suppressed, Transition::Resolve) => Some(Resolved),
        (Resolved, Transition::Reopen) => Some(Open),
        (Acknowledged, Transition::Unacknowledge) => Some(Open),
        (Suppressed, Transition::Release) => Some(Open),
        (Open, Transition::Hold) => Some(Suppressed),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_no_ops_and_resolved_only_reopens() {
        for s in Status::ALL {
            for t in [
                Transition::Acknowledge,
                Transition::Snooze,
                Transition::Unsnooze,
                Transition::Resolve,
                Transition::Reopen,
                Transition::Unacknowledge,
                Transition::Release,
                Transition::Hold,
            ] {
                if let Some(to) = next_status(s, t) {
                    // Applying the same transition again never changes anything.
                    assert_eq!(next_status(to, t), None, "{s:?} {t:?} twice");
                    assert_ne!(to, s);
                }
            }
            if s != Status::Resolved {
                assert_eq!(next_status(s, Transition::Reopen), None);
            }
        }
        assert_eq!(next_status(Status::Resolved, Transition::Acknowledge), None);
        assert_eq!(
            next_status(Status::Resolved, Transition::Reopen),
            Some(Status::Open)
        );
    }

    #[test]
    fn severity_maps_to_urgency() {
        assert_eq!(Severity::Critical.urgency(), Urgency::High);
        assert_eq!(Severity::Error.urgency(), Urgency::Medium);
        assert_eq!(Severity::Warning.urgency(), Urgency::Medium);
        assert_eq!(Severity::Info.urgency(), Urgency::Low);
        assert_eq!(
            Severity::parse("CRITICAL"),
            None,
            "PagerDuty severities are lowercase"
        );
    }
}
