//! Event rules: what a rule is (conditions on an event, and what to do with it), shared by the
//! ingest path, the API and the editor. Parsing with per-field errors is `parse.rs`, field
//! lookup and key templates `field.rs`, evaluation (server only: regexes) `eval.rs`, storage
//! `store.rs`, server functions `api.rs`, and the editor `page.rs`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod apply;
pub mod draft;
#[cfg(feature = "ssr")]
pub mod eval;
pub mod field;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod page;
pub mod parse;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(all(test, feature = "ssr"))]
mod tests;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::window::TimeWindow;
use crate::domain::{ServiceId, Urgency};

/// Comparison operators of a field test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Equals,
    Contains,
    Matches,
    Exists,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Op {
    pub const ALL: [Op; 8] = [
        Op::Equals,
        Op::Contains,
        Op::Matches,
        Op::Exists,
        Op::Gt,
        Op::Gte,
        Op::Lt,
        Op::Lte,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Equals => "equals",
            Op::Contains => "contains",
            Op::Matches => "matches",
            Op::Exists => "exists",
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::Lt => "lt",
            Op::Lte => "lte",
        }
    }

    /// How the editor names it.
    pub fn label(self) -> &'static str {
        match self {
            Op::Equals => "equals",
            Op::Contains => "contains",
            Op::Matches => "matches regex",
            Op::Exists => "exists",
            Op::Gt => ">",
            Op::Gte => "≥",
            Op::Lt => "<",
            Op::Lte => "≤",
        }
    }

    pub fn parse(raw: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|o| o.as_str() == raw.trim())
    }

    pub fn numeric(self) -> bool {
        matches!(self, Op::Gt | Op::Gte | Op::Lt | Op::Lte)
    }
}

/// A condition tree. `All([])` always holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Test {
        field: String,
        op: Op,
        value: String,
    },
    Time(TimeWindow),
}

impl Condition {
    /// The JSON form rules are stored and exchanged in.
    pub fn to_json(&self) -> Value {
        match self {
            Condition::All(v) => {
                json!({"all": v.iter().map(Condition::to_json).collect::<Vec<_>>()})
            }
            Condition::Any(v) => {
                json!({"any": v.iter().map(Condition::to_json).collect::<Vec<_>>()})
            }
            Condition::Not(c) => json!({"not": c.to_json()}),
            Condition::Test {
                field,
                op: Op::Exists,
                ..
            } => json!({"field": field, "op": "exists"}),
            Condition::Test { field, op, value } => {
                json!({"field": field, "op": op.as_str(), "value": value})
            }
            Condition::Time(w) => json!({"time": w}),
        }
    }
}

/// What a matching rule does. `drop` excludes every other action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actions {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suppress: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Urgency>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Global rules only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_to: Option<ServiceId>,
    /// A key template such as `{{labels.alertname}}/{{labels.cluster}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One rule. Rules are tried in order; the first enabled one whose condition holds applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub enabled: bool,
    pub when: Condition,
    pub then: Actions,
}

impl Rule {
    pub fn to_json(&self) -> Value {
        json!({"name": self.name, "enabled": self.enabled, "when": self.when.to_json(),
               "then": self.then})
    }
}

/// The rules of one scope, as stored.
pub fn rules_json(rules: &[Rule]) -> Value {
    Value::Array(rules.iter().map(Rule::to_json).collect())
}

/// A scope's rules as the editor reads them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSetView {
    /// `None` for the global rules.
    pub service_id: Option<ServiceId>,
    /// Bumped at every save; a save must name the version it edited.
    pub version: i64,
    pub rules: Value,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    pub updated_by: Option<String>,
    /// Events dropped by rules in the last 24 hours (the scope's services).
    pub dropped_24h: i64,
    /// Services a global rule may route to: (id, name).
    pub services: Vec<(ServiceId, String)>,
}

/// What the test panel shows for one pasted event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestedEvent {
    pub summary: String,
    pub action: String,
    /// "Global rule 2 “Drop staging”", or nothing matched.
    pub matched: Vec<String>,
    /// What happens, in words: "Dropped (counted)", "Opens a SUPPRESSED incident on …".
    pub outcome: Vec<String>,
}

/// The formats the test panel reads, as receivers name them.
pub const FORMATS: [(&str, &str); 5] = [
    ("events_v2", "PagerDuty Events v2"),
    ("prometheus", "Prometheus Alertmanager"),
    ("grafana", "Grafana"),
    ("datadog", "Datadog"),
    ("webhook", "Generic webhook"),
];

/// Limits that keep a rule set cheap to evaluate on every event.
pub const MAX_RULES: usize = 200;
pub const MAX_CONDITIONS: usize = 64;
pub const MAX_DEPTH: usize = 8;
pub const MAX_PATTERN: usize = 512;
pub const MAX_TEXT: usize = 1024;

/// Reads a pasted body as a receiver of `format` would (the server's receivers, for the test
/// panel): the events, or one message per problem.
#[cfg(feature = "ssr")]
pub trait EventFormats: Send + Sync + std::fmt::Debug {
    fn parse(
        &self,
        format: &str,
        body: &[u8],
    ) -> Result<Vec<crate::incidents::InboundEvent>, Vec<String>>;
}
