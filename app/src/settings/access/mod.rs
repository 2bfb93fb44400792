//! The workspace's access settings (`settings` row `access`): whether people outside a team
//! see what it owns, and whether schedules are for workspace ADMINs only. Read by the one
//! place team-scoped permissions live, `crate::teams::perm`; changed by ADMINs here.

use serde::{Deserialize, Serialize};

pub mod api;
#[cfg(feature = "ssr")]
pub mod ops;
pub mod page;
#[cfg(feature = "ssr")]
pub mod store;

/// The access settings. A field missing from the stored row takes its default, so a row saved
/// before a field existed still reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccessSettings {
    /// Whether callers who are neither workspace ADMINs nor members of a team see the services,
    /// escalation policies and schedules it owns (lists, and a get answers 404 when not).
    /// Incidents are always visible. Default true.
    pub outsiders_see_team_objects: bool,
    /// Whether every schedule write (layers, overrides, temporary schedules included) needs a
    /// workspace ADMIN. Default false.
    pub schedules_admin_only: bool,
}

impl Default for AccessSettings {
    fn default() -> Self {
        AccessSettings {
            outsiders_see_team_objects: true,
            schedules_admin_only: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_missing_a_field_reads_with_its_default() {
        let s: AccessSettings = serde_json::from_value(serde_json::json!({})).unwrap();
        assert_eq!(s, AccessSettings::default());
        assert!(s.outsiders_see_team_objects && !s.schedules_admin_only);
        let s: AccessSettings =
            serde_json::from_value(serde_json::json!({"schedules_admin_only": true})).unwrap();
        assert!(s.outsiders_see_team_objects && s.schedules_admin_only);
        assert!(serde_json::from_value::<AccessSettings>(serde_json::json!({"nope": 1})).is_err());
    }
}
