//! What a Twilio status callback means for a page: Messages report `delivered` or
//! `undelivered`/`failed`; Calls report `completed` (answered by a person, or by a machine:
//! a voicemail was left) or `busy`/`no-answer`/`failed`/`canceled` (not answered). Anything
//! else (`queued`, `sent`, `ringing` …) is progress, not a final answer.

/// Twilio error codes on a receipt that may pass (queue overflow, unknown): the rest are final.
const TEMPORARY_CODES: [&str; 2] = ["30001", "30008"];

/// A status callback, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// The status word kept on the outbox row.
    pub status: String,
    pub delivered: bool,
    /// The error for a page that did not reach the person.
    pub failed: Option<String>,
    /// The timeline's word for a final answer.
    pub outcome: &'static str,
}

/// Whether `answered_by` (Twilio's answering machine detection) says a machine took the call.
pub fn machine(answered_by: Option<&str>) -> bool {
    answered_by.is_some_and(|a| a.starts_with("machine") || a == "fax")
}

fn with_code(status: &str, code: Option<&str>) -> String {
    match code {
        Some(c) if TEMPORARY_CODES.contains(&c) => {
            format!("{status} (Twilio error {c}, temporary)")
        }
        Some(c) => format!("{status} (Twilio error {c})"),
        None => status.to_owned(),
    }
}

/// A message's receipt.
pub fn message(status: &str, code: Option<&str>) -> Classified {
    let failed = matches!(status, "undelivered" | "failed").then(|| with_code(status, code));
    Classified {
        status: status.to_owned(),
        delivered: status == "delivered",
        outcome: if failed.is_some() {
            "undelivered"
        } else {
            "delivered"
        },
        failed,
    }
}

/// A call's receipt; `answered_by` is the machine detection's answer when it ran.
pub fn call(status: &str, answered_by: Option<&str>, code: Option<&str>) -> Classified {
    match status {
        "completed" if machine(answered_by) => Classified {
            status: "voicemail".into(),
            delivered: true,
            failed: None,
            outcome: "voicemail",
        },
        "completed" => Classified {
            status: "answered".into(),
            delivered: true,
            failed: None,
            outcome: "answered",
        },
        "busy" | "no-answer" | "failed" | "canceled" => Classified {
            status: status.to_owned(),
            delivered: false,
            failed: Some(with_code(status, code)),
            outcome: "not answered",
        },
        _ => Classified {
            status: status.to_owned(),
            delivered: false,
            failed: None,
            outcome: "answered",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_receipts() {
        let d = message("delivered", None);
        assert!(d.delivered && d.failed.is_none());
        assert_eq!(d.outcome, "delivered");
        let u = message("undelivered", Some("30008"));
        assert_eq!(
            u.failed.as_deref(),
            Some("undelivered (Twilio error 30008, temporary)")
        );
        assert_eq!(u.outcome, "undelivered");
        assert_eq!(
            message("failed", Some("30006")).failed.as_deref(),
            Some("failed (Twilio error 30006)")
        );
        let s = message("sent", None);
        assert!(!s.delivered && s.failed.is_none());
    }

    #[test]
    fn call_receipts() {
        let human = call("completed", Some("human"), None);
        assert_eq!(
            (human.status.as_str(), human.outcome),
            ("answered", "answered")
        );
        assert!(human.delivered);
        let vm = call("completed", Some("machine_end_beep"), None);
        assert_eq!((vm.status.as_str(), vm.outcome), ("voicemail", "voicemail"));
        assert_eq!(call("completed", None, None).outcome, "answered");
        for s in ["busy", "no-answer", "failed", "canceled"] {
            let c = call(s, None, None);
            assert_eq!(c.outcome, "not answered");
            assert_eq!(c.failed.as_deref(), Some(s));
            assert!(!c.delivered);
        }
        let ringing = call("ringing", None, None);
        assert!(!ringing.delivered && ringing.failed.is_none());
        assert!(machine(Some("fax")) && !machine(Some("unknown")) && !machine(None));
    }
}
