//! Service channels, outbound webhooks (issue 18): incident events reach a Standard Webhooks
//! receiver signed and exactly once per event and instance set; 500 retries with the same
//! webhook-id; 429 waits out Retry-After; 410 turns the channel off; redirects are not
//! followed; internal addresses are refused before connecting; every timeline kind fans out
//! as the Rust list says; bad input is a 400 naming the field.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use common::{Cred, TestApp, spawn_app};
use serde_json::{Value, json};

/// One request the fake receiver got.
#[derive(Debug, Clone)]
struct Got {
    id: String,
    timestamp: i64,
    signed: bool,
    body: Value,
}

/// A scripted answer: status and headers.
type Reply = (u16, Vec<(&'static str, String)>);

/// A Standard Webhooks receiver: verifies each request with the secret (once it knows it),
/// records it, and answers the scripted replies in order (then 200).
#[derive(Clone, Default)]
struct Receiver {
    secret: Arc<Mutex<String>>,
    got: Arc<Mutex<Vec<Got>>>,
    replies: Arc<Mutex<VecDeque<Reply>>>,
}

impl Receiver {
    async fn start(self) -> String {
        let me = self.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let me = me.clone();
                async move { me.take(&headers, &body) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/hook")
    }

    fn take(&self, headers: &HeaderMap, body: &[u8]) -> axum::response::Response {
        let h = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let id = h("webhook-id");
        let timestamp: i64 = h("webhook-timestamp").parse().unwrap_or(0);
        let secret = self.secret.lock().unwrap().clone();
        let signed = app::channels::webhook::verify(
            &secret,
            &id,
            timestamp,
            body,
            &h("webhook-signature"),
            timestamp,
            300,
        );
        self.got.lock().unwrap().push(Got {
            id,
            timestamp,
            signed,
            body: serde_json::from_slice(body).unwrap_or(Value::Null),
        });
        let (status, headers) = self
            .replies
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or((200, vec![]));
        let mut res = (StatusCode::from_u16(status).unwrap(), "ok-from-receiver").into_response();
        for (name, value) in headers {
            res.headers_mut().insert(name, value.parse().unwrap());
        }
        res
    }

    fn script(&self, replies: &[(u16, &[(&'static str, &str)])]) {
        let mut q = self.replies.lock().unwrap();
        for (status, headers) in replies {
            q.push_back((
                *status,
                headers.iter().map(|(n, v)| (*n, (*v).to_owned())).collect(),
            ));
        }
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (at most 15 s) until `n` requests arrived.
    async fn wait_for(&self, n: usize) -> Vec<Got> {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let got = self.got();
            if got.len() >= n {
                return got;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{} of {n} deliveries arrived: {got:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A service with a webhook channel to `url` taking `events`; returns (service id, channel id).
async fn webhook(
    app: &TestApp,
    admin: &Cred,
    rx: &Receiver,
    url: &str,
    events: &[&str],
) -> (String, String) {
    let (service, _) = app.service_with_key(admin, "Checkout").await;
    let (s, added) = app
        .call(
            "/api/services/channels/add",
            json!({"service_id": service, "kind": "WEBHOOK", "target": url, "events": events}),
            admin,
        )
        .await;
    assert_eq!(s, 200, "{added}");
    let secret = added["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    *rx.secret.lock().unwrap() = secret.to_owned();
    assert_eq!(
        added["channel"]["target"],
        json!(format!("{}/…", &url[..url.rfind('/').unwrap()]))
    );
    (service, added["channel"]["id"].as_str().unwrap().to_owned())
}

async fn log(app: &TestApp, admin: &Cred, channel: &str) -> Vec<Value> {
    let (s, page) = app
        .call(
            "/api/services/channels/deliveries",
            json!({"id": channel, "before": null, "limit": 50}),
            admin,
        )
        .await;
    assert_eq!(s, 200, "{page}");
    page["deliveries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_event_arrives_signed_and_a_500_is_retried_with_the_same_webhook_id() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let rx = Receiver::default();
    let url = rx.clone().start().await;
    let (service, channel) = webhook(&app, &admin, &rx, &url, &["triggered", "acknowledged"]).await;
    let _engine = app.start_engine(None);
    rx.script(&[(500, &[])]);

    let incident = app
        .create_incident(&admin, &service, "Checkout is down")
        .await;
    let first = rx.wait_for(1).await;
    // The failure is recorded (with its backoff from the injected clock's now) before the
    // clock moves on; then the retry comes due.
    app.settle().await;
    app.advance(chrono::Duration::seconds(30)).await;
    let got = rx.wait_for(2).await;
    assert_eq!(got.len(), 2, "{first:?}");
    assert_eq!(got[0].id, got[1].id, "a retry keeps the webhook-id");
    assert!(got[0].id.starts_with("evt_"));
    assert!(got.iter().all(|g| g.signed), "{got:?}");
    assert!(
        got[1].timestamp > got[0].timestamp,
        "each attempt is signed anew"
    );
    let body = &got[1].body;
    assert_eq!(body["type"], "incident.triggered");
    assert_eq!(body["data"]["incident"]["id"], json!(incident));
    assert_eq!(body["data"]["incident"]["title"], "Checkout is down");
    assert_eq!(body["data"]["incident"]["status"], "OPEN");
    assert_eq!(body["data"]["incident"]["service"]["name"], "Checkout");
    assert!(
        body["data"]["incident"]["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/incidents/{incident}"))
    );
    assert_eq!(
        body["data"]["actor"]["email"],
        json!(app_admin_email(&app, &admin).await)
    );

    let entries = log(&app, &admin, &channel).await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0]["status"], "DELIVERED");
    assert_eq!(entries[0]["http_status"], 200);
    assert_eq!(entries[0]["detail"], "ok-from-receiver");
    assert_eq!(entries[1]["status"], "FAILED");
    assert_eq!(entries[1]["http_status"], 500);

    // Acknowledged: one more event; resolve is not one this channel takes.
    let (s, _) = app
        .call(
            "/api/incidents/acknowledge",
            json!({"ids": [incident]}),
            &admin,
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .call("/api/incidents/resolve", json!({"ids": [incident]}), &admin)
        .await;
    assert_eq!(s, 200);
    app.settle().await;
    let got = rx.wait_for(3).await;
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[2].body["type"], "incident.acknowledged");
    assert_eq!(got[2].body["data"]["incident"]["status"], "ACKNOWLEDGED");
    assert_ne!(got[2].id, got[0].id);
}

async fn app_admin_email(app: &TestApp, admin: &Cred) -> String {
    let (_, me) = app.call("/api/auth/me", json!({}), admin).await;
    me["email"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_429_waits_out_retry_after_and_a_410_turns_the_channel_off() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let rx = Receiver::default();
    let url = rx.clone().start().await;
    let (service, channel) = webhook(&app, &admin, &rx, &url, &["triggered"]).await;
    let _engine = app.start_engine(None);
    rx.script(&[(429, &[("retry-after", "120")]), (410, &[])]);

    app.create_incident(&admin, &service, "one").await;
    rx.wait_for(1).await;
    app.settle().await;
    app.advance(chrono::Duration::seconds(60)).await;
    assert_eq!(rx.got().len(), 1, "not before Retry-After");
    app.advance(chrono::Duration::seconds(61)).await;
    let got = rx.wait_for(2).await;
    assert_eq!(got[0].id, got[1].id);
    let attempts: Vec<i32> =
        sqlx::query_scalar("SELECT attempt FROM channel_deliveries ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(attempts, [1, 1], "a 429 does not use up an attempt");

    // 410: off, and says why; later events are not even queued.
    let (_, list) = app
        .call(
            "/api/services/channels/list",
            json!({"service_id": service}),
            &admin,
        )
        .await;
    assert_eq!(list[0]["enabled"], false, "{list}");
    assert!(
        list[0]["disabled_reason"].as_str().unwrap().contains("410"),
        "{list}"
    );
    assert_eq!(list[0]["last_delivery"]["http_status"], 410);
    app.create_incident(&admin, &service, "two").await;
    app.settle().await;
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'CHANNEL_DELIVERY'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(queued, 1, "nothing is queued for a channel that is off");
    assert_eq!(rx.got().len(), 2);

    // Turned back on, it takes events again.
    let (s, c) = app
        .call(
            "/api/services/channels/update",
            json!({"id": channel, "events": ["triggered", "resolved"], "enabled": true}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["disabled_reason"], Value::Null);
    app.create_incident(&admin, &service, "three").await;
    assert_eq!(
        rx.wait_for(3).await[2].body["data"]["incident"]["title"],
        "three"
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_a_test_message_is_logged() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let rx = Receiver::default();
    let url = rx.clone().start().await;
    let elsewhere = Receiver::default();
    let elsewhere_url = elsewhere.clone().start().await;
    let (_, channel) = webhook(&app, &admin, &rx, &url, &["triggered"]).await;
    let _engine = app.start_engine(None);
    rx.script(&[(302, &[("location", elsewhere_url.as_str())])]);

    let (s, event_id) = app
        .call(
            "/api/services/channels/test",
            json!({"id": channel}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{event_id}");
    let got = rx.wait_for(1).await;
    assert_eq!(got[0].id, event_id.as_str().unwrap());
    assert_eq!(got[0].body["type"], "test");
    app.settle().await;
    assert!(elsewhere.got().is_empty(), "the redirect was followed");
    let entries = log(&app, &admin, &channel).await;
    assert_eq!(entries[0]["status"], "FAILED");
    assert_eq!(entries[0]["event"], "test");
    assert!(
        entries[0]["detail"]
            .as_str()
            .unwrap()
            .contains("redirects are not followed"),
        "{entries:?}"
    );

    // Redeliver sends the same event again, with its id.
    let (s, _) = app
        .call(
            "/api/services/channels/redeliver",
            json!({"id": channel, "delivery_id": entries[0]["id"]}),
            &admin,
        )
        .await;
    assert_eq!(s, 200);
    let got = rx.wait_for(2).await;
    assert_eq!(got[1].id, got[0].id);
}

#[tokio::test]
async fn internal_targets_are_refused_before_connecting() {
    use opsknight_server::outbound::webhook::{Answer, post};
    // A listener on loopback that counts connections: the guard must not connect at all.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let allow = app::domain::egress::AllowList::default();
    let client = opsknight_server::outbound::guard::client(allow.clone()).unwrap();
    let headers = || {
        [
            ("webhook-id", "evt_1".to_owned()),
            ("webhook-timestamp", "1".to_owned()),
            ("webhook-signature", "v1,x".to_owned()),
        ]
    };
    for target in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://localhost:{port}/"),
        format!("http://[::1]:{port}/"),
        "http://169.254.169.254/latest/meta-data".to_owned(),
        "http://[::ffff:10.0.0.1]/".to_owned(),
        "http://100.64.0.1/".to_owned(),
        "http://10.1.2.3:8080/".to_owned(),
    ] {
        let (answer, _) = post(
            &client,
            &allow,
            &target,
            headers(),
            b"{}".to_vec(),
            Duration::from_secs(5),
        )
        .await;
        assert!(
            matches!(answer, Answer::Refused { .. }),
            "{target}: {answer:?}"
        );
    }
    assert!(
        listener.accept().is_err(),
        "no connection reached the listener"
    );
}

#[tokio::test]
async fn every_timeline_kind_fans_out_as_the_rust_list_says() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let rx = Receiver::default();
    let (service, _) = webhook(
        &app,
        &admin,
        &rx,
        "http://127.0.0.1:9/hook",
        &[
            "triggered",
            "acknowledged",
            "resolved",
            "reassigned",
            "escalated",
            "annotated",
        ],
    )
    .await;
    let incident = app.create_incident(&admin, &service, "fan-out").await;
    sqlx::query("DELETE FROM jobs WHERE kind = 'CHANNEL_DELIVERY'")
        .execute(&app.pool)
        .await
        .unwrap();
    for kind in app::incidents::describe::KINDS {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO incident_timeline (incident_id, at, kind) VALUES ($1::uuid, now(), $2) RETURNING id",
        )
        .bind(&incident)
        .bind(kind)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        let events: Vec<String> = sqlx::query_scalar(
            "SELECT payload->>'event' FROM jobs WHERE kind = 'CHANNEL_DELIVERY' AND payload->>'event_id' = $1",
        )
        .bind(format!("evt_{id}"))
        .fetch_all(&app.pool)
        .await
        .unwrap();
        let want: Vec<String> = app::channels::ChannelEvent::of_timeline(kind)
            .map(|e| e.as_str().to_owned())
            .into_iter()
            .collect();
        assert_eq!(events, want, "timeline kind {kind}");
    }
}

#[tokio::test]
async fn three_engines_post_each_event_once() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let rx = Receiver::default();
    let url = rx.clone().start().await;
    let (service, _) = webhook(&app, &admin, &rx, &url, &["triggered"]).await;
    let _engines: Vec<_> = (0..3).map(|_| app.start_engine(None)).collect();
    for i in 0..30 {
        app.create_incident(&admin, &service, &format!("storm {i}"))
            .await;
    }
    let got = rx.wait_for(30).await;
    app.settle().await;
    let got_after = rx.got();
    let ids: std::collections::BTreeSet<&str> = got_after.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(got_after.len(), 30, "{got:?}");
    assert_eq!(ids.len(), 30, "an event was posted twice");
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_field_and_global_webhooks_need_an_admin() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (service, _) = app.service_with_key(&admin, "Checkout").await;
    let add = |kind: &str, target: &str, events: Value| json!({"service_id": service, "kind": kind, "target": target, "events": events});
    for (body, field) in [
        (
            add("PAGER", "https://x.example/h", json!(["triggered"])),
            "kind",
        ),
        (add("SLACK", "C0123", json!(["triggered"])), "target"),
        (
            add("WEBHOOK", "ftp://x.example/h", json!(["triggered"])),
            "target",
        ),
        (add("WEBHOOK", "not a url", json!(["triggered"])), "target"),
        (
            add(
                "WEBHOOK",
                &format!("https://x.example/{}", "a".repeat(2000)),
                json!(["triggered"]),
            ),
            "target",
        ),
        (add("WEBHOOK", "https://x.example/h", json!([])), "events"),
        (
            add("WEBHOOK", "https://x.example/h", json!(["exploded"])),
            "events",
        ),
    ] {
        let (s, e) = app.call("/api/services/channels/add", body, &admin).await;
        assert_eq!((s, e["field"].as_str()), (400, Some(field)), "{e}");
    }
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM service_channels")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0, "nothing half-written");

    let responder = app
        .add_user("r@example.com", app::domain::Role::Responder)
        .await;
    let responder = app.session_for(responder.id).await;
    let global = json!({"service_id": null, "kind": "WEBHOOK", "target": "https://x.example/h", "events": ["triggered"]});
    let (s, _) = app
        .call("/api/services/channels/add", global.clone(), &responder)
        .await;
    assert_eq!(s, 403);
    let (s, added) = app.call("/api/services/channels/add", global, &admin).await;
    assert_eq!(s, 200, "{added}");
    let (s, _) = app
        .call(
            "/api/services/channels/remove",
            json!({"id": added["channel"]["id"]}),
            &responder,
        )
        .await;
    assert_eq!(s, 403, "a responder cannot remove a global webhook");
    let (s, secret) = app
        .call(
            "/api/services/channels/rotate_secret",
            json!({"id": added["channel"]["id"]}),
            &admin,
        )
        .await;
    assert_eq!(s, 200);
    assert_ne!(secret, added["secret"]);
}

/// Deliveries run on slots of their own: webhooks to a destination that never answers (each
/// held up to the send timeout, 30 s here) do not hold up pages, even once they fill more
/// slots than the engine has for paging (4 in the tests).
#[tokio::test]
async fn a_hung_webhook_destination_does_not_delay_pages() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (_, me) = app.call("/api/auth/me", json!({}), &admin).await;
    let hung = axum::Router::new().route(
        "/hook",
        axum::routing::post(std::future::pending::<&'static str>),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, hung).await.unwrap() });
    // A quiet service whose events go only to the hung webhook.
    let (quiet, _) = app.service_with_key(&admin, "Quiet").await;
    let (s, added) = app
        .call(
            "/api/services/channels/add",
            json!({"service_id": quiet, "kind": "WEBHOOK", "target": url, "events": ["triggered"]}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{added}");
    let sink = common::SmtpSink::start().await;
    let _engine = app.start_engine(Some(sink.mailer()));
    for i in 0..8 {
        app.create_incident(&admin, &quiet, &format!("quiet {i}"))
            .await;
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let hanging: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE kind = 'CHANNEL_DELIVERY' AND status = 'PROCESSING'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if hanging >= 4 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{hanging} deliveries hanging"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Now pages: they must not wait for the hung deliveries.
    let paged = app
        .service_with_policy(
            &admin,
            "Checkout",
            json!([{"delay_minutes": 5, "targets": [{"kind": "USER", "id": me["id"]}]}]),
        )
        .await;
    let started = std::time::Instant::now();
    for i in 0..5 {
        app.create_incident(&admin, &paged, &format!("paged {i}"))
            .await;
    }
    sink.wait_for(5).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "five pages took {:?} beside hung webhooks",
        started.elapsed()
    );
}
