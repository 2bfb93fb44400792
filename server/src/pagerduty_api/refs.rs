//! Object heads and references (`{id, type, summary, self, html_url}`), `self` URLs
//! (`<public base>/pagerduty/<path>`), times, ids, and the mappings between OpsKnight's values
//! and PagerDuty's.

use std::fmt::Display;
use std::str::FromStr;

use app::domain::{Role, Status, Urgency};
use app::state::AppState;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::error::{PdError, PdResult};

/// The API's mount point under the public base URL.
pub const PREFIX: &str = "/pagerduty";

/// The kinds of object with their own URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Incident,
    Service,
    EscalationPolicy,
    Schedule,
    User,
    Team,
}

impl Kind {
    /// The `type` of a full object (`escalation_policy`).
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::Incident => "incident",
            Kind::Service => "service",
            Kind::EscalationPolicy => "escalation_policy",
            Kind::Schedule => "schedule",
            Kind::User => "user",
            Kind::Team => "team",
        }
    }

    /// The collection's path segment (`escalation_policies`).
    pub fn collection(self) -> &'static str {
        match self {
            Kind::Incident => "incidents",
            Kind::Service => "services",
            Kind::EscalationPolicy => "escalation_policies",
            Kind::Schedule => "schedules",
            Kind::User => "users",
            Kind::Team => "teams",
        }
    }

    /// The web UI page showing the object.
    fn web_path(self, id: &str) -> String {
        match self {
            Kind::Incident => format!("/incidents/{id}"),
            Kind::Service => format!("/services/{id}"),
            Kind::EscalationPolicy => format!("/policies/{id}"),
            Kind::Schedule => format!("/schedules/{id}"),
            Kind::User => "/users".to_owned(),
            Kind::Team => format!("/teams/{id}"),
        }
    }
}

/// Builds URLs and references against the public base URL.
#[derive(Debug, Clone)]
pub struct Urls {
    base: String,
}

impl Urls {
    pub fn new(state: &AppState) -> Urls {
        Urls {
            base: state.public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// `<base>/pagerduty/<path>`.
    pub fn api(&self, path: &str) -> String {
        format!("{}{PREFIX}/{}", self.base, path.trim_start_matches('/'))
    }

    /// `<base><path>` (a web UI page).
    pub fn web(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The object's `self`.
    pub fn self_of(&self, kind: Kind, id: &impl Display) -> String {
        self.api(&format!("{}/{id}", kind.collection()))
    }

    /// A reference: `{id, type: <kind>_reference, summary, self, html_url}`.
    pub fn reference(&self, kind: Kind, id: &impl Display, summary: &str) -> Value {
        let mut head = self.head(kind, id, summary);
        if let Some(obj) = head.as_object_mut() {
            obj.insert(
                "type".into(),
                json!(format!("{}_reference", kind.type_name())),
            );
        }
        head
    }

    /// A full object's head: `{id, type, summary, self, html_url}`, to extend.
    pub fn head(&self, kind: Kind, id: &impl Display, summary: &str) -> Value {
        let id = id.to_string();
        json!({
            "id": id,
            "type": kind.type_name(),
            "summary": summary,
            "self": self.self_of(kind, &id),
            "html_url": self.web(&kind.web_path(&id)),
        })
    }
}

/// `head` with `fields` added.
pub fn object(head: Value, fields: Value) -> Value {
    let mut out = match head {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    if let Value::Object(f) = fields {
        out.extend(f);
    }
    Value::Object(out)
}

/// A time as PagerDuty writes it: `2026-03-08T06:30:00Z`.
pub fn ts(t: DateTime<Utc>) -> Value {
    json!(t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// An optional time, or null.
pub fn ts_opt(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, ts)
}

/// A path id of `what`; a malformed one names nothing (404).
pub fn parse_id<T: FromStr>(raw: &str, what: &str) -> PdResult<T> {
    raw.trim().parse().map_err(|_| PdError::not_found(what))
}

/// OpsKnight's status as PagerDuty's: OPEN and SUPPRESSED are `triggered` (nobody has taken
/// them), ACKNOWLEDGED and SNOOZED are `acknowledged` (at PagerDuty a snooze is a timed
/// acknowledgement), RESOLVED is `resolved`.
pub fn pd_status(s: Status) -> &'static str {
    match s {
        Status::Open | Status::Suppressed => "triggered",
        Status::Acknowledged | Status::Snoozed => "acknowledged",
        Status::Resolved => "resolved",
    }
}

/// The OpsKnight statuses a PagerDuty status stands for; `None` for an unknown one.
pub fn our_statuses(pd: &str) -> Option<&'static [Status]> {
    match pd.trim().to_ascii_lowercase().as_str() {
        "triggered" => Some(&[Status::Open, Status::Suppressed]),
        "acknowledged" => Some(&[Status::Acknowledged, Status::Snoozed]),
        "resolved" => Some(&[Status::Resolved]),
        _ => None,
    }
}

/// OpsKnight's urgency as PagerDuty's: HIGH and MEDIUM are `high` (OpsKnight pages MEDIUM the
/// same way as HIGH), LOW is `low`.
pub fn pd_urgency(u: Urgency) -> &'static str {
    match u {
        Urgency::High | Urgency::Medium => "high",
        Urgency::Low => "low",
    }
}

/// The OpsKnight urgencies a PagerDuty urgency stands for.
pub fn our_urgencies(pd: &str) -> Option<&'static [Urgency]> {
    match pd.trim().to_ascii_lowercase().as_str() {
        "high" => Some(&[Urgency::High, Urgency::Medium]),
        "low" => Some(&[Urgency::Low]),
        _ => None,
    }
}

/// The urgency a PagerDuty urgency sets (`high` → HIGH, `low` → LOW).
pub fn urgency_to_set(pd: &str) -> Option<Urgency> {
    match pd.trim().to_ascii_lowercase().as_str() {
        "high" => Some(Urgency::High),
        "low" => Some(Urgency::Low),
        _ => None,
    }
}

/// OpsKnight's role as PagerDuty's: ADMIN is `admin`, RESPONDER (changes services and
/// schedules) is `user` (PagerDuty's Manager), USER (acts on its own incidents) is
/// `limited_user` (PagerDuty's Responder).
pub fn pd_role(r: Role) -> &'static str {
    match r {
        Role::Admin => "admin",
        Role::Responder => "user",
        Role::User => "limited_user",
    }
}

/// The OpsKnight role a PagerDuty role asks for (`owner` is `admin`; `observer`,
/// `restricted_access` and `read_only_user` read like a USER).
pub fn our_role(pd: &str) -> Option<Role> {
    match pd.trim() {
        "admin" | "owner" => Some(Role::Admin),
        "user" => Some(Role::Responder),
        "limited_user"
        | "observer"
        | "restricted_access"
        | "read_only_user"
        | "read_only_limited_user" => Some(Role::User),
        _ => None,
    }
}

/// The id of a reference in a request body (`{"id": "…", "type": "…"}`), if any.
pub fn ref_id(v: &Value) -> Option<&str> {
    v.get("id").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_urgencies_round_trip_through_their_filters() {
        for s in Status::ALL {
            let back = our_statuses(pd_status(s)).unwrap_or_default();
            assert!(back.contains(&s), "{s:?}");
        }
        for u in Urgency::ALL {
            assert!(
                our_urgencies(pd_urgency(u))
                    .unwrap_or_default()
                    .contains(&u)
            );
        }
        assert_eq!(our_statuses("open"), None);
        assert_eq!(urgency_to_set("HIGH"), Some(Urgency::High));
        for r in Role::ALL {
            assert_eq!(our_role(pd_role(r)), Some(r));
        }
    }

    #[test]
    fn references_point_under_the_prefix() {
        let urls = Urls {
            base: "https://pd.example.com/ok".into(),
        };
        let r = urls.reference(Kind::EscalationPolicy, &"abc", "Ops");
        assert_eq!(r["type"], "escalation_policy_reference");
        assert_eq!(
            r["self"],
            "https://pd.example.com/ok/pagerduty/escalation_policies/abc"
        );
        assert_eq!(r["html_url"], "https://pd.example.com/ok/policies/abc");
        let t: DateTime<Utc> = "2026-03-08T06:30:00.123Z".parse().unwrap_or_default();
        assert_eq!(ts(t), "2026-03-08T06:30:00Z");
    }
}
