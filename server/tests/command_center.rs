//! The command center's numbers over a real Postgres and the manual clock: counters, MTTA /
//! MTTR for 7 and 30 days with every day of the series, the getting-started counts, and the
//! global search across incidents, services, people, teams and schedules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use chrono::Duration;
use common::spawn_app;
use serde_json::json;

#[tokio::test]
async fn counters_and_response_times_follow_what_happened() {
    let app = spawn_app().await;
    let root = app.add_user("root@example.com", Role::Admin).await;
    let mut admin = app.session_for(root.id).await;
    // A new installation: nothing yet, and the overview says so.
    let (s, o) = app.call("/api/analytics/overview", json!({}), &admin).await;
    assert_eq!(s, 200, "{o}");
    assert_eq!(
        (o["services"].as_i64(), o["integrations"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(o["any_incident"], false);
    assert_eq!(o["days"].as_array().unwrap().len(), 30);
    assert!(o["last_7"]["mtta_secs"].is_null());

    let (_, key) = app.service_with_key(&admin, "Payments").await;
    let send = |dedup: &'static str, action: &'static str, severity: &'static str| {
        app.enqueue(&key, action, dedup, severity)
    };
    // Eight days ago: acknowledged after 10 min, resolved after 60 (outside the 7 days).
    send("old", "trigger", "critical").await;
    app.clock.advance(Duration::minutes(10));
    send("old", "acknowledge", "critical").await;
    app.clock.advance(Duration::minutes(50));
    send("old", "resolve", "critical").await;
    app.clock.advance(Duration::days(8));
    // An idle session ends; sign in again.
    admin = app.session_for(root.id).await;
    // Today: one acknowledged after 2 min and resolved after 12; one still open (low); one
    // high and open.
    send("a", "trigger", "critical").await;
    send("b", "trigger", "info").await;
    send("c", "trigger", "critical").await;
    app.clock.advance(Duration::minutes(2));
    send("a", "acknowledge", "critical").await;
    let (_, c) = app.call("/api/incidents/counters", json!({}), &admin).await;
    assert_eq!(
        c,
        json!({"open": 2, "acknowledged": 1, "high_open": 1, "unassigned": 3, "resolved_24h": 0})
    );
    app.clock.advance(Duration::minutes(10));
    send("a", "resolve", "critical").await;
    let (_, c) = app.call("/api/incidents/counters", json!({}), &admin).await;
    assert_eq!(
        c,
        json!({"open": 2, "acknowledged": 0, "high_open": 1, "unassigned": 2, "resolved_24h": 1})
    );

    let (_, o) = app.call("/api/analytics/overview", json!({}), &admin).await;
    assert_eq!(o["last_7"]["mtta_secs"].as_f64(), Some(120.0));
    assert_eq!(o["last_7"]["mttr_secs"].as_f64(), Some(720.0));
    assert_eq!(o["last_7"]["opened"].as_i64(), Some(3));
    // 30 days: (600 + 120) / 2 and (3600 + 720) / 2.
    assert_eq!(o["last_30"]["mtta_secs"].as_f64(), Some(360.0));
    assert_eq!(o["last_30"]["mttr_secs"].as_f64(), Some(2160.0));
    assert_eq!(o["last_30"]["opened"].as_i64(), Some(4));
    let days = o["days"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days[29]["opened"].as_i64(), Some(3));
    assert_eq!(
        days.iter()
            .filter(|d| d["opened"].as_i64() > Some(0))
            .count(),
        2
    );
    assert_eq!(
        (
            o["services"].as_i64(),
            o["integrations"].as_i64(),
            o["any_incident"].as_bool()
        ),
        (Some(1), Some(1), Some(true))
    );
    // A day later the resolve has left the 24 h window.
    app.clock.advance(Duration::hours(24));
    admin = app.session_for(root.id).await;
    let (_, c) = app.call("/api/incidents/counters", json!({}), &admin).await;
    assert_eq!(c["resolved_24h"], 0);
}

#[tokio::test]
async fn global_search_finds_every_kind_by_name_and_incidents_by_number() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    app.add_user("dana.ops@example.com", Role::Responder).await;
    let (_, svc) = app
        .call(
            "/api/services/create",
            json!({"name": "Opsdb primary", "description": "", "team_id": null, "urgency_rule": "SEVERITY", "ack_timeout_secs": null}),
            &admin,
        )
        .await;
    let (_, inc) = app
        .call(
            "/api/incidents/create",
            json!({"service_id": svc["id"], "title": "OPS replica lag", "description": "", "urgency": "HIGH"}),
            &admin,
        )
        .await;
    let (s, _) = app
        .call(
            "/api/teams/create",
            json!({"name": "Ops crew", "description": ""}),
            &admin,
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .call(
            "/api/schedules/save",
            json!({"id": null, "name": "Ops primary", "description": "", "time_zone": "UTC"}),
            &admin,
        )
        .await;
    assert_eq!(s, 200);
    app.call(
        "/api/teams/create",
        json!({"name": "Finance", "description": ""}),
        &admin,
    )
    .await;

    let (s, hits) = app
        .call("/api/search", json!({"query": "ops"}), &admin)
        .await;
    assert_eq!(s, 200, "{hits}");
    let kinds: Vec<(&str, &str)> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["kind"].as_str().unwrap(), h["label"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("incident", "#1 OPS replica lag"),
            ("service", "Opsdb primary"),
            ("user", "dana.ops"),
            ("team", "Ops crew"),
            ("schedule", "Ops primary"),
        ]
    );
    assert_eq!(hits[0]["id"], inc);
    assert_eq!(hits[0]["detail"], "open");
    assert_eq!(hits[2]["detail"], "dana.ops@example.com");
    // By number, with or without '#'.
    let (_, hits) = app
        .call("/api/search", json!({"query": "#1"}), &admin)
        .await;
    assert_eq!(hits[0]["label"], "#1 OPS replica lag");
    // Wildcards are literal; empty finds nothing; too long is refused naming the field.
    let (_, hits) = app.call("/api/search", json!({"query": "%"}), &admin).await;
    assert_eq!(hits, json!([]));
    let (_, hits) = app
        .call("/api/search", json!({"query": "  "}), &admin)
        .await;
    assert_eq!(hits, json!([]));
    let (s, e) = app
        .call("/api/search", json!({"query": "x".repeat(101)}), &admin)
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("query")));
}
