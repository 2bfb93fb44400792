//! REST v1 resources beyond incidents: services and their integrations, escalation policies,
//! users, teams and members, contact methods and notification rules, API keys and the audit
//! log (the people's in `rest_resources/people.rs`). Each: 201 + Location, ETag and a stale
//! `If-Match` (412), 422 naming the field with nothing changed, 404 for unknown ids, 403 for
//! a key without the scope.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
mod people;

use app::domain::Role;
use common::{Cred, TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

const NOBODY: &str = "7c0e9a52-0000-4000-8000-000000000000";

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> String {
        self.headers[name].to_str().unwrap().to_owned()
    }

    /// `(status, body.field)`, for 422s.
    fn field(&self) -> (u16, Option<&str>) {
        (self.status, self.body["field"].as_str())
    }
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    cred: &Cred,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Answer {
    let (status, headers, body) = app.send(method, path, cred, body, headers).await;
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(app: &TestApp, path: &str, cred: &Cred) -> Answer {
    send(app, Method::GET, path, cred, None, &[]).await
}

async fn post(app: &TestApp, path: &str, cred: &Cred, body: Value) -> Answer {
    send(app, Method::POST, path, cred, Some(body), &[]).await
}

async fn patch(app: &TestApp, path: &str, cred: &Cred, body: Value, etag: Option<&str>) -> Answer {
    let headers: Vec<(&str, &str)> = etag.map(|e| ("if-match", e)).into_iter().collect();
    send(app, Method::PATCH, path, cred, Some(body), &headers).await
}

async fn delete(app: &TestApp, path: &str, cred: &Cred) -> Answer {
    send(app, Method::DELETE, path, cred, None, &[]).await
}

/// A 201 whose `Location` reads back the same object; → (location, ETag).
async fn created(app: &TestApp, res: &Answer, cred: &Cred) -> (String, String) {
    assert_eq!(res.status, 201, "{}", res.body);
    let location = res.header("location");
    let again = get(app, &location, cred).await;
    assert_eq!(again.status, 200, "{location}: {}", again.body);
    assert_eq!(again.body["id"], res.body["id"]);
    (location, again.header("etag"))
}

/// A fresh app with an ADMIN (`root@example.com`) and a key of theirs with `scopes`.
async fn setup(scopes: &[&str]) -> (TestApp, app::users::UserSummary, Cred) {
    let app = spawn_app().await;
    let admin = app.add_user("root@example.com", Role::Admin).await;
    let key = app.key_for(&admin, scopes).await;
    (app, admin, key)
}

#[tokio::test]
async fn services_and_integrations_are_created_changed_and_deleted() {
    let (app, admin, key) = setup(&["services:write", "incidents:write"]).await;
    let reader = app.key_for(&admin, &["services:read"]).await;
    let res = post(
        &app,
        "/api/v1/services",
        &key,
        json!({"name": "Payments", "urgency_rule": "HIGH"}),
    )
    .await;
    let (path, etag) = created(&app, &res, &key).await;
    assert_eq!(res.body["urgency_rule"], "HIGH");
    assert_eq!(res.header("etag"), etag);
    let listed = get(&app, "/api/v1/services", &reader).await;
    assert_eq!(listed.body["services"][0]["name"], "Payments");

    // A PATCH changes only what it names; the old ETag is then stale.
    let res = patch(
        &app,
        &path,
        &key,
        json!({"ack_timeout_secs": 600}),
        Some(&etag),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        (&res.body["ack_timeout_secs"], &res.body["urgency_rule"]),
        (&json!(600), &json!("HIGH"))
    );
    let res = patch(&app, &path, &key, json!({"name": "Billing"}), Some(&etag)).await;
    assert_eq!((res.status, &res.body["error"]), (412, &json!("stale")));
    // Bad fields: 422 naming the field, and nothing changes.
    for (body, field) in [
        (
            json!({"name": "Billing", "urgency_rule": "LOUD"}),
            "urgency_rule",
        ),
        (
            json!({"name": "Billing", "ack_timeout_secs": 5}),
            "ack_timeout_secs",
        ),
        (json!({"name": "Billing", "team_id": NOBODY}), "team_id"),
        (json!({"name": "Billing", "team_id": "x"}), "team_id"),
        (json!({"name": "  "}), "name"),
    ] {
        let res = patch(&app, &path, &key, body.clone(), None).await;
        assert_eq!(res.field(), (422, Some(field)), "{body} → {}", res.body);
    }
    let res = patch(&app, &path, &key, json!({"colour": "red"}), None).await;
    assert_eq!(res.status, 422);
    let res = post(&app, "/api/v1/services", &key, json!({"name": "Payments"})).await;
    assert_eq!(res.field(), (422, Some("name")), "a taken name");
    let now = get(&app, &path, &reader).await;
    assert_eq!(now.body["name"], "Payments");
    assert_eq!(now.body["ack_timeout_secs"], 600);
    assert_eq!(app.count("services").await, 1);

    // Integrations: the routing key once, at creation; it routes events.
    let res = post(
        &app,
        &format!("{path}/integrations"),
        &key,
        json!({"kind": "events_v2", "name": "main"}),
    )
    .await;
    let (ipath, ietag) = created(&app, &res, &key).await;
    let integration = res.body["id"].as_str().unwrap().to_owned();
    let routing_key = res.body["routing_key"].as_str().unwrap().to_owned();
    assert_eq!(routing_key.len(), 32);
    let read = get(&app, &ipath, &reader).await;
    assert!(read.body.get("routing_key").is_none(), "{}", read.body);
    let res = post(
        &app,
        &format!("{path}/integrations"),
        &key,
        json!({"kind": "carrier-pigeon", "name": "x"}),
    )
    .await;
    assert_eq!(res.field(), (422, Some("kind")));
    let res = patch(&app, &ipath, &key, json!({"rate_limit_per_min": 0}), None).await;
    assert_eq!(res.field(), (422, Some("rate_limit_per_min")));
    let res = patch(&app, &ipath, &key, json!({"enabled": false}), Some(&ietag)).await;
    assert_eq!((res.status, &res.body["enabled"]), (200, &json!(false)));
    assert_eq!(res.body["rate_limit_per_min"], 120);
    let rotated = post(&app, &format!("{ipath}/rotate"), &key, json!({})).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    assert_ne!(rotated.body["routing_key"].as_str().unwrap(), routing_key);
    let listed = get(&app, &format!("{path}/integrations"), &reader).await;
    assert_eq!(listed.body["integrations"].as_array().unwrap().len(), 1);
    // An integration is found only under its own service.
    let other = format!("/api/v1/services/{NOBODY}/integrations/{integration}");
    assert_eq!(get(&app, &other, &reader).await.status, 404);

    // A read-only key cannot change anything.
    assert_eq!(
        post(&app, "/api/v1/services", &reader, json!({"name": "X"}))
            .await
            .status,
        403
    );
    assert_eq!(
        patch(&app, &path, &reader, json!({}), None).await.status,
        403
    );
    assert_eq!(delete(&app, &ipath, &reader).await.status, 403);

    // Deleting: refused while an incident is unresolved.
    let service = now.body["id"].as_str().unwrap();
    let res = post(
        &app,
        "/api/v1/incidents",
        &key,
        json!({"service_id": service, "title": "Down"}),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let incident = res.header("location");
    let res = delete(&app, &path, &key).await;
    assert_eq!(
        (res.status, &res.body["error"]),
        (409, &json!("conflict")),
        "{}",
        res.body
    );
    assert_eq!(delete(&app, &ipath, &key).await.status, 204);
    assert_eq!(get(&app, &ipath, &reader).await.status, 404);
    let res = patch(&app, &incident, &key, json!({"status": "RESOLVED"}), None).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(delete(&app, &path, &key).await.status, 204);
    for p in [
        path.as_str(),
        "/api/v1/services/nope",
        &format!("/api/v1/services/{NOBODY}"),
    ] {
        let res = get(&app, p, &reader).await;
        assert_eq!(
            (res.status, &res.body["error"]),
            (404, &json!("not_found")),
            "{p}"
        );
    }
    assert_eq!(delete(&app, &path, &key).await.status, 404);
    assert_eq!(app.count("services").await, 0);
}

#[tokio::test]
async fn escalation_policies_are_created_replaced_and_deleted() {
    let (app, admin, key) = setup(&["services:write"]).await;
    let reader = app.key_for(&admin, &["services:read"]).await;
    let step = |minutes: i32| json!({"delay_minutes": minutes, "targets": [{"kind": "USER", "id": admin.id}]});
    let res = post(
        &app,
        "/api/v1/escalation-policies",
        &key,
        json!({"name": "Default", "repeat_count": 1, "steps": [step(10)]}),
    )
    .await;
    let (path, etag) = created(&app, &res, &key).await;
    assert_eq!(res.body["steps"][0]["targets"][0]["name"], "root");

    // PUT replaces the steps whole (names read back are ignored when sent again).
    let mut steps = vec![res.body["steps"][0].clone(), step(5)];
    steps[0]["delay_minutes"] = json!(15);
    let res = send(
        &app,
        Method::PUT,
        &format!("{path}/steps"),
        &key,
        Some(json!({"steps": steps})),
        &[("if-match", &etag)],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["steps"].as_array().unwrap().len(), 2);
    assert_eq!(res.body["repeat_count"], 1);
    let res = patch(&app, &path, &key, json!({"name": "Renamed"}), Some(&etag)).await;
    assert_eq!(res.status, 412, "{}", res.body);
    let fresh = get(&app, &path, &reader).await.header("etag");
    let res = patch(
        &app,
        &path,
        &key,
        json!({"description": "Day shift"}),
        Some(&fresh),
    )
    .await;
    assert_eq!(
        (res.status, &res.body["description"]),
        (200, &json!("Day shift"))
    );

    // Bad steps: 422 naming the step's field, nothing changed.
    let steps_before = app.count("escalation_steps").await;
    for (body, field) in [
        (
            json!({"steps": [step(10), step(0)]}),
            "steps[1].delay_minutes",
        ),
        (
            json!({"steps": [{"delay_minutes": 5, "targets": [{"kind": "USER", "id": NOBODY}]}]}),
            "steps[0].targets[0].id",
        ),
        (
            json!({"steps": [{"delay_minutes": 5, "targets": [{"kind": "BOSS", "id": NOBODY}]}]}),
            "steps[0].targets[0].kind",
        ),
        (json!({"steps": []}), "steps"),
        (
            json!({"repeat_count": 99, "steps": [step(3)]}),
            "repeat_count",
        ),
    ] {
        let res = patch(&app, &path, &key, body.clone(), None).await;
        assert_eq!(res.field(), (422, Some(field)), "{body} → {}", res.body);
    }
    let res = post(
        &app,
        "/api/v1/escalation-policies",
        &key,
        json!({"name": "X", "steps": [step(-1)]}),
    )
    .await;
    assert_eq!(res.field(), (422, Some("steps[0].delay_minutes")));
    assert_eq!(app.count("escalation_steps").await, steps_before);
    assert_eq!(app.count("escalation_policies").await, 1);
    let now = get(&app, &path, &reader).await;
    assert_eq!(now.body["steps"][0]["delay_minutes"], 15);

    // 403 for a read-only key; 409 while a service uses it; then deleted.
    let res = post(
        &app,
        "/api/v1/escalation-policies",
        &reader,
        json!({"name": "Y", "steps": [step(3)]}),
    )
    .await;
    assert_eq!(res.status, 403);
    let id = now.body["id"].as_str().unwrap();
    let svc = post(
        &app,
        "/api/v1/services",
        &key,
        json!({"name": "Web", "escalation_policy_id": id}),
    )
    .await;
    assert_eq!(svc.body["escalation_policy_name"], "Default");
    assert_eq!(delete(&app, &path, &key).await.status, 409);
    let unhook = patch(
        &app,
        svc.header("location").as_str(),
        &key,
        json!({"escalation_policy_id": null}),
        None,
    )
    .await;
    assert_eq!(
        (unhook.status, &unhook.body["escalation_policy_id"]),
        (200, &Value::Null)
    );
    assert_eq!(delete(&app, &path, &key).await.status, 204);
    assert_eq!(get(&app, &path, &reader).await.status, 404);
    let listed = get(&app, "/api/v1/escalation-policies", &reader).await;
    assert_eq!(listed.body["escalation_policies"], json!([]));
}
