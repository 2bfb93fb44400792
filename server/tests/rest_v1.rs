//! REST v1 (`/api/v1`): incidents end to end (201 + Location, ETag and If-Match, cursor
//! paging, notes, timeline, alerts), 422 naming the field, Idempotency-Key, and the OpenAPI
//! document against the routes that exist.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use common::{Cred, TestApp, spawn_app};
use serde_json::{Value, json};

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    cred: &Cred,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    app.send(method, path, cred, body, headers).await
}

async fn setup() -> (TestApp, Cred, String) {
    let app = spawn_app().await;
    let admin = app.add_user("root@example.com", Role::Admin).await;
    let session = app.session_for(admin.id).await;
    let (service, _) = app.service_with_key(&session, "Payments").await;
    let key = app
        .key_for(&admin, &["incidents:read", "incidents:write"])
        .await;
    (app, key, service)
}

#[tokio::test]
async fn incidents_are_created_read_changed_and_paged() {
    let (app, key, service) = setup().await;
    let post = reqwest::Method::POST;
    let (s, h, inc) = send(
        &app,
        post.clone(),
        "/api/v1/incidents",
        &key,
        Some(json!({"service_id": service, "title": "Checkout down", "urgency": "LOW"})),
        &[],
    )
    .await;
    assert_eq!(s, 201, "{inc}");
    let id = inc["id"].as_str().unwrap().to_owned();
    assert_eq!(h["location"], format!("/api/v1/incidents/{id}").as_str());
    assert_eq!(inc["status"], "OPEN");
    assert_eq!(inc["urgency"], "LOW");
    let etag = h["etag"].to_str().unwrap().to_owned();

    let (s, h, got) = send(
        &app,
        reqwest::Method::GET,
        &format!("/api/v1/incidents/{id}"),
        &key,
        None,
        &[],
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(got["title"], "Checkout down");
    assert_eq!(h["etag"].to_str().unwrap(), etag);

    // A stale If-Match changes nothing.
    let path = format!("/api/v1/incidents/{id}");
    let (s, _, _) = send(
        &app,
        reqwest::Method::PATCH,
        &path,
        &key,
        Some(json!({"priority": "P1"})),
        &[],
    )
    .await;
    assert_eq!(s, 200);
    let (s, _, err) = send(
        &app,
        reqwest::Method::PATCH,
        &path,
        &key,
        Some(json!({"status": "ACKNOWLEDGED"})),
        &[("if-match", &etag)],
    )
    .await;
    assert_eq!(s, 412, "{err}");
    assert_eq!(err["error"], "stale");
    let (_, h, now) = send(&app, reqwest::Method::GET, &path, &key, None, &[]).await;
    assert_eq!(now["status"], "OPEN");
    assert_eq!(now["priority"], "P1");
    let fresh = h["etag"].to_str().unwrap().to_owned();
    let (s, _, acked) = send(
        &app,
        reqwest::Method::PATCH,
        &path,
        &key,
        Some(json!({"status": "ACKNOWLEDGED", "urgency": "HIGH", "priority": null})),
        &[("if-match", &fresh)],
    )
    .await;
    assert_eq!(s, 200, "{acked}");
    assert_eq!(acked["status"], "ACKNOWLEDGED");
    assert_eq!(acked["urgency"], "HIGH");
    assert_eq!(acked["priority"], Value::Null);

    // Bad input: 422 naming the field, and nothing changes.
    for (body, field) in [
        (json!({"status": "DONE"}), "status"),
        (json!({"urgency": "CRITICAL"}), "urgency"),
        (json!({"status": "SNOOZED"}), "snooze_minutes"),
        (
            json!({"status": "SNOOZED", "snooze_minutes": 0}),
            "snooze_minutes",
        ),
        (
            json!({"assignee": {"user_id": "not-a-uuid"}}),
            "assignee.user_id",
        ),
        (json!({"colour": "red"}), "body"),
    ] {
        let (s, _, err) = send(
            &app,
            reqwest::Method::PATCH,
            &path,
            &key,
            Some(body.clone()),
            &[],
        )
        .await;
        assert_eq!(s, 422, "{body} → {err}");
        assert_eq!(err["error"], "invalid");
        if field != "body" {
            assert_eq!(err["field"], field, "{body} → {err}");
        }
    }
    let (_, _, still) = send(&app, reqwest::Method::GET, &path, &key, None, &[]).await;
    assert_eq!(still["status"], "ACKNOWLEDGED");
    for (body, field) in [
        (json!({"service_id": service}), "title"),
        (
            json!({"service_id": service, "title": "x", "urgency": "NOW"}),
            "urgency",
        ),
        (
            json!({"service_id": "7c0e9a52-0000-4000-8000-000000000000", "title": "x"}),
            "service_id",
        ),
    ] {
        let (s, _, err) = send(
            &app,
            post.clone(),
            "/api/v1/incidents",
            &key,
            Some(body.clone()),
            &[],
        )
        .await;
        assert_eq!(
            (s, err["field"].as_str()),
            (422, Some(field)),
            "{body} → {err}"
        );
    }
    assert_eq!(app.count("incidents").await, 1);

    // Notes: 201 with a Location that reads it back; listed; on the timeline.
    let (s, h, note) = send(
        &app,
        post.clone(),
        &format!("{path}/notes"),
        &key,
        Some(json!({"text": "rolled back"})),
        &[],
    )
    .await;
    assert_eq!(s, 201, "{note}");
    let loc = h["location"].to_str().unwrap().to_owned();
    let (s, _, again) = send(&app, reqwest::Method::GET, &loc, &key, None, &[]).await;
    assert_eq!((s, &again["text"]), (200, &json!("rolled back")));
    let (_, _, list) = send(
        &app,
        reqwest::Method::GET,
        &format!("{path}/notes"),
        &key,
        None,
        &[],
    )
    .await;
    assert_eq!(list["notes"].as_array().unwrap().len(), 1);
    let (s, _, err) = send(
        &app,
        post.clone(),
        &format!("{path}/notes"),
        &key,
        Some(json!({"text": "  "})),
        &[],
    )
    .await;
    assert_eq!((s, err["field"].as_str()), (422, Some("text")));
    let (_, _, tl) = send(
        &app,
        reqwest::Method::GET,
        &format!("{path}/timeline"),
        &key,
        None,
        &[],
    )
    .await;
    let kinds: Vec<&str> = tl["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"NOTE") && kinds.contains(&"ACKNOWLEDGED"),
        "{kinds:?}"
    );
    let (s, _, alerts) = send(
        &app,
        reqwest::Method::GET,
        &format!("{path}/alerts"),
        &key,
        None,
        &[],
    )
    .await;
    assert_eq!(s, 200);
    assert!(alerts["alerts"].is_array());

    // Unknown ids and unknown routes are 404.
    for p in [
        "/api/v1/incidents/7c0e9a52-0000-4000-8000-000000000000",
        "/api/v1/incidents/nope",
        "/api/v1/nothing-here",
    ] {
        let (s, _, err) = send(&app, reqwest::Method::GET, p, &key, None, &[]).await;
        assert_eq!((s, err["error"].as_str()), (404, Some("not_found")), "{p}");
    }

    // Cursor paging: 5 incidents, pages of 2, newest first, each once.
    for n in 0..4 {
        let (s, _, _) = send(
            &app,
            post.clone(),
            "/api/v1/incidents",
            &key,
            Some(json!({"service_id": service, "title": format!("more {n}")})),
            &[],
        )
        .await;
        assert_eq!(s, 201);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = cursor
            .as_ref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default();
        let (s, _, page) = send(
            &app,
            reqwest::Method::GET,
            &format!("/api/v1/incidents?limit=2{q}"),
            &key,
            None,
            &[],
        )
        .await;
        assert_eq!(s, 200, "{page}");
        for i in page["incidents"].as_array().unwrap() {
            seen.push(i["number"].as_i64().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(seen.len() <= 5);
    }
    assert_eq!(seen, vec![5, 4, 3, 2, 1]);
    let (_, _, acked) = send(
        &app,
        reqwest::Method::GET,
        "/api/v1/incidents?status=ACKNOWLEDGED",
        &key,
        None,
        &[],
    )
    .await;
    assert_eq!(acked["incidents"].as_array().unwrap().len(), 1);
    let (s, _, err) = send(
        &app,
        reqwest::Method::GET,
        "/api/v1/incidents?status=LOUD",
        &key,
        None,
        &[],
    )
    .await;
    assert_eq!((s, err["field"].as_str()), (422, Some("status")));
    let (s, _, err) = send(
        &app,
        reqwest::Method::GET,
        "/api/v1/incidents?limit=500",
        &key,
        None,
        &[],
    )
    .await;
    assert_eq!((s, err["field"].as_str()), (422, Some("limit")));
    let (s, _, err) = send(
        &app,
        reqwest::Method::GET,
        "/api/v1/incidents?limt=5",
        &key,
        None,
        &[],
    )
    .await;
    assert_eq!(s, 422, "{err}");
}

#[tokio::test]
async fn an_idempotency_key_makes_one_incident() {
    let (app, key, service) = setup().await;
    let body = json!({"service_id": service, "title": "Once"});
    let hdr = [("idempotency-key", "create-once-1")];
    let (s1, h1, first) = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/incidents",
        &key,
        Some(body.clone()),
        &hdr,
    )
    .await;
    let (s2, h2, second) = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/incidents",
        &key,
        Some(body.clone()),
        &hdr,
    )
    .await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first["id"], second["id"]);
    assert_eq!(h1["location"], h2["location"]);
    assert!(h1.get("idempotent-replayed").is_none());
    assert_eq!(h2["idempotent-replayed"], "true");
    assert_eq!(app.count("incidents").await, 1);
    // The same key with another body is refused; another key makes another incident.
    let (s, _, err) = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/incidents",
        &key,
        Some(json!({"service_id": service, "title": "Other"})),
        &hdr,
    )
    .await;
    assert_eq!(
        (s, err["field"].as_str()),
        (422, Some("Idempotency-Key")),
        "{err}"
    );
    let (s, _, _) = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/incidents",
        &key,
        Some(body),
        &[("idempotency-key", "create-once-2")],
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(app.count("incidents").await, 2);
}

/// The spec's parameters filled with values that name nothing.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg {
            "{note_id}" => "1".to_owned(),
            s if s.starts_with('{') => "7c0e9a52-0000-4000-8000-000000000000".to_owned(),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn the_openapi_document_and_the_routes_agree() {
    let (app, key, _) = setup().await;
    let (s, _, spec) = send(
        &app,
        reqwest::Method::GET,
        "/api/v1/openapi.json",
        &Cred::Anonymous,
        None,
        &[],
    )
    .await;
    assert_eq!(s, 200);
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut documented = std::collections::BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            documented.insert(format!("{} {path}", method.to_uppercase()));
            // Every operation names its scopes and its errors.
            assert!(op["security"].is_array(), "{method} {path} has no security");
            assert!(
                op["responses"]["401"].is_object(),
                "{method} {path} documents no 401"
            );
            // Every documented route exists: it never answers the router's "no such route".
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = matches!(method.as_str(), "post" | "patch" | "put").then(|| json!({}));
            let (s, _, res) = send(&app, m, &concrete(path), &key, body, &[]).await;
            assert_ne!(s, 405, "{method} {path}");
            assert_ne!(
                res["what"], "API route",
                "{method} {path} is documented but not routed"
            );
        }
    }
    // Every handler the code annotates is in the document.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/rest");
    let mut annotated = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let src = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for attr in src.split("#[utoipa::path(").skip(1) {
            let method = attr.split(',').next().unwrap().trim().to_uppercase();
            let path = attr
                .split("path = \"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            annotated.insert(format!("{method} {path}"));
        }
    }
    assert_eq!(annotated, documented);
    // The reference page lists every operation, with no script (it works under the CSP).
    let (s, h, _) = send(
        &app,
        reqwest::Method::GET,
        "/api/docs",
        &Cred::Anonymous,
        None,
        &[],
    )
    .await;
    assert_eq!(s, 200);
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    let page = app.get("/api/docs").await.text().await.unwrap();
    assert!(!page.contains("<script"));
    for op in &documented {
        let path = op.split(' ').nth(1).unwrap();
        assert!(
            page.contains(&format!("<code>{path}</code>")),
            "{op} missing from /api/docs"
        );
    }
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let (app, key, _) = setup().await;
    let res = app.get_as("/api/v1/incidents", &key).await;
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 16);
    let res = app
        .http
        .get(app.url("/api/v1/incidents"))
        .header("x-request-id", "proxy-req-0001")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "proxy-req-0001");
}

#[tokio::test]
async fn a_nul_character_is_a_422_naming_the_field_and_stores_nothing() {
    let (app, key, service) = setup().await;
    let post = reqwest::Method::POST;
    let (s, _, inc) = send(
        &app,
        post.clone(),
        "/api/v1/incidents",
        &key,
        Some(json!({"service_id": service, "title": "Checkout down"})),
        &[],
    )
    .await;
    assert_eq!(s, 201, "{inc}");
    let notes = format!("/api/v1/incidents/{}/notes", inc["id"].as_str().unwrap());
    let (s, _, err) = send(
        &app,
        post,
        &notes,
        &key,
        Some(json!({"text": "a\u{0}b"})),
        &[],
    )
    .await;
    assert_eq!(s, 422, "{err}");
    assert_eq!(
        (err["error"].as_str(), err["field"].as_str()),
        (Some("invalid"), Some("text"))
    );
    // A server function reaches the database with it: refused there, a 400 naming the body.
    let admin = app.add_user("notes@example.com", Role::Admin).await;
    let session = app.session_for(admin.id).await;
    let (s, err) = app
        .call(
            "/api/incidents/note",
            json!({"id": inc["id"], "note": "a\u{0}b"}),
            &session,
        )
        .await;
    assert_eq!(s, 400, "{err}");
    assert_eq!(err["field"], "body", "{err}");
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM incident_timeline WHERE kind = 'NOTE'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, 0);
}
