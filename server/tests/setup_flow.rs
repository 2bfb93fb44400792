//! First-run setup over the API: the code from the log is required, input errors name their
//! field and write nothing, and only one admin can ever be created this way.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::{TestApp, spawn_app};
use serde_json::{Value, json};

async fn issue_code(app: &TestApp) -> String {
    app::setup::store::issue_code(&app.pool, common::t0())
        .await
        .unwrap()
        .unwrap()
}

async fn needs_setup(app: &TestApp) -> bool {
    let status: Value = app
        .post_json("/api/setup/status", json!({}))
        .await
        .json()
        .await
        .unwrap();
    status["needs_setup"].as_bool().unwrap()
}

fn body(code: &str, email: &str, name: &str, password: &str) -> Value {
    json!({"code": code, "email": email, "name": name, "password": password})
}

async fn assert_field_error(app: &TestApp, req: Value, field: &str) {
    let res = app.post_json("/api/setup/complete", req).await;
    assert_eq!(res.status(), 400, "field {field}");
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"], "invalid");
    assert_eq!(err["field"], field);
    assert!(!err["message"].as_str().unwrap().is_empty());
    assert_eq!(
        app.count("users").await,
        0,
        "nothing written for a bad {field}"
    );
}

#[tokio::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    let code = issue_code(&app).await;
    let good_pw = "tangerine-kettle-orbit";
    assert_field_error(&app, body(&code, "not-an-email", "Ada", good_pw), "email").await;
    assert_field_error(
        &app,
        body(&code, "ada@example.com", &"n".repeat(101), good_pw),
        "name",
    )
    .await;
    assert_field_error(&app, body(&code, "ada@example.com", "   ", good_pw), "name").await;
    assert_field_error(
        &app,
        body(&code, "ada@example.com", "Ada", "short"),
        "password",
    )
    .await;
    assert_field_error(
        &app,
        body(&code, "ada@example.com", "Ada", "password1234"),
        "password",
    )
    .await;
    assert_field_error(
        &app,
        body("WRNG-CODE-XXXX", "ada@example.com", "Ada", good_pw),
        "code",
    )
    .await;
    assert_field_error(&app, body("", "ada@example.com", "Ada", good_pw), "code").await;
    // The code survives failed attempts.
    assert_eq!(app.count("setup_codes").await, 1);
}

#[tokio::test]
async fn the_setup_code_creates_one_admin_then_setup_closes() {
    let app = spawn_app().await;
    assert!(needs_setup(&app).await);

    let code = issue_code(&app).await;
    assert_eq!(code.len(), 14, "XXXX-XXXX-XXXX");
    app.clock.advance(chrono::Duration::minutes(7));
    // Codes are accepted in any case, with or without dashes.
    let typed = code.replace('-', "").to_lowercase();
    let res = app
        .post_json(
            "/api/setup/complete",
            body(
                &typed,
                " Ada@Example.com ",
                " Ada Admin ",
                "tangerine-kettle-orbit",
            ),
        )
        .await;
    assert_eq!(res.status(), 200);
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["name"], "Ada Admin");
    assert_eq!(user["role"], "ADMIN");
    assert_eq!(user["status"], "ACTIVE");
    assert_eq!(
        user["created_at"], "2026-03-08T06:37:00Z",
        "stamped by the injected clock"
    );

    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"));
    assert!(!hash.contains("tangerine"));
    assert_eq!(app.count("setup_codes").await, 0, "codes are spent");
    let audited: (String, Option<String>) = sqlx::query_as("SELECT action, ip FROM audit_log")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        audited,
        ("setup.admin_created".into(), Some("127.0.0.1".into()))
    );

    assert!(!needs_setup(&app).await);
    assert!(
        app::setup::store::issue_code(&app.pool, common::t0())
            .await
            .unwrap()
            .is_none()
    );

    let again = app
        .post_json(
            "/api/setup/complete",
            body(&code, "eve@example.com", "Eve", "tangerine-kettle-orbit"),
        )
        .await;
    assert_eq!(again.status(), 409);
    assert_eq!(again.json::<Value>().await.unwrap()["error"], "conflict");
    assert_eq!(app.count("users").await, 1);
}

#[tokio::test]
async fn racing_setups_create_exactly_one_admin() {
    let app = spawn_app().await;
    let code = issue_code(&app).await;
    let attempts = (0..6).map(|i| {
        let http = app.http.clone();
        let url = app.url("/api/setup/complete");
        let req = body(
            &code,
            &format!("admin{i}@example.com"),
            "Admin",
            "tangerine-kettle-orbit",
        );
        tokio::spawn(async move {
            http.post(url)
                .json(&req)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    });
    let mut statuses = Vec::new();
    for a in attempts {
        statuses.push(a.await.unwrap());
    }
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(app.count("users").await, 1);
}
