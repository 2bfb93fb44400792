//! Rule evaluation, a pure function of (rules, event, time): rules compiled once (regexes with
//! a size limit, numbers parsed, windows resolved), then the first enabled match per scope.
//! The global rules run first (they may route to another service), then the rules of the
//! service the event ends up on; where both set an action, the service's wins.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use regex::{Regex, RegexBuilder};

use super::field::{as_text, lookup, render};
use super::{Actions, Condition, Op, Rule};
use crate::domain::window::Window;
use crate::domain::{ServiceId, Urgency};
use crate::error::AppError;
use crate::incidents::InboundEvent;

/// A compiled automaton may use at most this much memory; larger patterns are refused.
const REGEX_SIZE: usize = 64 * 1024;

/// Compiles a rule's pattern, or says in words why not.
pub fn compile_regex(p: &str) -> Result<Regex, String> {
    RegexBuilder::new(p)
        .size_limit(REGEX_SIZE)
        .dfa_size_limit(4 * REGEX_SIZE)
        .nest_limit(32)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => format!(
                "is too costly to evaluate on every event (its automaton exceeds {} KiB); \
                 avoid nested counted repetition such as (a{{100}}){{100}}",
                REGEX_SIZE / 1024
            ),
            other => format!(
                "is not a valid regular expression: {}",
                first_line(&other.to_string())
            ),
        })
}

fn first_line(s: &str) -> String {
    s.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_owned()
}

enum Node {
    All(Vec<Node>),
    Any(Vec<Node>),
    Not(Box<Node>),
    Test { path: String, test: Test },
    Time(Window),
}

enum Test {
    Equals(String),
    Contains(String),
    Matches(Regex),
    Exists,
    Number(Op, f64),
}

fn compile_node(c: &Condition) -> Result<Node, AppError> {
    let invalid = |m: String| AppError::Internal { message: m };
    Ok(match c {
        Condition::All(v) => Node::All(v.iter().map(compile_node).collect::<Result<_, _>>()?),
        Condition::Any(v) => Node::Any(v.iter().map(compile_node).collect::<Result<_, _>>()?),
        Condition::Not(c) => Node::Not(Box::new(compile_node(c)?)),
        Condition::Time(w) => Node::Time(w.compile("when.time")?),
        Condition::Test { field, op, value } => Node::Test {
            path: field.clone(),
            test: match op {
                Op::Equals => Test::Equals(value.clone()),
                Op::Contains => Test::Contains(value.clone()),
                Op::Exists => Test::Exists,
                Op::Matches => Test::Matches(compile_regex(value).map_err(invalid)?),
                o => Test::Number(
                    *o,
                    value
                        .trim()
                        .parse()
                        .map_err(|_| invalid(format!("rule value {value:?} is not a number")))?,
                ),
            },
        },
    })
}

impl Node {
    fn holds(&self, ev: &InboundEvent, now: DateTime<Utc>) -> bool {
        match self {
            Node::All(v) => v.iter().all(|n| n.holds(ev, now)),
            Node::Any(v) => v.iter().any(|n| n.holds(ev, now)),
            Node::Not(n) => !n.holds(ev, now),
            Node::Time(w) => w.contains(now),
            Node::Test { path, test } => {
                let Some(v) = lookup(ev, path) else {
                    return false;
                };
                match test {
                    Test::Exists => true,
                    Test::Equals(x) => as_text(&v) == x.as_str(),
                    // A list contains an element equal to the value; text contains a substring.
                    Test::Contains(x) => match v.as_array() {
                        Some(items) => items.iter().any(|i| as_text(i) == x.as_str()),
                        None => as_text(&v).contains(x.as_str()),
                    },
                    Test::Matches(re) => re.is_match(&as_text(&v)),
                    Test::Number(op, x) => {
                        let n = match v.as_ref() {
                            serde_json::Value::Number(n) => n.as_f64(),
                            serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
                            _ => None,
                        };
                        n.is_some_and(|n| match op {
                            Op::Gt => n > *x,
                            Op::Gte => n >= *x,
                            Op::Lt => n < *x,
                            _ => n <= *x,
                        })
                    }
                }
            }
        }
    }
}

/// A scope's rules, compiled.
pub struct Compiled {
    rules: Vec<(Rule, Node)>,
}

impl Compiled {
    pub fn new(rules: Vec<Rule>) -> Result<Compiled, AppError> {
        let rules = rules
            .into_iter()
            .map(|r| compile_node(&r.when).map(|n| (r, n)))
            .collect::<Result<_, _>>()?;
        Ok(Compiled { rules })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The first enabled rule that matches: its position and the rule.
    pub fn first_match(&self, ev: &InboundEvent, now: DateTime<Utc>) -> Option<(usize, &Rule)> {
        self.rules
            .iter()
            .enumerate()
            .find(|(_, (r, n))| r.enabled && n.holds(ev, now))
            .map(|(i, (r, _))| (i, r))
    }
}

/// Which rule matched, for the timeline and the test panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    pub global: bool,
    /// 1-based, as the editor numbers rules.
    pub position: usize,
    pub name: String,
}

/// What the rules decided for one event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub matched: Vec<Matched>,
    pub drop: bool,
    pub suppress: bool,
    pub urgency: Option<Urgency>,
    pub priority: Option<String>,
    pub route_to: Option<ServiceId>,
    /// The rendered key (never empty).
    pub dedup_key: Option<String>,
    pub notes: Vec<String>,
}

impl Outcome {
    fn apply(&mut self, m: Matched, a: &Actions, ev: &InboundEvent) {
        self.matched.push(m);
        self.drop |= a.drop;
        self.suppress |= a.suppress;
        self.urgency = a.urgency.or(self.urgency);
        if a.priority.is_some() {
            self.priority.clone_from(&a.priority);
        }
        self.route_to = a.route_to.or(self.route_to);
        if let Some(t) = &a.dedup_key {
            let key: String = render(t, ev).chars().take(255).collect();
            if !key.trim().is_empty() {
                self.dedup_key = Some(key);
            }
        }
        if let Some(n) = &a.note {
            self.notes.push(n.clone());
        }
    }
}

/// The global scope's decision; `service` is applied after it with [`service_stage`].
pub fn global_stage(global: &Compiled, ev: &InboundEvent, now: DateTime<Utc>) -> Outcome {
    let mut out = Outcome::default();
    if let Some((i, r)) = global.first_match(ev, now) {
        let m = Matched {
            global: true,
            position: i + 1,
            name: r.name.clone(),
        };
        out.apply(m, &r.then, ev);
    }
    out
}

/// The service scope, after the global one (skipped when the global rules dropped the event).
pub fn service_stage(out: &mut Outcome, service: &Compiled, ev: &InboundEvent, now: DateTime<Utc>) {
    if out.drop {
        return;
    }
    if let Some((i, r)) = service.first_match(ev, now) {
        let m = Matched {
            global: false,
            position: i + 1,
            name: r.name.clone(),
        };
        out.apply(m, &r.then, ev);
    }
}

/// Both scopes, when the event stays on its service (no route, or the caller resolved it).
pub fn evaluate(
    global: &Compiled,
    service: &Compiled,
    ev: &InboundEvent,
    now: DateTime<Utc>,
) -> Outcome {
    let mut out = global_stage(global, ev, now);
    service_stage(&mut out, service, ev, now);
    out
}

type CacheKey = (uuid::Uuid, i64);

/// Compiled rule sets by (row id, version): a version is immutable, so a hit is always right,
/// and every instance reads the version in the ingest transaction.
static CACHE: Mutex<Option<HashMap<CacheKey, Arc<Compiled>>>> = Mutex::new(None);

/// The compiled rules of a stored set, compiling them the first time this version is seen.
pub fn cached(
    row: uuid::Uuid,
    version: i64,
    rules: impl FnOnce() -> Result<Vec<Rule>, AppError>,
) -> Result<Arc<Compiled>, AppError> {
    let key = (row, version);
    if let Some(hit) = CACHE
        .lock()
        .ok()
        .and_then(|c| c.as_ref().and_then(|m| m.get(&key).cloned()))
    {
        return Ok(hit);
    }
    let compiled = Arc::new(Compiled::new(rules()?)?);
    if let Ok(mut c) = CACHE.lock() {
        let map = c.get_or_insert_with(HashMap::new);
        if map.len() >= 4096 {
            map.clear();
        }
        map.insert(key, compiled.clone());
    }
    Ok(compiled)
}
