//! Phone provider settings saved by an admin: they win over the environment at once (test
//! SMS, verification codes, pages and webhooks), without a restart; secrets never come back;
//! bad fields answer 400 naming the field and save nothing; forgetting them brings the
//! environment back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use common::twilio::{FROM, FakeTwilio, SID, TOKEN};
use common::{Cred, TestApp, spawn_app, spawn_app_with_twilio};
use serde_json::{Value, json};

const ALICE: &str = "+14155550123";

fn twilio(api_url: &str, token: Option<&str>) -> Value {
    json!({"provider": "twilio", "account_sid": SID, "auth_token": token, "from": FROM,
           "api_url": api_url})
}

async fn settings(app: &TestApp, admin: &Cred) -> Value {
    let (s, v) = app.call("/api/settings/phone", json!({}), admin).await;
    assert_eq!(s, 200, "{v}");
    v
}

async fn test_sms(app: &TestApp, admin: &Cred) -> (u16, Value) {
    app.call("/api/settings/phone/test", json!({"to": ALICE}), admin)
        .await
}

#[tokio::test]
async fn saved_twilio_settings_win_over_the_environment_at_once_and_forgetting_them_restores_it() {
    let env = FakeTwilio::start().await;
    let saved = FakeTwilio::start().await;
    let app = spawn_app_with_twilio(env.config()).await;
    let _engine = app.start_engine_with(None, Some(env.config()));
    let admin = app.admin_session().await;

    let v = settings(&app, &admin).await;
    assert_eq!(
        (
            v["source"].as_str(),
            v["provider"].as_str(),
            v["account_sid"].as_str()
        ),
        (Some("environment"), Some("twilio"), Some(SID)),
        "{v}"
    );
    assert!(!v.to_string().contains(TOKEN), "{v}");

    let (s, v) = app
        .call(
            "/api/settings/phone/save",
            twilio(&saved.base, Some(TOKEN)),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["source"].as_str(), v["auth_token_set"].as_bool()),
        (Some("settings"), Some(true)),
        "{v}"
    );
    assert!(!v.to_string().contains(TOKEN), "{v}");
    let stored: String = sqlx::query_scalar("SELECT value::text FROM settings WHERE key = 'phone'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!stored.contains(TOKEN), "the token is sealed: {stored}");

    // The test SMS, a verification code and a page all go through the saved provider.
    let (s, v) = test_sms(&app, &admin).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(saved.sent().len(), 1);
    assert!(saved.sent()[0].body.starts_with("OpsKnight test SMS"));
    let alice = app.add_user("alice@example.com", Role::Responder).await;
    let cred = app.session_for(alice.id).await;
    saved.verified(&app, &cred, "SMS", ALICE).await;
    let service = app
        .service_with_policy(
            &admin,
            "Checkout API",
            json!([{"delay_minutes": 5, "channels": ["SMS"], "targets": [{"kind": "USER", "id": alice.id}]}]),
        )
        .await;
    app.create_incident(&admin, &service, "Disk full").await;
    app.settle().await;
    let pages: Vec<_> = saved
        .sent()
        .into_iter()
        .filter(|m| m.body.starts_with("OpsKnight #1"))
        .collect();
    assert_eq!(pages.len(), 1, "{pages:?}");
    assert!(env.sent().is_empty(), "{:?}", env.sent());

    // Saving again without a token keeps it (the fake still takes our Basic auth).
    let (s, v) = app
        .call(
            "/api/settings/phone/save",
            twilio(&saved.base, None),
            &admin,
        )
        .await;
    assert_eq!((s, v["auth_token_set"].as_bool()), (200, Some(true)), "{v}");
    app.advance(chrono::Duration::seconds(61)).await;
    assert_eq!(test_sms(&app, &admin).await.0, 200);
    assert_eq!(saved.sent().len(), 4, "test, code, page, test");

    // Forgotten: the environment's provider is back.
    let (s, v) = app
        .call("/api/settings/phone/clear", json!({}), &admin)
        .await;
    assert_eq!((s, v["source"].as_str()), (200, Some("environment")), "{v}");
    assert_eq!(test_sms(&app, &admin).await.0, 200);
    assert_eq!((env.sent().len(), saved.sent().len()), (1, 4));
    let audit: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'settings.phone.%' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        audit,
        [
            "settings.phone.save",
            "settings.phone.save",
            "settings.phone.clear"
        ]
    );
}

#[tokio::test]
async fn bad_phone_settings_answer_400_naming_the_field_and_save_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let fake = FakeTwilio::start().await;
    let ok = twilio(&fake.base, Some(TOKEN));
    let with = |base: &Value, key: &str, value: Value| {
        let mut v = base.clone();
        v[key] = value;
        v
    };
    let gateway = json!({"provider": "gateway", "url": "https://sms.example/send",
        "method": "POST", "headers": null, "body": "", "secret": null});
    for (body, field) in [
        (with(&ok, "provider", json!("carrier-pigeon")), "provider"),
        (with(&ok, "account_sid", json!("AC12")), "account_sid"),
        (with(&ok, "auth_token", json!(null)), "auth_token"),
        (with(&ok, "from", json!("0170 1234")), "from"),
        (with(&ok, "api_url", json!("ftp://x")), "api_url"),
        (with(&gateway, "url", json!("not a url")), "url"),
        (with(&gateway, "method", json!("GET")), "method"),
        (with(&gateway, "headers", json!("[1]")), "headers"),
        (
            with(&gateway, "body", json!(r#"{"text":"{{body}}"}"#)),
            "body",
        ),
        (with(&gateway, "secret", json!("short")), "secret"),
    ] {
        let (s, e) = app.call("/api/settings/phone/save", body, &admin).await;
        assert_eq!((s, e["field"].as_str()), (400, Some(field)), "{e}");
    }
    assert_eq!(app.count("settings").await, 0);
    assert_eq!(settings(&app, &admin).await["source"], "none");

    // No provider: the test SMS says so. A bad number names `to`.
    let (s, e) = test_sms(&app, &admin).await;
    assert_eq!(s, 409, "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("no phone provider"),
        "{e}"
    );
    let (s, e) = app
        .call("/api/settings/phone/test", json!({"to": "12"}), &admin)
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("to")), "{e}");

    // A wrong token is saved (it is well-formed), and the test shows Twilio's refusal.
    let (s, v) = app
        .call(
            "/api/settings/phone/save",
            twilio(&fake.base, Some("wrong-token")),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, e) = test_sms(&app, &admin).await;
    assert_eq!(s, 409, "{e}");
    assert!(e["message"].as_str().unwrap().contains("20003"), "{e}");
    assert!(!e.to_string().contains("wrong-token"), "{e}");
    assert!(fake.sent().is_empty());
}

#[tokio::test]
async fn webhooks_follow_the_saved_provider_and_a_new_token_keeps_the_old_one_for_callbacks() {
    let fake = FakeTwilio::start().await;
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let sms = app.url("/api/twilio/sms");
    let gateway = app.url("/api/sms-gateway/inbound");
    let secret = "saved-gateway-secret-0123";
    let relay = |secret: &'static str| {
        app.http
            .post(&gateway)
            .bearer_auth(secret)
            .json(&json!({"from": ALICE, "body": "1a"}))
            .send()
    };

    // Nothing configured: both webhooks answer 404.
    assert_eq!(fake.inbound(&sms, ALICE, "1a").await.0, 404);
    assert_eq!(relay(secret).await.unwrap().status(), 404);

    // A saved gateway takes replies with its secret; a wrong one is refused.
    let (s, v) = app
        .call(
            "/api/settings/phone/save",
            json!({"provider": "gateway", "url": "https://sms.example/send", "secret": secret}),
            &admin,
        )
        .await;
    assert_eq!((s, v["secret_set"].as_bool()), (200, Some(true)), "{v}");
    assert!(!v.to_string().contains(secret), "{v}");
    assert_eq!(relay(secret).await.unwrap().status(), 200);
    assert_eq!(
        relay("another-secret-of-length").await.unwrap().status(),
        401
    );
    assert_eq!(fake.inbound(&sms, ALICE, "1a").await.0, 404);

    // Twilio saved instead: its signed webhooks pass and the gateway's route is closed.
    let (s, v) = app
        .call(
            "/api/settings/phone/save",
            twilio(&fake.base, Some(TOKEN)),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(fake.inbound(&sms, ALICE, "1a").await.0, 200);
    assert_eq!(relay(secret).await.unwrap().status(), 404);

    // A new token: callbacks signed with the new one and with the old one both pass.
    let (s, v) = app
        .call(
            "/api/settings/phone/save",
            twilio(&fake.base, Some("rotated-token")),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let params = [("From", ALICE), ("To", FROM), ("Body", "1a")];
    for token in ["rotated-token", TOKEN] {
        let res = fake.post_signed(&sms, &params, token).await;
        assert_eq!(res.status().as_u16(), 200, "signed with {token}");
    }
    let res = fake.post_signed(&sms, &params, "never-a-token").await;
    assert_eq!(res.status().as_u16(), 403);
}

#[tokio::test]
async fn callbacks_signed_with_the_environments_token_still_pass_after_a_save() {
    let fake = FakeTwilio::start().await;
    // The environment's Twilio has another token (a message sent before the save is signed
    // with it when Twilio calls back).
    let mut env = (*fake.config()).clone();
    env.tokens = vec!["environment-token".into()];
    let app = spawn_app_with_twilio(std::sync::Arc::new(env)).await;
    let admin = app.admin_session().await;
    let (s, v) = app
        .call(
            "/api/settings/phone/save",
            twilio(&fake.base, Some(TOKEN)),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let sms = app.url("/api/twilio/sms");
    let params = [("From", ALICE), ("To", FROM), ("Body", "1a")];
    for token in [TOKEN, "environment-token"] {
        let res = fake.post_signed(&sms, &params, token).await;
        assert_eq!(res.status().as_u16(), 200, "signed with {token}");
    }
    assert_eq!(
        fake.post_signed(&sms, &params, "never-a-token")
            .await
            .status()
            .as_u16(),
        403
    );
    // Our own calls authenticate with the saved token (the fake takes only that one).
    assert_eq!(test_sms(&app, &admin).await.0, 200);
}
