//! The status page's pure rules: a component's status (override, maintenance, open
//! incidents' urgency), the page indicator, the generic public text of derived issues, and
//! uptime arithmetic. No I/O; unit-tested here.

use super::{ComponentStatus, Impact, Indicator};
use crate::domain::Urgency;

/// A component's status: a manual override wins; else `under_maintenance` while a window
/// covering its service is active; else from its service's open (not resolved, not
/// suppressed) incidents: any HIGH → major outage, MEDIUM → partial outage, LOW → degraded
/// performance; else operational.
pub fn component_status(
    override_status: Option<ComponentStatus>,
    in_maintenance: bool,
    worst_open: Option<Urgency>,
) -> ComponentStatus {
    if let Some(s) = override_status {
        return s;
    }
    if in_maintenance {
        return ComponentStatus::UnderMaintenance;
    }
    match worst_open {
        Some(Urgency::High) => ComponentStatus::MajorOutage,
        Some(Urgency::Medium) => ComponentStatus::PartialOutage,
        Some(Urgency::Low) => ComponentStatus::DegradedPerformance,
        None => ComponentStatus::Operational,
    }
}

/// The worse of two urgencies (HIGH is worst).
pub fn worse(a: Option<Urgency>, b: Urgency) -> Option<Urgency> {
    let rank = |u: Urgency| match u {
        Urgency::High => 3,
        Urgency::Medium => 2,
        Urgency::Low => 1,
    };
    match a {
        Some(a) if rank(a) >= rank(b) => Some(a),
        _ => Some(b),
    }
}

/// The page indicator: critical when an unresolved hand-written incident has impact
/// critical, or every component is in major outage; major when any component is in major
/// outage (or an unresolved incident's impact is major); minor when any is degraded or in
/// partial outage (or an incident's impact is minor); else none.
pub fn indicator(components: &[ComponentStatus], open_impacts: &[Impact]) -> Indicator {
    let all_major = !components.is_empty()
        && components
            .iter()
            .all(|s| *s == ComponentStatus::MajorOutage);
    if all_major || open_impacts.contains(&Impact::Critical) {
        return Indicator::Critical;
    }
    if components.contains(&ComponentStatus::MajorOutage) || open_impacts.contains(&Impact::Major) {
        return Indicator::Major;
    }
    let minor = components.iter().any(|s| {
        matches!(
            s,
            ComponentStatus::DegradedPerformance | ComponentStatus::PartialOutage
        )
    });
    if minor || open_impacts.contains(&Impact::Minor) {
        return Indicator::Minor;
    }
    Indicator::None
}

/// The indicator's description, Statuspage's words; "Service Under Maintenance" when all is
/// well but something is in maintenance.
pub fn description(indicator: Indicator, components: &[ComponentStatus]) -> &'static str {
    if indicator == Indicator::None && components.contains(&ComponentStatus::UnderMaintenance) {
        return "Service Under Maintenance";
    }
    indicator.label()
}

/// The public title of a derived (not hand-written) issue: generic, naming only the
/// component's display name; `None` when there is nothing to report.
pub fn derived_title(status: ComponentStatus, display_name: &str) -> Option<String> {
    let what = match status {
        ComponentStatus::MajorOutage => "Major outage",
        ComponentStatus::PartialOutage => "Partial outage",
        ComponentStatus::DegradedPerformance => "Degraded performance",
        ComponentStatus::Operational | ComponentStatus::UnderMaintenance => return None,
    };
    Some(format!("{what} on {display_name}"))
}

/// The impact a derived issue has in the JSON.
pub fn derived_impact(status: ComponentStatus) -> Impact {
    match status {
        ComponentStatus::MajorOutage => Impact::Major,
        ComponentStatus::PartialOutage | ComponentStatus::DegradedPerformance => Impact::Minor,
        ComponentStatus::Operational | ComponentStatus::UnderMaintenance => Impact::None,
    }
}

/// One day of a component's uptime bar: seconds of major outage (HIGH incidents open) and of
/// partial trouble (MEDIUM or LOW open, not counted as down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Day {
    pub date: chrono::NaiveDate,
    pub down_secs: i64,
    pub partial_secs: i64,
}

impl Day {
    /// The bar's colour: major outage if any downtime, partial if any trouble, else fine.
    pub fn level(&self) -> ComponentStatus {
        if self.down_secs > 0 {
            ComponentStatus::MajorOutage
        } else if self.partial_secs > 0 {
            ComponentStatus::PartialOutage
        } else {
            ComponentStatus::Operational
        }
    }
}

/// Uptime over `days` as a percentage of `total_secs` (down time counts, partial does not),
/// rounded down to two decimals so a short outage never shows as 100 %.
pub fn uptime_percent(days: &[Day], total_secs: i64) -> f64 {
    if total_secs <= 0 {
        return 100.0;
    }
    let down: i64 = days.iter().map(|d| d.down_secs.max(0)).sum();
    let up = (total_secs - down.min(total_secs)) as f64 / total_secs as f64;
    (up * 10_000.0).floor() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use ComponentStatus as C;

    #[test]
    fn override_then_maintenance_then_worst_urgency() {
        assert_eq!(
            component_status(Some(C::Operational), true, Some(Urgency::High)),
            C::Operational
        );
        assert_eq!(
            component_status(None, true, Some(Urgency::High)),
            C::UnderMaintenance
        );
        assert_eq!(
            component_status(None, false, Some(Urgency::High)),
            C::MajorOutage
        );
        assert_eq!(
            component_status(None, false, Some(Urgency::Medium)),
            C::PartialOutage
        );
        assert_eq!(
            component_status(None, false, Some(Urgency::Low)),
            C::DegradedPerformance
        );
        assert_eq!(component_status(None, false, None), C::Operational);
        assert_eq!(
            worse(worse(None, Urgency::Low), Urgency::High),
            Some(Urgency::High)
        );
        assert_eq!(
            worse(Some(Urgency::High), Urgency::Low),
            Some(Urgency::High)
        );
    }

    #[test]
    fn indicator_levels() {
        assert_eq!(indicator(&[C::Operational], &[]), Indicator::None);
        assert_eq!(indicator(&[], &[]), Indicator::None);
        assert_eq!(
            indicator(&[C::Operational, C::DegradedPerformance], &[]),
            Indicator::Minor
        );
        assert_eq!(
            indicator(&[C::Operational, C::MajorOutage], &[]),
            Indicator::Major
        );
        assert_eq!(
            indicator(&[C::MajorOutage, C::MajorOutage], &[]),
            Indicator::Critical
        );
        assert_eq!(
            indicator(&[C::Operational], &[Impact::Critical]),
            Indicator::Critical
        );
        assert_eq!(indicator(&[C::UnderMaintenance], &[]), Indicator::None);
        assert_eq!(
            description(Indicator::None, &[C::UnderMaintenance]),
            "Service Under Maintenance"
        );
    }

    #[test]
    fn uptime_rounds_down() {
        let d = |down| Day {
            date: chrono::NaiveDate::default(),
            down_secs: down,
            partial_secs: 0,
        };
        assert_eq!(uptime_percent(&[d(0)], 86_400), 100.0);
        assert_eq!(uptime_percent(&[d(1)], 86_400 * 90), 99.99);
        assert_eq!(uptime_percent(&[d(86_400)], 86_400 * 2), 50.0);
        assert_eq!(derived_title(C::Operational, "API"), None);
        assert_eq!(
            derived_title(C::MajorOutage, "API").as_deref(),
            Some("Major outage on API")
        );
    }
}
