//! The checks of what the editor and the API send: each error names its field
//! (`title`, `sections.impact`, `timeline[3].at`, `action.due_on`, …).

use chrono::{DateTime, NaiveDate, Utc};

use super::store::ActionFields;
use super::{
    ActionInput, ActionKind, ActionStatus, PostmortemEdit, SECTION_MAX, SECTIONS, Sections,
    TIMELINE_MAX, TIMELINE_TEXT_MAX, TimelineRow,
};
use crate::error::AppError;

/// Free text of at most `max` characters (line breaks and tabs allowed, other control
/// characters not), trimmed.
fn text(field: &str, raw: &str, max: usize) -> Result<String, AppError> {
    let t = raw.trim();
    if t.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if t.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(AppError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(t.to_owned())
}

/// The checked edit: (title, authors, sections, timeline oldest first).
pub fn edit(
    input: &PostmortemEdit,
) -> Result<(String, String, Sections, Vec<TimelineRow>), AppError> {
    let title = crate::domain::parse_name("title", &input.title, 200)?;
    let authors = text("authors", &input.authors, 500)?;
    let mut sections = Sections::default();
    for (key, _) in SECTIONS {
        let field = format!("sections.{key}");
        let value = text(&field, input.sections.get(key), SECTION_MAX)?;
        if let Some(slot) = sections.get_mut(key) {
            *slot = value;
        }
    }
    if input.timeline.len() > TIMELINE_MAX {
        return Err(AppError::invalid(
            "timeline",
            format!("at most {TIMELINE_MAX} rows"),
        ));
    }
    let mut timeline = Vec::with_capacity(input.timeline.len());
    for (i, row) in input.timeline.iter().enumerate() {
        let at = DateTime::parse_from_rfc3339(row.at.trim())
            .map_err(|_| {
                AppError::invalid(
                    format!("timeline[{i}].at"),
                    "must be a time such as 2026-03-08T06:30:00Z",
                )
            })?
            .with_timezone(&Utc);
        let words = text(&format!("timeline[{i}].text"), &row.text, TIMELINE_TEXT_MAX)?;
        if words.is_empty() {
            return Err(AppError::invalid(
                format!("timeline[{i}].text"),
                "is required",
            ));
        }
        timeline.push(TimelineRow { at, text: words });
    }
    // Stable: rows at the same time keep the editor's order.
    timeline.sort_by_key(|r| r.at);
    Ok((title, authors, sections, timeline))
}

/// The checked action item.
pub fn action(input: &ActionInput) -> Result<ActionFields, AppError> {
    let title = text("action.title", &input.title, 300)?;
    if title.is_empty() {
        return Err(AppError::invalid("action.title", "is required"));
    }
    let kind = ActionKind::parse(&input.kind).ok_or_else(|| {
        AppError::invalid(
            "action.kind",
            format!(
                "must be one of {}",
                ActionKind::ALL.map(ActionKind::as_str).join(", ")
            ),
        )
    })?;
    let status = ActionStatus::parse(&input.status).ok_or_else(|| {
        AppError::invalid(
            "action.status",
            format!(
                "must be one of {}",
                ActionStatus::ALL.map(ActionStatus::as_str).join(", ")
            ),
        )
    })?;
    let due_on = match input.due_on.trim() {
        "" => None,
        raw => Some(NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
            AppError::invalid("action.due_on", "must be a date such as 2026-03-20")
        })?),
    };
    Ok(ActionFields {
        title,
        kind,
        owner_user_id: input.owner_user_id,
        due_on,
        status,
        bug: text("action.bug", &input.bug, 300)?,
    })
}
