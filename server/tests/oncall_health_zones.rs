//! The weekly on-call report in each owner's own zone: Alice (New York, EDT from t0, Sunday
//! 2026-03-08) and Bob (Berlin, CEST from 2026-03-29) own one team; each gets the report at
//! Monday 09:00 on their own wall clock, every week, once, across both DST changes and a zone
//! change.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::TestApp;
use crate::oncall_health::{live_report_jobs, ts, world};
use chrono::Duration;
use serde_json::json;

/// Moves the manual clock to `at` (the engine settles the jobs due by then).
async fn advance_to(app: &TestApp, at: &str) {
    app.advance(ts(at) - app.clock_now()).await;
}

#[tokio::test]
async fn each_owner_gets_the_weekly_report_at_nine_on_their_own_monday_across_dst() {
    let w = world().await;
    // Bob (Berlin) becomes an owner too; Alice is in New York, which went to EDT at t0 (Sunday
    // 2026-03-08); Berlin goes to CEST on 2026-03-29.
    let (s, b) = w
        .app
        .call(
            "/api/teams/set-member",
            json!({"team_id": w.team, "user_id": w.bob_id, "role": "OWNER", "is_lead": false}),
            &w.admin,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = w
        .app
        .call(
            "/api/health/weekly-report",
            json!({"team_id": w.team, "enabled": true}),
            &w.alice,
        )
        .await;
    assert_eq!((s, b.clone()), (200, json!(true)), "{b}");
    // One chain, first at Berlin's Monday 09:00 (08:00Z); no week before the opt-in is sent.
    assert_eq!(
        live_report_jobs(&w.app).await,
        vec![("PENDING".to_owned(), ts("2026-03-09T08:00:00Z"))]
    );
    advance_to(&w.app, "2026-03-09T07:59:59Z").await;
    assert!(w.sink.take_new().is_empty());
    // (Berlin 09:00, New York 09:00, the chain's next run, each report's span in its zone)
    // for four Mondays; each report starts where the last one ended, on the local clock.
    let weeks = [
        (
            "2026-03-09T08:00:00Z",
            "2026-03-09T13:00:00Z",
            "2026-03-16T08:00:00Z",
            "2026-03-02 09:00 UTC+1 to 2026-03-09 09:00 UTC+1",
            "2026-03-02 09:00 UTC-5 to 2026-03-09 09:00 UTC-4",
        ),
        (
            "2026-03-16T08:00:00Z",
            "2026-03-16T13:00:00Z",
            "2026-03-23T08:00:00Z",
            "2026-03-09 09:00 UTC+1 to 2026-03-16 09:00 UTC+1",
            "2026-03-09 09:00 UTC-4 to 2026-03-16 09:00 UTC-4",
        ),
        (
            "2026-03-23T08:00:00Z",
            "2026-03-23T13:00:00Z",
            "2026-03-30T07:00:00Z",
            "2026-03-16 09:00 UTC+1 to 2026-03-23 09:00 UTC+1",
            "2026-03-16 09:00 UTC-4 to 2026-03-23 09:00 UTC-4",
        ),
        (
            "2026-03-30T07:00:00Z",
            "2026-03-30T13:00:00Z",
            "2026-04-06T07:00:00Z",
            "2026-03-23 09:00 UTC+1 to 2026-03-30 09:00 UTC+2",
            "2026-03-23 09:00 UTC-4 to 2026-03-30 09:00 UTC-4",
        ),
    ];
    for (berlin, new_york, next, berlin_span, new_york_span) in weeks {
        let monday = &berlin[..10];
        advance_to(&w.app, berlin).await;
        let mail = w.sink.take_new();
        assert_eq!(mail.len(), 1, "{berlin}: {mail:?}");
        assert_eq!(mail[0].0, "bob@example.com");
        assert!(
            mail[0].1.contains(&format!("week to {monday}")),
            "{}",
            mail[0].1
        );
        assert!(
            mail[0]
                .1
                .contains(&format!("{berlin_span} (Europe/Berlin)")),
            "{}",
            mail[0].1
        );
        assert_eq!(
            live_report_jobs(&w.app).await,
            vec![("PENDING".to_owned(), ts(new_york))],
            "{berlin}"
        );
        // An hour before New York's 09:00, nothing more.
        w.app
            .advance(ts(new_york) - w.app.clock_now() - Duration::hours(1))
            .await;
        assert!(w.sink.take_new().is_empty(), "{berlin}");
        advance_to(&w.app, new_york).await;
        let mail = w.sink.take_new();
        assert_eq!(mail.len(), 1, "{new_york}: {mail:?}");
        assert_eq!(mail[0].0, "alice@example.com");
        assert!(
            mail[0].1.contains(&format!("week to {monday}")),
            "{}",
            mail[0].1
        );
        assert!(
            mail[0]
                .1
                .contains(&format!("{new_york_span} (America/New_York)")),
            "{}",
            mail[0].1
        );
        assert_eq!(
            live_report_jobs(&w.app).await,
            vec![("PENDING".to_owned(), ts(next))],
            "{new_york}"
        );
    }
    // Berlin's week of 2026-04-06 is sent at 07:00Z; Bob then moves to New York: at New
    // York's 09:00 only Alice gets it (Bob's week was sent), and from then on Bob is due at
    // New York's time.
    advance_to(&w.app, "2026-04-06T07:00:00Z").await;
    assert_eq!(w.sink.take_new().len(), 1);
    let (s, b) = w
        .app
        .call(
            "/api/profile/update",
            json!({"name": "bob", "time_zone": "America/New_York"}),
            &w.signed_in("bob@example.com").await,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    advance_to(&w.app, "2026-04-06T13:00:00Z").await;
    let mail = w.sink.take_new();
    let to: Vec<&str> = mail.iter().map(|(to, _)| to.as_str()).collect();
    assert_eq!(to, ["alice@example.com"]);
    assert_eq!(
        live_report_jobs(&w.app).await,
        vec![("PENDING".to_owned(), ts("2026-04-13T13:00:00Z"))]
    );
    advance_to(&w.app, "2026-04-13T13:00:00Z").await;
    let mut to: Vec<String> = w.sink.take_new().into_iter().map(|(to, _)| to).collect();
    to.sort();
    assert_eq!(to, ["alice@example.com", "bob@example.com"]);
    let sends: i64 = sqlx::query_scalar("SELECT count(*) FROM oncall_report_sends")
        .fetch_one(&w.app.pool)
        .await
        .unwrap();
    assert_eq!(sends, 12);
}
