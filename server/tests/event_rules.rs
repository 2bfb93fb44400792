//! Event rules through the real ingest path: drop (counted, no incident), suppress (SUPPRESSED,
//! no escalation job), route, a dedup key from a template, urgency, priority and a note; the
//! saves (per-field 400s, the catastrophic regex, version conflicts, the audit log keeping
//! every version, who may save what) and the test panel's dry run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use common::{Cred, TestApp, spawn_app};
use serde_json::{Value, json};

async fn send(
    app: &TestApp,
    key: &str,
    dedup: &str,
    summary: &str,
    severity: &str,
    details: Value,
) {
    let res = app
        .http
        .post(app.url("/v2/enqueue"))
        .json(
            &json!({"routing_key": key, "event_action": "trigger", "dedup_key": dedup,
            "payload": {"summary": summary, "source": "db-1", "severity": severity,
                        "custom_details": details}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        202,
        "{}",
        res.text().await.unwrap_or_default()
    );
}

async fn save(
    app: &TestApp,
    cred: &Cred,
    service: Value,
    version: i64,
    rules: Value,
) -> (u16, Value) {
    app.call(
        "/api/rules/save",
        json!({"service_id": service, "version": version, "rules": rules}),
        cred,
    )
    .await
}

/// (status, urgency, priority, alert_count, service id) of the incident with `dedup`.
async fn incident(
    app: &TestApp,
    dedup: &str,
) -> Option<(String, String, Option<String>, i32, uuid::Uuid)> {
    sqlx::query_as(
        "SELECT status, urgency, priority, alert_count, service_id FROM incidents WHERE dedup_key = $1",
    )
    .bind(dedup)
    .fetch_optional(&app.pool)
    .await
    .unwrap()
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn rules_drop_suppress_route_rekey_and_annotate_at_ingest() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (a, key) = app.service_with_key(&admin, "Checkout").await;
    let (b, _) = app.service_with_key(&admin, "Payments").await;
    let (s, g) = save(&app, &admin, Value::Null, 0, json!([
        {"name": "Payments' checks", "when": {"field": "custom_details.team", "op": "equals", "value": "payments"},
         "then": {"route_to": b}},
    ])).await;
    assert_eq!(s, 200, "{g}");
    let (s, r) = save(&app, &admin, json!(a), 0, json!([
        {"name": "Staging is noise", "when": {"field": "custom_details.env", "op": "equals", "value": "staging"},
         "then": {"drop": true}},
        {"name": "Info is quiet", "when": {"field": "payload.severity", "op": "equals", "value": "info"},
         "then": {"suppress": true}},
        {"name": "One incident per check", "when": {"field": "custom_details.check", "op": "exists"},
         "then": {"dedup_key": "check/{{custom_details.check}}", "urgency": "LOW", "priority": "P2",
                  "note": "Grouped by check"}},
    ])).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["version"], 1);

    send(
        &app,
        &key,
        "s1",
        "staging down",
        "critical",
        json!({"env": "staging"}),
    )
    .await;
    send(
        &app,
        &key,
        "s2",
        "staging slow",
        "critical",
        json!({"env": "staging"}),
    )
    .await;
    send(&app, &key, "i1", "backup finished", "info", json!({})).await;
    send(
        &app,
        &key,
        "p1",
        "card declines",
        "critical",
        json!({"team": "payments"}),
    )
    .await;
    send(
        &app,
        &key,
        "c1",
        "probe eu failed",
        "critical",
        json!({"check": "http-eu"}),
    )
    .await;
    send(
        &app,
        &key,
        "c2",
        "probe eu failed again",
        "critical",
        json!({"check": "http-eu"}),
    )
    .await;
    send(&app, &key, "plain", "plain alert", "critical", json!({})).await;
    app.settle().await;

    // Dropped: no incident, counted.
    assert!(incident(&app, "s1").await.is_none());
    assert!(incident(&app, "s2").await.is_none());
    assert_eq!(
        scalar(
            &app,
            "SELECT COALESCE(sum(count), 0)::bigint FROM dropped_events"
        )
        .await,
        2
    );
    // Suppressed: visible, and no escalation job was ever queued for it.
    let (status, ..) = incident(&app, "i1").await.unwrap();
    assert_eq!(status, "SUPPRESSED");
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM jobs j JOIN incidents i ON i.id = j.incident_id WHERE i.dedup_key = 'i1'").await,
        0
    );
    // Routed by the global rule.
    let (_, _, _, _, service) = incident(&app, "p1").await.unwrap();
    assert_eq!(service.to_string(), b);
    // Two events with different keys, one incident by the template; urgency, priority, note.
    assert!(incident(&app, "c1").await.is_none());
    let (status, urgency, priority, count, _) = incident(&app, "check/http-eu").await.unwrap();
    assert_eq!(
        (
            status.as_str(),
            urgency.as_str(),
            priority.as_deref(),
            count
        ),
        ("OPEN", "LOW", Some("P2"), 2)
    );
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM incident_timeline t JOIN incidents i ON i.id = t.incident_id
                       WHERE i.dedup_key = 'check/http-eu' AND t.kind = 'NOTE' AND t.details->>'note' = 'Grouped by check'").await,
        2
    );
    let rules: Value = sqlx::query_scalar(
        "SELECT t.details->'rules' FROM incident_timeline t JOIN incidents i ON i.id = t.incident_id
         WHERE i.dedup_key = 'check/http-eu' AND t.kind = 'TRIGGERED'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(rules, json!(["Rule 3 “One incident per check”"]));
    // Untouched by rules: OPEN, urgency from severity, escalation queued as before.
    let (status, urgency, priority, ..) = incident(&app, "plain").await.unwrap();
    assert_eq!(
        (status.as_str(), urgency.as_str(), priority),
        ("OPEN", "HIGH", None)
    );
    assert_eq!(scalar(&app, "SELECT count(*) FROM incidents").await, 4);

    // The editor's view counts the drops.
    let (s, v) = app
        .call("/api/rules/get", json!({"service_id": a}), &admin)
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["dropped_24h"], 2);
}

/// Whatever mix of events arrives, a dropped one never opens an incident and every kept one
/// does (exactly one per key).
#[tokio::test]
async fn a_dropped_event_never_creates_an_incident() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (a, key) = app.service_with_key(&admin, "Checkout").await;
    let (s, r) = save(&app, &admin, json!(a), 0, json!([
        {"name": "odd", "when": {"field": "custom_details.n", "op": "matches", "value": "[13579]$"},
         "then": {"drop": true}},
    ])).await;
    assert_eq!(s, 200, "{r}");
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut kept = std::collections::BTreeSet::new();
    let mut sends = Vec::new();
    for _ in 0..40 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let n = x % 25;
        if n.is_multiple_of(2) {
            kept.insert(format!("k{n}"));
        }
        sends.push(n);
    }
    // All at once, so they share batches.
    let mut sent = tokio::task::JoinSet::new();
    for n in &sends {
        let (http, url) = (app.http.clone(), app.url("/v2/enqueue"));
        let body = json!({"routing_key": key, "event_action": "trigger", "dedup_key": format!("k{n}"),
            "payload": {"summary": "x", "source": "db-1", "severity": "error",
                        "custom_details": {"n": n.to_string()}}});
        sent.spawn(async move {
            http.post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    while let Some(status) = sent.join_next().await {
        assert_eq!(status.unwrap(), 202);
    }
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT dedup_key FROM incidents ORDER BY dedup_key")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(keys, kept.into_iter().collect::<Vec<_>>());
    let dropped = sends.iter().filter(|n| *n % 2 == 1).count() as i64;
    assert_eq!(
        scalar(
            &app,
            "SELECT COALESCE(sum(count), 0)::bigint FROM dropped_events"
        )
        .await,
        dropped
    );
}

#[tokio::test]
async fn saves_are_checked_versioned_audited_and_limited_to_who_may_change_the_scope() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (a, _) = app.service_with_key(&admin, "Checkout").await;
    let rule = |when: Value| json!([{"name": "r", "when": when, "then": {"suppress": true}}]);
    let cases = [
        (
            rule(json!({"field": "summary", "op": "matches", "value": "((a{100}){100}){100}"})),
            "rules[0].when.value",
        ),
        (
            rule(json!({"field": "summary", "op": "like", "value": "x"})),
            "rules[0].when.op",
        ),
        (
            rule(
                json!({"time": {"zone": "Mars/Base", "days": [], "from": "09:00", "to": "17:00"}}),
            ),
            "rules[0].when.time.zone",
        ),
        (
            json!([{"name": "r", "then": {"route_to": a}}]),
            "rules[0].then.route_to",
        ),
    ];
    for (rules, field) in cases {
        let (s, e) = save(&app, &admin, json!(a), 0, rules).await;
        assert_eq!((s, e["field"].as_str()), (400, Some(field)), "{e}");
    }
    let (s, e) = save(
        &app,
        &admin,
        Value::Null,
        0,
        json!([{"name": "r", "then": {"route_to": uuid::Uuid::new_v4()}}]),
    )
    .await;
    assert_eq!(
        (s, e["field"].as_str()),
        (400, Some("rules[0].then.route_to")),
        "{e}"
    );
    assert_eq!(
        app.count("event_rule_sets").await,
        0,
        "a refused save writes nothing"
    );

    let one = json!([{"name": "first", "then": {"suppress": true}}]);
    let two = json!([{"name": "second", "then": {"urgency": "LOW"}}]);
    assert_eq!(save(&app, &admin, json!(a), 0, one.clone()).await.0, 200);
    assert_eq!(save(&app, &admin, json!(a), 1, two.clone()).await.0, 200);
    let (s, e) = save(&app, &admin, json!(a), 1, one.clone()).await;
    assert_eq!(s, 409, "a save over a newer version: {e}");
    let versions: Vec<(i64, Value)> = sqlx::query_as(
        "SELECT (details->>'version')::bigint, details->'rules' FROM audit_log
         WHERE action = 'rules.saved' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].0, 1);
    assert_eq!(versions[0].1[0]["name"], "first");
    assert_eq!(versions[1].1[0]["then"], json!({"urgency": "LOW"}));

    // A RESPONDER may change a service's rules, not the global ones; a USER neither.
    let responder = app.add_user("r@example.com", Role::Responder).await;
    let responder = app.session_for(responder.id).await;
    let user = app.add_user("u@example.com", Role::User).await;
    let user = app.session_for(user.id).await;
    assert_eq!(
        save(&app, &responder, json!(a), 2, one.clone()).await.0,
        200
    );
    assert_eq!(
        save(&app, &responder, Value::Null, 0, one.clone()).await.0,
        403
    );
    assert_eq!(save(&app, &user, json!(a), 3, two).await.0, 403);
    assert_eq!(app.count("event_rule_sets").await, 1);
}

#[tokio::test]
async fn the_test_panel_runs_a_draft_without_ingesting_it() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (a, _) = app.service_with_key(&admin, "Checkout").await;
    let body = json!({"routing_key": "x", "event_action": "trigger", "payload": {
        "summary": "disk full on db-1", "source": "db-1", "severity": "critical",
        "custom_details": {"env": "staging"}}})
    .to_string();
    let draft = json!([{"name": "Staging is noise",
        "when": {"field": "custom_details.env", "op": "equals", "value": "staging"}, "then": {"drop": true}}]);
    let (s, r) = app
        .call(
            "/api/rules/test",
            json!({"service_id": a, "format": "events_v2", "body": body, "rules": draft}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r[0]["matched"], json!(["Rule 1 “Staging is noise”"]));
    assert!(
        r[0]["outcome"][0].as_str().unwrap().starts_with("Dropped"),
        "{r}"
    );
    // Without the draft (nothing saved): nothing matches.
    let (s, r) = app
        .call(
            "/api/rules/test",
            json!({"service_id": a, "format": "events_v2", "body": body}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r[0]["matched"], json!([]));
    assert!(
        r[0]["outcome"][1].as_str().unwrap().contains("Checkout"),
        "{r}"
    );
    let (s, e) = app
        .call(
            "/api/rules/test",
            json!({"service_id": a, "format": "events_v2", "body": "{not json"}),
            &admin,
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("body")), "{e}");
    let (s, e) = app
        .call(
            "/api/rules/test",
            json!({"service_id": a, "format": "carrier-pigeon", "body": body}),
            &admin,
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("format")), "{e}");
    assert_eq!(app.count("incidents").await, 0);
    assert_eq!(app.count("event_rule_sets").await, 0);
}
