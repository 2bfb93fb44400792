//! The page as the public sees it at one instant: settings, components with their status, the
//! indicator, hand-written incidents, derived issues (generic text only) and maintenance.
//! Four statements; the HTML, the JSON and the feeds all render from this.

use chrono::{DateTime, Utc};

use super::derive;
use super::store::{Component, Maintenance};
use super::{ComponentStatus, Impact, IncidentView, Indicator};
use crate::db::Db;
use crate::error::AppError;

/// A component's trouble not covered by a hand-written incident: its generic public title
/// ("Major outage on Payments API") and since when its status last changed.
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedIssue {
    pub component: crate::domain::StatusComponentId,
    pub title: String,
    pub status: ComponentStatus,
    pub impact: Impact,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub page_name: String,
    pub updated_at: DateTime<Utc>,
    pub components: Vec<Component>,
    pub indicator: Indicator,
    pub description: &'static str,
    /// The 50 most recent hand-written incidents, newest first.
    pub incidents: Vec<IncidentView>,
    pub derived: Vec<DerivedIssue>,
    /// Empty when the page hides maintenance.
    pub maintenance: Vec<Maintenance>,
}

pub async fn snapshot(db: &Db, now: DateTime<Utc>) -> Result<Snapshot, AppError> {
    let settings = super::store::settings(db).await?;
    let components = super::store::components(db, now).await?;
    let incidents = super::store::incidents(db, false, 50).await?;
    let maintenance = if settings.show_maintenance {
        super::store::maintenance(db, now).await?
    } else {
        Vec::new()
    };
    let statuses: Vec<ComponentStatus> = components.iter().map(|c| c.status).collect();
    let open_impacts: Vec<Impact> = incidents
        .iter()
        .filter(|i| i.resolved_at.is_none())
        .map(|i| i.impact)
        .collect();
    let indicator = derive::indicator(&statuses, &open_impacts);
    let derived = components
        .iter()
        .filter(|c| c.override_status.is_none())
        .filter_map(|c| {
            derive::derived_title(c.status, &c.display_name).map(|title| DerivedIssue {
                component: c.id,
                title,
                status: c.status,
                impact: derive::derived_impact(c.status),
                since: c.updated_at,
            })
        })
        .collect();
    let updated_at = components
        .iter()
        .map(|c| c.updated_at)
        .chain(incidents.iter().map(|i| i.updated_at))
        .chain(settings.updated_at)
        .max()
        .unwrap_or(now);
    Ok(Snapshot {
        page_name: settings.page_name,
        updated_at,
        description: derive::description(indicator, &statuses),
        indicator,
        components,
        incidents,
        derived,
        maintenance,
    })
}
