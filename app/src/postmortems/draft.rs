//! A new postmortem's first draft: the timeline from the incident's own timeline and the
//! timelines of the incidents merged into it (in words, as `incidents::describe` puts them;
//! the page-by-page delivery entries and repeated alerts left out), and a summary of facts
//! (service, urgency, when it opened and resolved, how long it lasted, what was merged in).

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::TimelineRow;
use super::store::IncidentFacts;
use crate::domain::IncidentId;
use crate::error::AppError;

/// Timeline kinds not drafted: one row per page sent or alert repeated drowns the story.
const LEFT_OUT: [&str; 2] = ["NOTIFIED", "ALERT_APPENDED"];

/// One incident timeline entry as read for drafting.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Entry {
    pub number: i64,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub actor: Option<String>,
    pub details: String,
}

/// The entries of `primary` and the incidents merged into it, oldest first.
pub async fn entries(db: &crate::db::Db, primary: IncidentId) -> Result<Vec<Entry>, AppError> {
    Ok(sqlx::query_as(
        "SELECT i.number, t.at, t.kind, u.name AS actor, t.details::text AS details
         FROM incident_timeline t JOIN incidents i ON i.id = t.incident_id
         LEFT JOIN users u ON u.id = t.actor_user_id
         WHERE (i.id = $1 OR i.merged_into = $1) AND NOT (t.kind = ANY($2))
         ORDER BY t.at, t.id LIMIT $3",
    )
    .bind(primary)
    .bind(LEFT_OUT.map(str::to_owned).to_vec())
    .bind(super::TIMELINE_MAX as i64)
    .fetch_all(db)
    .await?)
}

/// A kind in words, capitalised (`UNACKNOWLEDGED` → `Unacknowledged`).
fn kind_words(kind: &str) -> String {
    let lower = kind.to_lowercase().replace('_', " ");
    let mut c = lower.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// One entry as a timeline row's text. Entries of a merged incident (not `primary`) start
/// with its number.
pub fn text(e: &Entry, primary: i64) -> String {
    let d: Value = serde_json::from_str(&e.details).unwrap_or(Value::Null);
    let s = |k: &str| d.get(k).and_then(Value::as_str).map(str::to_owned);
    let by = e
        .actor
        .as_deref()
        .map(|a| format!(" by {a}"))
        .unwrap_or_default();
    let described = crate::incidents::describe::describe(&e.kind, &e.details);
    let kind = kind_words(&e.kind);
    let body = match (e.kind.as_str(), described) {
        ("TRIGGERED", _) => match s("summary") {
            Some(summary) => format!("Triggered: {summary}"),
            None => format!("Triggered{by}"),
        },
        ("NOTE", _) => format!("Note{by}: {}", s("note").unwrap_or_default()),
        ("ACKNOWLEDGED" | "RESOLVED", _) if e.actor.is_some() => format!("{kind}{by}"),
        // "By email link".
        ("ACKNOWLEDGED" | "RESOLVED", Some(words)) => format!("{kind} {}", lowered(&words)),
        // Whole sentences already: "Merged into #12", "Suppressed: …".
        ("MERGED" | "SUPPRESSED" | "UNSUPPRESSED" | "FLAPPING", Some(words)) => words,
        (_, Some(words)) => format!("{kind}: {words}"),
        (_, None) => format!("{kind}{by}"),
    };
    let line = if e.number == primary {
        body
    } else {
        format!("#{}: {body}", e.number)
    };
    line.chars().take(super::TIMELINE_TEXT_MAX).collect()
}

/// `By email link` → `by email link`.
fn lowered(words: &str) -> String {
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The drafted timeline.
pub fn timeline(entries: &[Entry], primary: i64) -> Vec<TimelineRow> {
    entries
        .iter()
        .map(|e| TimelineRow {
            at: e.at,
            text: text(e, primary),
        })
        .collect()
}

/// A duration in words: `1 h 5 min`, `12 min`, `40 s`.
pub fn duration(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// The summary's first paragraph: the facts.
pub fn summary(i: &IncidentFacts, merged: &[i64]) -> String {
    let mut out = format!(
        "Incident #{} “{}” on service **{}**, urgency {}, opened {}",
        i.number,
        i.title,
        i.service_name,
        i.urgency,
        i.created_at.format("%Y-%m-%d %H:%M UTC"),
    );
    if let Some(r) = i.resolved_at {
        out.push_str(&format!(
            ", resolved {} after {}",
            r.format("%Y-%m-%d %H:%M UTC"),
            duration((r - i.created_at).num_seconds().max(0))
        ));
    }
    out.push('.');
    if !merged.is_empty() {
        out.push_str(&format!(
            " Merged into it: {}.",
            merged
                .iter()
                .map(|n| format!("#{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(number: i64, kind: &str, actor: Option<&str>, details: &str) -> Entry {
        Entry {
            number,
            at: DateTime::<Utc>::UNIX_EPOCH,
            kind: kind.into(),
            actor: actor.map(str::to_owned),
            details: details.into(),
        }
    }

    #[test]
    fn entries_read_as_sentences() {
        let t = |e: Entry| text(&e, 7);
        assert_eq!(
            t(entry(
                7,
                "TRIGGERED",
                None,
                r#"{"summary":"db is down","severity":"critical"}"#
            )),
            "Triggered: db is down"
        );
        assert_eq!(
            t(entry(7, "ACKNOWLEDGED", Some("Ada"), "{}")),
            "Acknowledged by Ada"
        );
        assert_eq!(
            t(entry(7, "RESOLVED", None, r#"{"via":"email link"}"#)),
            "Resolved by email link"
        );
        assert_eq!(
            t(entry(8, "NOTE", Some("Bo"), r#"{"note":"rolled back"}"#)),
            "#8: Note by Bo: rolled back"
        );
        assert_eq!(
            t(entry(
                7,
                "ESCALATED",
                None,
                r#"{"step":1,"pass":1,"paged":["Ada"]}"#
            )),
            "Escalated: Step 1: paged Ada"
        );
        assert_eq!(t(entry(7, "RESOLVED", None, "{}")), "Resolved");
        assert_eq!(duration(3900), "1 h 5 min");
        assert_eq!(duration(720), "12 min");
        assert_eq!(duration(40), "40 s");
    }
}
