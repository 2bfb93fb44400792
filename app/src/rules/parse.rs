//! Rules from JSON, checked: every refusal is a 400 naming the exact place
//! (`rules[2].when.all[0].op`). The same parse reads rules back from the database, where a
//! failure names the column instead.

use serde_json::{Map, Value};

use super::{
    Actions, Condition, MAX_CONDITIONS, MAX_DEPTH, MAX_PATTERN, MAX_RULES, MAX_TEXT, Op, Rule,
};
use crate::domain::window::TimeWindow;
use crate::domain::{ServiceId, Urgency};
use crate::error::AppError;

fn bad(field: &str, message: impl Into<String>) -> AppError {
    AppError::invalid(field, message)
}

fn text(field: &str, v: &Value, max: usize) -> Result<String, AppError> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return Err(bad(field, "must be a string")),
    };
    if s.chars().count() > max {
        return Err(bad(field, format!("must be at most {max} characters")));
    }
    if s.chars().any(|c| c.is_control() && c != '\t') {
        return Err(bad(field, "must not contain control characters"));
    }
    Ok(s)
}

fn object<'a>(field: &str, v: &'a Value) -> Result<&'a Map<String, Value>, AppError> {
    v.as_object().ok_or_else(|| bad(field, "must be an object"))
}

fn only(field: &str, o: &Map<String, Value>, known: &[&str]) -> Result<(), AppError> {
    match o.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(bad(
            &format!("{field}.{k}"),
            format!("is not a known key (expected one of {})", known.join(", ")),
        )),
        None => Ok(()),
    }
}

/// A rule list (the body of a save).
pub fn parse_rules(field: &str, v: &Value, global: bool) -> Result<Vec<Rule>, AppError> {
    let list = v
        .as_array()
        .ok_or_else(|| bad(field, "must be a list of rules"))?;
    if list.len() > MAX_RULES {
        return Err(bad(field, format!("at most {MAX_RULES} rules per scope")));
    }
    list.iter()
        .enumerate()
        .map(|(i, r)| parse_rule(&format!("{field}[{i}]"), r, global))
        .collect()
}

fn parse_rule(field: &str, v: &Value, global: bool) -> Result<Rule, AppError> {
    let o = object(field, v)?;
    only(field, o, &["name", "enabled", "when", "then"])?;
    let name = crate::domain::parse_name(
        &format!("{field}.name"),
        o.get("name").and_then(Value::as_str).unwrap_or(""),
        120,
    )?;
    let enabled = match o.get("enabled") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(bad(&format!("{field}.enabled"), "must be true or false")),
    };
    let mut count = 0;
    let when = match o.get("when") {
        None | Some(Value::Null) => Condition::All(Vec::new()),
        Some(w) => parse_condition(&format!("{field}.when"), w, 1, &mut count)?,
    };
    let then = parse_actions(
        &format!("{field}.then"),
        o.get("then").unwrap_or(&Value::Null),
        global,
    )?;
    Ok(Rule {
        name,
        enabled,
        when,
        then,
    })
}

/// One condition node, at nesting `depth`; `count` totals the nodes of the rule.
pub fn parse_condition(
    field: &str,
    v: &Value,
    depth: usize,
    count: &mut usize,
) -> Result<Condition, AppError> {
    *count += 1;
    if *count > MAX_CONDITIONS {
        return Err(bad(
            field,
            format!("a rule has at most {MAX_CONDITIONS} conditions"),
        ));
    }
    if depth > MAX_DEPTH {
        return Err(bad(
            field,
            format!("conditions nest at most {MAX_DEPTH} deep"),
        ));
    }
    let o = object(field, v)?;
    if o.is_empty() {
        return Ok(Condition::All(Vec::new()));
    }
    let list = |key: &str, items: &Value, count: &mut usize| -> Result<Vec<Condition>, AppError> {
        let f = format!("{field}.{key}");
        let items = items
            .as_array()
            .ok_or_else(|| bad(&f, "must be a list of conditions"))?;
        items
            .iter()
            .enumerate()
            .map(|(i, c)| parse_condition(&format!("{f}[{i}]"), c, depth + 1, count))
            .collect()
    };
    if let Some(items) = o.get("all") {
        only(field, o, &["all"])?;
        return Ok(Condition::All(list("all", items, count)?));
    }
    if let Some(items) = o.get("any") {
        only(field, o, &["any"])?;
        return Ok(Condition::Any(list("any", items, count)?));
    }
    if let Some(inner) = o.get("not") {
        only(field, o, &["not"])?;
        let c = parse_condition(&format!("{field}.not"), inner, depth + 1, count)?;
        return Ok(Condition::Not(Box::new(c)));
    }
    if let Some(t) = o.get("time") {
        only(field, o, &["time"])?;
        let f = format!("{field}.time");
        let w: TimeWindow = serde_json::from_value(t.clone()).map_err(|_| {
            bad(&f, "must be {\"zone\", \"days\": [\"mon\", …], \"from\": \"HH:MM\", \"to\": \"HH:MM\"}")
        })?;
        w.compile(&f)?;
        return Ok(Condition::Time(w));
    }
    if o.contains_key("field") || o.contains_key("op") {
        only(field, o, &["field", "op", "value"])?;
        let path = text(
            &format!("{field}.field"),
            o.get("field").unwrap_or(&Value::Null),
            200,
        )?;
        let path = path.trim().to_owned();
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(bad(
                &format!("{field}.field"),
                "must be a dotted path such as payload.severity or labels.alertname",
            ));
        }
        let op_raw = o.get("op").and_then(Value::as_str).unwrap_or("");
        let op = Op::parse(op_raw).ok_or_else(|| {
            bad(
                &format!("{field}.op"),
                format!(
                    "{op_raw:?} is not one of {}",
                    Op::ALL.map(Op::as_str).join(", ")
                ),
            )
        })?;
        let vf = format!("{field}.value");
        let value = match (op, o.get("value")) {
            (Op::Exists, _) => String::new(),
            (_, None | Some(Value::Null)) => return Err(bad(&vf, "is required")),
            (Op::Matches, Some(v)) => {
                let p = text(&vf, v, MAX_PATTERN)?;
                check_pattern(&vf, &p)?;
                p
            }
            (o, Some(v)) if o.numeric() => {
                let n = text(&vf, v, 64)?;
                if n.trim().parse::<f64>().map(f64::is_finite) != Ok(true) {
                    return Err(bad(&vf, format!("{n:?} is not a number")));
                }
                n.trim().to_owned()
            }
            (_, Some(v)) => text(&vf, v, MAX_TEXT)?,
        };
        return Ok(Condition::Test {
            field: path,
            op,
            value,
        });
    }
    Err(bad(
        field,
        "must be one of {\"all\": […]}, {\"any\": […]}, {\"not\": …}, {\"time\": …} or {\"field\", \"op\", \"value\"}",
    ))
}

/// A regex is compiled with a size limit: a pattern whose automaton would be large (nested
/// counted repetition such as `(a{100}){100}`) is refused here, at save, not at ingest.
#[cfg(feature = "ssr")]
pub fn check_pattern(field: &str, p: &str) -> Result<(), AppError> {
    super::eval::compile_regex(p)
        .map(|_| ())
        .map_err(|why| bad(field, why))
}

/// In the browser the server checks patterns.
#[cfg(not(feature = "ssr"))]
pub fn check_pattern(_field: &str, _p: &str) -> Result<(), AppError> {
    Ok(())
}

fn parse_actions(field: &str, v: &Value, global: bool) -> Result<Actions, AppError> {
    let o = object(field, v)?;
    only(
        field,
        o,
        &[
            "drop",
            "suppress",
            "urgency",
            "priority",
            "route_to",
            "dedup_key",
            "note",
        ],
    )?;
    let flag = |k: &str| -> Result<bool, AppError> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(bad(&format!("{field}.{k}"), "must be true or false")),
        }
    };
    let opt_text = |k: &str, max: usize| -> Result<Option<String>, AppError> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => {
                let s = text(&format!("{field}.{k}"), v, max)?;
                Ok((!s.trim().is_empty()).then(|| s.trim().to_owned()))
            }
        }
    };
    let urgency = match opt_text("urgency", 16)? {
        None => None,
        Some(u) => Some(Urgency::parse(&u).ok_or_else(|| {
            bad(
                &format!("{field}.urgency"),
                format!("{u:?} is not HIGH, MEDIUM or LOW"),
            )
        })?),
    };
    let priority = match opt_text("priority", 8)? {
        None => None,
        Some(p) => Some(
            crate::incidents::PRIORITIES
                .into_iter()
                .find(|x| x.eq_ignore_ascii_case(&p))
                .ok_or_else(|| {
                    bad(
                        &format!("{field}.priority"),
                        format!("{p:?} is not one of P1 … P5"),
                    )
                })?
                .to_owned(),
        ),
    };
    let route_to = match opt_text("route_to", 64)? {
        None => None,
        Some(_) if !global => {
            return Err(bad(
                &format!("{field}.route_to"),
                "only global rules route to another service",
            ));
        }
        Some(id) => Some(
            id.parse::<ServiceId>()
                .map_err(|_| bad(&format!("{field}.route_to"), "must be a service id"))?,
        ),
    };
    let dedup_key = opt_text("dedup_key", 255)?;
    if let Some(t) = &dedup_key {
        super::field::check_template(&format!("{field}.dedup_key"), t)?;
    }
    let a = Actions {
        drop: flag("drop")?,
        suppress: flag("suppress")?,
        urgency,
        priority,
        route_to,
        dedup_key,
        note: opt_text("note", 2000)?,
    };
    let others = a.suppress
        || a.urgency.is_some()
        || a.priority.is_some()
        || a.route_to.is_some()
        || a.dedup_key.is_some()
        || a.note.is_some();
    if a.drop && others {
        return Err(bad(
            &format!("{field}.drop"),
            "a rule that drops an event does nothing else with it",
        ));
    }
    if a == Actions::default() {
        return Err(bad(field, "choose at least one action"));
    }
    Ok(a)
}
