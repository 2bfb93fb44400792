//! The postmortem tests' helpers: an incident's id and number, a call that must succeed, a
//! resolved incident with a draft postmortem, an edit body, a team owning a service, and an
//! action item.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use serde_json::{Value, json};

use super::{Cred, TestApp};

/// (id, number) of the incident with `dedup`.
pub async fn incident(app: &TestApp, dedup: &str) -> (String, i64) {
    let (id, n): (uuid::Uuid, i64) =
        sqlx::query_as("SELECT id, number FROM incidents WHERE dedup_key = $1")
            .bind(dedup)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    (id.to_string(), n)
}

pub async fn ok(app: &TestApp, path: &str, body: Value, cred: &Cred) -> Value {
    let (s, v) = app.call(path, body, cred).await;
    assert_eq!(s, 200, "{path}: {v}");
    v
}

/// A resolved incident (triggered at t0, resolved 20 minutes later) on a new service → the
/// incident's id and a DRAFT postmortem's id.
pub async fn resolved_with_postmortem(app: &TestApp, admin: &Cred, name: &str) -> (String, String) {
    let (service, key) = app.service_with_key(admin, name).await;
    let _ = service;
    app.enqueue(&key, "trigger", name, "critical").await;
    let (id, _) = incident(app, name).await;
    app.clock.advance(Duration::minutes(20));
    ok(app, "/api/incidents/resolve", json!({"ids": [id]}), admin).await;
    let pm = ok(
        app,
        "/api/postmortems/create",
        json!({"incident_id": id}),
        admin,
    )
    .await;
    (id, pm.as_str().unwrap().to_owned())
}

pub fn edit(title: &str, sections: Value, timeline: Value) -> Value {
    json!({"title": title, "authors": "Ada", "sections": sections, "timeline": timeline})
}

/// A team with `owner` (OWNER) and `member` (MEMBER), and a service it owns → (team, service).
pub async fn team_service(
    app: &TestApp,
    name: &str,
    members: &[(app::domain::UserId, app::teams::TeamRole)],
) -> (app::domain::TeamId, String) {
    let mut tx = app.pool.begin().await.unwrap();
    let team = app::teams::store::create(&mut *tx, name, "", app.clock_now())
        .await
        .unwrap();
    for (user, role) in members {
        app::teams::store::set_member(&mut tx, team, *user, *role, false, app.clock_now())
            .await
            .unwrap();
    }
    let service = app::services::store::create(
        &mut *tx,
        &app::services::store::ServiceFields {
            name: format!("{name} API"),
            description: String::new(),
            team_id: Some(team),
            urgency_rule: app::services::UrgencyRule::Severity,
            ack_timeout_secs: None,
            escalation_policy_id: None,
        },
        app.clock_now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (team, service.to_string())
}

/// A resolved incident by hand on `service` and its postmortem's id.
pub async fn postmortem_on(app: &TestApp, admin: &Cred, service: &str, title: &str) -> String {
    let id = app.create_incident(admin, service, title).await;
    ok(app, "/api/incidents/resolve", json!({"ids": [id]}), admin).await;
    let pm = ok(
        app,
        "/api/postmortems/create",
        json!({"incident_id": id}),
        admin,
    )
    .await;
    pm.as_str().unwrap().to_owned()
}

pub async fn item(
    app: &TestApp,
    cred: &Cred,
    pm: &str,
    title: &str,
    due: &str,
    status: &str,
) -> (u16, Value) {
    app.call(
        "/api/postmortems/actions/save",
        json!({"id": pm, "action": {"title": title, "kind": "PREVENT", "owner_user_id": null,
               "due_on": due, "status": status, "bug": "OPS-1"}}),
        cred,
    )
    .await
}
