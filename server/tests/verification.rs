//! Phone numbers are verified by a texted code before they are paged: wrong, expired and
//! too many codes answer 400 naming `code`; resends are rate limited; one verified number
//! verifies both phone kinds; an unverified number is never paged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use common::spawn_app_with_twilio;
use common::twilio::FakeTwilio;
use serde_json::{Value, json};

const NUMBER: &str = "+14155550123";

#[tokio::test]
async fn codes_verify_once_and_refuse_wrong_expired_and_repeated_tries() {
    let fake = FakeTwilio::start().await;
    let app = spawn_app_with_twilio(fake.config()).await;
    let bob = app.add_user("bob@example.com", Role::Responder).await;
    let cred = app.session_for(bob.id).await;
    let add = |kind: &str| json!({"kind": kind, "address": NUMBER, "label": "Cell"});
    let (s, m) = app
        .call("/api/profile/contact-methods/add", add("SMS"), &cred)
        .await;
    assert_eq!((s, m["verified"].as_bool()), (200, Some(false)), "{m}");
    let first = fake.last_code(NUMBER).expect("a code was texted");
    let verify = |code: &str| json!({"id": m["id"], "code": code});
    let wrong = if first == "000000" {
        "111111"
    } else {
        "000000"
    };

    let (s, e) = app
        .call("/api/profile/contact-methods/verify", verify(wrong), &cred)
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("code")), "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("4 tries left"),
        "{e}"
    );
    let (s, e) = app
        .call("/api/profile/contact-methods/verify", verify("12a"), &cred)
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("code")), "{e}");

    // A resend within a minute is refused; after it, a new code replaces the old one.
    let resend = json!({"id": m["id"]});
    let (s, e) = app
        .call("/api/profile/contact-methods/resend", resend.clone(), &cred)
        .await;
    assert_eq!(s, 429, "{e}");
    app.advance(chrono::Duration::seconds(61)).await;
    let (s, e) = app
        .call("/api/profile/contact-methods/resend", resend.clone(), &cred)
        .await;
    assert_eq!(s, 200, "{e}");
    let second = fake.last_code(NUMBER).unwrap();

    // Expired after 10 minutes.
    app.advance(chrono::Duration::minutes(11)).await;
    let (s, e) = app
        .call(
            "/api/profile/contact-methods/verify",
            verify(&second),
            &cred,
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("code")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("expired"), "{e}");

    // Five wrong codes, then even the right one is refused until a new one is sent.
    let (s, _) = app
        .call("/api/profile/contact-methods/resend", resend.clone(), &cred)
        .await;
    assert_eq!(s, 200);
    let third = fake.last_code(NUMBER).unwrap();
    let wrong = if third == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..5 {
        let (s, _) = app
            .call("/api/profile/contact-methods/verify", verify(wrong), &cred)
            .await;
        assert_eq!(s, 400);
    }
    let (s, e) = app
        .call("/api/profile/contact-methods/verify", verify(&third), &cred)
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("code")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("too many"), "{e}");

    app.advance(chrono::Duration::seconds(61)).await;
    let (s, _) = app
        .call("/api/profile/contact-methods/resend", resend.clone(), &cred)
        .await;
    assert_eq!(s, 200);
    let fourth = fake.last_code(NUMBER).unwrap();
    let (s, e) = app
        .call(
            "/api/profile/contact-methods/verify",
            verify(&fourth),
            &cred,
        )
        .await;
    assert_eq!(s, 200, "{e}");
    // The same number as VOICE is verified already, and no code is sent for it.
    let before = fake.sent().len();
    let (s, v) = app
        .call("/api/profile/contact-methods/add", add("VOICE"), &cred)
        .await;
    assert_eq!((s, v["verified"].as_bool()), (200, Some(true)), "{v}");
    assert_eq!(fake.sent().len(), before);
    let (s, list) = app
        .call("/api/profile/contact-methods", json!({}), &cred)
        .await;
    assert_eq!(s, 200);
    let verified: Vec<bool> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["address"] == NUMBER)
        .map(|m: &Value| m["verified"].as_bool().unwrap())
        .collect();
    assert_eq!(verified, [true, true]);
}

#[tokio::test]
async fn an_unverified_number_is_never_paged_and_a_bad_number_leaves_nothing() {
    let fake = FakeTwilio::start().await;
    let app = spawn_app_with_twilio(fake.config()).await;
    let admin = app.admin_session().await;
    let carol = app.add_user("carol@example.com", Role::Responder).await;
    let cred = app.session_for(carol.id).await;
    // Twilio refuses the number: no method is left behind, and the error names the address.
    fake.script(&[(400, 21211)]);
    let (s, e) = app
        .call(
            "/api/profile/contact-methods/add",
            json!({"kind": "SMS", "address": "+14155550199", "label": "Typo"}),
            &cred,
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("address")), "{e}");
    assert_eq!(app.count("contact_methods WHERE kind = 'SMS'").await, 0);

    let (s, m) = app
        .call(
            "/api/profile/contact-methods/add",
            json!({"kind": "SMS", "address": NUMBER, "label": "Cell"}),
            &cred,
        )
        .await;
    assert_eq!(s, 200, "{m}");
    fake.clear();
    let service = app
        .service_with_policy(
            &admin,
            "Checkout",
            json!([{"delay_minutes": 5, "channels": ["SMS"], "targets": [{"kind": "USER", "id": carol.id}]}]),
        )
        .await;
    let _engine = app.start_engine_with(None, Some(fake.config()));
    let (s, i) = app
        .call(
            "/api/incidents/create",
            json!({"service_id": service, "title": "Disk full", "description": "", "urgency": "HIGH"}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{i}");
    app.settle().await;
    assert!(fake.sent().is_empty(), "{:?}", fake.sent());
    assert_eq!(app.count("notifications").await, 0);
    let nobody: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM incident_timeline WHERE kind = 'ESCALATED' AND details::text LIKE '%no_contact_method%carol%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(nobody, 1, "the timeline says Carol could not be paged");
}

#[tokio::test]
async fn a_verified_number_can_be_sent_a_test_by_its_own_channel() {
    let fake = FakeTwilio::start().await;
    let app = spawn_app_with_twilio(fake.config()).await;
    let bob = app.add_user("bob@example.com", Role::Responder).await;
    let cred = app.session_for(bob.id).await;
    let (s, sms) = app
        .call(
            "/api/profile/contact-methods/add",
            json!({"kind": "SMS", "address": NUMBER, "label": "Cell"}),
            &cred,
        )
        .await;
    assert_eq!(s, 200, "{sms}");
    let test = |m: &Value| json!({"id": m["id"]});
    // Not before it is verified.
    let (s, e) = app
        .call("/api/profile/contact-methods/test", test(&sms), &cred)
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("id")), "{e}");
    let code = fake.last_code(NUMBER).unwrap();
    let (s, _) = app
        .call(
            "/api/profile/contact-methods/verify",
            json!({"id": sms["id"], "code": code}),
            &cred,
        )
        .await;
    assert_eq!(s, 200);
    // Within a minute of the code: wait.
    let (s, e) = app
        .call("/api/profile/contact-methods/test", test(&sms), &cred)
        .await;
    assert_eq!(s, 429, "{e}");
    app.advance(chrono::Duration::seconds(61)).await;
    fake.clear();
    let (s, e) = app
        .call("/api/profile/contact-methods/test", test(&sms), &cred)
        .await;
    assert_eq!(s, 200, "{e}");
    let sent = fake.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, NUMBER);
    assert!(
        sent[0].body.starts_with("OpsKnight test"),
        "{}",
        sent[0].body
    );

    // The same number as VOICE (verified with it) is tested by a call.
    let (s, voice) = app
        .call(
            "/api/profile/contact-methods/add",
            json!({"kind": "VOICE", "address": NUMBER, "label": "Cell"}),
            &cred,
        )
        .await;
    assert_eq!(
        (s, voice["verified"].as_bool()),
        (200, Some(true)),
        "{voice}"
    );
    let (s, e) = app
        .call("/api/profile/contact-methods/test", test(&voice), &cred)
        .await;
    assert_eq!(s, 200, "{e}");
    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    assert!(
        calls[0]
            .twiml
            .as_deref()
            .unwrap()
            .contains("OpsKnight test call"),
        "{calls:?}"
    );
    // Someone else's method is not found.
    let eve = app.add_user("eve@example.com", Role::Responder).await;
    let eve = app.session_for(eve.id).await;
    let (s, _) = app
        .call("/api/profile/contact-methods/test", test(&voice), &eve)
        .await;
    assert_eq!(s, 404);
}
