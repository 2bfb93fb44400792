//! The Atlassian Statuspage v2 JSON (`/status/api/v2/*.json`), so existing widgets and bots
//! work: `summary`, `status`, `components`, `incidents` (the 50 most recent hand-written
//! ones), `incidents/unresolved` and `scheduled-maintenances`. Derived issues appear as
//! unresolved incidents with generic names. Cached 30 s, with ETag/304.

use app::state::AppState;
use app::statuspage::public::{DerivedIssue, Snapshot};
use app::statuspage::store::{Component, Maintenance};
use app::statuspage::{ComponentStatus, IncidentStatus, IncidentView};
use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::host::OnStatusHost;

/// The page id every object names (Statuspage has one per page; there is one page).
pub const PAGE_ID: &str = "opsknight";

type Host = Option<Extension<OnStatusHost>>;

/// A group's stable id: derived from its name.
fn group_id(name: &str) -> String {
    format!(
        "grp-{}",
        &hex::encode(Sha256::digest(name.as_bytes()))[..16]
    )
}

fn page(s: &Snapshot, url: &str) -> Value {
    json!({"id": PAGE_ID, "name": s.page_name, "url": url, "time_zone": "Etc/UTC",
           "updated_at": s.updated_at})
}

fn status_obj(s: &Snapshot) -> Value {
    json!({"indicator": s.indicator.as_str(), "description": s.description})
}

fn component(c: &Component) -> Value {
    let group = (!c.group_name.is_empty()).then(|| group_id(&c.group_name));
    json!({"id": c.id, "name": c.display_name, "status": c.status.as_str(),
           "created_at": c.created_at, "updated_at": c.updated_at, "position": c.position,
           "description": null, "showcase": true, "start_date": null, "group_id": group,
           "page_id": PAGE_ID, "group": false, "only_show_if_degraded": false})
}

/// The components, with one group component per group (its status the worst of its members).
fn components_list(s: &Snapshot) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut groups: Vec<(&str, Vec<&Component>)> = Vec::new();
    for c in &s.components {
        if c.group_name.is_empty() {
            continue;
        }
        match groups.iter_mut().find(|(g, _)| *g == c.group_name) {
            Some((_, members)) => members.push(c),
            None => groups.push((&c.group_name, vec![c])),
        }
    }
    for (position, (name, members)) in groups.iter().enumerate() {
        let worst = members
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(ComponentStatus::Operational);
        let created = members.iter().map(|c| c.created_at).min();
        let updated = members.iter().map(|c| c.updated_at).max();
        out.push(
            json!({"id": group_id(name), "name": name, "status": worst.as_str(),
            "created_at": created, "updated_at": updated, "position": position,
            "description": null, "showcase": false, "start_date": null, "group_id": null,
            "page_id": PAGE_ID, "group": true, "only_show_if_degraded": false,
            "components": members.iter().map(|c| c.id).collect::<Vec<_>>()}),
        );
    }
    out.extend(s.components.iter().map(component));
    out
}

fn affected(s: &Snapshot, ids: &[app::domain::StatusComponentId]) -> Vec<Value> {
    s.components
        .iter()
        .filter(|c| ids.contains(&c.id))
        .map(component)
        .collect()
}

fn incident(s: &Snapshot, i: &IncidentView, url: &str) -> Value {
    let comps = affected(s, &i.components);
    let affected_components: Vec<Value> = s
        .components
        .iter()
        .filter(|c| i.components.contains(&c.id))
        .map(|c| {
            json!({"code": c.id, "name": c.display_name,
                        "old_status": c.status.as_str(), "new_status": c.status.as_str()})
        })
        .collect();
    let monitoring_at = i
        .updates
        .iter()
        .filter(|u| u.status == IncidentStatus::Monitoring)
        .map(|u| u.created_at)
        .min();
    let updates: Vec<Value> = i
        .updates
        .iter()
        .map(|u| {
            json!({"id": u.id, "status": u.status.as_str(), "body": u.body, "incident_id": i.id,
                   "created_at": u.created_at, "updated_at": u.created_at,
                   "display_at": u.created_at, "affected_components": affected_components,
                   "deliver_notifications": true, "custom_tweet": null, "tweet_id": null})
        })
        .collect();
    json!({"id": i.id, "name": i.name, "status": i.status.as_str(), "created_at": i.created_at,
           "updated_at": i.updated_at, "monitoring_at": monitoring_at,
           "resolved_at": i.resolved_at, "impact": i.impact.as_str(),
           "shortlink": format!("{url}#incident-{}", i.id), "started_at": i.created_at,
           "page_id": PAGE_ID, "incident_updates": updates, "components": comps})
}

/// A derived issue as an unresolved incident: a generic name, no update text of ours.
fn derived(s: &Snapshot, d: &DerivedIssue, url: &str) -> Value {
    let id = format!("auto-{}", d.component);
    let comps = affected(s, &[d.component]);
    json!({"id": id, "name": d.title, "status": "investigating", "created_at": d.since,
           "updated_at": d.since, "monitoring_at": null, "resolved_at": null,
           "impact": d.impact.as_str(), "shortlink": format!("{url}#{id}"),
           "started_at": d.since, "page_id": PAGE_ID,
           "incident_updates": [{"id": format!("{id}-1"), "status": "investigating",
               "body": format!("{}.", d.title), "incident_id": id, "created_at": d.since,
               "updated_at": d.since, "display_at": d.since,
               "affected_components": [{"code": d.component, "name": comps.first().and_then(|c| c.get("name")).cloned(),
                   "old_status": "operational", "new_status": d.status.as_str()}]}],
           "components": comps})
}

fn maintenance(s: &Snapshot, m: &Maintenance, url: &str) -> Value {
    let status = if m.in_progress {
        "in_progress"
    } else {
        "scheduled"
    };
    let comps = affected(s, &m.components);
    let names: Vec<&str> = s
        .components
        .iter()
        .filter(|c| m.components.contains(&c.id))
        .map(|c| c.display_name.as_str())
        .collect();
    let name = format!("Scheduled maintenance: {}", names.join(", "));
    json!({"id": m.id, "name": name, "status": status, "created_at": m.created_at,
           "updated_at": m.created_at, "monitoring_at": null, "resolved_at": null,
           "impact": "maintenance", "shortlink": format!("{url}#maintenance-{}", m.id),
           "started_at": m.scheduled_for, "page_id": PAGE_ID,
           "scheduled_for": m.scheduled_for, "scheduled_until": m.scheduled_until,
           "incident_updates": [], "components": comps})
}

fn unresolved(s: &Snapshot, url: &str) -> Vec<Value> {
    s.incidents
        .iter()
        .filter(|i| i.resolved_at.is_none())
        .map(|i| incident(s, i, url))
        .chain(s.derived.iter().map(|d| derived(s, d, url)))
        .collect()
}

/// The whole body of one endpoint.
pub fn render(which: &str, s: &Snapshot, url: &str) -> Value {
    let p = page(s, url);
    match which {
        "status" => json!({"page": p, "status": status_obj(s)}),
        "components" => json!({"page": p, "components": components_list(s)}),
        "incidents" => {
            json!({"page": p, "incidents": s.incidents.iter().map(|i| incident(s, i, url)).collect::<Vec<_>>()})
        }
        "unresolved" => json!({"page": p, "incidents": unresolved(s, url)}),
        "maintenances" => json!({"page": p, "scheduled_maintenances":
            s.maintenance.iter().map(|m| maintenance(s, m, url)).collect::<Vec<_>>()}),
        _ => json!({"page": p, "status": status_obj(s), "components": components_list(s),
                    "incidents": unresolved(s, url),
                    "scheduled_maintenances": s.maintenance.iter().map(|m| maintenance(s, m, url)).collect::<Vec<_>>()}),
    }
}

async fn answer(which: &str, state: AppState, host: Host, headers: HeaderMap) -> Response {
    let (url, _) = super::base(&state, host.as_ref().map(|h| &h.0));
    match app::statuspage::public::snapshot(&state.pool, state.clock.now()).await {
        Ok(s) => super::cached(
            &headers,
            "application/json",
            30,
            render(which, &s, &url).to_string(),
        ),
        Err(e) => super::failed(e),
    }
}

pub async fn summary(State(state): State<AppState>, host: Host, headers: HeaderMap) -> Response {
    answer("summary", state, host, headers).await
}

pub async fn status(State(state): State<AppState>, host: Host, headers: HeaderMap) -> Response {
    answer("status", state, host, headers).await
}

pub async fn components(State(state): State<AppState>, host: Host, headers: HeaderMap) -> Response {
    answer("components", state, host, headers).await
}

pub async fn incidents(State(state): State<AppState>, host: Host, headers: HeaderMap) -> Response {
    answer("incidents", state, host, headers).await
}

pub async fn unresolved_incidents(
    State(state): State<AppState>,
    host: Host,
    headers: HeaderMap,
) -> Response {
    answer("unresolved", state, host, headers).await
}

pub async fn maintenances(
    State(state): State<AppState>,
    host: Host,
    headers: HeaderMap,
) -> Response {
    answer("maintenances", state, host, headers).await
}
