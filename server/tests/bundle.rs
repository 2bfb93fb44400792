//! Rate limits and bundles per phone number: pages due to one number inside its limit (one
//! SMS per 30 s, one call per 2 min) wait, then go out as one message whose reply code or
//! keys act on every incident in it. No page is lost: each row is sent, receipted and on its
//! incident's timeline.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use common::twilio::FakeTwilio;
use common::{Cred, TestApp, spawn_app_with_twilio};
use serde_json::json;

const ALICE: &str = "+14155550123";

async fn setup(kind: &str) -> (TestApp, FakeTwilio, Cred, String) {
    let fake = FakeTwilio::start().await;
    let app = spawn_app_with_twilio(fake.config()).await;
    let admin = app.admin_session().await;
    let alice = app.add_user("alice@example.com", Role::Responder).await;
    let cred = app.session_for(alice.id).await;
    fake.verified(&app, &cred, kind, ALICE).await;
    fake.clear();
    let service = app
        .service_with_policy(
            &admin,
            "Checkout API",
            json!([{"delay_minutes": 30, "channels": [kind], "targets": [{"kind": "USER", "id": alice.id}]}]),
        )
        .await;
    (app, fake, admin, service)
}

async fn incident(app: &TestApp, admin: &Cred, service: &str, title: &str) -> String {
    app.create_incident(admin, service, title).await
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn fifty_incidents_in_ten_seconds_are_two_sms_and_one_reply_acknowledges_all() {
    let (app, fake, admin, service) = setup("SMS").await;
    let _engine = app.start_engine_with(None, Some(fake.config()));
    for n in 1..=50 {
        incident(
            &app,
            &admin,
            &service,
            &format!("Checkout 5xx on shard {n}"),
        )
        .await;
        app.advance(chrono::Duration::milliseconds(200)).await;
    }
    // Ten seconds in: the first page went at once, the other 49 wait for the limit.
    let sent = fake.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].body.contains("Reply 1a"), "{}", sent[0].body);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM notifications WHERE status = 'PENDING'"
        )
        .await,
        49
    );
    app.advance(chrono::Duration::seconds(21)).await;
    let sent = fake.sent();
    assert_eq!(sent.len(), 2, "{sent:?}");
    let bundle = &sent[1];
    assert!(
        bundle
            .body
            .starts_with("OpsKnight: 49 new HIGH incidents on Checkout API: #2 Checkout 5xx"),
        "{}",
        bundle.body
    );
    assert!(
        bundle
            .body
            .ends_with("Reply 100a to ack all 50, 100c to resolve all"),
        "{}",
        bundle.body
    );
    // Every page was sent, by one of the two messages, and says so on its incident.
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM notifications WHERE status = 'SENT'"
        )
        .await,
        50
    );
    let carried: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notifications WHERE provider_id = $1")
            .bind(&bundle.sid)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(carried, 49);
    assert_eq!(
        count(
            &app,
            "SELECT count(DISTINCT incident_id) FROM incident_timeline
             WHERE kind = 'NOTIFIED' AND details ->> 'outcome' = 'sent'"
        )
        .await,
        50
    );
    // The bundle's receipt reaches all 49 pages.
    assert_eq!(fake.receipt(bundle, "delivered", None).await, 204);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM notifications WHERE delivered_at IS NOT NULL"
        )
        .await,
        49
    );

    let inbound = app.url("/api/twilio/sms");
    let (code, twiml) = fake.inbound(&inbound, ALICE, "100a").await;
    assert_eq!(code, 200, "{twiml}");
    assert!(
        twiml.contains("Acknowledged 50 incidents: #1, #2"),
        "{twiml}"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM incidents WHERE status = 'ACKNOWLEDGED'"
        )
        .await,
        50
    );
    // Nothing more goes out: acknowledged incidents are not paged again.
    app.advance(chrono::Duration::minutes(1)).await;
    assert_eq!(fake.sent().len(), 2);
}

#[tokio::test]
async fn pages_inside_the_call_limit_become_one_call_whose_key_acts_on_all() {
    let (app, fake, admin, service) = setup("VOICE").await;
    let _engine = app.start_engine_with(None, Some(fake.config()));
    let first = incident(&app, &admin, &service, "Disk full on db-1").await;
    app.advance(chrono::Duration::seconds(5)).await;
    incident(&app, &admin, &service, "Disk full on db-2").await;
    incident(&app, &admin, &service, "Disk full on db-3").await;
    app.settle().await;
    assert_eq!(fake.calls().len(), 1, "one call per 2 minutes");
    app.advance(chrono::Duration::minutes(2)).await;
    let calls = fake.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    let call = &calls[1];
    assert!(call.url.contains("&bundle=100"), "{}", call.url);
    let (code, twiml) = fake.answer(call, "human").await;
    assert_eq!(code, 200, "{twiml}");
    assert!(twiml.contains("This is OpsKnight with 2 pages."), "{twiml}");
    assert!(twiml.contains("db-2") && twiml.contains("db-3"), "{twiml}");
    assert!(twiml.contains("Press 4 to acknowledge all"), "{twiml}");
    let (_, done) = fake.press(call, &twiml, "4").await;
    assert!(done.contains("Acknowledged 2 incidents"), "{done}");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM incidents WHERE status = 'ACKNOWLEDGED'"
        )
        .await,
        2
    );
    let first_status: String =
        sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1::uuid")
            .bind(&first)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        first_status, "OPEN",
        "the first call's incident is not in the bundle"
    );
}

#[tokio::test]
async fn a_bundle_interrupted_mid_send_is_never_resent_and_its_rows_wait_for_it() {
    use app::notifications::store::{Begin, begin_send, bundle::Limits};
    let (app, fake, admin, service) = setup("SMS").await;
    // Alice's rule texts her a minute after a step: the step writes the rows, and the test
    // plays the sender, crashing in the middle of a bundle's send.
    let (alice, method): (app::domain::UserId, uuid::Uuid) =
        sqlx::query_as("SELECT user_id, id FROM contact_methods WHERE kind = 'SMS'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let cred = app.session_for(alice).await;
    let (st, r) = app
        .call(
            "/api/profile/notification-rules/add",
            json!({"contact_method_id": method, "delay_minutes": 1}),
            &cred,
        )
        .await;
    assert_eq!(st, 200, "{r}");
    let engine = app.start_engine_with(None, Some(fake.config()));
    for n in 1..=3 {
        incident(&app, &admin, &service, &format!("Shard {n} down")).await;
    }
    app.settle().await;
    engine.stop().await;
    let rows: Vec<i64> = sqlx::query_scalar("SELECT id FROM notifications ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    let now = common::t0() + chrono::Duration::minutes(1);
    let deadline = now + chrono::Duration::seconds(60);
    let limits = Limits::default();

    let mut tx = app.pool.begin().await.unwrap();
    let Begin::Send { bundle, .. } = begin_send(&mut tx, rows[0], deadline, &limits, now)
        .await
        .unwrap()
    else {
        panic!("the first row is sent")
    };
    tx.commit().await.unwrap();
    // The steps ran concurrently, so row ids need not follow incident numbers: compare sets.
    let mut carried: Vec<i64> = bundle.iter().map(|m| m.id).collect();
    carried.sort_unstable();
    assert_eq!(carried, rows[1..]);
    // The carrier "crashed" mid-send. A carried row's own job waits for that send ...
    let mut tx = app.pool.begin().await.unwrap();
    let begin = begin_send(&mut tx, rows[1], deadline, &limits, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        matches!(begin, Begin::Defer(at) if at == deadline),
        "{begin:?}"
    );
    // ... and the carrier's retry marks all three UNKNOWN, never resending any of them.
    let later = deadline + chrono::Duration::seconds(1);
    let mut tx = app.pool.begin().await.unwrap();
    let begin = begin_send(&mut tx, rows[0], later, &limits, later)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(matches!(begin, Begin::Skip), "{begin:?}");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM notifications WHERE status = 'UNKNOWN'"
        )
        .await,
        3
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM incident_timeline WHERE details ->> 'outcome' = 'interrupted'"
        )
        .await,
        3
    );
    let mut tx = app.pool.begin().await.unwrap();
    let begin = begin_send(&mut tx, rows[2], later, &limits, later)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(matches!(begin, Begin::Skip), "{begin:?}");
    assert!(fake.sent().is_empty());
}

#[tokio::test]
async fn a_bare_letter_after_a_bundle_acts_on_the_whole_bundle() {
    let (app, fake, admin, service) = setup("SMS").await;
    let _engine = app.start_engine_with(None, Some(fake.config()));
    for n in 1..=3 {
        incident(&app, &admin, &service, &format!("Queue {n} stuck")).await;
        app.advance(chrono::Duration::seconds(1)).await;
    }
    app.advance(chrono::Duration::seconds(30)).await;
    let sent = fake.sent();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(
        sent[1].body.contains("Reply 100a to ack all 3"),
        "{}",
        sent[1].body
    );
    let (_, twiml) = fake.inbound(&app.url("/api/twilio/sms"), ALICE, "a").await;
    assert!(
        twiml.contains("Acknowledged 3 incidents: #1, #2, #3"),
        "{twiml}"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM incidents WHERE status = 'ACKNOWLEDGED'"
        )
        .await,
        3
    );
}

#[tokio::test]
async fn a_deferred_page_goes_out_when_its_limit_ends_with_nothing_else_happening() {
    let (app, fake, admin, service) = setup("SMS").await;
    let _engine = app.start_engine_with(None, Some(fake.config()));
    incident(&app, &admin, &service, "First").await;
    app.settle().await;
    incident(&app, &admin, &service, "Second").await;
    app.settle().await;
    // The second page waits for the number's limit; no other job is due for 30 minutes.
    assert_eq!(fake.sent().len(), 1);
    // Nothing else happens: the limit's end alone must bring a worker back for it.
    app.advance(chrono::Duration::seconds(31)).await;
    let sent = fake.sent();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[1].body.contains("Second"), "{}", sent[1].body);
}
