//! A postmortem as one Markdown document, in the Google SRE template's order: the title,
//! Date, Authors and Status; the sections; the action items as a table (item, type, owner,
//! due, status, bug); the lessons; the timeline. The sections are the authors' Markdown as
//! written; table cells are escaped so a `|` or a line break cannot break the table.

use super::{Postmortem, SECTIONS};

/// A table cell: one line, `|` escaped.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

/// The document.
pub fn markdown(p: &Postmortem) -> String {
    let mut out = format!("# {}\n\n", p.title.replace(['\r', '\n'], " "));
    let date = p.published_at.unwrap_or(p.created_at);
    out.push_str(&format!("**Date:** {}  \n", date.format("%Y-%m-%d")));
    let authors = match (p.authors.trim(), &p.created_by) {
        ("", Some(by)) => by.clone(),
        (a, _) => a.to_owned(),
    };
    out.push_str(&format!(
        "**Authors:** {}  \n",
        authors.replace(['\r', '\n'], " ")
    ));
    out.push_str(&format!("**Status:** {}  \n", p.status.label()));
    let mut incidents = format!("#{}", p.incident_number);
    for n in &p.merged {
        incidents.push_str(&format!(", #{n}"));
    }
    out.push_str(&format!(
        "**Incidents:** {incidents} ({})\n\n",
        p.service_name
    ));
    let lessons = ["went_well", "went_wrong", "got_lucky"];
    for (key, heading) in SECTIONS.iter().filter(|(k, _)| !lessons.contains(k)) {
        out.push_str(&format!(
            "## {heading}\n\n{}\n\n",
            p.sections.get(key).trim()
        ));
    }
    out.push_str("## Action Items\n\n");
    if p.actions.is_empty() {
        out.push_str("None.\n\n");
    } else {
        out.push_str("| Action Item | Type | Owner | Due | Status | Bug |\n");
        out.push_str("| --- | --- | --- | --- | --- | --- |\n");
        for a in &p.actions {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                cell(&a.title),
                a.kind.label(),
                cell(a.owner.as_deref().unwrap_or("")),
                a.due_on.map(|d| d.to_string()).unwrap_or_default(),
                a.status.label(),
                cell(&a.bug)
            ));
        }
        out.push('\n');
    }
    out.push_str("## Lessons Learned\n\n");
    for (key, heading) in SECTIONS.iter().filter(|(k, _)| lessons.contains(k)) {
        out.push_str(&format!(
            "### {heading}\n\n{}\n\n",
            p.sections.get(key).trim()
        ));
    }
    out.push_str("## Timeline\n\n");
    for row in &p.timeline {
        out.push_str(&format!(
            "- **{}** {}\n",
            row.at.format("%Y-%m-%d %H:%M:%S UTC"),
            row.text.replace(['\r', '\n'], " ")
        ));
    }
    out
}
