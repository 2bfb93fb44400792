//! Every table of the analytics report as CSV (RFC 4180 quoting; a cell that a spreadsheet
//! would run as a formula is prefixed with `'`), and the incident export's header and rows.

use super::agg::Summary;
use super::report::{GroupRow, Noisy, Report};

/// The report's tables, by the name used in `/analytics/export/<name>.csv`.
pub const TABLES: [&str; 8] = [
    "summary",
    "services",
    "urgencies",
    "priorities",
    "hours",
    "days",
    "noisy-keys",
    "noisy-titles",
];

/// One CSV cell.
pub fn cell(raw: &str) -> String {
    let raw = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{raw}")
    } else {
        raw.to_owned()
    };
    if raw.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", raw.replace('"', "\"\""))
    } else {
        raw
    }
}

/// One CSV line (with its CRLF).
pub fn line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut out = cells
        .iter()
        .map(|c| cell(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    out
}

fn num(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.3}")).unwrap_or_default()
}

const GROUP_HEAD: [&str; 12] = [
    "group",
    "incidents",
    "acknowledged",
    "resolved",
    "mtta_mean_secs",
    "mttr_mean_secs",
    "escalation_rate",
    "reopen_rate",
    "auto_resolve_rate",
    "alerts_per_incident",
    "ack_compliance",
    "resolve_compliance",
];

fn group(r: &GroupRow) -> Vec<String> {
    let s = &r.summary;
    vec![
        r.label.clone(),
        s.opened.to_string(),
        s.acknowledged.to_string(),
        s.resolved.to_string(),
        num(s.mtta.mean),
        num(s.mttr.mean),
        num(s.escalation_rate),
        num(s.reopen_rate),
        num(s.auto_resolve_rate),
        num(s.alerts_per_incident),
        num(s.ack_compliance),
        num(s.resolve_compliance),
    ]
}

fn noisy(rows: &[Noisy]) -> String {
    let mut out = line(&[
        "label",
        "title",
        "service",
        "incidents",
        "alerts",
        "flapping",
        "resolved_within_2_min_unacknowledged",
    ]);
    for n in rows {
        out.push_str(&line(&[
            n.label.clone(),
            n.title.clone(),
            n.service.clone(),
            n.incidents.to_string(),
            n.alerts.to_string(),
            n.flapping.to_string(),
            n.quick_resolved.to_string(),
        ]));
    }
    out
}

/// The summary as (metric, this period, previous period) rows.
pub fn summary_rows(a: &Summary, b: &Summary) -> Vec<(&'static str, String, String)> {
    let both = |f: &dyn Fn(&Summary) -> String| (f(a), f(b));
    let rows: Vec<(&'static str, (String, String))> = vec![
        ("incidents", both(&|s| s.opened.to_string())),
        ("acknowledged", both(&|s| s.acknowledged.to_string())),
        ("resolved", both(&|s| s.resolved.to_string())),
        ("mtta_mean_secs", both(&|s| num(s.mtta.mean))),
        ("mtta_p50_secs", both(&|s| num(s.mtta.p50))),
        ("mtta_p90_secs", both(&|s| num(s.mtta.p90))),
        ("mttr_mean_secs", both(&|s| num(s.mttr.mean))),
        ("mttr_p50_secs", both(&|s| num(s.mttr.p50))),
        ("mttr_p90_secs", both(&|s| num(s.mttr.p90))),
        ("escalation_rate", both(&|s| num(s.escalation_rate))),
        ("reopen_rate", both(&|s| num(s.reopen_rate))),
        ("auto_resolve_rate", both(&|s| num(s.auto_resolve_rate))),
        ("alerts_per_incident", both(&|s| num(s.alerts_per_incident))),
        (
            "resolved_within_2_min_unacknowledged",
            both(&|s| s.quick_resolved.to_string()),
        ),
        ("flapping", both(&|s| s.flapping.to_string())),
        ("ack_compliance", both(&|s| num(s.ack_compliance))),
        ("resolve_compliance", both(&|s| num(s.resolve_compliance))),
    ];
    rows.into_iter().map(|(k, (x, y))| (k, x, y)).collect()
}

/// Table `name` of the report as CSV; `None` for an unknown name.
pub fn table(r: &Report, name: &str) -> Option<String> {
    let groups = |rows: &[GroupRow]| {
        let mut out = line(&GROUP_HEAD);
        rows.iter().for_each(|g| out.push_str(&line(&group(g))));
        out
    };
    Some(match name {
        "summary" => {
            let mut out = line(&["metric", "this_period", "previous_period"]);
            for (k, a, b) in summary_rows(&r.summary, &r.previous) {
                out.push_str(&line(&[k.to_owned(), a, b]));
            }
            out
        }
        "services" => groups(&r.by_service),
        "urgencies" => groups(&r.by_urgency),
        "priorities" => groups(&r.by_priority),
        "hours" => {
            let mut out = line(&[format!("hour ({})", r.zone), "incidents".into()]);
            for (h, n) in r.by_hour.iter().enumerate() {
                out.push_str(&line(&[format!("{h:02}:00"), n.to_string()]));
            }
            out
        }
        "days" => {
            let mut out = line(&["day", "incidents", "mtta_mean_secs", "mttr_mean_secs"]);
            for d in &r.days {
                out.push_str(&line(&[
                    d.day.to_string(),
                    d.opened.to_string(),
                    num(d.mtta_secs),
                    num(d.mttr_secs),
                ]));
            }
            out
        }
        "noisy-keys" => noisy(&r.noisy_keys),
        "noisy-titles" => noisy(&r.noisy_titles),
        _ => return None,
    })
}

/// The incident export's columns.
pub const INCIDENT_HEAD: [&str; 14] = [
    "number",
    "created_at",
    "service",
    "title",
    "status",
    "urgency",
    "priority",
    "alerts",
    "first_acknowledged_at",
    "resolved_at",
    "seconds_to_acknowledge",
    "seconds_to_resolve",
    "dedup_key",
    "flapping",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(line(&["a", "b\nc"]), "a,\"b\nc\"\r\n");
    }
}
