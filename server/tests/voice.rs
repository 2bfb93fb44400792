//! Voice paging through a fake Twilio at the HTTP boundary: the call is placed with machine
//! detection, the fake fetches our TwiML as Twilio does, and key presses act as the person
//! called (4 acknowledges, 6 resolves, 5 escalates now, * repeats). A machine gets a
//! voicemail, recorded once; a call nobody answers is recorded as not answered.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use common::twilio::{Call, FakeTwilio, TOKEN};
use common::{Cred, TestApp, spawn_app_with_twilio};
use serde_json::json;

const ALICE: &str = "+14155550123";
const BOB: &str = "+14155550177";

struct Setup {
    app: TestApp,
    fake: FakeTwilio,
    admin: Cred,
    service: String,
    alice: String,
}

/// Step 1 calls Alice; step 2, 10 minutes later, texts Bob.
async fn setup() -> Setup {
    let fake = FakeTwilio::start().await;
    let app = spawn_app_with_twilio(fake.config()).await;
    let admin = app.admin_session().await;
    let alice = app.add_user("alice@example.com", Role::Responder).await;
    let bob = app.add_user("bob@example.com", Role::Responder).await;
    fake.verified(&app, &app.session_for(alice.id).await, "VOICE", ALICE)
        .await;
    fake.verified(&app, &app.session_for(bob.id).await, "SMS", BOB)
        .await;
    fake.clear();
    let service = app
        .service_with_policy(
            &admin,
            "Checkout API",
            json!([
                {"delay_minutes": 10, "channels": ["VOICE"], "targets": [{"kind": "USER", "id": alice.id}]},
                {"delay_minutes": 10, "channels": ["SMS"], "targets": [{"kind": "USER", "id": bob.id}]}
            ]),
        )
        .await;
    Setup {
        service,
        app,
        fake,
        admin,
        alice: alice.id.to_string(),
    }
}

impl Setup {
    async fn incident(&self, title: &str) -> String {
        self.app
            .create_incident(&self.admin, &self.service, title)
            .await
    }

    async fn status(&self, incident: &str) -> String {
        sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1::uuid")
            .bind(incident)
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }

    /// The one call placed for `incident`.
    fn call_for(&self, incident: &str) -> Call {
        let calls: Vec<Call> = self
            .fake
            .calls()
            .into_iter()
            .filter(|c| c.url.contains(incident))
            .collect();
        assert_eq!(calls.len(), 1, "{calls:?}");
        calls[0].clone()
    }

    /// The call's outbox row: provider status, delivered, last error.
    async fn row(&self, call: &Call) -> (Option<String>, bool, Option<String>) {
        sqlx::query_as(
            "SELECT provider_status, delivered_at IS NOT NULL, last_error
             FROM notifications WHERE provider_id = $1",
        )
        .bind(&call.sid)
        .fetch_one(&self.app.pool)
        .await
        .unwrap()
    }

    async fn outcomes(&self, incident: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT details ->> 'outcome' FROM incident_timeline
             WHERE incident_id = $1::uuid AND kind = 'NOTIFIED' ORDER BY id",
        )
        .bind(incident)
        .fetch_all(&self.app.pool)
        .await
        .unwrap()
    }
}

#[tokio::test]
async fn a_call_speaks_the_page_and_key_4_acknowledges_as_the_person_called() {
    let s = setup().await;
    let _engine = s.app.start_engine_with(None, Some(s.fake.config()));
    let incident = s.incident("Disk full on db-1").await;
    s.app.settle().await;
    let call = s.call_for(&incident);
    assert_eq!(call.to, ALICE);
    assert_eq!(call.machine_detection, "Enable");
    assert_eq!(
        call.url,
        s.app.url(&format!(
            "/api/twilio/voice?incident={incident}&user={}",
            s.alice
        ))
    );
    assert_eq!(call.callback, s.app.url("/api/twilio/status"));
    assert!(s.fake.sent().is_empty(), "a voice step sent an SMS");

    // Unsigned, or signed with another token, the TwiML fetch is refused and nothing changes.
    let unsigned = s
        .app
        .http
        .post(&call.url)
        .form(&[("CallSid", call.sid.as_str()), ("Digits", "4")])
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 403);
    let wrong = s
        .fake
        .post_signed(
            &call.url,
            &[("CallSid", call.sid.as_str()), ("Digits", "4")],
            "wrong",
        )
        .await;
    assert_eq!(wrong.status(), 403);
    assert_eq!(s.status(&incident).await, "OPEN");

    let (code, twiml) = s.fake.answer(&call, "human").await;
    assert_eq!(code, 200, "{twiml}");
    assert!(
        twiml.contains("Incident 1, on Checkout API: Disk full on db-1."),
        "{twiml}"
    );
    assert_eq!(twiml.matches("<Gather").count(), 1, "{twiml}");
    assert!(twiml.contains("Press 4 to acknowledge"), "{twiml}");

    let (_, again) = s.fake.press(&call, &twiml, "9").await;
    assert!(again.contains("did not understand"), "{again}");
    let (_, repeat) = s.fake.press(&call, &again, "*").await;
    assert!(repeat.contains("Disk full on db-1"), "{repeat}");
    assert_eq!(s.status(&incident).await, "OPEN");

    let (code, done) = s.fake.press(&call, &repeat, "4").await;
    assert_eq!(code, 200, "{done}");
    assert!(done.contains("Acknowledged incident 1"), "{done}");
    assert!(!done.contains("<Gather"), "{done}");
    assert_eq!(s.status(&incident).await, "ACKNOWLEDGED");
    let (actor, via): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT u.email, t.details ->> 'via' FROM incident_timeline t
         JOIN users u ON u.id = t.actor_user_id WHERE t.kind = 'ACKNOWLEDGED'",
    )
    .fetch_one(&s.app.pool)
    .await
    .unwrap();
    assert_eq!(actor.as_deref(), Some("alice@example.com"));
    assert_eq!(via.as_deref(), Some("phone call"));

    assert_eq!(
        s.fake.call_status(&call, "completed", Some("human")).await,
        204
    );
    assert_eq!(s.row(&call).await, (Some("answered".into()), true, None));
    assert_eq!(s.outcomes(&incident).await, ["sent", "answered"]);
}

#[tokio::test]
async fn key_6_resolves_and_key_5_escalates_to_the_next_step_now() {
    let s = setup().await;
    let _engine = s.app.start_engine_with(None, Some(s.fake.config()));
    let first = s.incident("Checkout latency").await;
    s.app.settle().await;
    let call = s.call_for(&first);
    let (_, twiml) = s.fake.answer(&call, "human").await;
    let (_, done) = s.fake.press(&call, &twiml, "6").await;
    assert!(done.contains("Resolved incident 1"), "{done}");
    assert_eq!(s.status(&first).await, "RESOLVED");

    // One call per number per 2 minutes: the next page waits for that.
    s.app.advance(chrono::Duration::minutes(2)).await;
    let second = s.incident("Checkout errors").await;
    s.app.settle().await;
    let call = s.call_for(&second);
    let (_, twiml) = s.fake.answer(&call, "human").await;
    let (_, done) = s.fake.press(&call, &twiml, "5").await;
    assert!(
        done.contains("Escalating incident 2 to the next step now"),
        "{done}"
    );
    // Step 2 runs without the clock moving: Bob gets his SMS.
    s.app.settle().await;
    let texts: Vec<_> = s.fake.sent().into_iter().filter(|m| m.to == BOB).collect();
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].body.contains("#2"), "{}", texts[0].body);
    assert_eq!(s.status(&second).await, "OPEN");
    // The last step has nothing after it.
    let (_, done) = s.fake.press(&call, &twiml, "5").await;
    assert!(done.contains("no further step"), "{done}");
}

#[tokio::test]
async fn a_machine_gets_a_voicemail_once_and_an_unanswered_call_is_recorded() {
    let s = setup().await;
    let _engine = s.app.start_engine_with(None, Some(s.fake.config()));
    let incident = s.incident("Queue backlog").await;
    s.app.settle().await;
    let call = s.call_for(&incident);
    let (code, twiml) = s.fake.answer(&call, "machine_end_beep").await;
    assert_eq!(code, 200, "{twiml}");
    assert!(!twiml.contains("<Gather"), "{twiml}");
    assert!(twiml.contains("Queue backlog"), "{twiml}");
    assert_eq!(s.row(&call).await, (Some("voicemail".into()), true, None));
    assert_eq!(
        s.fake
            .call_status(&call, "completed", Some("machine_end_beep"))
            .await,
        204
    );
    assert_eq!(
        s.fake.call_status(&call, "completed", None).await,
        204,
        "a completed receipt without AnsweredBy"
    );
    assert_eq!(s.outcomes(&incident).await, ["sent", "voicemail"]);
    assert_eq!(s.status(&incident).await, "OPEN");

    s.app.advance(chrono::Duration::minutes(2)).await;
    let other = s.incident("Cache misses").await;
    s.app.settle().await;
    let call = s.call_for(&other);
    assert_eq!(s.fake.call_status(&call, "no-answer", None).await, 204);
    assert_eq!(
        s.row(&call).await,
        (Some("no-answer".into()), false, Some("no-answer".into()))
    );
    assert_eq!(s.outcomes(&other).await, ["sent", "not answered"]);
    let _ = TOKEN;
}

#[tokio::test]
async fn a_busy_line_is_called_again_after_a_backoff_at_most_three_times() {
    let s = setup().await;
    let _engine = s.app.start_engine_with(None, Some(s.fake.config()));
    let incident = s.incident("Busy line").await;
    s.app.settle().await;
    let calls = |s: &Setup| -> Vec<Call> {
        s.fake
            .calls()
            .into_iter()
            .filter(|c| c.url.contains(&incident))
            .collect()
    };
    let first = calls(&s).pop().unwrap();
    assert_eq!(s.fake.call_status(&first, "busy", None).await, 204);
    assert_eq!(
        s.outcomes(&incident).await,
        ["sent", "not answered", "retrying"]
    );
    let said: String = sqlx::query_scalar(
        "SELECT details ->> 'error' FROM incident_timeline WHERE details ->> 'outcome' = 'retrying'",
    )
    .fetch_one(&s.app.pool)
    .await
    .unwrap();
    assert_eq!(said, "the line was busy; calling again in 2 min");
    s.app.advance(chrono::Duration::seconds(119)).await;
    assert_eq!(calls(&s).len(), 1, "not before the backoff");
    s.app.advance(chrono::Duration::seconds(1)).await;
    assert_eq!(calls(&s).len(), 2);
    let second = calls(&s).pop().unwrap();
    assert_eq!(s.fake.call_status(&second, "busy", None).await, 204);
    s.app.advance(chrono::Duration::minutes(4)).await;
    assert_eq!(calls(&s).len(), 3);
    let third = calls(&s).pop().unwrap();
    assert_eq!(s.fake.call_status(&third, "busy", None).await, 204);
    s.app.advance(chrono::Duration::minutes(3)).await;
    assert_eq!(calls(&s).len(), 3, "three calls at most");

    // No answer is not retried: the next rule and step take over.
    let other = s.incident("Nobody home").await;
    s.app.settle().await;
    let call = s.call_for(&other);
    assert_eq!(s.fake.call_status(&call, "no-answer", None).await, 204);
    s.app.advance(chrono::Duration::minutes(3)).await;
    assert_eq!(
        s.fake
            .calls()
            .iter()
            .filter(|c| c.url.contains(&other))
            .count(),
        1
    );
}

#[tokio::test]
async fn rules_sms_at_once_and_a_call_after_five_minutes_stop_at_an_sms_ack() {
    let fake = FakeTwilio::start().await;
    let app = spawn_app_with_twilio(fake.config()).await;
    let admin = app.admin_session().await;
    let alice = app.add_user("alice@example.com", Role::Responder).await;
    let cred = app.session_for(alice.id).await;
    fake.verified(&app, &cred, "SMS", ALICE).await;
    // The same number as VOICE is verified with it.
    let (s, voice) = app
        .call(
            "/api/profile/contact-methods/add",
            json!({"kind": "VOICE", "address": ALICE, "label": "Cell"}),
            &cred,
        )
        .await;
    assert_eq!(
        (s, voice["verified"].as_bool()),
        (200, Some(true)),
        "{voice}"
    );
    let (_, methods) = app
        .call("/api/profile/contact-methods", json!({}), &cred)
        .await;
    let id = |kind: &str| {
        methods
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["kind"] == kind)
            .unwrap()["id"]
            .clone()
    };
    for (kind, delay) in [("SMS", 0), ("VOICE", 5)] {
        let (s, r) = app
            .call(
                "/api/profile/notification-rules/add",
                json!({"contact_method_id": id(kind), "delay_minutes": delay}),
                &cred,
            )
            .await;
        assert_eq!(s, 200, "{r}");
    }
    fake.clear();
    let service = app
        .service_with_policy(
            &admin,
            "Checkout API",
            json!([{"delay_minutes": 30, "targets": [{"kind": "USER", "id": alice.id}]}]),
        )
        .await;
    let _engine = app.start_engine_with(None, Some(fake.config()));
    let (s, incident) = app
        .call(
            "/api/incidents/create",
            json!({"service_id": service, "title": "Checkout down", "description": "", "urgency": "HIGH"}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{incident}");
    let incident = incident.as_str().unwrap().to_owned();
    app.settle().await;
    let sent = fake.sent();
    assert_eq!(sent.len(), 1, "the SMS at once: {sent:?}");
    assert!(fake.calls().is_empty(), "no call yet");
    assert_eq!(fake.receipt(&sent[0], "delivered", None).await, 204);
    app.advance(chrono::Duration::minutes(2)).await;
    let (_, twiml) = fake.inbound(&app.url("/api/twilio/sms"), ALICE, "1a").await;
    assert!(twiml.contains("Acknowledged #1"), "{twiml}");
    // The call due at 5 minutes is never placed.
    app.advance(chrono::Duration::minutes(10)).await;
    assert!(fake.calls().is_empty(), "{:?}", fake.calls());
    let entries: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT kind, coalesce(details ->> 'outcome', details ->> 'via') FROM incident_timeline
         WHERE incident_id = $1::uuid AND kind IN ('NOTIFIED', 'ACKNOWLEDGED') ORDER BY id",
    )
    .bind(&incident)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let entries: Vec<(&str, Option<&str>)> = entries
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_deref()))
        .collect();
    assert_eq!(
        entries,
        [
            ("NOTIFIED", Some("sent")),
            ("NOTIFIED", Some("delivered")),
            ("ACKNOWLEDGED", Some("SMS reply")),
        ]
    );
}

#[tokio::test]
async fn key_5_on_a_bundled_call_escalates_every_incident_in_it() {
    let s = setup().await;
    let _engine = s.app.start_engine_with(None, Some(s.fake.config()));
    s.incident("Shard 1 down").await;
    s.app.settle().await;
    s.incident("Shard 2 down").await;
    s.incident("Shard 3 down").await;
    // Both wait for the call limit, then go out as one call.
    s.app.settle().await;
    assert_eq!(s.fake.calls().len(), 1);
    s.app.advance(chrono::Duration::minutes(2)).await;
    let calls = s.fake.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    let bundle = &calls[1];
    let (_, twiml) = s.fake.answer(bundle, "human").await;
    assert!(twiml.contains("with 2 pages"), "{twiml}");
    let (_, done) = s.fake.press(bundle, &twiml, "5").await;
    assert!(
        done.contains("Escalated 2 incidents: incident 2, incident 3"),
        "{done}"
    );
    s.app.settle().await;
    let to_bob: Vec<_> = s.fake.sent().into_iter().filter(|m| m.to == BOB).collect();
    assert!(!to_bob.is_empty(), "step 2 paged Bob");
    // Both pages came due to Bob's number at once: one goes out now, the other after the
    // SMS limit (30 s), in either order.
    s.app.advance(chrono::Duration::seconds(31)).await;
    let to_bob: Vec<String> = s
        .fake
        .sent()
        .into_iter()
        .filter(|m| m.to == BOB)
        .map(|m| m.body)
        .collect();
    let all = to_bob.join("\n");
    assert!(all.contains("#2") && all.contains("#3"), "{to_bob:?}");
}
