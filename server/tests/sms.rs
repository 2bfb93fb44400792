//! SMS paging through a fake Twilio at the HTTP boundary: the page SMS with its reply code,
//! the provider's sid and delivery receipt on the outbox row and the timeline, a reply that
//! acknowledges, signatures refused when wrong, and Twilio's errors as temporary or final.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use common::twilio::{FakeTwilio, TOKEN};
use common::{Cred, TestApp, spawn_app_with_twilio};
use serde_json::json;

const ALICE: &str = "+14155550123";

struct Setup {
    app: TestApp,
    fake: FakeTwilio,
    admin: Cred,
    service: String,
}

/// Alice has an SMS number; the service's policy pages her by SMS at once.
async fn setup() -> Setup {
    let fake = FakeTwilio::start().await;
    let app = spawn_app_with_twilio(fake.config()).await;
    let admin = app.admin_session().await;
    let alice = app.add_user("alice@example.com", Role::Responder).await;
    let cred = app.session_for(alice.id).await;
    fake.verified(&app, &cred, "SMS", ALICE).await;
    fake.clear();
    let service = app
        .service_with_policy(
            &admin,
            "Checkout API",
            json!([{"delay_minutes": 5, "channels": ["SMS"], "targets": [{"kind": "USER", "id": alice.id}]}]),
        )
        .await;
    Setup {
        service,
        app,
        fake,
        admin,
    }
}

impl Setup {
    async fn incident(&self, title: &str) -> String {
        self.app
            .create_incident(&self.admin, &self.service, title)
            .await
    }

    async fn row(&self) -> (String, Option<String>, Option<String>, bool, Option<String>) {
        sqlx::query_as(
            "SELECT status, provider_id, provider_status, delivered_at IS NOT NULL, last_error
             FROM notifications WHERE channel = 'SMS'",
        )
        .fetch_one(&self.app.pool)
        .await
        .unwrap()
    }

    async fn status(&self, incident: &str) -> String {
        sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1::uuid")
            .bind(incident)
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_page_sms_is_delivered_and_a_reply_acknowledges_it() {
    let s = setup().await;
    let _engine = s.app.start_engine_with(None, Some(s.fake.config()));
    let incident = s.incident("Disk full on db-1").await;
    s.app.settle().await;
    let sent = s.fake.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let sms = &sent[0];
    assert_eq!(sms.to, ALICE);
    assert!(
        sms.body
            .starts_with("OpsKnight #1 HIGH Checkout API: Disk full on db-1"),
        "{}",
        sms.body
    );
    assert!(
        sms.body.contains(&format!("/m/incidents/{incident}")),
        "{}",
        sms.body
    );
    assert!(
        sms.body.ends_with("Reply 1a to ack, 1c to resolve"),
        "{}",
        sms.body
    );
    assert_eq!(sms.callback, s.app.url("/api/twilio/status"));
    let (status, sid, _, _, _) = s.row().await;
    assert_eq!(
        (status.as_str(), sid.as_deref()),
        ("SENT", Some(sms.sid.as_str()))
    );

    // A receipt signed with the wrong token, or tampered with, changes nothing.
    let bad = s
        .fake
        .post_signed(
            &sms.callback,
            &[("MessageSid", &sms.sid), ("MessageStatus", "delivered")],
            "wrong",
        )
        .await;
    assert_eq!(bad.status(), 403);
    let unsigned = s
        .app
        .http
        .post(&sms.callback)
        .form(&[
            ("MessageSid", sms.sid.as_str()),
            ("MessageStatus", "delivered"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 403);
    assert_eq!(s.row().await.2, None, "a refused receipt changed the row");

    assert_eq!(s.fake.receipt(sms, "sent", None).await, 204);
    assert_eq!(s.fake.receipt(sms, "delivered", None).await, 204);
    let (_, _, provider_status, delivered, _) = s.row().await;
    assert_eq!(
        (provider_status.as_deref(), delivered),
        (Some("delivered"), true)
    );
    let delivered_entries: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM incident_timeline WHERE kind = 'NOTIFIED' AND details ->> 'outcome' = 'delivered'",
    )
    .fetch_one(&s.app.pool)
    .await
    .unwrap();
    assert_eq!(delivered_entries, 1);

    // An unsigned reply does nothing; a signed "1a" acknowledges as Alice.
    let inbound = s.app.url("/api/twilio/sms");
    let unsigned = s
        .app
        .http
        .post(&inbound)
        .form(&[("From", ALICE), ("Body", "1a")])
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 403);
    assert_eq!(s.status(&incident).await, "OPEN");
    let (code, twiml) = s.fake.inbound(&inbound, ALICE, " 1A ").await;
    assert_eq!(code, 200, "{twiml}");
    assert!(
        twiml.contains("<Message>Acknowledged #1</Message>"),
        "{twiml}"
    );
    assert_eq!(s.status(&incident).await, "ACKNOWLEDGED");
    let (actor, via): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT u.email, t.details ->> 'via' FROM incident_timeline t
         JOIN users u ON u.id = t.actor_user_id WHERE t.kind = 'ACKNOWLEDGED'",
    )
    .fetch_one(&s.app.pool)
    .await
    .unwrap();
    assert_eq!(actor.as_deref(), Some("alice@example.com"));
    assert_eq!(
        via.as_deref(),
        Some("SMS reply"),
        "the timeline says it came by SMS"
    );
    // Another number's code 1 is not Alice's.
    let (_, twiml) = s.fake.inbound(&inbound, "+14155550999", "1c").await;
    assert!(twiml.contains("Unknown code 1"), "{twiml}");
    assert_eq!(s.status(&incident).await, "ACKNOWLEDGED");
    let (_, twiml) = s.fake.inbound(&inbound, ALICE, "c").await;
    assert!(twiml.contains("Resolved #1"), "{twiml}");
    assert_eq!(s.status(&incident).await, "RESOLVED");
    let _ = TOKEN;
}

#[tokio::test]
async fn twilio_errors_are_retried_when_temporary_and_final_otherwise() {
    let s = setup().await;
    s.fake.script(&[(503, 20500)]);
    let _engine = s.app.start_engine_with(None, Some(s.fake.config()));
    s.incident("Retry me").await;
    s.app.settle().await;
    let (status, _, _, _, error) = s.row().await;
    assert_eq!(status, "PENDING", "{error:?}");
    assert!(error.unwrap_or_default().contains("503"));
    assert!(s.fake.sent().is_empty());
    // The retry after its backoff goes through.
    s.app.advance(chrono::Duration::minutes(5)).await;
    assert_eq!(s.fake.sent().len(), 1);
    assert_eq!(s.row().await.0, "SENT");

    let s = setup().await;
    s.fake.script(&[(400, 21211)]);
    let _engine = s.app.start_engine_with(None, Some(s.fake.config()));
    s.incident("Bad number").await;
    s.app.settle().await;
    let (status, _, _, _, error) = s.row().await;
    assert_eq!(status, "FAILED");
    assert!(error.unwrap_or_default().contains("error 21211"));
}

#[tokio::test]
async fn without_twilio_settings_the_webhooks_answer_404() {
    let app = common::spawn_app().await;
    let res = app
        .http
        .post(app.url("/api/twilio/sms"))
        .form(&[("From", ALICE), ("Body", "1a")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn stop_turns_sms_pages_off_start_turns_them_on_and_noise_is_answered_five_times() {
    let s = setup().await;
    let _engine = s.app.start_engine_with(None, Some(s.fake.config()));
    let inbound = s.app.url("/api/twilio/sms");
    let alice: String =
        sqlx::query_scalar("SELECT id::text FROM users WHERE email = 'alice@example.com'")
            .fetch_one(&s.app.pool)
            .await
            .unwrap();
    let cred = s.app.session_for(alice.parse().unwrap()).await;
    let stopped = || async {
        let (st, list) = s
            .app
            .call("/api/profile/contact-methods", json!({}), &cred)
            .await;
        assert_eq!(st, 200, "{list}");
        list.as_array()
            .unwrap()
            .iter()
            .find(|m| m["address"] == ALICE)
            .map(|m| !m["stopped_at"].is_null())
            .unwrap()
    };

    // An unsigned STOP changes nothing.
    let unsigned = s
        .app
        .http
        .post(&inbound)
        .form(&[("From", ALICE), ("Body", "STOP")])
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 403);
    assert!(!stopped().await);

    let (code, twiml) = s.fake.inbound(&inbound, ALICE, "Stop").await;
    assert_eq!(code, 200, "{twiml}");
    assert!(
        !twiml.contains("<Message>"),
        "Twilio confirms STOP itself: {twiml}"
    );
    assert!(stopped().await, "the profile shows the number stopped");
    s.incident("While stopped").await;
    s.app.settle().await;
    assert!(s.fake.sent().is_empty(), "a stopped number was texted");

    s.fake.inbound(&inbound, ALICE, "START").await;
    assert!(!stopped().await);
    s.incident("After START").await;
    s.app.settle().await;
    assert_eq!(s.fake.sent().len(), 1);

    // An auto-responder gets five answers in a row, then silence; a page resets that.
    let mut answered = 0;
    for _ in 0..8 {
        let (_, twiml) = s.fake.inbound(&inbound, ALICE, "I am out of office").await;
        answered += usize::from(twiml.contains("<Message>"));
    }
    assert_eq!(answered, 5);
    s.app.advance(chrono::Duration::seconds(30)).await;
    s.incident("Another").await;
    s.app.settle().await;
    let (_, twiml) = s.fake.inbound(&inbound, ALICE, "hello?").await;
    assert!(twiml.contains("<Message>"), "{twiml}");
}
