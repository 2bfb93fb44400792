//! Merge and "escalate now" on the manual clock, with a real SMTP server: a merge moves the
//! alerts and notes, resolves the merged incidents with a link and stops their pages; escalate
//! now pages the next step at once (an acknowledged incident too, reopened); refusals change
//! nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use chrono::Duration;
use common::paging::alice_then_bob;
use serde_json::json;

#[tokio::test]
async fn merge_moves_alerts_and_notes_resolves_the_rest_and_stops_their_pages() {
    let p = alice_then_bob(10).await;
    let (app, sink, admin, key) = (&p.app, &p.sink, &p.admin, &p.key);
    for k in ["a", "b", "c"] {
        app.enqueue(key, "trigger", k, "critical").await;
    }
    app.enqueue(key, "trigger", "b", "critical").await;
    app.settle().await;
    assert_eq!(sink.take_new().len(), 3, "step 1 of each pages alice");
    let id = |k: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (uuid::Uuid, i64)>(
                "SELECT id, number FROM incidents WHERE dedup_key = $1",
            )
            .bind(k)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let (a, _) = id("a").await;
    let (b, b_number) = id("b").await;
    let (c, _) = id("c").await;
    let (s, n) = app
        .call(
            "/api/incidents/note",
            json!({"id": b, "note": "looks like the DB"}),
            admin,
        )
        .await;
    assert_eq!(s, 200, "{n}");

    // Refusals first: into itself, an unknown number, a USER outside; nothing changes.
    let before = (
        app.count("alerts").await,
        app.count("incident_timeline").await,
    );
    let (s, e) = app
        .call(
            "/api/incidents/merge",
            json!({"target_id": a, "source_ids": [a]}),
            admin,
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("source_ids")), "{e}");
    let (s, e) = app
        .call(
            "/api/incidents/merge",
            json!({"target_id": a, "source_numbers": [999]}),
            admin,
        )
        .await;
    assert_eq!(
        (s, e["field"].as_str()),
        (400, Some("source_numbers[0]")),
        "{e}"
    );
    let user = app.add_user("u@example.com", Role::User).await;
    let user = app.session_for(user.id).await;
    let (s, _) = app
        .call(
            "/api/incidents/merge",
            json!({"target_id": a, "source_ids": [b]}),
            &user,
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(
        (
            app.count("alerts").await,
            app.count("incident_timeline").await
        ),
        before
    );

    // b (by number) and c into a.
    let (s, m) = app
        .call(
            "/api/incidents/merge",
            json!({"target_id": a, "source_ids": [c], "source_numbers": [b_number]}),
            admin,
        )
        .await;
    assert_eq!((s, m.clone()), (200, json!(2)), "{m}");
    let rows: Vec<(uuid::Uuid, String, i32, Option<uuid::Uuid>)> = sqlx::query_as(
        "SELECT id, status, alert_count, merged_into FROM incidents ORDER BY number",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        rows[0],
        (a, "OPEN".into(), 4, None),
        "a has its alert, b's two and c's"
    );
    assert_eq!((rows[1].1.as_str(), rows[1].3), ("RESOLVED", Some(a)));
    assert_eq!((rows[2].1.as_str(), rows[2].3), ("RESOLVED", Some(a)));
    let alerts_on_a: i64 = sqlx::query_scalar("SELECT count(*) FROM alerts WHERE incident_id = $1")
        .bind(a)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(alerts_on_a, 4);
    let note: (uuid::Uuid, i64) = sqlx::query_as(
        "SELECT incident_id, (details->>'merged_from')::bigint FROM incident_timeline WHERE kind = 'NOTE'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(note, (a, b_number), "the note moved, saying where from");
    let merged: i64 =
        sqlx::query_scalar("SELECT count(*) FROM incident_timeline WHERE kind = 'MERGED'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        merged, 3,
        "one entry on the target, one on each merged incident"
    );

    // Step 2 comes for a only: b's and c's waiting steps were cancelled with the merge.
    app.advance(Duration::minutes(10)).await;
    let mail: Vec<String> = sink.take_new().into_iter().map(|(to, _)| to).collect();
    assert_eq!(mail, ["bob@example.com"]);
}

#[tokio::test]
async fn escalate_now_pages_the_next_step_at_once() {
    let p = alice_then_bob(30).await;
    let (app, sink, admin, service) = (&p.app, &p.sink, &p.admin, &p.service);
    let id = app
        .create_incident(admin, service, "checkout is down")
        .await;
    app.settle().await;
    assert_eq!(sink.take_new().len(), 1, "alice");
    let (s, e) = app
        .call("/api/incidents/escalate", json!({"id": id}), admin)
        .await;
    assert_eq!(s, 200, "{e}");
    app.settle().await;
    let mail: Vec<String> = sink.take_new().into_iter().map(|(to, _)| to).collect();
    assert_eq!(
        mail,
        ["bob@example.com"],
        "step 2 pages now, not in 30 minutes"
    );
    // The last step has run: nothing further to escalate to … until the policy repeats (it
    // does not), so a second request is a 409.
    let (s, e) = app
        .call("/api/incidents/escalate", json!({"id": id}), admin)
        .await;
    assert_eq!(s, 409, "{e}");
    let (s, _) = app
        .call("/api/incidents/acknowledge", json!({"ids": [id]}), admin)
        .await;
    assert_eq!(s, 200);
    let (s, e) = app
        .call("/api/incidents/escalate", json!({"id": id}), admin)
        .await;
    assert_eq!(s, 409, "acknowledged at the last step: nowhere to go: {e}");
    let status: String = sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1::uuid")
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        status, "ACKNOWLEDGED",
        "a refused escalation changes nothing"
    );
}

#[tokio::test]
async fn escalating_an_acknowledged_incident_reopens_it_at_the_next_step() {
    let p = alice_then_bob(30).await;
    let (app, sink, admin, service) = (&p.app, &p.sink, &p.admin, &p.service);
    let id = app
        .create_incident(admin, service, "checkout is down")
        .await;
    app.settle().await;
    assert_eq!(p.mail(), ["alice"]);
    let (s, _) = app
        .call("/api/incidents/acknowledge", json!({"ids": [id]}), admin)
        .await;
    assert_eq!(s, 200);
    let (s, e) = app
        .call("/api/incidents/escalate", json!({"id": id}), admin)
        .await;
    assert_eq!(s, 200, "{e}");
    app.settle().await;
    assert_eq!(p.mail(), ["bob"], "step 2 pages at once, as in PagerDuty");
    let status: String = sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1::uuid")
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "OPEN");
    app.advance(Duration::minutes(60)).await;
    assert!(
        sink.take_new().is_empty(),
        "step 2 was the last; nothing pages again"
    );
}
