//! API-key scopes, and the access each server function needs. A key acts with its owner's
//! role, narrowed by its scopes; a session has the owner's role unnarrowed.

use serde::{Deserialize, Serialize};

use super::Role;

/// What an API key may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "events:write")]
    EventsWrite,
    #[serde(rename = "incidents:read")]
    IncidentsRead,
    #[serde(rename = "incidents:write")]
    IncidentsWrite,
    #[serde(rename = "services:read")]
    ServicesRead,
    #[serde(rename = "services:write")]
    ServicesWrite,
    #[serde(rename = "schedules:read")]
    SchedulesRead,
    #[serde(rename = "schedules:write")]
    SchedulesWrite,
    #[serde(rename = "admin")]
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 8] = [
        Scope::EventsWrite,
        Scope::IncidentsRead,
        Scope::IncidentsWrite,
        Scope::ServicesRead,
        Scope::ServicesWrite,
        Scope::SchedulesRead,
        Scope::SchedulesWrite,
        Scope::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::EventsWrite => "events:write",
            Scope::IncidentsRead => "incidents:read",
            Scope::IncidentsWrite => "incidents:write",
            Scope::ServicesRead => "services:read",
            Scope::ServicesWrite => "services:write",
            Scope::SchedulesRead => "schedules:read",
            Scope::SchedulesWrite => "schedules:write",
            Scope::Admin => "admin",
        }
    }

    /// The lowest role that can use this scope: reads any role, writes and events RESPONDER,
    /// `admin` ADMIN. Nobody gives a key a scope their own role could not use.
    pub fn min_role(self) -> Role {
        match self {
            Scope::IncidentsRead | Scope::ServicesRead | Scope::SchedulesRead => Role::User,
            Scope::EventsWrite
            | Scope::IncidentsWrite
            | Scope::ServicesWrite
            | Scope::SchedulesWrite => Role::Responder,
            Scope::Admin => Role::Admin,
        }
    }

    pub fn parse(raw: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == raw.trim())
    }

    /// Parses a list such as `["incidents:read","events:write"]`; errors name `field`.
    pub fn parse_list(field: &str, raw: &[String]) -> Result<Vec<Scope>, crate::error::AppError> {
        let mut out = Vec::with_capacity(raw.len());
        for s in raw {
            let scope = Scope::parse(s).ok_or_else(|| {
                crate::error::AppError::invalid(
                    field,
                    format!(
                        "unknown scope {s:?}; expected one of {}",
                        Scope::ALL.map(Scope::as_str).join(", ")
                    ),
                )
            })?;
            if !out.contains(&scope) {
                out.push(scope);
            }
        }
        if out.is_empty() {
            return Err(crate::error::AppError::invalid(
                field,
                "choose at least one scope",
            ));
        }
        Ok(out)
    }
}

/// The parts of the product a server function reads or changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Incidents,
    /// Services, their integrations and escalation policies.
    Services,
    Schedules,
}

/// What a server function requires of its caller. Checked first, before any store call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Any signed-in caller, any key: who am I, the user and team directory.
    SignedIn,
    /// The caller's own account (profile, password, sessions, keys): a session, or a key
    /// with the `admin` scope.
    OwnAccount,
    /// Read an area: any role; keys need `<area>:read`, `<area>:write` or `admin`.
    Read(Area),
    /// Change an area: RESPONDER or ADMIN; keys need `<area>:write` or `admin`.
    Write(Area),
    /// Send events (the Events API): RESPONDER or ADMIN; keys need `events:write` or `admin`.
    SendEvents,
    /// Administration (users, teams, audit log): ADMIN; keys need `admin`.
    Admin,
}

impl Access {
    /// The lowest role that has this access.
    pub fn min_role(self) -> Role {
        match self {
            Access::SignedIn | Access::OwnAccount | Access::Read(_) => Role::User,
            Access::Write(_) | Access::SendEvents => Role::Responder,
            Access::Admin => Role::Admin,
        }
    }

    /// Whether a key holding `scopes` may use this access (before the role check).
    pub fn allows_scopes(self, scopes: &[Scope]) -> bool {
        if scopes.contains(&Scope::Admin) {
            return true;
        }
        let has = |s| scopes.contains(&s);
        match self {
            Access::SignedIn => true,
            Access::OwnAccount | Access::Admin => false,
            Access::SendEvents => has(Scope::EventsWrite),
            Access::Read(a) => has(read_scope(a)) || has(write_scope(a)),
            Access::Write(a) => has(write_scope(a)),
        }
    }

    /// The scope a key would need, for error messages.
    pub fn needed_scope(self) -> Option<Scope> {
        match self {
            Access::SignedIn => None,
            Access::OwnAccount | Access::Admin => Some(Scope::Admin),
            Access::SendEvents => Some(Scope::EventsWrite),
            Access::Read(a) => Some(read_scope(a)),
            Access::Write(a) => Some(write_scope(a)),
        }
    }
}

fn read_scope(a: Area) -> Scope {
    match a {
        Area::Incidents => Scope::IncidentsRead,
        Area::Services => Scope::ServicesRead,
        Area::Schedules => Scope::SchedulesRead,
    }
}

fn write_scope(a: Area) -> Scope {
    match a {
        Area::Incidents => Scope::IncidentsWrite,
        Area::Services => Scope::ServicesWrite,
        Area::Schedules => Scope::SchedulesWrite,
    }
}

impl Role {
    /// ADMIN ≥ RESPONDER ≥ USER.
    pub fn at_least(self, min: Role) -> bool {
        let rank = |r| match r {
            Role::User => 0,
            Role::Responder => 1,
            Role::Admin => 2,
        };
        rank(self) >= rank(min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_and_reject_unknown() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        let err = Scope::parse_list("scopes", &["incidents:read".into(), "root".into()]);
        assert_eq!(err.unwrap_err().field(), Some("scopes"));
        assert!(Scope::parse_list("scopes", &[]).is_err());
    }

    #[test]
    fn keys_are_narrowed_by_scope() {
        let read = Access::Read(Area::Incidents);
        assert!(read.allows_scopes(&[Scope::IncidentsRead]));
        assert!(read.allows_scopes(&[Scope::IncidentsWrite]));
        assert!(!read.allows_scopes(&[Scope::ServicesRead]));
        assert!(!Access::Write(Area::Incidents).allows_scopes(&[Scope::IncidentsRead]));
        assert!(!Access::OwnAccount.allows_scopes(&[Scope::IncidentsWrite]));
        assert!(Access::Admin.allows_scopes(&[Scope::Admin]));
        assert!(Access::SignedIn.allows_scopes(&[Scope::EventsWrite]));
    }

    #[test]
    fn a_scope_needs_the_role_its_access_needs() {
        // A key's scope never lets it do more than the role that may hand it out.
        for s in Scope::ALL {
            let access = match s {
                Scope::EventsWrite => Access::SendEvents,
                Scope::IncidentsRead => Access::Read(Area::Incidents),
                Scope::IncidentsWrite => Access::Write(Area::Incidents),
                Scope::ServicesRead => Access::Read(Area::Services),
                Scope::ServicesWrite => Access::Write(Area::Services),
                Scope::SchedulesRead => Access::Read(Area::Schedules),
                Scope::SchedulesWrite => Access::Write(Area::Schedules),
                Scope::Admin => Access::Admin,
            };
            assert!(access.allows_scopes(&[s]), "{s:?}");
            assert_eq!(s.min_role(), access.min_role(), "{s:?}");
        }
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin.at_least(Role::Responder));
        assert!(!Role::User.at_least(Role::Responder));
        assert_eq!(Access::Admin.min_role(), Role::Admin);
    }
}
