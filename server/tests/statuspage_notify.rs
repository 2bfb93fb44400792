//! Derived status changes by email, on the manual clock: an incident on a mapped service mails
//! each confirmed subscriber once after the two-minute debounce (and again on resolve), an
//! incident opened and resolved within the debounce mails nobody, neither do changes that
//! leave the public status as it was, unconfirmed or unsubscribed addresses get nothing, a
//! change while a check runs gets a check of its own, and a component under a manual override
//! never mails on derived changes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use chrono::Duration;
use common::paging::{Paging, alice_then_bob};
use common::status::{component, mails_to, quiet_service, status_jobs, subscriber};
use serde_json::json;

/// The status emails in `got` to `to`.
fn to<'a>(got: &'a [(String, String)], to: &str) -> Vec<&'a str> {
    got.iter()
        .filter(|(t, _)| t.contains(to))
        .map(|(_, m)| m.as_str())
        .collect()
}

async fn readers(s: &Paging) {
    subscriber(s, "carol@example.com", "CONFIRMED").await;
    subscriber(s, "dave@example.com", "CONFIRMED").await;
    subscriber(s, "pete@example.com", "PENDING").await;
    subscriber(s, "uma@example.com", "UNSUBSCRIBED").await;
}

#[tokio::test]
async fn a_high_incident_mails_each_confirmed_subscriber_once_after_the_debounce() {
    let s = alice_then_bob(30).await;
    component(&s, &s.service, "Checkout API", "Core").await;
    let other = quiet_service(&s, "Search backend").await;
    component(&s, &other, "Search", "").await;
    readers(&s).await;
    s.app
        .enqueue(&s.key, "trigger", "db-down", "critical")
        .await;
    s.app.settle().await;
    assert_eq!(status_jobs(&s, "derived", Some("PENDING")).await, 1);
    assert_eq!(
        status_jobs(&s, "changed", None).await,
        0,
        "not before the debounce"
    );

    s.app.advance(Duration::minutes(3)).await;
    assert_eq!(
        status_jobs(&s, "changed", None).await,
        2,
        "one per confirmed subscriber"
    );
    let mut got = Vec::new();
    mails_to(&s, &mut got, "carol@example.com", 1).await;
    mails_to(&s, &mut got, "dave@example.com", 1).await;
    let mail = to(&got, "carol@example.com")[0];
    assert!(
        mail.contains("Subject: [Status] Checkout API: Major outage"),
        "{mail}"
    );
    assert!(mail.contains("- Checkout API: Major outage"), "{mail}");
    assert!(!mail.contains("Search"), "only what changed: {mail}");
    assert!(mail.contains(&format!("{}/status", s.app.base)), "{mail}");
    assert!(
        mail.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
            && mail.contains("List-Unsubscribe: <"),
        "{mail}"
    );

    // An acknowledgement leaves the public status as it was: a check, no email.
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM incidents")
        .fetch_one(&s.app.pool)
        .await
        .unwrap();
    let (st, _) = s
        .app
        .call("/api/incidents/acknowledge", json!({"ids": [id]}), &s.admin)
        .await;
    assert_eq!(st, 200);
    s.app.advance(Duration::minutes(3)).await;
    assert_eq!(status_jobs(&s, "derived", Some("COMPLETED")).await, 2);
    assert_eq!(status_jobs(&s, "changed", None).await, 2, "nothing new");

    // The resolve: one more each, back to operational.
    s.app
        .enqueue(&s.key, "resolve", "db-down", "critical")
        .await;
    s.app.advance(Duration::minutes(3)).await;
    mails_to(&s, &mut got, "carol@example.com", 2).await;
    mails_to(&s, &mut got, "dave@example.com", 2).await;
    s.app.settle().await;
    got.extend(s.sink.take_new());
    for who in ["carol@example.com", "dave@example.com"] {
        let mails = to(&got, who);
        assert_eq!(mails.len(), 2, "{who}: {mails:?}");
        assert!(
            mails[1].contains("- Checkout API: Operational"),
            "{}",
            mails[1]
        );
    }
    for nobody in ["pete@example.com", "uma@example.com"] {
        assert!(to(&got, nobody).is_empty(), "{nobody} got mail");
    }
}

#[tokio::test]
async fn an_incident_opened_and_resolved_within_the_debounce_mails_nobody() {
    let s = alice_then_bob(30).await;
    component(&s, &s.service, "Checkout API", "").await;
    readers(&s).await;
    s.app.enqueue(&s.key, "trigger", "blip", "critical").await;
    s.app.advance(Duration::minutes(1)).await;
    s.app.enqueue(&s.key, "resolve", "blip", "critical").await;
    s.app.advance(Duration::minutes(3)).await;
    assert_eq!(
        status_jobs(&s, "derived", Some("COMPLETED")).await,
        1,
        "one check ran"
    );
    assert_eq!(status_jobs(&s, "changed", None).await, 0);
    let got = s.sink.take_new();
    assert!(
        got.iter()
            .all(|(t, _)| !t.contains("carol") && !t.contains("dave")),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_change_while_the_check_runs_gets_a_check_of_its_own() {
    let s = alice_then_bob(30).await;
    component(&s, &s.service, "Checkout API", "").await;
    readers(&s).await;
    s.app
        .enqueue(&s.key, "trigger", "db-down", "critical")
        .await;
    s.app.settle().await;
    // A worker has claimed the check and read the components (major outage), and is about to
    // record that; the resolve commits in between.
    sqlx::query(
        "UPDATE jobs SET status = 'PROCESSING', claim = gen_random_uuid(),
                locked_until = $1 + interval '1 hour'
         WHERE task_key = 'status-derived'",
    )
    .bind(s.app.clock_now())
    .execute(&s.app.pool)
    .await
    .unwrap();
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM incidents")
        .fetch_one(&s.app.pool)
        .await
        .unwrap();
    let (st, _) = s
        .app
        .call("/api/incidents/resolve", json!({"ids": [id]}), &s.admin)
        .await;
    assert_eq!(st, 200);
    for done in [
        "UPDATE status_components SET notified_status = 'major_outage'",
        "UPDATE jobs SET status = 'COMPLETED', locked_until = NULL WHERE task_key = 'status-derived'",
    ] {
        sqlx::query(done).execute(&s.app.pool).await.unwrap();
    }
    assert_eq!(
        status_jobs(&s, "derived", Some("PENDING")).await,
        1,
        "the resolve's own check"
    );
    s.app.advance(Duration::minutes(3)).await;
    assert_eq!(
        status_jobs(&s, "changed", None).await,
        2,
        "operational again: one email per confirmed subscriber"
    );
    let mut got = Vec::new();
    mails_to(&s, &mut got, "carol@example.com", 1).await;
    let mail = to(&got, "carol@example.com")[0];
    assert!(mail.contains("- Checkout API: Operational"), "{mail}");
}

#[tokio::test]
async fn a_component_under_a_manual_override_does_not_mail_on_derived_changes() {
    let s = alice_then_bob(30).await;
    let (st, _) = s
        .app
        .call(
            "/api/status/components/save",
            json!({"component": {"service_id": s.service, "display_name": "Checkout API",
                   "group_name": "", "position": 0, "override_status": "degraded_performance"}}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200);
    readers(&s).await;
    s.app
        .enqueue(&s.key, "trigger", "db-down", "critical")
        .await;
    s.app.advance(Duration::minutes(3)).await;
    assert_eq!(status_jobs(&s, "derived", Some("COMPLETED")).await, 1);
    assert_eq!(status_jobs(&s, "changed", None).await, 0);
}
