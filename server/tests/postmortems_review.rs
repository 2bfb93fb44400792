//! Postmortem editing rules: every validation error naming its field with nothing changed, the
//! status steps, and the published read-only rule.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use chrono::Duration;
use common::postmortems::{edit, ok, resolved_with_postmortem};
use common::spawn_app;
use serde_json::{Value, json};

#[tokio::test]
async fn validation_errors_name_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (_, pm) = resolved_with_postmortem(&app, &admin, "web").await;
    let before: Value = ok(&app, "/api/postmortems/get", json!({"id": pm}), &admin).await;
    let good_row = json!({"at": "2026-03-08T06:30:00Z", "text": "start"});
    let cases = [
        (
            "/api/postmortems/update",
            json!({"id": pm, "edit": edit(" ", json!({}), json!([]))}),
            "title",
        ),
        (
            "/api/postmortems/update",
            json!({"id": pm, "edit": edit("T", json!({"impact": "x".repeat(20_001)}), json!([]))}),
            "sections.impact",
        ),
        (
            "/api/postmortems/update",
            json!({"id": pm, "edit": edit("T", json!({}), json!([good_row, {"at": "yesterday", "text": "x"}]))}),
            "timeline[1].at",
        ),
        (
            "/api/postmortems/update",
            json!({"id": pm, "edit": edit("T", json!({}), json!([{"at": "2026-03-08T06:30:00Z", "text": " "}]))}),
            "timeline[0].text",
        ),
        (
            "/api/postmortems/status",
            json!({"id": pm, "status": "DONE"}),
            "status",
        ),
        ("/api/postmortems/list", json!({"status": "NOPE"}), "status"),
    ];
    let action = |over: Value| {
        let mut a = json!({"id": null, "title": "Add an alert", "kind": "DETECT", "owner_user_id": null,
                           "due_on": "2026-03-20", "status": "OPEN", "bug": ""});
        for (k, v) in over.as_object().unwrap() {
            a[k] = v.clone();
        }
        json!({"id": pm, "action": a})
    };
    let action_cases = [
        (action(json!({"title": ""})), "action.title"),
        (action(json!({"kind": "BLAME"})), "action.kind"),
        (action(json!({"status": "LATER"})), "action.status"),
        (action(json!({"due_on": "20/03/2026"})), "action.due_on"),
        (
            action(json!({"owner_user_id": uuid::Uuid::new_v4()})),
            "action.owner_user_id",
        ),
    ];
    let all = cases.into_iter().chain(
        action_cases
            .into_iter()
            .map(|(b, f)| ("/api/postmortems/actions/save", b, f)),
    );
    for (path, body, field) in all {
        let (s, e) = app.call(path, body, &admin).await;
        assert_eq!((s, e["field"].as_str()), (400, Some(field)), "{path}: {e}");
    }
    let after: Value = ok(&app, "/api/postmortems/get", json!({"id": pm}), &admin).await;
    assert_eq!(before, after);
    assert_eq!(app.count("postmortem_actions").await, 0);
}

#[tokio::test]
async fn statuses_move_one_step_at_a_time_and_a_published_postmortem_is_read_only() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let responder = app.add_user("resp@example.com", Role::Responder).await;
    let responder = app.session_for(responder.id).await;
    let user = app.add_user("user@example.com", Role::User).await;
    let user = app.session_for(user.id).await;
    let (_, pm) = resolved_with_postmortem(&app, &admin, "queue").await;
    let status = |s: &str| json!({"id": pm, "status": s});

    let (s, e) = app
        .call("/api/postmortems/status", status("PUBLISHED"), &responder)
        .await;
    assert_eq!(s, 409, "DRAFT skips review: {e}");
    let (s, e) = app
        .call("/api/postmortems/status", status("IN_REVIEW"), &user)
        .await;
    assert_eq!(s, 403, "a USER reads only: {e}");
    let v = ok(&app, "/api/postmortems/get", json!({"id": pm}), &user).await;
    assert_eq!(v["can_edit"], false);

    ok(
        &app,
        "/api/postmortems/status",
        status("IN_REVIEW"),
        &responder,
    )
    .await;
    app.clock.advance(Duration::minutes(30));
    let v = ok(
        &app,
        "/api/postmortems/status",
        status("PUBLISHED"),
        &responder,
    )
    .await;
    assert_eq!(v["postmortem"]["status"], "PUBLISHED");
    assert_eq!(v["postmortem"]["published_at"], "2026-03-08T07:20:00Z");
    assert_eq!(v["can_unpublish"], false);

    // Published: the text is read-only, action items are not (they are the follow-up).
    let (s, e) = app
        .call(
            "/api/postmortems/update",
            json!({"id": pm, "edit": edit("Changed", json!({}), json!([]))}),
            &admin,
        )
        .await;
    assert_eq!(s, 409, "{e}");
    ok(
        &app,
        "/api/postmortems/actions/save",
        json!({"id": pm, "action": {"title": "Add a canary", "kind": "PREVENT", "due_on": "",
               "status": "OPEN"}}),
        &responder,
    )
    .await;

    // Back to review: a workspace ADMIN only.
    let (s, e) = app
        .call("/api/postmortems/status", status("IN_REVIEW"), &responder)
        .await;
    assert_eq!(s, 403, "{e}");
    let v = ok(&app, "/api/postmortems/status", status("IN_REVIEW"), &admin).await;
    assert_eq!(v["postmortem"]["published_at"], Value::Null);
    ok(
        &app,
        "/api/postmortems/update",
        json!({"id": pm, "edit": edit("Changed", json!({}), json!([]))}),
        &responder,
    )
    .await;
    let moves: Vec<Value> = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE action = 'postmortem.status' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let moves: Vec<(String, String)> = moves
        .iter()
        .map(|d| {
            (
                d["from"].as_str().unwrap().into(),
                d["to"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            ("DRAFT".into(), "IN_REVIEW".into()),
            ("IN_REVIEW".into(), "PUBLISHED".into()),
            ("PUBLISHED".into(), "IN_REVIEW".into())
        ]
    );
}
