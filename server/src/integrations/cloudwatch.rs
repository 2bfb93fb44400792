//! Amazon CloudWatch alarms via SNS. SNS first sends a `SubscriptionConfirmation` whose
//! `SubscribeURL` must be fetched (only `https://sns.<region>.amazonaws.com/…` is followed);
//! then `Notification`s whose `Message` is the alarm as a JSON string: `ALARM` triggers,
//! `OK` resolves, `INSUFFICIENT_DATA` is accepted and ignored. The dedup key is the alarm ARN.

use app::domain::Severity;
use app::incidents::{EventAction, InboundEvent};
use serde_json::Value;

use super::Invalid;

/// What an SNS delivery asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Sns {
    /// Fetch this URL to confirm the subscription.
    Confirm(String),
    Events(Vec<InboundEvent>),
}

/// Whether `url` is an SNS endpoint we may fetch: https on `sns.<region>.amazonaws.com`.
pub fn is_sns_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let Some(region) = host
        .strip_prefix("sns.")
        .and_then(|h| h.strip_suffix(".amazonaws.com"))
    else {
        return false;
    };
    !region.is_empty()
        && region.split('-').count() >= 3
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

pub fn parse(body: &[u8]) -> Result<Sns, Invalid> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Invalid::one(format!("body is not valid JSON: {e}")))?;
    let text = |v: &Value, name: &str| {
        v.get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    match text(&value, "Type").as_deref() {
        Some("SubscriptionConfirmation") => {
            let url = text(&value, "SubscribeURL")
                .ok_or_else(|| Invalid::one("'SubscribeURL' is required"))?;
            if !is_sns_url(&url) {
                return Err(Invalid::one(
                    "'SubscribeURL' must be https://sns.<region>.amazonaws.com/…",
                ));
            }
            Ok(Sns::Confirm(url))
        }
        Some("UnsubscribeConfirmation") => Ok(Sns::Events(Vec::new())),
        Some("Notification") => {
            let message =
                text(&value, "Message").ok_or_else(|| Invalid::one("'Message' is required"))?;
            let alarm: Value = serde_json::from_str(&message)
                .map_err(|_| Invalid::one("'Message' must be a CloudWatch alarm as JSON"))?;
            let name = text(&alarm, "AlarmName")
                .ok_or_else(|| Invalid::one("'Message.AlarmName' is required"))?;
            let action = match text(&alarm, "NewStateValue").as_deref() {
                Some("ALARM") => EventAction::Trigger,
                Some("OK") => EventAction::Resolve,
                Some("INSUFFICIENT_DATA") => return Ok(Sns::Events(Vec::new())),
                _ => {
                    return Err(Invalid::one(
                        "'Message.NewStateValue' must be ALARM, OK or INSUFFICIENT_DATA",
                    ));
                }
            };
            let key = text(&alarm, "AlarmArn").unwrap_or_else(|| name.clone());
            let summary = match text(&alarm, "NewStateReason") {
                Some(r) => format!("{name}: {r}"),
                None => name.clone(),
            };
            Ok(Sns::Events(vec![InboundEvent {
                action,
                dedup_key: Some(key.chars().take(255).collect()),
                summary: summary.chars().take(1024).collect(),
                source: text(&alarm, "Region")
                    .unwrap_or_else(|| "cloudwatch".into())
                    .chars()
                    .take(255)
                    .collect(),
                severity: Severity::Critical,
                payload: alarm,
            }]))
        }
        _ => Err(Invalid::one(
            "'Type' must be SubscriptionConfirmation, Notification or UnsubscribeConfirmation",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sns_hosts_are_followed() {
        assert!(is_sns_url(
            "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=x"
        ));
        assert!(!is_sns_url("http://sns.eu-west-1.amazonaws.com/"));
        assert!(!is_sns_url(
            "https://sns.eu-west-1.amazonaws.com.evil.example/"
        ));
        assert!(!is_sns_url(
            "https://evil.example/sns.eu-west-1.amazonaws.com"
        ));
        assert!(!is_sns_url("https://sns..amazonaws.com/"));
        assert!(!is_sns_url(
            "https://sns.eu-west-1.amazonaws.com@evil.example/"
        ));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_are_refused(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            // Random bytes are never a valid event: refused (a 400), never a panic.
            proptest::prop_assert!(parse(&bytes).is_err());
        }

        #[test]
        fn arbitrary_messages_never_panic(s in "\\PC{0,300}") {
            let body = serde_json::json!({"Type": "Notification", "Message": s});
            let _ = parse(body.to_string().as_bytes());
            let _ = is_sns_url(&s);
        }
    }
}
