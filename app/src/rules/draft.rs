//! The editor's model of a rule: one signal per input, converted from and to the stored JSON.
//! The form shows a rule as "all"/"any" of field tests (each may be negated) and at most one
//! time window; a rule nested deeper keeps its condition as JSON, edited as text.

use leptos::prelude::*;
use serde_json::{Value, json};

use crate::domain::window::TimeWindow;

fn key() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// One field test.
#[derive(Clone, Copy)]
pub struct CondRow {
    pub key: u64,
    pub field: RwSignal<String>,
    pub op: RwSignal<String>,
    pub value: RwSignal<String>,
    pub negate: RwSignal<bool>,
}

impl CondRow {
    pub fn new(field: &str, op: &str, value: &str, negate: bool) -> Self {
        CondRow {
            key: key(),
            field: RwSignal::new(field.to_owned()),
            op: RwSignal::new(op.to_owned()),
            value: RwSignal::new(value.to_owned()),
            negate: RwSignal::new(negate),
        }
    }

    fn from_json(v: &Value) -> Option<CondRow> {
        let (inner, negate) = match v.get("not") {
            Some(n) => (n, true),
            None => (v, false),
        };
        let field = inner.get("field")?.as_str()?;
        let op = inner.get("op")?.as_str()?;
        let value = match inner.get("value") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        Some(CondRow::new(field, op, &value, negate))
    }

    fn to_json(self) -> Value {
        let op = self.op.get_untracked();
        let test = if op == "exists" {
            json!({"field": self.field.get_untracked().trim(), "op": op})
        } else {
            json!({"field": self.field.get_untracked().trim(), "op": op,
                   "value": self.value.get_untracked()})
        };
        if self.negate.get_untracked() {
            json!({"not": test})
        } else {
            test
        }
    }
}

/// One rule as the form edits it.
#[derive(Clone, Copy)]
pub struct RuleRow {
    pub key: u64,
    pub name: RwSignal<String>,
    pub enabled: RwSignal<bool>,
    /// "all" or "any".
    pub mode: RwSignal<String>,
    pub conds: RwSignal<Vec<CondRow>>,
    pub timed: RwSignal<bool>,
    pub zone: RwSignal<String>,
    pub days: RwSignal<Vec<String>>,
    pub from: RwSignal<String>,
    pub to: RwSignal<String>,
    /// A condition the form cannot show, as JSON text (then `conds` and the window are unused).
    pub raw_when: RwSignal<Option<String>>,
    pub drop: RwSignal<bool>,
    pub suppress: RwSignal<bool>,
    pub urgency: RwSignal<String>,
    pub priority: RwSignal<String>,
    pub route_to: RwSignal<String>,
    pub dedup_key: RwSignal<String>,
    pub note: RwSignal<String>,
}

fn text(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or("").to_owned()
}

impl RuleRow {
    pub fn blank(n: usize, zone: &str) -> RuleRow {
        let r = RuleRow::from_json(&json!({"name": format!("Rule {n}"), "then": {}}));
        r.conds
            .set(vec![CondRow::new("summary", "contains", "", false)]);
        r.zone.set(zone.to_owned());
        r
    }

    pub fn from_json(v: &Value) -> RuleRow {
        let when = v.get("when").cloned().unwrap_or(json!({"all": []}));
        let then = v.get("then").cloned().unwrap_or(json!({}));
        let row = RuleRow {
            key: key(),
            name: RwSignal::new(text(v, "name")),
            enabled: RwSignal::new(v.get("enabled").and_then(Value::as_bool).unwrap_or(true)),
            mode: RwSignal::new("all".into()),
            conds: RwSignal::new(Vec::new()),
            timed: RwSignal::new(false),
            zone: RwSignal::new("UTC".into()),
            days: RwSignal::new(Vec::new()),
            from: RwSignal::new("09:00".into()),
            to: RwSignal::new("17:00".into()),
            raw_when: RwSignal::new(None),
            drop: RwSignal::new(then.get("drop").and_then(Value::as_bool).unwrap_or(false)),
            suppress: RwSignal::new(
                then.get("suppress")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            ),
            urgency: RwSignal::new(text(&then, "urgency")),
            priority: RwSignal::new(text(&then, "priority")),
            route_to: RwSignal::new(text(&then, "route_to")),
            dedup_key: RwSignal::new(text(&then, "dedup_key")),
            note: RwSignal::new(text(&then, "note")),
        };
        if !row.fill_when(&when) {
            row.raw_when.set(serde_json::to_string_pretty(&when).ok());
        }
        row
    }

    /// Shows `when` in the form if it has the form's shape.
    fn fill_when(&self, when: &Value) -> bool {
        let (mode, items) = match (when.get("all"), when.get("any")) {
            (Some(Value::Array(a)), _) => ("all", a.clone()),
            (_, Some(Value::Array(a))) => ("any", a.clone()),
            _ => ("all", vec![when.clone()]),
        };
        let mut conds = Vec::new();
        let mut window: Option<TimeWindow> = None;
        for item in &items {
            if let Some(t) = item.get("time") {
                let Ok(w) = serde_json::from_value::<TimeWindow>(t.clone()) else {
                    return false;
                };
                if window.is_some() || mode == "any" {
                    return false;
                }
                window = Some(w);
            } else if let Some(c) = CondRow::from_json(item) {
                conds.push(c);
            } else {
                return false;
            }
        }
        self.mode.set(mode.into());
        self.conds.set(conds);
        if let Some(w) = window {
            self.timed.set(true);
            self.zone.set(w.zone);
            self.days.set(w.days);
            self.from.set(w.from);
            self.to.set(w.to);
        }
        true
    }

    /// The rule as the API takes it. Invalid JSON in the raw condition is sent as text, so
    /// the server names the field.
    pub fn to_json(&self) -> Value {
        let when = match self.raw_when.get_untracked() {
            Some(raw) => serde_json::from_str(&raw).unwrap_or(Value::String(raw)),
            None => {
                let mut items: Vec<Value> = self
                    .conds
                    .get_untracked()
                    .into_iter()
                    .map(CondRow::to_json)
                    .collect();
                if self.timed.get_untracked() {
                    items.push(json!({"time": {"zone": self.zone.get_untracked(),
                        "days": self.days.get_untracked(), "from": self.from.get_untracked(),
                        "to": self.to.get_untracked()}}));
                }
                let mut m = serde_json::Map::new();
                m.insert(self.mode.get_untracked(), Value::Array(items));
                Value::Object(m)
            }
        };
        let mut then = serde_json::Map::new();
        if self.drop.get_untracked() {
            then.insert("drop".into(), json!(true));
        }
        if self.suppress.get_untracked() {
            then.insert("suppress".into(), json!(true));
        }
        for (k, s) in [
            ("urgency", self.urgency),
            ("priority", self.priority),
            ("route_to", self.route_to),
            ("dedup_key", self.dedup_key),
            ("note", self.note),
        ] {
            let v = s.get_untracked();
            if !v.trim().is_empty() {
                then.insert(k.into(), json!(v.trim()));
            }
        }
        json!({"name": self.name.get_untracked(), "enabled": self.enabled.get_untracked(),
               "when": when, "then": then})
    }
}

/// The whole list as the API takes it.
pub fn list_json(rows: &[RuleRow]) -> Value {
    Value::Array(rows.iter().map(RuleRow::to_json).collect())
}
