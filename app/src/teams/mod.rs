//! Teams: a name, a description, and members with a team role (OWNER, ADMIN, MEMBER) and at
//! most one lead. Services, escalation policies and schedules may belong to a team, which then
//! decides who changes them (`perm`); USER-role scoping and escalation use membership.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Role, TeamId, UserId};

pub mod api;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod perm;
pub mod picker;
#[cfg(feature = "ssr")]
pub mod store;

/// A member's role within one team. OWNER and ADMIN members manage the team's membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TeamRole {
    Owner,
    Admin,
    Member,
}

impl TeamRole {
    pub const ALL: [TeamRole; 3] = [TeamRole::Owner, TeamRole::Admin, TeamRole::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            TeamRole::Owner => "OWNER",
            TeamRole::Admin => "ADMIN",
            TeamRole::Member => "MEMBER",
        }
    }

    pub fn parse(raw: &str) -> Option<TeamRole> {
        TeamRole::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(raw.trim()))
    }

    /// Whether this member may change the team's membership and details.
    pub fn manages(self) -> bool {
        matches!(self, TeamRole::Owner | TeamRole::Admin)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamSummary {
    pub id: TeamId,
    pub name: String,
    pub description: String,
    pub member_count: i64,
    pub lead: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub user_role: Role,
    pub role: TeamRole,
    pub is_lead: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamDetail {
    pub team: TeamSummary,
    pub members: Vec<TeamMember>,
    /// Whether the caller may edit this team (ADMIN, or the team's OWNER/ADMIN member).
    pub can_manage: bool,
}

pub const NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 1000;
