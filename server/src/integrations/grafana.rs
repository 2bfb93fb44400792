//! Grafana alerting webhooks. Unified alerting (Grafana 8+) sends an Alertmanager-shaped body
//! (`alerts[]` with `status` and `fingerprint`), parsed like Alertmanager. Legacy alerting
//! sends one rule: `ruleId`, `ruleName`, `state` (`alerting`, `ok`, `no_data`, `paused`,
//! `pending`), `title`, `message`.

use app::domain::Severity;
use app::incidents::{EventAction, InboundEvent};
use serde_json::Value;

use super::Invalid;

pub fn parse(body: &[u8]) -> Result<Vec<InboundEvent>, Invalid> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Invalid::one(format!("body is not valid JSON: {e}")))?;
    if value.get("alerts").is_some() {
        return super::alertmanager::parse(body);
    }
    let text = |name: &str| {
        value
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let action = match text("state") {
        Some("alerting") => EventAction::Trigger,
        Some("ok") => EventAction::Resolve,
        Some("no_data" | "paused" | "pending") => {
            return Err(Invalid::one(
                "'state' no_data, paused and pending are not incidents; nothing to do",
            ));
        }
        _ => {
            return Err(Invalid::one(
                "'state' must be alerting or ok (or send unified alerting's 'alerts')",
            ));
        }
    };
    let rule = match value.get("ruleId") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => text("ruleName")
            .map(str::to_owned)
            .ok_or_else(|| Invalid::one("'ruleId' or 'ruleName' is required"))?,
    };
    let title = text("ruleName")
        .or_else(|| text("title"))
        .unwrap_or("Grafana alert");
    let summary = match text("message") {
        Some(m) => format!("{title}: {m}"),
        None => title.to_owned(),
    };
    Ok(vec![InboundEvent {
        action,
        dedup_key: Some(format!("grafana-rule-{rule}").chars().take(255).collect()),
        summary: summary.chars().take(1024).collect(),
        source: "grafana".into(),
        severity: Severity::Error,
        payload: value,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_are_refused(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            // Random bytes are never a valid event: refused (a 400), never a panic.
            proptest::prop_assert!(parse(&bytes).is_err());
        }

        #[test]
        fn arbitrary_fields_never_panic(s in "\\PC{0,200}") {
            let body = serde_json::json!({"state": s, "ruleId": s, "ruleName": s, "message": s});
            let _ = parse(body.to_string().as_bytes());
        }
    }
}
