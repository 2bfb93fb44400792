//! Postmortems: one per resolved incident (covering the incidents merged into it), with the
//! Google SRE template's sections as Markdown, a timeline drafted from the incidents' own
//! timelines and then edited, action items (owner, due date, status) and the statuses DRAFT →
//! IN_REVIEW → PUBLISHED. Types and enums here; storage `store.rs` and `listing.rs`, drafting `draft.rs`,
//! checks `check.rs`, rules `ops.rs`, safe Markdown `render.rs`, the Markdown export
//! `export.rs`, server functions `api.rs`, the UI `page.rs` (list), `editor.rs` (one) and
//! `items.rs` (its action items).

pub mod api;
#[cfg(feature = "ssr")]
pub mod check;
#[cfg(feature = "ssr")]
pub mod draft;
pub mod editor;
#[cfg(feature = "ssr")]
pub mod export;
pub mod items;
#[cfg(feature = "ssr")]
pub mod listing;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod page;
#[cfg(feature = "ssr")]
pub mod render;
#[cfg(feature = "ssr")]
pub mod store;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{ActionItemId, IncidentId, PostmortemId, ServiceId, TeamId, UserId};

/// Declares a stored enum: its values in one list (`ALL`, the DB CHECK's), their text, parse.
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant,)+
        }

        impl $name {
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// The words the UI shows.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }

            pub fn parse(raw: &str) -> Option<$name> {
                Self::ALL.into_iter().find(|v| v.as_str() == raw.trim())
            }
        }
    };
}

stored_enum!(
    /// Where a postmortem stands (`postmortems.status`).
    PmStatus {
        Draft => "DRAFT", "Draft";
        InReview => "IN_REVIEW", "In review";
        Published => "PUBLISHED", "Published";
    }
);

stored_enum!(
    /// What an action item does (`postmortem_actions.kind`), as in the SRE template's "type".
    ActionKind {
        Prevent => "PREVENT", "Prevent";
        Mitigate => "MITIGATE", "Mitigate";
        Detect => "DETECT", "Detect";
        Process => "PROCESS", "Process";
    }
);

stored_enum!(
    /// Where an action item stands (`postmortem_actions.status`).
    ActionStatus {
        Open => "OPEN", "Open";
        InProgress => "IN_PROGRESS", "In progress";
        Done => "DONE", "Done";
    }
);

impl PmStatus {
    /// Whether a postmortem may move from `self` to `to`: forward one step at a time
    /// (DRAFT → IN_REVIEW → PUBLISHED), or back one step (IN_REVIEW → DRAFT; PUBLISHED →
    /// IN_REVIEW, which `ops` reserves for workspace ADMINs).
    pub fn may_move_to(self, to: PmStatus) -> bool {
        use PmStatus::*;
        matches!(
            (self, to),
            (Draft, InReview) | (InReview, Draft) | (InReview, Published) | (Published, InReview)
        )
    }
}

/// The template's Markdown sections: (field name, heading), in the order they are shown.
pub const SECTIONS: [(&str, &str); 9] = [
    ("summary", "Summary"),
    ("impact", "Impact"),
    ("root_causes", "Root causes"),
    ("trigger", "Trigger"),
    ("resolution", "Resolution"),
    ("detection", "Detection"),
    ("went_well", "What went well"),
    ("went_wrong", "What went wrong"),
    ("got_lucky", "Where we got lucky"),
];

/// At most this many characters in one section.
pub const SECTION_MAX: usize = 20_000;
/// At most this many timeline rows.
pub const TIMELINE_MAX: usize = 300;
/// At most this many characters in one timeline row.
pub const TIMELINE_TEXT_MAX: usize = 1_000;
/// At most this many action items on one postmortem.
pub const ACTIONS_MAX: i64 = 100;

/// The sections' Markdown text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Sections {
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub impact: String,
    #[serde(default)]
    pub root_causes: String,
    #[serde(default)]
    pub trigger: String,
    #[serde(default)]
    pub resolution: String,
    #[serde(default)]
    pub detection: String,
    #[serde(default)]
    pub went_well: String,
    #[serde(default)]
    pub went_wrong: String,
    #[serde(default)]
    pub got_lucky: String,
}

impl Sections {
    /// The section named `key` (one of [`SECTIONS`]).
    pub fn get(&self, key: &str) -> &str {
        match key {
            "summary" => &self.summary,
            "impact" => &self.impact,
            "root_causes" => &self.root_causes,
            "trigger" => &self.trigger,
            "resolution" => &self.resolution,
            "detection" => &self.detection,
            "went_well" => &self.went_well,
            "went_wrong" => &self.went_wrong,
            "got_lucky" => &self.got_lucky,
            _ => "",
        }
    }

    /// The section named `key`, to change.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut String> {
        Some(match key {
            "summary" => &mut self.summary,
            "impact" => &mut self.impact,
            "root_causes" => &mut self.root_causes,
            "trigger" => &mut self.trigger,
            "resolution" => &mut self.resolution,
            "detection" => &mut self.detection,
            "went_well" => &mut self.went_well,
            "went_wrong" => &mut self.went_wrong,
            "got_lucky" => &mut self.got_lucky,
            _ => return None,
        })
    }
}

/// One row of a postmortem's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineRow {
    pub at: DateTime<Utc>,
    pub text: String,
}

/// A timeline row as the editor sends it (`at` in RFC 3339, e.g. `2026-03-08T06:30:00Z`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineInput {
    pub at: String,
    pub text: String,
}

/// One action item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub id: ActionItemId,
    pub title: String,
    pub kind: ActionKind,
    pub owner_user_id: Option<UserId>,
    /// The owner's name.
    pub owner: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub status: ActionStatus,
    /// A bug or ticket reference (free text: an id or a link).
    pub bug: String,
    /// Not done and due before today (UTC).
    pub overdue: bool,
}

/// An action item to add (`id` null) or change, as the form and the API send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionInput {
    #[serde(default)]
    pub id: Option<ActionItemId>,
    pub title: String,
    /// One of `ActionKind::ALL`.
    pub kind: String,
    #[serde(default)]
    pub owner_user_id: Option<UserId>,
    /// `YYYY-MM-DD`, or empty for none.
    #[serde(default)]
    pub due_on: String,
    /// One of `ActionStatus::ALL`.
    pub status: String,
    #[serde(default)]
    pub bug: String,
}

/// What a postmortem's editor sends: everything but its status and action items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostmortemEdit {
    pub title: String,
    #[serde(default)]
    pub authors: String,
    pub sections: Sections,
    pub timeline: Vec<TimelineInput>,
}

/// A postmortem, whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Postmortem {
    pub id: PostmortemId,
    pub incident_id: IncidentId,
    pub incident_number: i64,
    pub incident_title: String,
    pub service_id: ServiceId,
    pub service_name: String,
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    /// The numbers of the incidents merged into this one.
    pub merged: Vec<i64>,
    pub title: String,
    pub authors: String,
    pub status: PmStatus,
    pub sections: Sections,
    pub timeline: Vec<TimelineRow>,
    pub actions: Vec<ActionItem>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

/// A postmortem as its page shows it: with each section rendered to sanitized HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostmortemView {
    pub postmortem: Postmortem,
    /// (section field name, sanitized HTML), in [`SECTIONS`] order.
    pub html: Vec<(String, String)>,
    /// Whether the caller may change it (sections only while not PUBLISHED).
    pub can_edit: bool,
    /// Whether the caller may move it back from PUBLISHED (a workspace ADMIN).
    pub can_unpublish: bool,
}

/// A postmortem in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PostmortemRow {
    pub id: PostmortemId,
    pub title: String,
    pub status: String,
    pub incident_number: i64,
    pub service_name: String,
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    /// Action items not done.
    pub open_actions: i64,
    pub updated_at: DateTime<Utc>,
}

/// An action item past its due date and not done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OverdueItem {
    pub postmortem_id: PostmortemId,
    pub postmortem_title: String,
    pub id: ActionItemId,
    pub title: String,
    pub owner: Option<String>,
    pub due_on: NaiveDate,
    pub status: String,
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
}

/// One team's overdue action items (`team_id` null: services without a team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamOverdue {
    pub team_id: Option<TeamId>,
    pub team: String,
    pub items: Vec<OverdueItem>,
}

/// The list page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostmortemList {
    pub postmortems: Vec<PostmortemRow>,
    /// Overdue action items by team, teams by name (no team last).
    pub overdue: Vec<TeamOverdue>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_move_one_step_at_a_time() {
        use PmStatus::*;
        assert!(Draft.may_move_to(InReview));
        assert!(InReview.may_move_to(Published));
        assert!(Published.may_move_to(InReview));
        assert!(InReview.may_move_to(Draft));
        assert!(!Draft.may_move_to(Published));
        assert!(!Published.may_move_to(Draft));
        assert!(!Draft.may_move_to(Draft));
        assert_eq!(PmStatus::parse("IN_REVIEW"), Some(InReview));
        assert_eq!(ActionStatus::ALL.len(), 3);
        let mut s = Sections::default();
        for (key, _) in SECTIONS {
            assert!(s.get_mut(key).is_some(), "{key}");
        }
    }
}
