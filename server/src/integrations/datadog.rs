//! Datadog webhooks. Datadog's payload is a template the user writes; OpsKnight documents this
//! one (Datadog's own variables), and reads `transition` for triggers and recoveries:
//!
//! ```json
//! {"id": "$ID", "alert_id": "$ALERT_ID", "aggregate": "$AGGREG_KEY", "title": "$EVENT_TITLE",
//!  "transition": "$ALERT_TRANSITION", "priority": "$PRIORITY", "hostname": "$HOSTNAME",
//!  "link": "$LINK", "body": "$EVENT_MSG"}
//! ```
//!
//! `transition` `Triggered`, `Re-Triggered`, `Warn`, `No Data` open (or append); `Recovered`
//! resolves. The dedup key is `aggregate`, else `alert_id`.

use app::domain::Severity;
use app::incidents::{EventAction, InboundEvent};
use serde_json::Value;

use super::{Invalid, has_word};

pub fn parse(body: &[u8]) -> Result<Vec<InboundEvent>, Invalid> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Invalid::one(format!("body is not valid JSON: {e}")))?;
    let text = |name: &str| {
        value
            .get(name)
            .and_then(|v| match v {
                Value::String(s) => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
    };
    let Some(transition) = text("transition").or_else(|| text("alert_transition")) else {
        return Err(Invalid::one("'transition' is required ($ALERT_TRANSITION)"));
    };
    // Whole words: "Recovered" resolves; "Unrecovered" or "Not Recovered" would not match.
    let action = if has_word(&transition, &["recovered", "resolved"]) {
        EventAction::Resolve
    } else {
        EventAction::Trigger
    };
    let Some(key) = text("aggregate").or_else(|| text("alert_id")) else {
        return Err(Invalid::one("'aggregate' or 'alert_id' is required"));
    };
    let severity = match text("priority")
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("p1") => Severity::Critical,
        Some("p2" | "normal") => Severity::Error,
        Some("p3") => Severity::Warning,
        Some("p4" | "p5" | "low") => Severity::Info,
        _ if transition.eq_ignore_ascii_case("warn") => Severity::Warning,
        _ => Severity::Error,
    };
    let title = text("title").unwrap_or_else(|| "Datadog alert".into());
    Ok(vec![InboundEvent {
        action,
        dedup_key: Some(format!("datadog-{key}").chars().take(255).collect()),
        summary: title.chars().take(1024).collect(),
        source: text("hostname")
            .unwrap_or_else(|| "datadog".into())
            .chars()
            .take(255)
            .collect(),
        severity,
        payload: value,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovered_resolves_and_the_aggregate_deduplicates() {
        let body = serde_json::json!({"aggregate": "abc", "alert_id": 12, "title": "[Recovered] CPU", "transition": "Recovered", "priority": "P1"});
        let ev = &parse(body.to_string().as_bytes()).unwrap()[0];
        assert_eq!(ev.action, EventAction::Resolve);
        assert_eq!(ev.dedup_key.as_deref(), Some("datadog-abc"));
        let body = serde_json::json!({"alert_id": 12, "title": "CPU", "transition": "Triggered", "priority": "P1"});
        let ev = &parse(body.to_string().as_bytes()).unwrap()[0];
        assert_eq!(
            (ev.action, ev.severity),
            (EventAction::Trigger, Severity::Critical)
        );
        assert_eq!(ev.dedup_key.as_deref(), Some("datadog-12"));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_are_refused(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            // Random bytes are never a valid event: refused (a 400), never a panic.
            proptest::prop_assert!(parse(&bytes).is_err());
        }
    }
}
