//! Where a rule's field path points in an event, and key templates
//! (`{{labels.alertname}}/{{labels.cluster}}`) built from the same paths. Pure.
//!
//! `summary`, `source`, `severity`, `action` and `dedup_key` are the normalised event's. Any
//! other path is looked up in the raw payload as received (`labels.alertname` for
//! Alertmanager, `payload.severity` for Events v2), and, if absent there, under the payload's
//! `payload` object, so `custom_details.env` finds an Events v2 event's custom details.

use std::borrow::Cow;

use serde_json::Value;

use crate::error::AppError;
use crate::incidents::{EventAction, InboundEvent};

/// The normalised fields every event has.
pub const NORMALISED: [&str; 5] = ["summary", "source", "severity", "action", "dedup_key"];

fn walk<'a>(mut v: &'a Value, path: &str) -> Option<&'a Value> {
    for part in path.split('.') {
        v = match v {
            Value::Object(o) => o.get(part)?,
            Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    (!v.is_null()).then_some(v)
}

pub fn action_name(a: EventAction) -> &'static str {
    match a {
        EventAction::Trigger => "trigger",
        EventAction::Acknowledge => "acknowledge",
        EventAction::Resolve => "resolve",
    }
}

/// The value at `path`, if the event has one there (JSON null counts as absent).
pub fn lookup<'a>(ev: &'a InboundEvent, path: &str) -> Option<Cow<'a, Value>> {
    let owned = |s: &str| Some(Cow::Owned(Value::String(s.to_owned())));
    match path {
        "summary" => return owned(&ev.summary),
        "source" => return owned(&ev.source),
        "severity" => return owned(ev.severity.as_str()),
        "action" => return owned(action_name(ev.action)),
        "dedup_key" => return ev.dedup_key.as_deref().and_then(owned),
        _ => {}
    }
    walk(&ev.payload, path)
        .or_else(|| walk(ev.payload.get("payload")?, path))
        .map(Cow::Borrowed)
}

/// A value as text, for equality, substrings, regexes and keys: strings as they are, other
/// scalars as JSON writes them, objects and arrays as compact JSON.
pub fn as_text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s.as_str()),
        other => Cow::Owned(other.to_string()),
    }
}

/// The `{{path}}` parts of a template, checked: balanced braces, non-empty dotted paths.
pub fn check_template(field: &str, t: &str) -> Result<(), AppError> {
    let mut rest = t;
    let mut any = false;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| AppError::invalid(field, "has a {{ without its }}"))?;
        let path = after[..end].trim();
        if path.is_empty() || path.split('.').any(str::is_empty) || path.contains('{') {
            return Err(AppError::invalid(
                field,
                format!("{{{{{path}}}}} is not a field path such as {{{{labels.alertname}}}}"),
            ));
        }
        any = true;
        rest = &after[end + 2..];
    }
    if rest.contains("}}") && !any {
        return Err(AppError::invalid(field, "has a }} without its {{"));
    }
    Ok(())
}

/// The template with each `{{path}}` replaced by the event's value there (empty if absent).
pub fn render(t: &str, ev: &InboundEvent) -> String {
    render_counting(t, ev).0
}

/// [`render`], or `None` when the event has none of the template's fields (a group key made
/// of nothing would lump unrelated events together).
pub fn render_found(t: &str, ev: &InboundEvent) -> Option<String> {
    let (out, found) = render_counting(t, ev);
    (found > 0).then_some(out)
}

/// The rendered template and how many of its fields the event has.
fn render_counting(t: &str, ev: &InboundEvent) -> (String, usize) {
    let mut found = 0;
    let mut out = String::with_capacity(t.len() + 32);
    let mut rest = t;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return (out, found);
        };
        if let Some(v) = lookup(ev, after[..end].trim()) {
            found += 1;
            out.push_str(&as_text(&v));
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    (out, found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Severity;
    use serde_json::json;

    fn event(payload: Value) -> InboundEvent {
        InboundEvent {
            action: EventAction::Trigger,
            dedup_key: Some("k1".into()),
            summary: "Disk full on db-1".into(),
            source: "db-1".into(),
            severity: Severity::Critical,
            payload,
        }
    }

    #[test]
    fn paths_reach_normalised_fields_the_payload_and_events_v2_details() {
        let ev = event(json!({"payload": {"severity": "critical",
            "custom_details": {"env": "prod", "hosts": ["a", "b"]}}, "labels": null}));
        assert_eq!(
            lookup(&ev, "summary").unwrap().as_str(),
            Some("Disk full on db-1")
        );
        assert_eq!(lookup(&ev, "action").unwrap().as_str(), Some("trigger"));
        assert_eq!(
            lookup(&ev, "payload.severity").unwrap().as_str(),
            Some("critical")
        );
        assert_eq!(
            lookup(&ev, "custom_details.env").unwrap().as_str(),
            Some("prod")
        );
        assert_eq!(
            lookup(&ev, "custom_details.hosts.1").unwrap().as_str(),
            Some("b")
        );
        assert!(lookup(&ev, "labels").is_none(), "null is absent");
        assert!(lookup(&ev, "custom_details.nope").is_none());
    }

    #[test]
    fn templates_render_and_are_checked() {
        let ev = event(json!({"labels": {"alertname": "DiskFull", "cluster": "eu-1", "n": 3}}));
        assert_eq!(
            render(
                "{{labels.alertname}}/{{ labels.cluster }}#{{labels.n}}{{labels.x}}",
                &ev
            ),
            "DiskFull/eu-1#3"
        );
        assert!(check_template("k", "{{labels.alertname}}/{{labels.cluster}}").is_ok());
        assert!(check_template("k", "plain").is_ok());
        assert!(check_template("k", "{{labels.alertname").is_err());
        assert!(check_template("k", "{{}}").is_err());
        assert!(check_template("k", "{{a..b}}").is_err());
        assert!(check_template("k", "a}}").is_err());
    }
}
