//! Email settings saved by an admin: validation with field names, the password encrypted at
//! rest and write-only, a test email through a real SMTP server, and pages following the
//! saved settings without a restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use common::{SmtpSink, spawn_app};
use serde_json::{Value, json};

#[tokio::test]
async fn smtp_settings_validate_encrypt_the_password_and_send_a_test_email() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let admin = app.admin_session().await;
    let (s, v) = app.call("/api/settings/smtp", json!({}), &admin).await;
    assert_eq!((s, v["source"].as_str()), (200, Some("none")), "{v}");
    let good = json!({"host": "127.0.0.1", "port": sink.port, "security": "NONE", "username": "pager",
                      "password": "s3cret-smtp-pass", "from": "OpsKnight <pager@example.com>"});
    for (field, value) in [
        ("host", json!("")),
        ("host", json!("smtp example.com")),
        ("port", json!(0)),
        ("port", json!(70000)),
        ("security", json!("SSL")),
        ("from", json!("not an address")),
    ] {
        let mut body = good.clone();
        body[field] = value;
        let (s, e) = app.call("/api/settings/smtp/save", body, &admin).await;
        assert_eq!((s, e["field"].as_str()), (400, Some(field)), "{e}");
    }
    assert_eq!(app.count("settings").await, 0);
    // The test button refuses while nothing is configured.
    let (s, _) = app
        .call(
            "/api/settings/smtp/test",
            json!({"to": "ops@example.com"}),
            &admin,
        )
        .await;
    assert_eq!(s, 409);

    let (s, v) = app
        .call("/api/settings/smtp/save", good.clone(), &admin)
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["source"], "settings");
    assert_eq!(v["password_set"], true);
    assert!(v.get("password").is_none());
    let stored: Value = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'smtp'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let sealed = stored["password_enc"].as_str().unwrap().to_owned();
    assert!(sealed.starts_with("v1:"), "{sealed}");
    assert!(!stored.to_string().contains("s3cret"));
    // Saving without a password keeps the stored one.
    let mut keep = good.clone();
    keep["password"] = Value::Null;
    keep["username"] = json!("pager2");
    let (s, _) = app.call("/api/settings/smtp/save", keep, &admin).await;
    assert_eq!(s, 200);
    let again: Value = sqlx::query_scalar("SELECT value FROM settings WHERE key = 'smtp'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(again["password_enc"].as_str(), Some(sealed.as_str()));
    assert_eq!(again["username"], "pager2");

    // This test server offers no AUTH: the credentials make the test fail, saying why.
    let (s, e) = app
        .call(
            "/api/settings/smtp/test",
            json!({"to": "ops@example.com"}),
            &admin,
        )
        .await;
    assert_eq!(s, 503, "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("authentication"),
        "{e}"
    );
    // Every 503 says when to try again.
    let common::Cred::Cookie(cookie) = &admin else {
        panic!("a session")
    };
    let res = app
        .http
        .post(app.url("/api/settings/smtp/test"))
        .header("cookie", cookie)
        .json(&json!({"to": "ops@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "5");
    let mut open = good.clone();
    open["username"] = json!("");
    open["password"] = json!("");
    let (s, v) = app.call("/api/settings/smtp/save", open, &admin).await;
    assert_eq!((s, v["password_set"].as_bool()), (200, Some(false)));
    let (s, e) = app
        .call(
            "/api/settings/smtp/test",
            json!({"to": "ops@example.com"}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{e}");
    let got = sink.take_new();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "ops@example.com");
    assert!(got[0].1.contains("OpsKnight test email"));
    assert!(got[0].1.contains("From: OpsKnight <pager@example.com>"));

    // A server that refuses: the test reports it (503) with the reason.
    let mut dead = good.clone();
    dead["port"] = json!(1);
    dead["password"] = Value::Null;
    app.call("/api/settings/smtp/save", dead, &admin).await;
    let (s, e) = app
        .call(
            "/api/settings/smtp/test",
            json!({"to": "ops@example.com"}),
            &admin,
        )
        .await;
    assert_eq!(s, 503, "{e}");

    let (s, v) = app
        .call("/api/settings/smtp/clear", json!({}), &admin)
        .await;
    assert_eq!((s, v["source"].as_str()), (200, Some("none")));
    let audit: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'settings.%' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        audit,
        [
            "settings.smtp.save",
            "settings.smtp.save",
            "settings.smtp.save",
            "settings.smtp.save",
            "settings.smtp.clear"
        ]
    );
}

#[tokio::test]
async fn pages_follow_saved_smtp_settings_without_a_restart() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let admin = app.admin_session().await;
    let alice = app.add_user("alice@example.com", Role::Responder).await;
    // The engine starts with no mailer at all: only saved settings can make it send.
    let _engine = app.start_engine(None);
    let (_, p) = app
        .call(
            "/api/policies/create",
            json!({"name": "P", "description": "", "repeat_count": 0,
            "steps": [{"delay_minutes": 30, "targets": [{"kind": "USER", "id": alice.id}]}]}),
            &admin,
        )
        .await;
    let (_, svc) = app
        .call(
            "/api/services/create",
            json!({"name": "S", "description": "", "team_id": null,
            "urgency_rule": "SEVERITY", "ack_timeout_secs": null, "escalation_policy_id": p["id"]}),
            &admin,
        )
        .await;
    assert_eq!(svc["escalation_policy_name"], "P");
    let (s, _) = app
        .call(
            "/api/settings/smtp/save",
            json!({"host": "127.0.0.1", "port": sink.port, "security": "NONE",
            "username": "", "password": "", "from": "pager@example.com"}),
            &admin,
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .call(
            "/api/incidents/create",
            json!({"service_id": svc["id"], "title": "By hand",
            "description": "", "urgency": "HIGH"}),
            &admin,
        )
        .await;
    assert_eq!(s, 200);
    app.settle().await;
    let got = sink.take_new();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "alice@example.com");
    assert!(got[0].1.contains("By hand"));
}
