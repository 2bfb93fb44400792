//! Ingestion end to end against a real Postgres: PagerDuty Events v2 wire compatibility,
//! deduplication, out-of-order resolves, the rate limit on the manual clock, Alertmanager
//! fixtures, `/api/events`, NOTIFY, and bad input that writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use chrono::Duration;
use common::{Cred, TestApp, spawn_app};
use serde_json::{Value, json};

struct Svc {
    id: String,
    key: String,
    integration: String,
}

async fn service(app: &TestApp, admin: &Cred, name: &str, rate: i32, kind: &str) -> Svc {
    let (status, s) = app
        .call("/api/services/create", json!({"name": name, "description": "", "team_id": null, "urgency_rule": "SEVERITY", "ack_timeout_secs": null}), admin)
        .await;
    assert_eq!(status, 200, "{s}");
    let (status, i) = app
        .call("/api/integrations/create", json!({"service_id": s["id"], "kind": kind, "name": "main", "rate_limit_per_min": rate}), admin)
        .await;
    assert_eq!(status, 200, "{i}");
    Svc {
        id: s["id"].as_str().unwrap().to_owned(),
        key: i["routing_key"].as_str().unwrap().to_owned(),
        integration: i["integration"]["id"].as_str().unwrap().to_owned(),
    }
}

async fn enqueue(app: &TestApp, body: &Value) -> (u16, String) {
    let res = app
        .http
        .post(app.url("/v2/enqueue"))
        .json(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

fn trigger(key: &str, dedup: Option<&str>, summary: &str, severity: &str) -> Value {
    let mut v = json!({"routing_key": key, "event_action": "trigger",
        "payload": {"summary": summary, "source": "db-1", "severity": severity}});
    if let Some(d) = dedup {
        v["dedup_key"] = d.into();
    }
    v
}

fn action(key: &str, dedup: &str, action: &str) -> Value {
    json!({"routing_key": key, "event_action": action, "dedup_key": dedup})
}

async fn incidents(app: &TestApp) -> Vec<(i64, String, String, i32, String)> {
    sqlx::query_as(
        "SELECT number, dedup_key, status, alert_count, urgency FROM incidents ORDER BY number",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn events_v2_is_wire_compatible_and_deduplicates_like_pagerduty() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let s = service(&app, &admin, "Payments", 1000, "events_v2").await;

    // PagerDuty's documented example, unchanged except for our routing key.
    let mut example: Value =
        serde_json::from_str(include_str!("fixtures/pagerduty_trigger.json")).unwrap();
    example["routing_key"] = s.key.clone().into();
    let (status, body) = enqueue(&app, &example).await;
    assert_eq!(status, 202);
    assert_eq!(
        body,
        r#"{"status":"success","message":"Event processed","dedup_key":"samplekeyhere"}"#
    );
    // Also at /api/v2/enqueue.
    let res = app
        .http
        .post(app.url("/api/v2/enqueue"))
        .json(&example)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    assert_eq!(
        incidents(&app).await,
        [(1, "samplekeyhere".into(), "OPEN".into(), 2, "HIGH".into())]
    );

    // Acknowledge; a trigger while acknowledged appends and changes nothing else.
    assert_eq!(
        enqueue(&app, &action(&s.key, "samplekeyhere", "acknowledge"))
            .await
            .0,
        202
    );
    assert_eq!(
        enqueue(&app, &action(&s.key, "samplekeyhere", "acknowledge"))
            .await
            .0,
        202
    );
    enqueue(&app, &example).await;
    assert_eq!(
        incidents(&app).await,
        [(
            1,
            "samplekeyhere".into(),
            "ACKNOWLEDGED".into(),
            3,
            "HIGH".into()
        )]
    );
    let acks: i64 =
        sqlx::query_scalar("SELECT count(*) FROM incident_timeline WHERE kind = 'ACKNOWLEDGED'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(acks, 1, "a repeated acknowledge is a no-op");

    // Resolve; unknown keys are accepted and ignored; the key then opens a new incident.
    assert_eq!(
        enqueue(&app, &action(&s.key, "samplekeyhere", "resolve"))
            .await
            .0,
        202
    );
    let (status, body) = enqueue(&app, &action(&s.key, "never-seen", "acknowledge")).await;
    assert_eq!(
        (status, body.as_str()),
        (
            202,
            r#"{"status":"success","message":"Event processed","dedup_key":"never-seen"}"#
        )
    );
    let (status, _) = enqueue(
        &app,
        &trigger(&s.key, Some("samplekeyhere"), "Disk again", "warning"),
    )
    .await;
    assert_eq!(status, 202);
    let all = incidents(&app).await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].2, "RESOLVED");
    assert_eq!(
        (all[1].2.as_str(), all[1].4.as_str()),
        ("OPEN", "MEDIUM"),
        "warning → MEDIUM"
    );

    // A trigger without a dedup key gets a generated one.
    let (status, body) = enqueue(&app, &trigger(&s.key, None, "No key", "info")).await;
    assert_eq!(status, 202);
    let key = serde_json::from_str::<Value>(&body).unwrap()["dedup_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(key.len(), 32);
    let urgency: String = sqlx::query_scalar("SELECT urgency FROM incidents WHERE dedup_key = $1")
        .bind(&key)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(urgency, "LOW");
}

#[tokio::test]
async fn a_hundred_concurrent_triggers_on_one_key_make_one_incident_with_a_hundred_alerts() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let s = service(&app, &admin, "Edge", 100_000, "events_v2").await;
    let body = trigger(&s.key, Some("storm"), "Edge down", "critical");
    let calls = (0..100).map(|_| {
        let (app, body) = (&app, body.clone());
        async move { enqueue(app, &body).await.0 }
    });
    let statuses = join_all(calls).await;
    assert!(statuses.iter().all(|s| *s == 202), "{statuses:?}");
    assert_eq!(
        incidents(&app).await,
        [(1, "storm".into(), "OPEN".into(), 100, "HIGH".into())]
    );
    assert_eq!(app.count("alerts").await, 100);
    let triggered: i64 =
        sqlx::query_scalar("SELECT count(*) FROM incident_timeline WHERE kind = 'TRIGGERED'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(triggered, 1);
}

async fn join_all<F: std::future::Future<Output = u16>>(futs: impl Iterator<Item = F>) -> Vec<u16> {
    let handles: Vec<_> = futs.map(|f| Box::pin(f)).collect();
    let mut out = Vec::new();
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut all = true;
        for slot in pending.iter_mut() {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        out.push(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => all = false,
                }
            }
        }
        if all {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out
}

#[tokio::test]
async fn a_resolve_before_its_trigger_is_remembered_for_five_minutes() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let s = service(&app, &admin, "Queue", 1000, "events_v2").await;
    assert_eq!(
        enqueue(&app, &action(&s.key, "late", "resolve")).await.0,
        202
    );
    app.clock.advance(Duration::minutes(4));
    assert_eq!(
        enqueue(
            &app,
            &trigger(&s.key, Some("late"), "Late trigger", "error")
        )
        .await
        .0,
        202
    );
    let all = incidents(&app).await;
    assert_eq!(all[0].2, "RESOLVED", "recorded already resolved");
    assert_eq!(app.count("early_resolves").await, 0, "used up");

    // Older than five minutes: the trigger opens normally.
    assert_eq!(
        enqueue(&app, &action(&s.key, "stale", "resolve")).await.0,
        202
    );
    app.clock
        .advance(Duration::minutes(5) + Duration::seconds(1));
    enqueue(&app, &trigger(&s.key, Some("stale"), "Stale", "error")).await;
    assert_eq!(incidents(&app).await[1].2, "OPEN");
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after_on_the_manual_clock() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let s = service(&app, &admin, "Chatty", 2, "events_v2").await;
    assert_eq!(
        enqueue(&app, &trigger(&s.key, Some("a"), "A", "info"))
            .await
            .0,
        202
    );
    assert_eq!(
        enqueue(&app, &trigger(&s.key, Some("b"), "B", "info"))
            .await
            .0,
        202
    );
    let res = app
        .http
        .post(app.url("/v2/enqueue"))
        .json(&trigger(&s.key, Some("c"), "C", "info"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "30");
    assert_eq!(
        res.text().await.unwrap(),
        r#"{"status":"throttle exceeded","message":"Requests for this service are arriving too quickly.  Please retry later."}"#
    );
    assert_eq!(
        app.count("alerts").await,
        2,
        "the refused event wrote nothing"
    );
    app.clock.advance(Duration::seconds(30));
    assert_eq!(
        enqueue(&app, &trigger(&s.key, Some("c"), "C", "info"))
            .await
            .0,
        202
    );
}

#[tokio::test]
async fn bad_input_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let s = service(&app, &admin, "Strict", 1000, "events_v2").await;
    let good = trigger(&s.key, Some("k"), "Fine", "info");
    let post = |ct: &'static str, body: Vec<u8>| {
        let app = &app;
        async move {
            let res = app
                .http
                .post(app.url("/v2/enqueue"))
                .header("content-type", ct)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.text().await.unwrap())
        }
    };
    let mut big = good.clone();
    big["payload"]["custom_details"] = json!({"blob": "x".repeat(520 * 1024)});
    let (status, _) = post("application/json", big.to_string().into_bytes()).await;
    assert_eq!(status, 413, "over 512 KB");
    let (status, body) = post("text/plain", good.to_string().into_bytes()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Content-Type"));
    let mut utf8 = good.to_string().into_bytes();
    let at = utf8.len() - 10;
    utf8[at] = 0xff;
    assert_eq!(post("application/json", utf8).await.0, 400, "bad UTF-8");
    let mut no_key = good.clone();
    no_key.as_object_mut().unwrap().remove("routing_key");
    let (status, body) = post("application/json", no_key.to_string().into_bytes()).await;
    assert_eq!(
        (status, body.as_str()),
        (
            400,
            r#"{"status":"invalid event","message":"Event object is invalid","errors":["'routing_key' is missing or blank"]}"#
        )
    );
    let unknown = trigger(&"z".repeat(32), Some("k"), "Fine", "info");
    assert_eq!(enqueue(&app, &unknown).await.0, 400, "unknown key");
    let long = trigger(&s.key, Some("k"), &"s".repeat(1025), "info");
    assert_eq!(enqueue(&app, &long).await.0, 400, "summary over 1024");
    let bad_severity = trigger(&s.key, Some("k"), "x", "CRITICAL");
    assert_eq!(enqueue(&app, &bad_severity).await.0, 400);
    // Disabled integration.
    let (status, _) = app
        .call(
            "/api/integrations/update",
            json!({"id": s.integration, "enabled": false, "rate_limit_per_min": 1000}),
            &admin,
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = enqueue(&app, &good).await;
    assert_eq!(status, 400);
    assert!(body.contains("disabled"), "{body}");
    for t in ["incidents", "alerts", "incident_timeline", "early_resolves"] {
        assert_eq!(app.count(t).await, 0, "{t}");
    }
    // Re-enabled, the same event goes through; a rotated key stops the old one.
    app.call(
        "/api/integrations/update",
        json!({"id": s.integration, "enabled": true, "rate_limit_per_min": 1000}),
        &admin,
    )
    .await;
    assert_eq!(enqueue(&app, &good).await.0, 202);
    let (_, rotated) = app
        .call(
            "/api/integrations/rotate",
            json!({"id": s.integration}),
            &admin,
        )
        .await;
    assert_eq!(enqueue(&app, &good).await.0, 400);
    let fresh = trigger(
        rotated["routing_key"].as_str().unwrap(),
        Some("k"),
        "Fine",
        "info",
    );
    assert_eq!(enqueue(&app, &fresh).await.0, 202);
}

#[tokio::test]
async fn alertmanager_fixtures_open_and_resolve_by_fingerprint() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let s = service(&app, &admin, "Platform", 1000, "prometheus").await;
    let post = |path: String, body: &'static str| {
        let app = &app;
        async move {
            let res = app
                .http
                .post(app.url(&path))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, body) = post(
        format!("/api/integrations/prometheus/{}", s.key),
        include_str!("fixtures/alertmanager_firing.json"),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    // Alertmanager re-sends the whole group (and twice in HA mode): idempotent.
    let (status, _) = post(
        format!("/api/integrations/alertmanager/{}", s.key),
        include_str!("fixtures/alertmanager_firing.json"),
    )
    .await;
    assert_eq!(status, 202);
    let by_key = |all: Vec<(i64, String, String, i32, String)>, key: &str| {
        all.into_iter()
            .find(|i| i.1 == key)
            .map(|i| (i.2, i.3, i.4))
            .unwrap()
    };
    let all = incidents(&app).await;
    assert_eq!(all.len(), 2);
    assert_eq!(
        by_key(all.clone(), "c7a0b9f1e2d3a4b5"),
        ("OPEN".into(), 2, "HIGH".into())
    );
    assert_eq!(
        by_key(all, "0f1e2d3c4b5a6978"),
        ("OPEN".into(), 2, "MEDIUM".into())
    );
    let title: String =
        sqlx::query_scalar("SELECT title FROM incidents WHERE dedup_key = 'c7a0b9f1e2d3a4b5'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        title,
        "HighRequestLatency: p99 latency above 2s for 10 minutes"
    );

    // The resolved payload resolves the first; the second still fires although its endsAt passed.
    let res = app
        .http
        .post(app.url("/api/integrations/prometheus"))
        .header("x-routing-key", &s.key)
        .header("content-type", "application/json")
        .body(include_str!("fixtures/alertmanager_resolved.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let all = incidents(&app).await;
    assert_eq!(by_key(all.clone(), "c7a0b9f1e2d3a4b5").0, "RESOLVED");
    assert_eq!(
        by_key(all, "0f1e2d3c4b5a6978").0,
        "OPEN",
        "endsAt in the past is not a resolve"
    );

    let (status, body) = post(
        format!("/api/integrations/prometheus/{}", s.key),
        r#"{"alerts": "nope"}"#,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["field"],
        "body"
    );
    let (status, _) = post(format!("/api/integrations/nagios/{}", s.key), "{}").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn api_events_take_a_token_header_or_an_api_key_with_events_write() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let s = service(&app, &admin, "Jobs", 1000, "events_v2").await;
    let body = json!({"event_action": "trigger", "dedup_key": "nightly", "payload": {"summary": "Nightly job failed", "source": "cron", "severity": "error"}});
    let res = app
        .http
        .post(app.url("/api/events"))
        .header("authorization", format!("Token token={}", s.key))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);

    let responder = app.add_user("rex@example.com", Role::Responder).await;
    let Cred::Key(with) = app.key_for(&responder, &["events:write"]).await else {
        unreachable!()
    };
    let Cred::Key(without) = app.key_for(&responder, &["incidents:read"]).await else {
        unreachable!()
    };
    let mut keyed = body.clone();
    keyed["service_id"] = s.id.clone().into();
    keyed["dedup_key"] = "keyed".into();
    let res = app
        .http
        .post(app.url("/api/events"))
        .bearer_auth(&without)
        .json(&keyed)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .http
        .post(app.url("/api/events"))
        .bearer_auth(&with)
        .json(&keyed)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
    let mut no_service = keyed.clone();
    no_service.as_object_mut().unwrap().remove("service_id");
    let res = app
        .http
        .post(app.url("/api/events"))
        .bearer_auth(&with)
        .json(&no_service)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["field"], "service_id");
    assert_eq!(incidents(&app).await.len(), 2);
}

#[tokio::test]
async fn every_change_sends_one_notify() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let s = service(&app, &admin, "Live", 1000, "events_v2").await;
    let mut listener = sqlx::postgres::PgListener::connect_with(app.pool.sessions())
        .await
        .unwrap();
    listener
        .listen(app::incidents::notify::CHANNEL)
        .await
        .unwrap();
    // Every wait is bounded: a missing notification fails the test instead of hanging it.
    let wait = std::time::Duration::from_secs(10);
    enqueue(&app, &trigger(&s.key, Some("n1"), "Notify me", "critical")).await;
    let n = tokio::time::timeout(wait, listener.recv())
        .await
        .expect("the trigger's notification")
        .unwrap();
    let id: String = sqlx::query_scalar("SELECT id::text FROM incidents")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // An ingest batch's one NOTIFY carries the incidents and the event log's digests.
    let both: serde_json::Value = serde_json::from_str(n.payload()).unwrap();
    assert_eq!(both["ids"], json!([id]));
    assert_eq!(both["events"][0]["dedup_key"], "n1");
    assert_eq!(both["events"][0]["incident_id"], json!(id));
    let (status, changed) = app
        .call("/api/incidents/acknowledge", json!({"ids": [id]}), &admin)
        .await;
    assert_eq!((status, changed), (200, json!(1)));
    let ack = tokio::time::timeout(wait, listener.recv())
        .await
        .expect("the acknowledgement's notification")
        .unwrap();
    assert_eq!(ack.payload(), format!("[\"{id}\"]"));
    // A repeat changes nothing and notifies nobody: nothing arrives within a bounded wait
    // (a NOTIFY is delivered at commit, before the call answers).
    let (_, changed) = app
        .call("/api/incidents/acknowledge", json!({"ids": [id]}), &admin)
        .await;
    assert_eq!(changed, json!(0));
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(500), listener.recv()).await;
    assert!(
        quiet.is_err(),
        "a repeated acknowledge notified: {:?}",
        quiet.map(|n| n.map(|n| n.payload().to_owned()))
    );
    app.call("/api/incidents/resolve", json!({"ids": [id]}), &admin)
        .await;
    let resolve = tokio::time::timeout(wait, listener.recv())
        .await
        .expect("the resolve's notification")
        .unwrap();
    assert_eq!(resolve.payload(), format!("[\"{id}\"]"));
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM incident_timeline ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(kinds, ["TRIGGERED", "ACKNOWLEDGED", "RESOLVED"]);
}

#[tokio::test]
async fn one_batch_keeps_each_keys_order_across_rounds() {
    use app::incidents::store::IngestTarget;
    use app::incidents::{EventAction, InboundEvent};
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let s = service(&app, &admin, "Batch", 1000, "events_v2").await;
    let target = IngestTarget {
        service_id: s.id.parse().unwrap(),
        integration_id: None,
        urgency_rule: app::services::UrgencyRule::Severity,
    };
    let ev = |action: EventAction, key: Option<&str>| InboundEvent {
        action,
        dedup_key: key.map(str::to_owned),
        summary: format!("{action:?}"),
        source: "test".into(),
        severity: app::domain::Severity::Critical,
        payload: json!({}),
    };
    let events = [
        ev(EventAction::Trigger, Some("k")),
        ev(EventAction::Trigger, None),
        ev(EventAction::Trigger, Some("k")),
        ev(EventAction::Resolve, Some("k")),
        ev(EventAction::Acknowledge, Some("ghost")),
        ev(EventAction::Trigger, Some("k")),
        ev(EventAction::Trigger, None),
    ];
    let items: Vec<_> = events.iter().map(|e| (&target, e)).collect();
    let mut tx = app.pool.begin().await.unwrap();
    let out = app::incidents::batch::ingest_batch(&mut tx, &items, app.clock_now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(out.len(), 7);
    assert_eq!(out[0].incident, out[2].incident, "the repeat appended");
    assert_eq!(out[0].incident, out[3].incident, "the resolve hit it");
    assert_ne!(
        out[5].incident, out[0].incident,
        "after the resolve, a new incident"
    );
    assert!(out[4].incident.is_none(), "unknown key ignored");
    assert_ne!(
        out[1].dedup_key, out[6].dedup_key,
        "generated keys are distinct"
    );
    let k: Vec<(String, i32)> = sqlx::query_as(
        "SELECT status, alert_count FROM incidents WHERE dedup_key = 'k' ORDER BY number",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(k, [("RESOLVED".into(), 2), ("OPEN".into(), 1)]);
    assert_eq!(app.count("incidents").await, 4);
}

#[tokio::test]
async fn responders_assign_prioritise_and_open_incidents_by_hand() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let s = service(&app, &admin, "Manual", 1000, "events_v2").await;
    let (status, id) = app
        .call("/api/incidents/create", json!({"service_id": s.id, "title": "Customer reports checkout errors", "description": "Ticket 4711", "urgency": "HIGH"}), &admin)
        .await;
    assert_eq!(status, 200, "{id}");
    let (status, body) = app
        .call(
            "/api/incidents/create",
            json!({"service_id": s.id, "title": "", "description": "", "urgency": "HIGH"}),
            &admin,
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("title")));
    let user = app.add_user("ivy@example.com", Role::Responder).await;
    let (status, _) = app
        .call(
            "/api/incidents/assign",
            json!({"id": id, "user_id": user.id, "team_id": null}),
            &admin,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call(
            "/api/incidents/set-priority",
            json!({"id": id, "priority": "P2"}),
            &admin,
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .call(
            "/api/incidents/set-priority",
            json!({"id": id, "priority": "P0"}),
            &admin,
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("priority")));
    let (_, d) = app
        .call("/api/incidents/get", json!({"id": id}), &admin)
        .await;
    assert_eq!(d["incident"]["assignee"], "ivy");
    assert_eq!(d["incident"]["priority"], "P2");
    assert_eq!(d["description"], "Ticket 4711");
    let kinds: Vec<&str> = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["TRIGGERED", "ASSIGNED"]);
    // "Mine" finds it for the assignee.
    let ivy = app.session_for(user.id).await;
    let (_, page) = app
        .call(
            "/api/incidents/list",
            json!({"filter": {"mine": true}, "before": null, "limit": 10}),
            &ivy,
        )
        .await;
    assert_eq!(page["incidents"].as_array().unwrap().len(), 1);
    let (_, page) = app
        .call(
            "/api/incidents/list",
            json!({"filter": {"mine": true}, "before": null, "limit": 10}),
            &admin,
        )
        .await;
    assert_eq!(page["incidents"].as_array().unwrap().len(), 0);
}
