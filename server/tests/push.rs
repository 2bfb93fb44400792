//! Web Push as a paging channel, against a local push service started here that checks the
//! VAPID JWT and decrypts the RFC 8291 `aes128gcm` body with the device's key, like a
//! browser would. A real Postgres and the manual clock; nothing leaves the machine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::sync::{Arc, Mutex};

use app::domain::Role;
use app::push::crypto::{KeyPair, b64, decrypt, parse_auth, verify_jwt};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use common::{Cred, TestApp, spawn_app};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
struct Received {
    device: String,
    authorization: String,
    encoding: String,
    ttl: String,
    body: Vec<u8>,
}

type Inbox = Arc<Mutex<Vec<Received>>>;

/// The push service: `/ok/<device>` takes the push (201), `/gone/<device>` says 410.
async fn push_service() -> (String, Inbox) {
    let inbox: Inbox = Arc::default();
    async fn take(
        State(inbox): State<Inbox>,
        Path((kind, device)): Path<(String, String)>,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        let h = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        inbox.lock().unwrap().push(Received {
            device,
            authorization: h("authorization"),
            encoding: h("content-encoding"),
            ttl: h("ttl"),
            body: body.to_vec(),
        });
        if kind == "gone" {
            StatusCode::GONE
        } else {
            StatusCode::CREATED
        }
    }
    let router = axum::Router::new()
        .route("/{kind}/{device}", axum::routing::post(take))
        .with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (base, inbox)
}

/// A browser's side of a subscription: its key pair and auth secret.
struct DeviceKeys {
    key: KeyPair,
    auth: String,
}

impl DeviceKeys {
    fn new() -> DeviceKeys {
        DeviceKeys {
            key: KeyPair::generate(),
            auth: b64(&rand::random::<[u8; 16]>()),
        }
    }

    fn subscription(&self, endpoint: &str, device: &str) -> Value {
        json!({"subscription": {"endpoint": endpoint, "p256dh": self.key.public_b64(), "auth": self.auth, "device": device}})
    }

    fn open(&self, r: &Received) -> app::push::PushMessage {
        let plain = decrypt(&self.key, &parse_auth(&self.auth).unwrap(), &r.body).unwrap();
        serde_json::from_slice(&plain).unwrap()
    }
}

/// `vapid t=<jwt>, k=<key>` → (claims, key).
fn vapid(r: &Received) -> (Value, String) {
    let (t, k) = r
        .authorization
        .strip_prefix("vapid t=")
        .and_then(|rest| rest.split_once(", k="))
        .expect("a VAPID authorization header");
    (
        verify_jwt(k, t).expect("the JWT verifies with k"),
        k.to_owned(),
    )
}

async fn ok(app: &TestApp, cred: &Cred, path: &str, body: Value) -> Value {
    let (s, v) = app.call(path, body, cred).await;
    assert_eq!(s, 200, "{path}: {v}");
    v
}

#[tokio::test]
async fn pages_reach_devices_encrypted_and_signed_gone_devices_are_dropped_and_the_token_acknowledges()
 {
    let app = spawn_app().await;
    let (push_base, inbox) = push_service().await;
    let root = app.add_user("root@example.com", Role::Admin).await;
    let admin = app.session_for(root.id).await;
    let alice = app.add_user("alice@example.com", Role::Responder).await;
    let me = app.session_for(alice.id).await;

    // Bad subscriptions are refused naming the field, and nothing is stored.
    let phone = DeviceKeys::new();
    for (body, field) in [
        (
            phone.subscription("http://push.example.com/ok/x", "Phone"),
            "subscription.endpoint",
        ),
        (
            phone.subscription("ftp://127.0.0.1/ok/x", "Phone"),
            "subscription.endpoint",
        ),
        (
            json!({"subscription": {"endpoint": format!("{push_base}/ok/x"), "p256dh": "AAAA", "auth": phone.auth, "device": "Phone"}}),
            "subscription.p256dh",
        ),
        (
            json!({"subscription": {"endpoint": format!("{push_base}/ok/x"), "p256dh": phone.key.public_b64(), "auth": "AAAA", "device": "Phone"}}),
            "subscription.auth",
        ),
        (
            phone.subscription(&format!("{push_base}/ok/x"), " "),
            "subscription.device",
        ),
    ] {
        let (s, e) = app.call("/api/push/subscribe", body, &me).await;
        assert_eq!((s, e["field"].as_str()), (400, Some(field)), "{e}");
    }
    assert_eq!(app.count("push_subscriptions").await, 0);

    // Two devices: a phone, and a laptop whose push service says it is gone.
    let laptop = DeviceKeys::new();
    ok(
        &app,
        &me,
        "/api/push/subscribe",
        phone.subscription(&format!("{push_base}/ok/phone"), "Chrome on Android"),
    )
    .await;
    ok(
        &app,
        &me,
        "/api/push/subscribe",
        laptop.subscription(&format!("{push_base}/gone/laptop"), "Firefox on Linux"),
    )
    .await;
    let devices = ok(&app, &me, "/api/push/devices", json!({})).await;
    assert_eq!(devices.as_array().unwrap().len(), 2);
    let methods = ok(&app, &me, "/api/profile/contact-methods", json!({})).await;
    let push_method = methods
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "PUSH")
        .expect("a PUSH contact method")
        .clone();
    ok(
        &app,
        &me,
        "/api/profile/notification-rules/add",
        json!({"contact_method_id": push_method["id"], "delay_minutes": 0}),
    )
    .await;
    let server_key = ok(&app, &me, "/api/push/key", json!({})).await;

    // A service whose policy pages alice.
    let (service, key) = app.service_with_key(&admin, "Payments").await;
    let policy = ok(&app, &admin, "/api/policies/create", json!({"name": "Alice", "description": "", "repeat_count": 0, "steps": [{"delay_minutes": 5, "targets": [{"kind": "USER", "id": alice.id}]}]})).await;
    ok(&app, &admin, "/api/services/update", json!({"id": service, "name": "Payments", "description": "", "team_id": null, "urgency_rule": "SEVERITY", "ack_timeout_secs": null, "escalation_policy_id": policy["id"]})).await;
    let _engine = app.start_engine(None);
    let trigger = |dedup: &'static str| app.enqueue(&key, "trigger", dedup, "critical");
    trigger("web-1").await;
    app.settle().await;

    let got: Vec<Received> = std::mem::take(&mut *inbox.lock().unwrap());
    let mut devices_hit: Vec<&str> = got.iter().map(|r| r.device.as_str()).collect();
    devices_hit.sort();
    assert_eq!(
        devices_hit,
        ["laptop", "phone"],
        "one push per device, once"
    );
    let to_phone = got.iter().find(|r| r.device == "phone").unwrap();
    assert_eq!(
        (to_phone.encoding.as_str(), to_phone.ttl.as_str()),
        ("aes128gcm", "3600")
    );
    let (claims, k) = vapid(to_phone);
    assert_eq!(k, server_key.as_str().unwrap());
    assert_eq!(claims["aud"], push_base);
    assert!(claims["exp"].as_i64().unwrap() > app.clock_now().timestamp());
    let message = phone.open(to_phone);
    assert_eq!(message.title, "web-1 is down");
    assert_eq!(
        (
            message.number,
            message.urgency.as_str(),
            message.service.as_str()
        ),
        (1, "HIGH", "Payments")
    );
    assert_eq!(message.url, format!("/m/incidents/{}", message.incident_id));
    // The laptop's body is not readable with the phone's key.
    let to_laptop = got.iter().find(|r| r.device == "laptop").unwrap();
    assert!(
        decrypt(
            &phone.key,
            &parse_auth(&phone.auth).unwrap(),
            &to_laptop.body
        )
        .is_err()
    );
    assert_eq!(laptop.open(to_laptop).title, "web-1 is down");

    // The gone laptop was dropped; the page counts as sent (the phone took it).
    let devices = ok(&app, &me, "/api/push/devices", json!({})).await;
    assert_eq!(devices.as_array().unwrap().len(), 1);
    assert_eq!(devices[0]["label"], "Chrome on Android");
    assert!(devices[0]["last_used_at"].is_string());
    let status: String =
        sqlx::query_scalar("SELECT status FROM notifications WHERE channel = 'PUSH'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(status, "SENT");

    // The token in the push acknowledges, with no session: what the service worker does.
    let (s, changed) = app
        .call(
            "/api/ack-link/confirm",
            json!({"token": message.ack_token}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!((s, changed), (200, json!(true)));
    let st: String = sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1")
        .bind(message.incident_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(st, "ACKNOWLEDGED");

    // An admin rotates the key: the phone (subscribed with the old key) is still signed for
    // with the old one; a device subscribing now gets the new one.
    let new_key = ok(&app, &admin, "/api/push/rotate-key", json!({})).await;
    assert_ne!(new_key, server_key);
    assert_eq!(ok(&app, &me, "/api/push/key", json!({})).await, new_key);
    trigger("web-2").await;
    app.settle().await;
    let got: Vec<Received> = std::mem::take(&mut *inbox.lock().unwrap());
    assert_eq!(got.len(), 1);
    assert_eq!(vapid(&got[0]).1, server_key.as_str().unwrap());
    assert_eq!(phone.open(&got[0]).title, "web-2 is down");
    ok(
        &app,
        &me,
        "/api/push/subscribe",
        phone.subscription(&format!("{push_base}/ok/phone"), "Chrome on Android"),
    )
    .await;
    trigger("web-3").await;
    app.settle().await;
    let got: Vec<Received> = std::mem::take(&mut *inbox.lock().unwrap());
    assert_eq!(vapid(&got[0]).1, new_key.as_str().unwrap());

    // Removing the last device: the next push page fails for good, saying why.
    let id = ok(&app, &me, "/api/push/devices", json!({})).await[0]["id"].clone();
    ok(&app, &me, "/api/push/remove", json!({"id": id})).await;
    let (s, _) = app.call("/api/push/remove", json!({"id": id}), &me).await;
    assert_eq!(s, 404);
    trigger("web-4").await;
    app.settle().await;
    assert!(inbox.lock().unwrap().is_empty());
    let (status, error): (String, Option<String>) = sqlx::query_as(
        "SELECT n.status, n.last_error FROM notifications n JOIN incidents i ON i.id = n.incident_id
         WHERE n.channel = 'PUSH' AND i.dedup_key = 'web-4'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(status, "FAILED");
    assert!(error.unwrap().contains("no device"));
}
