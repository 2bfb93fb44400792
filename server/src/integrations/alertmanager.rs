//! Prometheus Alertmanager webhook (version 4): one event per alert, deduplicated by the
//! alert's fingerprint. An alert resolves only when its own `status` says `resolved`;
//! `endsAt` is not trusted (Alertmanager sets it in the future while firing).

use app::domain::Severity;
use app::incidents::{EventAction, InboundEvent};
use serde_json::Value;

use super::Invalid;

/// Alertmanager `severity` label values → PagerDuty severities. Unknown values are `error`,
/// like Alertmanager's own PagerDuty receiver.
fn severity(label: Option<&str>) -> Severity {
    match label.map(str::to_ascii_lowercase).as_deref() {
        Some("critical" | "page" | "fatal" | "emergency" | "high") => Severity::Critical,
        Some("warning" | "warn" | "medium") => Severity::Warning,
        Some("info" | "informational" | "low" | "none") => Severity::Info,
        _ => Severity::Error,
    }
}

/// Parses a webhook body into one event per alert.
pub fn parse(body: &[u8]) -> Result<Vec<InboundEvent>, Invalid> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Invalid::one(format!("body is not valid JSON: {e}")))?;
    let alerts = value
        .get("alerts")
        .and_then(Value::as_array)
        .ok_or_else(|| Invalid::one("'alerts' must be an array"))?;
    if alerts.is_empty() {
        return Err(Invalid::one("'alerts' is empty"));
    }
    if alerts.len() > 1000 {
        return Err(Invalid::one("'alerts' has more than 1000 entries"));
    }
    let mut out = Vec::with_capacity(alerts.len());
    let mut errors = Vec::new();
    for (i, alert) in alerts.iter().enumerate() {
        let text = |obj: &str, name: &str| {
            alert
                .get(obj)
                .and_then(|o| o.get(name))
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let action = match alert.get("status").and_then(Value::as_str) {
            Some("firing") => EventAction::Trigger,
            Some("resolved") => EventAction::Resolve,
            _ => {
                errors.push(format!("'alerts[{i}].status' must be firing or resolved"));
                continue;
            }
        };
        let Some(labels) = alert.get("labels").and_then(Value::as_object) else {
            errors.push(format!("'alerts[{i}].labels' must be an object"));
            continue;
        };
        // The fingerprint identifies the alert; without one, the sorted label set does.
        let dedup_key = match alert.get("fingerprint").and_then(Value::as_str) {
            Some(f) if !f.is_empty() && f.len() <= 255 => f.to_owned(),
            _ => {
                use sha2::{Digest, Sha256};
                let mut pairs: Vec<_> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                pairs.sort();
                hex::encode(Sha256::digest(pairs.join("\u{1f}").as_bytes()))
            }
        };
        let name = text("labels", "alertname").unwrap_or("Alert");
        let summary = text("annotations", "summary")
            .or_else(|| text("annotations", "description"))
            .map(|s| format!("{name}: {s}"))
            .unwrap_or_else(|| name.to_owned());
        let source = text("labels", "instance")
            .or_else(|| text("labels", "job"))
            .unwrap_or("alertmanager");
        out.push(InboundEvent {
            action,
            dedup_key: Some(dedup_key),
            summary: summary.chars().take(1024).collect(),
            source: source.chars().take(255).collect(),
            severity: severity(text("labels", "severity")),
            payload: alert.clone(),
        });
    }
    if !errors.is_empty() {
        return Err(Invalid(errors));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_not_ends_at_decides_resolution() {
        let body = serde_json::json!({"version": "4", "status": "firing", "alerts": [
            {"status": "firing", "labels": {"alertname": "HighLatency", "severity": "page"},
             "annotations": {"summary": "p99 over 2s"}, "endsAt": "2026-03-08T06:00:00Z", "fingerprint": "a1b2c3d4e5f60718"},
            {"status": "resolved", "labels": {"alertname": "DiskFull"}, "annotations": {}, "fingerprint": "ffff0000ffff0000"}
        ]});
        let evs = parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(
            evs[0].action,
            EventAction::Trigger,
            "endsAt in the past does not resolve"
        );
        assert_eq!(evs[0].summary, "HighLatency: p99 over 2s");
        assert_eq!(evs[0].severity, Severity::Critical);
        assert_eq!(evs[1].action, EventAction::Resolve);
        assert_eq!(evs[1].dedup_key.as_deref(), Some("ffff0000ffff0000"));
        assert_eq!(evs[1].severity, Severity::Error);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_are_refused(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            // Random bytes are never a valid event: refused (a 400), never a panic.
            proptest::prop_assert!(parse(&bytes).is_err());
        }

        #[test]
        fn arbitrary_alert_objects_never_panic(s in "\\PC{0,200}", n in 0usize..4) {
            let alert = serde_json::json!({"status": s, "labels": {"alertname": s}, "fingerprint": s});
            let body = serde_json::json!({"alerts": vec![alert; n]});
            let _ = parse(body.to_string().as_bytes());
        }
    }
}
