//! Timeline entries in words: the engine's entries (escalation steps, pages, timers) read as
//! sentences instead of raw JSON. Pure, so the browser renders the same text as the server.

use serde_json::Value;

/// Every kind of timeline entry (`incident_timeline.kind`).
pub const KINDS: [&str; 16] = [
    "TRIGGERED",
    "ALERT_APPENDED",
    "ACKNOWLEDGED",
    "SNOOZED",
    "UNSNOOZED",
    "RESOLVED",
    "REOPENED",
    "ESCALATED",
    "NOTIFIED",
    "NOTE",
    "ASSIGNED",
    "UNACKNOWLEDGED",
    "UNSUPPRESSED",
    "MERGED",
    "FLAPPING",
    "SUPPRESSED",
];

fn names(v: &Value) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// A sentence for a timeline entry of `kind` with JSON `details`, or `None` to show the
/// details as they are.
pub fn describe(kind: &str, details: &str) -> Option<String> {
    let d: Value = serde_json::from_str(details).ok()?;
    let s = |k: &str| d.get(k).and_then(Value::as_str);
    match kind {
        "MERGED" => match d.get("merged").and_then(Value::as_array) {
            Some(list) => Some(format!(
                "Merged {} into this incident ({} alerts moved)",
                list.iter()
                    .filter_map(Value::as_i64)
                    .map(|n| format!("#{n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                d.get("alerts").and_then(Value::as_i64).unwrap_or(0)
            )),
            None => d
                .get("number")
                .and_then(Value::as_i64)
                .map(|n| format!("Merged into #{n}")),
        },
        "UNSUPPRESSED" => s("reason").map(|r| format!("No longer suppressed: {r}")),
        "FLAPPING" => s("message").map(str::to_owned),
        "SUPPRESSED" => s("reason").map(|r| format!("Suppressed: {r}")),
        "ESCALATED" => {
            let step = d.get("step").and_then(Value::as_i64);
            let pass = d.get("pass").and_then(Value::as_i64).unwrap_or(1);
            let at = match step {
                Some(n) if pass > 1 => format!("Step {n} (pass {pass}): "),
                Some(n) => format!("Step {n}: "),
                None => String::new(),
            };
            if let Some(m) = s("message") {
                return Some(format!("{at}{m}"));
            }
            let mut out = format!("{at}paged {}", names(&d["paged"]));
            let missing = names(&d["no_contact_method"]);
            if !missing.is_empty() {
                out.push_str(&format!("; no contact method for {missing}"));
            }
            let held = names(&d["held_by"]);
            if !held.is_empty() {
                out.push_str(&format!("; held by {held}"));
            }
            let quiet = names(&d["quiet_hours"]);
            if !quiet.is_empty() {
                out.push_str(&format!("; in quiet hours, paged when they end: {quiet}"));
            }
            Some(out)
        }
        "NOTIFIED" => {
            let who = format!(
                "{} to {} <{}>",
                s("channel")
                    .and_then(crate::domain::ContactKind::parse)
                    .map_or("Page", |k| k.label()),
                s("user")?,
                s("address").unwrap_or("")
            );
            Some(match s("outcome")? {
                "sent" => match (
                    d.get("attempts").and_then(Value::as_i64),
                    s("retried_after"),
                ) {
                    (Some(n), Some(e)) if n > 1 => {
                        format!("{who}: sent on attempt {n} (before: {e})")
                    }
                    _ => format!("{who}: sent"),
                },
                "delivered" => format!("{who}: delivered"),
                "undelivered" => format!(
                    "{who}: not delivered: {}",
                    s("error").unwrap_or("no reason given")
                ),
                "answered" => format!("{who}: answered"),
                "voicemail" => format!("{who}: left voicemail"),
                "not answered" => format!(
                    "{who}: not answered: {}",
                    s("error").unwrap_or("no reason given")
                ),
                "retrying" => format!("{who}: {}", s("error").unwrap_or("trying again")),
                "interrupted" => format!("{who}: interrupted by a restart; not resent"),
                _ => format!("{who}: failed: {}", s("error").unwrap_or("unknown error")),
            })
        }
        "UNACKNOWLEDGED" | "UNSNOOZED" | "REOPENED" => s("reason").map(str::to_owned),
        "ACKNOWLEDGED" | "RESOLVED" => s("via").map(|via| format!("By {via}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_entries_read_as_sentences() {
        assert_eq!(
            describe(
                "ESCALATED",
                r#"{"step":2,"pass":2,"paged":["Ada","Bo"],"no_contact_method":[]}"#
            )
            .unwrap(),
            "Step 2 (pass 2): paged Ada, Bo"
        );
        assert_eq!(
            describe("ESCALATED", r#"{"step":1,"pass":1,"nobody":true,"message":"no one to page at this step; moving on"}"#).unwrap(),
            "Step 1: no one to page at this step; moving on"
        );
        assert_eq!(
            describe("NOTIFIED", r#"{"user":"Ada","channel":"EMAIL","address":"a@x.io","outcome":"failed","error":"smtp: 550"}"#).unwrap(),
            "Email to Ada <a@x.io>: failed: smtp: 550"
        );
        assert_eq!(
            describe(
                "NOTIFIED",
                r#"{"user":"Ada","channel":"VOICE","address":"+14155550142","outcome":"voicemail"}"#
            )
            .unwrap(),
            "Voice call to Ada <+14155550142>: left voicemail"
        );
        assert_eq!(
            describe("NOTIFIED", r#"{"user":"Ada","channel":"VOICE","address":"+1","outcome":"not answered","error":"no-answer"}"#).unwrap(),
            "Voice call to Ada <+1>: not answered: no-answer"
        );
        assert_eq!(
            describe("NOTIFIED", r#"{"user":"Ada","channel":"EMAIL","address":"a@x.io","outcome":"sent","attempts":3,"retried_after":"smtp: 451 try again later"}"#).unwrap(),
            "Email to Ada <a@x.io>: sent on attempt 3 (before: smtp: 451 try again later)"
        );
        assert_eq!(
            describe("NOTIFIED", r#"{"user":"Ada","channel":"EMAIL","address":"a@x.io","outcome":"sent","attempts":1}"#).unwrap(),
            "Email to Ada <a@x.io>: sent"
        );
        assert_eq!(
            describe("ACKNOWLEDGED", r#"{"via":"SMS reply"}"#).unwrap(),
            "By SMS reply"
        );
        assert_eq!(describe("ACKNOWLEDGED", "{}"), None);
        assert_eq!(describe("NOTE", r#"{"note":"x"}"#), None);
        assert_eq!(
            describe("MERGED", r#"{"merged":[12,13],"alerts":4}"#).as_deref(),
            Some("Merged #12, #13 into this incident (4 alerts moved)")
        );
        assert_eq!(
            describe("MERGED", r#"{"into":"x","number":11}"#).as_deref(),
            Some("Merged into #11")
        );
        assert_eq!(describe("ESCALATED", "not json"), None);
    }
}
