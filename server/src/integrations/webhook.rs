//! The generic webhook, for anything else. Documented fields (all but `summary` optional):
//!
//! ```json
//! {"summary": "Disk full on db-1", "dedup_key": "disk-db-1", "status": "firing",
//!  "severity": "critical", "source": "db-1", "details": {"free": "1%"}}
//! ```
//!
//! `status` (or `action`): `trigger`/`firing`/`alerting`/`problem` open; `resolve`/`resolved`/
//! `ok`/`recovered` resolve; `acknowledge` acknowledges. Matched as whole words, so
//! `upstream_down` is not a recovery. A body may also be `{"events": [ … ]}` (up to 1000).

use app::domain::Severity;
use app::incidents::{EventAction, InboundEvent};
use serde_json::Value;

use super::{Invalid, has_word};

fn one(value: &Value, at: &str) -> Result<InboundEvent, String> {
    let text = |name: &str| {
        value
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let summary = text("summary")
        .or_else(|| text("title"))
        .ok_or_else(|| format!("'{at}summary' is required"))?;
    if summary.chars().count() > 1024 {
        return Err(format!("'{at}summary' must be at most 1024 characters"));
    }
    let status = text("status")
        .or_else(|| text("action"))
        .unwrap_or("trigger");
    let action = if has_word(
        status,
        &[
            "resolve",
            "resolved",
            "ok",
            "recovered",
            "recovery",
            "closed",
        ],
    ) {
        EventAction::Resolve
    } else if has_word(status, &["acknowledge", "acknowledged", "ack"]) {
        EventAction::Acknowledge
    } else if has_word(
        status,
        &[
            "trigger",
            "triggered",
            "firing",
            "alerting",
            "problem",
            "critical",
            "down",
        ],
    ) {
        EventAction::Trigger
    } else {
        return Err(format!(
            "'{at}status' {status:?} is not one of trigger, firing, resolve, resolved, ok, acknowledge"
        ));
    };
    let dedup_key = match text("dedup_key") {
        Some(k) if k.chars().count() > 255 => {
            return Err(format!("'{at}dedup_key' must be at most 255 characters"));
        }
        Some(k) => Some(k.to_owned()),
        None if action == EventAction::Trigger => None,
        None => {
            return Err(format!(
                "'{at}dedup_key' is required to acknowledge or resolve"
            ));
        }
    };
    let severity = match text("severity") {
        None => Severity::Error,
        Some(s) => Severity::parse(&s.to_ascii_lowercase())
            .ok_or_else(|| format!("'{at}severity' must be critical, error, warning or info"))?,
    };
    Ok(InboundEvent {
        action,
        dedup_key,
        summary: summary.to_owned(),
        source: text("source")
            .unwrap_or("webhook")
            .chars()
            .take(255)
            .collect(),
        severity,
        payload: value.clone(),
    })
}

pub fn parse(body: &[u8]) -> Result<Vec<InboundEvent>, Invalid> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Invalid::one(format!("body is not valid JSON: {e}")))?;
    let (list, prefix): (Vec<&Value>, bool) = match value.get("events").and_then(Value::as_array) {
        Some(events) if events.is_empty() => return Err(Invalid::one("'events' is empty")),
        Some(events) if events.len() > 1000 => {
            return Err(Invalid::one("'events' has more than 1000 entries"));
        }
        Some(events) => (events.iter().collect(), true),
        None if value.is_object() => (vec![&value], false),
        None => return Err(Invalid::one("body must be a JSON object")),
    };
    let mut out = Vec::with_capacity(list.len());
    let mut errors = Vec::new();
    for (i, v) in list.into_iter().enumerate() {
        let at = if prefix {
            format!("events[{i}].")
        } else {
            String::new()
        };
        match one(v, &at) {
            Ok(ev) => out.push(ev),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Invalid(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_whole_words() {
        let ev = |status: &str| {
            parse(
                serde_json::json!({"summary": "x", "dedup_key": "k", "status": status})
                    .to_string()
                    .as_bytes(),
            )
        };
        assert_eq!(ev("resolved").unwrap()[0].action, EventAction::Resolve);
        assert_eq!(ev("OK").unwrap()[0].action, EventAction::Resolve);
        assert_eq!(ev("firing").unwrap()[0].action, EventAction::Trigger);
        // "upstream_down" holds the word "down", never the word "up": a trigger, not a recovery.
        assert_eq!(ev("upstream_down").unwrap()[0].action, EventAction::Trigger);
        assert!(ev("backup").is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_are_refused(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            // Random bytes are never a valid event: refused (a 400), never a panic.
            proptest::prop_assert!(parse(&bytes).is_err());
        }

        #[test]
        fn arbitrary_fields_never_panic(s in "\\PC{0,300}") {
            let body = serde_json::json!({"summary": s, "status": s, "dedup_key": s, "severity": s});
            let _ = parse(body.to_string().as_bytes());
        }
    }
}
