//! Contact kinds and the channel seam: a kind without a provider failing permanently with a
//! message that names it, PUSH as a policy step channel, and unknown kinds in the database read
//! as errors naming the column. (The kind list against the CHECKs is in `enums.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use common::spawn_app;
use serde_json::json;

#[tokio::test]
async fn phone_kinds_without_a_provider_fail_permanently_naming_the_kind() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let alice = app.add_user("alice@example.com", Role::Responder).await;
    let cred = app.session_for(alice.id).await;
    for kind in ["SMS", "VOICE"] {
        let (s, m) = app
            .call(
                "/api/profile/contact-methods/add",
                json!({"kind": kind, "address": "+1 415 555 0123", "label": "Cell"}),
                &cred,
            )
            .await;
        assert_eq!(
            (s, m["address"].as_str()),
            (200, Some("+14155550123")),
            "{m}"
        );
    }
    // Verified earlier (there is no SMS provider here to text a code).
    sqlx::query("UPDATE contact_methods SET verified = true WHERE kind IN ('SMS', 'VOICE')")
        .execute(&app.pool)
        .await
        .unwrap();
    // The old kind is gone, and the error names the field.
    let (s, e) = app
        .call(
            "/api/profile/contact-methods/add",
            json!({"kind": "PHONE", "address": "+14155550124", "label": "Cell"}),
            &cred,
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("kind")), "{e}");

    // PUSH is a step channel (it violated the CHECK and answered 500).
    let (s, p) = app
        .call(
            "/api/policies/create",
            json!({"name": "Push only", "description": "", "repeat_count": 0, "steps": [
                {"delay_minutes": 5, "channels": ["PUSH"], "targets": [{"kind": "USER", "id": alice.id}]}]}),
            &admin,
        )
        .await;
    assert_eq!(
        (s, p["steps"][0]["channels"].clone()),
        (200, json!(["PUSH"])),
        "{p}"
    );
    let service = app
        .service_with_policy(
            &admin,
            "Phones",
            json!([{"delay_minutes": 5, "channels": ["VOICE", "SMS", "VOICE"], "targets": [{"kind": "USER", "id": alice.id}]}]),
        )
        .await;
    let policy: Vec<String> = sqlx::query_scalar(
        "SELECT unnest(channels) FROM escalation_steps s JOIN services v ON v.escalation_policy_id = s.policy_id
         WHERE v.id = $1::uuid",
    )
    .bind(&service)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        policy,
        ["SMS", "VOICE"],
        "channels are stored sorted, without repeats"
    );
    let _engine = app.start_engine(None);
    app.create_incident(&admin, &service, "Disk full").await;
    app.settle().await;
    let rows: Vec<(String, String, i32, Option<String>)> = sqlx::query_as(
        "SELECT channel, status, attempts, last_error FROM notifications ORDER BY channel",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    for ((channel, status, attempts, error), label) in rows.iter().zip(["SMS", "Voice call"]) {
        assert_eq!(
            (status.as_str(), *attempts),
            ("FAILED", 1),
            "{channel}: {rows:?}"
        );
        let error = error.as_deref().unwrap_or_default();
        assert!(
            error.contains(&format!("nobody can be paged by {label}"))
                && error.contains("Settings"),
            "{channel}: {error}"
        );
    }
}

#[tokio::test]
async fn an_unknown_kind_in_the_database_is_an_error_naming_the_column() {
    let app = spawn_app().await;
    let alice = app.add_user("alice@example.com", Role::Responder).await;
    sqlx::query("ALTER TABLE contact_methods DROP CONSTRAINT contact_methods_kind_check")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO contact_methods (id, user_id, kind, address, label, verified, created_at)
         VALUES (gen_random_uuid(), $1, 'PAGER', '123', 'Old', false, now())",
    )
    .bind(alice.id)
    .execute(&app.pool)
    .await
    .unwrap();
    let err = app::profile::store::list(&app.pool, alice.id)
        .await
        .expect_err("an unknown kind is not read as EMAIL");
    assert!(
        format!("{err:?}").contains("contact_methods.kind"),
        "{err:?}"
    );
}
