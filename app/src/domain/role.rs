//! The three account roles and what each may do in general terms.

use serde::{Deserialize, Serialize};

/// ADMIN does everything; RESPONDER operates incidents, services, schedules and policies;
/// USER reads, and acts only on incidents assigned to them or their teams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    Admin,
    Responder,
    User,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Responder, Role::User];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::Responder => "RESPONDER",
            Role::User => "USER",
        }
    }

    /// Parses `admin`, `ADMIN`, `Responder`… (case-insensitive).
    pub fn parse(raw: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(raw.trim()))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_case_insensitively_and_rejects_unknown() {
        assert_eq!(Role::parse("admin"), Some(Role::Admin));
        assert_eq!(Role::parse(" Responder "), Some(Role::Responder));
        assert_eq!(Role::parse("owner"), None);
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
