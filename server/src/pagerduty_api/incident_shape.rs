//! The Incident object as PagerDuty shapes it, built from OpsKnight's incident summary (lists)
//! or detail (show, updates): status and urgency mapped, the service's escalation policy and
//! team as references, priorities as objects.

use std::collections::HashMap;

use app::auth::caller::Caller;
use app::domain::{ServiceId, Status};
use app::incidents::{IncidentDetail, IncidentSummary};
use app::services::Service;
use app::state::AppState;
use serde_json::{Value, json};

use super::actors::Names;
use super::refs::{Kind, Urls, object, pd_status, pd_urgency, ts};

/// What incident objects need besides the incident: the services (for their escalation policy
/// and team). A key without `services:read` gets incidents without them.
pub struct Lookup {
    pub urls: Urls,
    services: HashMap<ServiceId, Service>,
}

impl Lookup {
    pub async fn load(state: &AppState, caller: &Caller) -> Lookup {
        let services = app::services::ops::list(state, caller)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        Lookup {
            urls: Urls::new(state),
            services,
        }
    }

    pub fn service(&self, id: ServiceId) -> Option<&Service> {
        self.services.get(&id)
    }

    /// The team the incident belongs to through its service.
    pub fn team_of(&self, i: &IncidentSummary) -> Option<app::domain::TeamId> {
        self.service(i.service_id).and_then(|s| s.team_id)
    }
}

/// A priority object (`P1`…`P5`; the name is the id).
pub fn priority(urls: &Urls, name: &str) -> Value {
    let description = match name {
        "P1" => "Critical: all hands",
        "P2" => "High",
        "P3" => "Moderate",
        "P4" => "Low",
        _ => "Informational",
    };
    json!({
        "id": name, "type": "priority", "summary": name, "name": name,
        "description": description, "self": urls.api(&format!("priorities/{name}")),
        "html_url": Value::Null, "color": Value::Null,
    })
}

/// An incident object from a list row (no timeline: no acknowledgements or log entry links).
pub fn incident(look: &Lookup, i: &IncidentSummary) -> Value {
    let urls = &look.urls;
    let service = look.service(i.service_id);
    let policy = service
        .and_then(|s| {
            s.escalation_policy_id
                .zip(s.escalation_policy_name.as_deref())
        })
        .map_or(Value::Null, |(id, name)| {
            urls.reference(Kind::EscalationPolicy, &id, name)
        });
    let teams: Vec<Value> = service
        .and_then(|s| s.team_id.zip(s.team_name.as_deref()))
        .map(|(id, name)| urls.reference(Kind::Team, &id, name))
        .into_iter()
        .collect();
    let assignments: Vec<Value> = i
        .assignee_user_id
        .map(|u| {
            json!({"at": ts(i.updated_at),
                "assignee": urls.reference(Kind::User, &u, i.assignee.as_deref().unwrap_or_default())})
        })
        .into_iter()
        .collect();
    let resolved = i.status == Status::Resolved;
    let count = i64::from(i.alert_count);
    object(
        urls.head(
            Kind::Incident,
            &i.id,
            &format!("[#{}] {}", i.number, i.title),
        ),
        json!({
            "incident_number": i.number,
            "title": i.title,
            "description": i.title,
            "created_at": ts(i.created_at),
            "updated_at": ts(i.updated_at),
            "status": pd_status(i.status),
            "incident_key": Value::Null,
            "service": urls.reference(Kind::Service, &i.service_id, &i.service_name),
            "assignments": assignments,
            "assigned_via": if i.assignee_user_id.is_some() { "direct_assignment" } else { "escalation_policy" },
            "last_status_change_at": ts(i.updated_at),
            "last_status_change_by": Value::Null,
            "resolved_at": if resolved { ts(i.updated_at) } else { Value::Null },
            "first_trigger_log_entry": Value::Null,
            "alert_counts": {
                "all": count,
                "triggered": if resolved { 0 } else { count },
                "resolved": if resolved { count } else { 0 },
            },
            "is_mergeable": true,
            "escalation_policy": policy,
            "teams": teams,
            "acknowledgements": [],
            "pending_actions": [],
            "priority": i.priority.as_deref().map_or(Value::Null, |p| priority(urls, p)),
            "urgency": pd_urgency(i.urgency),
            "resolve_reason": Value::Null,
            "conference_bridge": Value::Null,
            "incidents_responders": [],
            "responder_requests": [],
        }),
    )
}

/// An incident object from its detail: the list row plus key, body, acknowledgements,
/// the first trigger and the resolve time from the timeline.
pub async fn incident_detail(
    state: &AppState,
    caller: &Caller,
    look: &Lookup,
    d: &IncidentDetail,
) -> Value {
    let urls = &look.urls;
    let mut out = incident(look, &d.incident);
    let mut names = Names::default();
    let since_trigger = d
        .timeline
        .iter()
        .rposition(|t| matches!(t.kind.as_str(), "TRIGGERED" | "REOPENED" | "UNACKNOWLEDGED"))
        .unwrap_or(0);
    let mut acks = Vec::new();
    if pd_status(d.incident.status) == "acknowledged" {
        for t in d
            .timeline
            .iter()
            .skip(since_trigger)
            .filter(|t| t.kind == "ACKNOWLEDGED")
        {
            let who = names
                .reference(state, caller, urls, t.actor.as_deref())
                .await;
            acks.push(json!({"at": ts(t.at), "acknowledger": who}));
        }
    }
    let last_change = d
        .timeline
        .iter()
        .rev()
        .find(|t| super::incident_log::is_status_change(&t.kind));
    let first_trigger = d.timeline.iter().find(|t| t.kind == "TRIGGERED");
    if let Some(obj) = out.as_object_mut() {
        obj.insert("incident_key".into(), json!(d.dedup_key));
        obj.insert(
            "body".into(),
            json!({"type": "incident_body", "details": d.description}),
        );
        if !d.description.is_empty() {
            obj.insert("description".into(), json!(d.description));
        }
        obj.insert("acknowledgements".into(), Value::Array(acks));
        if let Some(t) = first_trigger {
            obj.insert(
                "first_trigger_log_entry".into(),
                super::incident_log::log_entry_ref(urls, d.incident.id, t.id),
            );
        }
        if let Some(t) = last_change {
            obj.insert("last_status_change_at".into(), ts(t.at));
            let who = names
                .reference(state, caller, urls, t.actor.as_deref())
                .await;
            obj.insert("last_status_change_by".into(), who);
            if d.incident.status == Status::Resolved {
                obj.insert("resolved_at".into(), ts(t.at));
            }
        }
    }
    out
}
