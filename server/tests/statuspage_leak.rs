//! The public status page leaks nothing internal: incident titles, dedup keys, notes, service
//! and people's names and internal ids stay off the HTML, the JSON, the feeds and the email
//! subscribers get when a derived status changes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::paging::alice_then_bob;
use common::status::{component, mails_to, subscriber, text};
use serde_json::json;

#[tokio::test]
async fn nothing_internal_leaks() {
    let s = alice_then_bob(30).await;
    // The service is "Payments" (internal); its public name is "Checkout API".
    component(&s, &s.service, "Checkout API", "Core").await;
    s.app
        .enqueue(&s.key, "trigger", "SECRET-DEDUP-db-prod-7", "critical")
        .await;
    s.app.settle().await;
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM incidents")
        .fetch_one(&s.app.pool)
        .await
        .unwrap();
    let (st, _) = s
        .app
        .call(
            "/api/incidents/note",
            json!({"id": id, "note": "SECRET-NOTE root password rotated"}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200);
    let (st, _) = s
        .app
        .call(
            "/api/status/incidents/create",
            json!({"incident": {"name": "Checkout errors", "impact": "major",
                   "status": "identified", "body": "A fix is being deployed.",
                   "component_ids": []}}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200);
    let mut seen = String::new();
    for path in [
        "/status",
        "/status/api/v2/summary.json",
        "/status/api/v2/status.json",
        "/status/api/v2/components.json",
        "/status/api/v2/incidents.json",
        "/status/api/v2/incidents/unresolved.json",
        "/status/api/v2/scheduled-maintenances.json",
        "/status/history.rss",
        "/status/history.atom",
    ] {
        seen.push_str(&text(&s, path).await);
    }
    for secret in [
        "SECRET-DEDUP",
        "db-prod-7",
        "is down",
        "SECRET-NOTE",
        "Payments",
        "alice",
        "bob",
        "root@example.com",
        "db-1",
    ] {
        assert!(!seen.contains(secret), "{secret:?} leaked");
    }
    // What was chosen to be public is there.
    for public in [
        "Checkout API",
        "Core",
        "Checkout errors",
        "A fix is being deployed.",
        "Major outage on Checkout API",
    ] {
        assert!(seen.contains(public), "{public:?} missing");
    }
}

#[tokio::test]
async fn the_derived_status_email_leaks_nothing() {
    let s = alice_then_bob(30).await;
    component(&s, &s.service, "Checkout API", "Core").await;
    subscriber(&s, "reader@example.com", "CONFIRMED").await;
    s.app
        .enqueue(&s.key, "trigger", "SECRET-DEDUP-db-prod-7", "critical")
        .await;
    s.app.settle().await;
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM incidents")
        .fetch_one(&s.app.pool)
        .await
        .unwrap();
    let (st, _) = s
        .app
        .call(
            "/api/incidents/note",
            json!({"id": id, "note": "SECRET-NOTE root password rotated"}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200);
    s.app.advance(chrono::Duration::minutes(3)).await;
    let mut got = Vec::new();
    mails_to(&s, &mut got, "reader@example.com", 1).await;
    let mail = &got.iter().find(|(t, _)| t.contains("reader")).unwrap().1;
    // The message as the reader sees it: headers other than ours carry nothing of the incident.
    for secret in [
        "SECRET-DEDUP",
        "db-prod-7",
        "is down",
        "SECRET-NOTE",
        "Payments",
        "alice",
        "bob",
        "root@example.com",
        "db-1",
        &id.to_string(),
        &s.service,
    ] {
        assert!(!mail.contains(secret), "{secret:?} leaked: {mail}");
    }
    for public in ["Checkout API: Major outage", "/status"] {
        assert!(mail.contains(public), "{public:?} missing: {mail}");
    }
}
