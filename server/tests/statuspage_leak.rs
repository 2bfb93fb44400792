//! The public status page leaks nothing internal: incident titles, dedup keys, notes, service
//! and people's names stay off the HTML, the JSON and the feeds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::paging::alice_then_bob;
use common::status::{component, text};
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

