//! PagerDuty Events API v2 (`POST /v2/enqueue`): the request as PagerDuty documents it, so
//! existing clients and Alertmanager's `pagerduty_configs` work unchanged.

use app::domain::Severity;
use app::incidents::{EventAction, InboundEvent};
use serde_json::Value;

use super::Invalid;

/// Largest accepted body.
pub const MAX_BODY: usize = 512 * 1024;

/// Parses an Events v2 body into its routing key and event. Every problem is reported.
pub fn parse(body: &[u8]) -> Result<(String, InboundEvent), Invalid> {
    parse_keyed(body, true)
}

/// The same body without a `routing_key` (`/api/events`, where the credential is a header).
pub fn parse_event(body: &[u8]) -> Result<InboundEvent, Invalid> {
    parse_keyed(body, false).map(|(_, ev)| ev)
}

fn parse_keyed(body: &[u8], needs_key: bool) -> Result<(String, InboundEvent), Invalid> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Invalid::one(format!("body is not valid JSON: {e}")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| Invalid::one("body must be a JSON object"))?;
    let mut errors = Vec::new();
    let text = |name: &str| obj.get(name).and_then(Value::as_str).map(str::trim);

    let routing_key = match text("routing_key") {
        _ if !needs_key => String::new(),
        Some(k) if k.len() == 32 => k.to_owned(),
        Some("") | None => {
            errors.push("'routing_key' is missing or blank".to_owned());
            String::new()
        }
        Some(_) => {
            errors.push("'routing_key' must be a 32-character integration key".to_owned());
            String::new()
        }
    };
    let action = match text("event_action") {
        Some("trigger") => Some(EventAction::Trigger),
        Some("acknowledge") => Some(EventAction::Acknowledge),
        Some("resolve") => Some(EventAction::Resolve),
        Some(_) => {
            errors.push("'event_action' must be one of trigger, acknowledge or resolve".to_owned());
            None
        }
        None => {
            errors.push("'event_action' is missing".to_owned());
            None
        }
    };
    let dedup_key = match obj.get("dedup_key") {
        None | Some(Value::Null) => None,
        Some(Value::String(k)) if k.is_empty() => None,
        Some(Value::String(k)) if k.chars().count() > 255 => {
            errors.push("'dedup_key' must be at most 255 characters".to_owned());
            None
        }
        Some(Value::String(k)) => Some(k.clone()),
        Some(_) => {
            errors.push("'dedup_key' must be a string".to_owned());
            None
        }
    };
    if matches!(
        action,
        Some(EventAction::Acknowledge | EventAction::Resolve)
    ) && dedup_key.is_none()
    {
        errors.push("'dedup_key' is required for acknowledge and resolve".to_owned());
    }

    let payload = obj.get("payload").and_then(Value::as_object);
    let (mut summary, mut source, mut severity) = (String::new(), String::new(), Severity::Error);
    match (action, payload) {
        (Some(EventAction::Trigger), None) => {
            errors.push("'payload' is required for trigger".to_owned())
        }
        (_, Some(p)) => {
            let field = |name: &str| p.get(name).and_then(Value::as_str).map(str::trim);
            match field("summary") {
                Some(s) if !s.is_empty() && s.chars().count() <= 1024 => summary = s.to_owned(),
                Some(s) if !s.is_empty() => {
                    errors.push("'payload.summary' must be at most 1024 characters".to_owned())
                }
                _ if action == Some(EventAction::Trigger) => {
                    errors.push("'payload.summary' is missing or blank".to_owned())
                }
                _ => {}
            }
            match field("source") {
                Some(s) if !s.is_empty() => source = s.chars().take(255).collect(),
                _ if action == Some(EventAction::Trigger) => {
                    errors.push("'payload.source' is missing or blank".to_owned())
                }
                _ => {}
            }
            match field("severity").map(Severity::parse) {
                Some(Some(s)) => severity = s,
                Some(None) => errors.push(
                    "'payload.severity' must be one of critical, error, warning or info".to_owned(),
                ),
                None if action == Some(EventAction::Trigger) => {
                    errors.push("'payload.severity' is missing".to_owned())
                }
                None => {}
            }
            if let Some(ts) = p.get("timestamp")
                && !ts.as_str().is_some_and(is_iso8601)
            {
                errors.push("'payload.timestamp' must be an ISO 8601 date-time".to_owned());
            }
        }
        _ => {}
    }
    for (name, item) in [("links", "href"), ("images", "src")] {
        match obj.get(name) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items))
                if items
                    .iter()
                    .all(|i| i.get(item).is_some_and(Value::is_string)) => {}
            Some(_) => errors.push(format!(
                "'{name}' must be an array of objects with '{item}'"
            )),
        }
    }
    if !errors.is_empty() {
        return Err(Invalid(errors));
    }
    let action = action.ok_or_else(|| Invalid::one("'event_action' is missing"))?;
    if summary.is_empty() {
        // Acknowledge and resolve may come without a payload.
        summary = format!(
            "{} via Events API",
            match action {
                EventAction::Trigger => "trigger",
                EventAction::Acknowledge => "acknowledge",
                EventAction::Resolve => "resolve",
            }
        );
    }
    Ok((
        routing_key,
        InboundEvent {
            action,
            dedup_key,
            summary,
            source,
            severity,
            payload: value,
        },
    ))
}

/// ISO 8601 as PagerDuty clients send it: RFC 3339, or with a `+0000` offset.
fn is_iso8601(t: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(t).is_ok()
        || chrono::DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f%z").is_ok()
}

#[derive(serde::Serialize)]
struct Accepted<'a> {
    status: &'static str,
    message: &'static str,
    dedup_key: &'a str,
}

#[derive(serde::Serialize)]
struct Refused<'a> {
    status: &'static str,
    message: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [String]>,
}

/// The 202 body, byte for byte as PagerDuty sends it (fields in PagerDuty's order).
pub fn accepted_body(dedup_key: &str) -> String {
    serde_json::to_string(&Accepted {
        status: "success",
        message: "Event processed",
        dedup_key,
    })
    .unwrap_or_default()
}

/// The 400 body, as PagerDuty sends it.
pub fn invalid_body(errors: &[String]) -> String {
    serde_json::to_string(&Refused {
        status: "invalid event",
        message: "Event object is invalid",
        errors: Some(errors),
    })
    .unwrap_or_default()
}

/// The 429 body, as PagerDuty sends it.
pub fn throttled_body() -> String {
    serde_json::to_string(&Refused {
        status: "throttle exceeded",
        message: "Requests for this service are arriving too quickly.  Please retry later.",
        errors: None,
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "abcdefghijklmnopqrstuvwxyz012345";

    #[test]
    fn parses_a_trigger() {
        let body = serde_json::json!({
            "routing_key": KEY, "event_action": "trigger", "dedup_key": "disk-1",
            "payload": {"summary": "Disk full", "source": "db-1", "severity": "critical",
                        "timestamp": "2026-03-08T06:30:00.000+0000", "custom_details": {"free": 0}},
            "links": [{"href": "https://x", "text": "runbook"}], "client": "Monitor"
        });
        // PagerDuty's documented `+0000` offset and RFC 3339 are both accepted.
        let mut rfc = body.clone();
        rfc["payload"]["timestamp"] = "2026-03-08T06:30:00.000+00:00".into();
        assert!(parse(rfc.to_string().as_bytes()).is_ok());
        let mut bad = body.clone();
        bad["payload"]["timestamp"] = "yesterday".into();
        assert_eq!(
            parse(bad.to_string().as_bytes()).unwrap_err().0,
            ["'payload.timestamp' must be an ISO 8601 date-time"]
        );
        let (key, ev) = parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(key, KEY);
        assert_eq!(ev.action, EventAction::Trigger);
        assert_eq!(ev.dedup_key.as_deref(), Some("disk-1"));
        assert_eq!(
            (ev.summary.as_str(), ev.source.as_str(), ev.severity),
            ("Disk full", "db-1", Severity::Critical)
        );
    }

    #[test]
    fn reports_every_problem() {
        let body = serde_json::json!({"event_action": "explode", "dedup_key": "x".repeat(256)});
        let err = parse(body.to_string().as_bytes()).unwrap_err();
        assert!(err.0.iter().any(|e| e.contains("routing_key")));
        assert!(err.0.iter().any(|e| e.contains("event_action")));
        assert!(err.0.iter().any(|e| e.contains("dedup_key")));
        let resolve = serde_json::json!({"routing_key": KEY, "event_action": "resolve"});
        assert!(parse(resolve.to_string().as_bytes()).unwrap_err().0[0].contains("dedup_key"));
        let long = serde_json::json!({"routing_key": KEY, "event_action": "trigger",
            "payload": {"summary": "x".repeat(1025), "source": "s", "severity": "info"}});
        assert!(parse(long.to_string().as_bytes()).unwrap_err().0[0].contains("1024"));
    }

    #[test]
    fn bodies_match_pagerduty_byte_for_byte() {
        assert_eq!(
            accepted_body("k1"),
            r#"{"status":"success","message":"Event processed","dedup_key":"k1"}"#
        );
        assert_eq!(
            invalid_body(&["'routing_key' is missing or blank".into()]),
            r#"{"status":"invalid event","message":"Event object is invalid","errors":["'routing_key' is missing or blank"]}"#
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_are_refused(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            // Random bytes are never a valid event: refused (a 400), never a panic.
            proptest::prop_assert!(parse(&bytes).is_err());
        }

        #[test]
        fn arbitrary_json_never_panics(s in "\\PC{0,400}") {
            let _ = parse(s.as_bytes());
            let wrapped = serde_json::json!({"routing_key": KEY, "event_action": "trigger", "payload": s});
            proptest::prop_assert!(parse(wrapped.to_string().as_bytes()).is_err());
        }
    }
}
