//! The generic HTTP SMS gateway against a fake gateway at the HTTP boundary: verification
//! codes and pages go out as the configured JSON body with the configured headers, the
//! gateway's id is kept, its errors are temporary or final, and replies relayed to
//! `/api/sms-gateway/inbound` with the shared secret act as the person paged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use app::domain::Role;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use common::spawn_app_with_gateway;
use opsknight_server::notify::gateway::GatewayConfig;
use serde_json::{Value, json};

const ALICE: &str = "+14155550123";
const SECRET: &str = "gateway-shared-secret-0123";

#[derive(Default)]
struct Fake {
    got: Vec<(HeaderMap, Value)>,
    script: VecDeque<u16>,
}

type Shared = Arc<Mutex<Fake>>;

/// The fake gateway: it wants `x-api-key: k-123` and a JSON body, and answers an id.
async fn send(State(fake): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if headers.get("x-api-key").and_then(|v| v.to_str().ok()) != Some("k-123") {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let mut fake = fake.lock().unwrap();
    if let Some(status) = fake.script.pop_front() {
        return StatusCode::from_u16(status).unwrap().into_response();
    }
    fake.got.push((headers, json));
    let id = format!("msg-{}", fake.got.len());
    axum::Json(json!({"id": id, "status": "accepted"})).into_response()
}

async fn start() -> (Shared, Arc<GatewayConfig>) {
    let fake: Shared = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/send", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/send", post(send))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let config = GatewayConfig {
        url,
        method: app::settings::phone::GatewayMethod::Post,
        headers: vec![("x-api-key".into(), "k-123".into())],
        body: json!({"to": "{{to}}", "text": "{{body}}", "link": "{{incident_url}}", "kind": "{{kind}}"}),
        secret: Some(SECRET.into()),
    };
    (fake, Arc::new(config))
}

fn last(fake: &Shared) -> Value {
    fake.lock().unwrap().got.last().unwrap().1.clone()
}

#[tokio::test]
async fn pages_go_through_the_gateway_and_a_relayed_reply_acknowledges() {
    let (fake, config) = start().await;
    let app = spawn_app_with_gateway(config.clone()).await;
    let admin = app.admin_session().await;
    let alice = app.add_user("alice@example.com", Role::Responder).await;
    let cred = app.session_for(alice.id).await;
    let (s, m) = app
        .call(
            "/api/profile/contact-methods/add",
            json!({"kind": "SMS", "address": ALICE, "label": "Cell"}),
            &cred,
        )
        .await;
    assert_eq!(s, 200, "{m}");
    let code_text = last(&fake);
    assert_eq!(code_text["to"], ALICE);
    assert_eq!(code_text["kind"], "sms");
    let text = code_text["text"].as_str().unwrap();
    let code: String = text
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap()
        .into();
    let (s, v) = app
        .call(
            "/api/profile/contact-methods/verify",
            json!({"id": m["id"], "code": code}),
            &cred,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let service = app
        .service_with_policy(
            &admin,
            "Checkout API",
            json!([{"delay_minutes": 30, "channels": ["SMS"], "targets": [{"kind": "USER", "id": alice.id}]}]),
        )
        .await;
    let _engine = app.start_engine_with_gateway(config);
    let incident = app
        .create_incident(&admin, &service, "Disk \"full\" on db-1")
        .await;
    app.settle().await;
    let page = last(&fake);
    assert_eq!(page["to"], ALICE);
    assert_eq!(page["kind"], "sms");
    assert_eq!(page["link"], app.url(&format!("/m/incidents/{incident}")));
    let text = page["text"].as_str().unwrap();
    assert!(
        text.starts_with("OpsKnight #1 HIGH Checkout API: Disk \"full\" on db-1"),
        "{text}"
    );
    assert!(text.ends_with("Reply 1a to ack, 1c to resolve"), "{text}");
    let (status, provider): (String, Option<String>) =
        sqlx::query_as("SELECT status, provider_id FROM notifications")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), provider.as_deref()),
        ("SENT", Some("msg-2"))
    );

    // Replies: a wrong or missing secret changes nothing; bad bodies name the field.
    let inbound = app.url("/api/sms-gateway/inbound");
    let post = |auth: Option<&str>, body: String| {
        let mut req = app
            .http
            .post(&inbound)
            .header("content-type", "application/json")
            .body(body);
        if let Some(a) = auth {
            req = req.header("authorization", format!("Bearer {a}"));
        }
        req.send()
    };
    let reply = json!({"from": ALICE, "body": "1a"}).to_string();
    assert_eq!(post(None, reply.clone()).await.unwrap().status(), 401);
    assert_eq!(
        post(Some("wrong-secret-0000000000"), reply.clone())
            .await
            .unwrap()
            .status(),
        401
    );
    let state: String = sqlx::query_scalar("SELECT status FROM incidents")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(state, "OPEN");
    let bad = post(Some(SECRET), "{".into()).await.unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.unwrap()["field"], "body");
    let bad = post(
        Some(SECRET),
        json!({"from": "0170", "body": "1a"}).to_string(),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.unwrap()["field"], "from");
    let ok = post(Some(SECRET), reply).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.json::<Value>().await.unwrap(),
        json!({"reply": "Acknowledged #1"})
    );
    let state: String = sqlx::query_scalar("SELECT status FROM incidents")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(state, "ACKNOWLEDGED");

    // A 503 is retried after its backoff; a 400 is final.
    app.advance(chrono::Duration::seconds(30)).await;
    fake.lock().unwrap().script.extend([503]);
    app.create_incident(&admin, &service, "Retry me").await;
    app.settle().await;
    let (status, error): (String, Option<String>) = sqlx::query_as(
        "SELECT n.status, n.last_error FROM notifications n JOIN incidents i ON i.id = n.incident_id
         WHERE i.title = 'Retry me'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(status, "PENDING", "{error:?}");
    assert_eq!(error.as_deref(), Some("the SMS gateway answered 503"));
    app.advance(chrono::Duration::minutes(5)).await;
    assert!(last(&fake)["text"].as_str().unwrap().contains("Retry me"));
}
