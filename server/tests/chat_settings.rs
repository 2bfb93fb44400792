//! Chat credentials saved in Settings (issue 18): checked like the environment's (400 naming
//! the field, nothing saved), write-only and sealed at rest, kept when left empty, audited,
//! and used at once by deliveries and by the signature check, winning over the environment.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::clock::Clock;
use app::domain::Role;
use common::slack::{CHANNEL, FakeSlack, SECRET, TOKEN, post_signed, press_body};
use common::spawn_app_with_saved_chat;
use opsknight_server::chat::config::ChatConfig;
use serde_json::json;

#[tokio::test]
async fn saved_slack_credentials_are_checked_sealed_and_used_at_once() {
    let fake = FakeSlack::start().await;
    // The environment names Slack's API (the fake) but gives no credentials.
    let env = ChatConfig {
        slack_api_url: format!("{}/api", fake.base),
        ..ChatConfig::default()
    };
    let app = spawn_app_with_saved_chat(env).await;
    let admin = app.admin_session().await;
    let (s, v) = app.call("/api/settings/chat", json!({}), &admin).await;
    assert_eq!(
        (s, v),
        (200, json!({"slack_saved": false, "telegram_saved": false}))
    );

    for (body, field) in [
        (
            json!({"bot_token": "xoxp-user-token", "signing_secret": SECRET}),
            "bot_token",
        ),
        (
            json!({"bot_token": TOKEN, "signing_secret": "short"}),
            "signing_secret",
        ),
        (
            json!({"bot_token": TOKEN, "signing_secret": null}),
            "signing_secret",
        ),
    ] {
        let (s, e) = app.call("/api/settings/chat/slack", body, &admin).await;
        assert_eq!((s, e["field"].as_str()), (400, Some(field)), "{e}");
    }
    let (s, e) = app
        .call(
            "/api/settings/chat/telegram",
            json!({"bot_token": "123:short"}),
            &admin,
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("bot_token")), "{e}");
    assert_eq!(
        app.count("settings WHERE key LIKE 'chat.%'").await,
        0,
        "nothing saved"
    );

    let (s, v) = app
        .call(
            "/api/settings/chat/slack",
            json!({"bot_token": TOKEN, "signing_secret": SECRET}),
            &admin,
        )
        .await;
    assert_eq!((s, &v["slack_saved"]), (200, &json!(true)), "{v}");
    let stored: String =
        sqlx::query_scalar("SELECT value::text FROM settings WHERE key = 'chat.slack'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(
        !stored.contains(TOKEN) && !stored.contains(SECRET),
        "sealed at rest: {stored}"
    );
    // Leaving the secret out keeps the saved one.
    let (s, _) = app
        .call(
            "/api/settings/chat/slack",
            json!({"bot_token": TOKEN, "signing_secret": null}),
            &admin,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        app.count("audit_log WHERE action = 'settings.chat_save'")
            .await,
        2
    );

    // Deliveries use the saved token at once…
    let (service, _) = app.service_with_key(&admin, "Checkout").await;
    let (s, _) = app
        .call("/api/services/channels/add",
            json!({"service_id": service, "kind": "SLACK", "target": CHANNEL, "events": ["triggered", "acknowledged"]}),
            &admin)
        .await;
    assert_eq!(s, 200);
    let _engine = app.start_engine(None);
    let incident = app.create_incident(&admin, &service, "Disk full").await;
    fake.wait_for("the post", |c| {
        c.iter()
            .any(|c| c.method == "chat.postMessage" && c.answer == "ok")
    })
    .await;
    // …and so does the signature check.
    app.add_user("ann@example.com", Role::Responder).await;
    fake.add_user("U0ANN", "ann@example.com");
    let body = press_body(
        &fake,
        "U0ANN",
        "opsknight_ack",
        &incident,
        "1700000000.000001",
    );
    let now = app.clock.now().timestamp();
    assert_eq!(
        post_signed(
            &app,
            "/api/slack/interactive",
            &body,
            now,
            "anothersecret00000000"
        )
        .await
        .status(),
        401
    );
    assert_eq!(
        post_signed(&app, "/api/slack/interactive", &body, now, SECRET)
            .await
            .status(),
        200
    );

    // Forgotten: the environment's (none) applies again.
    let (s, v) = app
        .call("/api/settings/chat/clear", json!({"app": "slack"}), &admin)
        .await;
    assert_eq!((s, &v["slack_saved"]), (200, &json!(false)));
    let (s, e) = app
        .call(
            "/api/settings/chat/clear",
            json!({"app": "discord"}),
            &admin,
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("app")));
}
