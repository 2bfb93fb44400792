//! Admins over everyone's way in: a user's sessions listed and ended (one, or all), any key
//! listed with its owner and revoked, through REST and the server functions; non-admins get
//! none of it; disabling a user ends their sessions and stops their keys.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use common::{Cred, PASSWORD, TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

async fn send(app: &TestApp, method: Method, path: &str, cred: &Cred) -> (u16, Value) {
    let (s, _, body) = app.send(method, path, cred, None, &[]).await;
    (s, body)
}

async fn me(app: &TestApp, cred: &Cred) -> u16 {
    app.call("/api/auth/me", json!({}), cred).await.0
}

/// Signs in through the form, with a user agent, so the session records where it came from.
async fn sign_in(app: &TestApp, email: &str) -> Cred {
    let res = app
        .http
        .post(app.url("/api/auth/login"))
        .header("user-agent", "curl/8.5")
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let set = res.headers()["set-cookie"].to_str().unwrap();
    Cred::Cookie(set.split(';').next().unwrap().to_owned())
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_admin_lists_and_ends_another_users_sessions_and_revokes_their_key() {
    let app = spawn_app().await;
    let root = app.add_user("root@example.com", Role::Admin).await;
    let admin = app.session_for(root.id).await;
    let rita = app.add_user("rita@example.com", Role::Responder).await;
    let laptop = sign_in(&app, "rita@example.com").await;
    let phone = app.session_for(rita.id).await;
    let key = app.key_for(&rita, &["incidents:read"]).await;

    let path = format!("/api/v1/users/{}/sessions", rita.id);
    let (s, list) = send(&app, Method::GET, &path, &admin).await;
    assert_eq!(s, 200, "{list}");
    let sessions = list["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{list}");
    assert!(sessions.iter().all(|s| s["current"] == false));
    let signed_in = sessions.iter().find(|s| s["user_agent"] == "curl/8.5");
    let signed_in = signed_in.expect("the form's session, with its user agent");
    assert_eq!(signed_in["ip"], "127.0.0.1");

    // One session ends: its next request is 401, the other lives on.
    let one = format!("{path}/{}", signed_in["id"].as_str().unwrap());
    assert_eq!(send(&app, Method::DELETE, &one, &admin).await.0, 204);
    assert_eq!(me(&app, &laptop).await, 401);
    assert_eq!(me(&app, &phone).await, 200);
    assert_eq!(send(&app, Method::DELETE, &one, &admin).await.0, 404);
    let (s, list) = send(&app, Method::GET, &path, &admin).await;
    assert_eq!((s, list["sessions"].as_array().unwrap().len()), (200, 1));

    // Sign out everywhere, through the server function.
    let (s, n) = app
        .call(
            "/api/sessions/revoke-all",
            json!({"user_id": rita.id}),
            &admin,
        )
        .await;
    assert_eq!((s, n), (200, json!(1)));
    assert_eq!(me(&app, &phone).await, 401);
    assert_eq!(me(&app, &key).await, 200, "sessions only: keys stay");

    // The admin's own sessions, with the one asking marked.
    let (s, own) = send(&app, Method::GET, "/api/v1/users/me/sessions", &admin).await;
    assert_eq!(
        (s, own["sessions"][0]["current"].clone()),
        (200, json!(true))
    );

    // Her key, found by owner, then revoked by the admin.
    let by_owner = format!("/api/v1/api-keys?owner={}", rita.id);
    let (s, keys) = send(&app, Method::GET, &by_owner, &admin).await;
    assert_eq!(s, 200, "{keys}");
    let listed = &keys["api_keys"][0];
    assert_eq!(listed["owner"]["email"], "rita@example.com");
    assert_eq!(listed["owner"]["team_id"], Value::Null);
    assert_eq!(listed["created_by"], json!(rita.id));
    let key_path = format!("/api/v1/api-keys/{}", listed["id"].as_str().unwrap());
    assert_eq!(send(&app, Method::GET, &key_path, &admin).await.0, 200);
    assert_eq!(send(&app, Method::DELETE, &key_path, &admin).await.0, 204);
    assert_eq!(me(&app, &key).await, 401);

    let actions = audit_actions(&app).await;
    for a in ["session.revoke", "session.revoke_all", "apikey.revoke"] {
        assert!(actions.contains(&a.to_owned()), "{a} in {actions:?}");
    }
}

#[tokio::test]
async fn the_workspace_key_list_pages_through_everyones_keys_with_their_owners() {
    let app = spawn_app().await;
    let root = app.add_user("root@example.com", Role::Admin).await;
    let admin = app.session_for(root.id).await;
    let rita = app.add_user("rita@example.com", Role::Responder).await;
    let sam = app.add_user("sam@example.com", Role::User).await;
    // Three keys share a creation time, two are newer: the pages still split cleanly.
    for user in [&rita, &sam, &rita] {
        app.key_for(user, &["incidents:read"]).await;
    }
    app.advance(chrono::Duration::seconds(5)).await;
    for user in [&sam, &sam] {
        app.key_for(user, &["incidents:read"]).await;
    }
    let mut seen = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/api/v1/api-keys?owner=all&limit=2".to_owned(),
            Some(c) => format!("/api/v1/api-keys?owner=all&limit=2&cursor={c}"),
        };
        let (s, page) = send(&app, Method::GET, &path, &admin).await;
        assert_eq!(s, 200, "{page}");
        for k in page["api_keys"].as_array().unwrap() {
            seen.push(k["owner"]["email"].as_str().unwrap().to_owned());
            ids.insert(k["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!((seen.len(), ids.len()), (5, 5), "{seen:?}");
    assert_eq!(
        seen[..2],
        ["sam@example.com", "sam@example.com"],
        "newest first"
    );
    // Live only leaves out the revoked one.
    sqlx::query("UPDATE api_keys SET revoked_at = now() WHERE id = (SELECT id FROM api_keys ORDER BY created_at DESC LIMIT 1)")
        .execute(&app.pool)
        .await
        .unwrap();
    let (s, live) = send(
        &app,
        Method::GET,
        "/api/v1/api-keys?owner=all&live=true",
        &admin,
    )
    .await;
    assert_eq!((s, live["api_keys"].as_array().unwrap().len()), (200, 4));
    let (s, bad) = send(
        &app,
        Method::GET,
        "/api/v1/api-keys?owner=all&cursor=nope",
        &admin,
    )
    .await;
    assert_eq!((s, bad["field"].as_str()), (422, Some("cursor")));
    let (s, bad) = send(&app, Method::GET, "/api/v1/api-keys?owner=someone", &admin).await;
    assert_eq!((s, bad["field"].as_str()), (422, Some("owner")));
}

#[tokio::test]
async fn a_non_admin_can_neither_see_nor_end_anyone_elses_sessions_or_keys() {
    let app = spawn_app().await;
    let rita = app.add_user("rita@example.com", Role::Responder).await;
    let rita_session = app.session_for(rita.id).await;
    let rita_key = app.key_for(&rita, &["incidents:read"]).await;
    let rita_key_id: String = sqlx::query_scalar("SELECT id::text FROM api_keys")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let sam = app.add_user("sam@example.com", Role::Responder).await;
    let sam = app.session_for(sam.id).await;
    let sessions = format!("/api/v1/users/{}/sessions", rita.id);
    let session_id: String = sqlx::query_scalar("SELECT id::text FROM sessions WHERE user_id = $1")
        .bind(rita.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    for (method, path) in [
        (Method::GET, sessions.clone()),
        (Method::DELETE, sessions.clone()),
        (Method::DELETE, format!("{sessions}/{session_id}")),
        (Method::GET, "/api/v1/api-keys?owner=all".to_owned()),
        (Method::GET, format!("/api/v1/api-keys?owner={}", rita.id)),
    ] {
        let (s, body) = send(&app, method.clone(), &path, &sam).await;
        assert_eq!(
            (s, body["error"].as_str()),
            (403, Some("forbidden")),
            "{method} {path}"
        );
    }
    // Someone else's key is not found, as if it did not exist.
    let key_path = format!("/api/v1/api-keys/{rita_key_id}");
    assert_eq!(send(&app, Method::GET, &key_path, &sam).await.0, 404);
    assert_eq!(send(&app, Method::DELETE, &key_path, &sam).await.0, 404);
    let (s, _) = app
        .call(
            "/api/sessions/revoke-all",
            json!({"user_id": rita.id}),
            &sam,
        )
        .await;
    assert_eq!(s, 403);
    // Nothing of hers changed.
    assert_eq!(me(&app, &rita_session).await, 200);
    assert_eq!(me(&app, &rita_key).await, 200);
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_and_stops_their_keys() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let rita = app.add_user("rita@example.com", Role::Responder).await;
    let session = sign_in(&app, "rita@example.com").await;
    let key = app.key_for(&rita, &["incidents:read"]).await;
    assert_eq!((me(&app, &session).await, me(&app, &key).await), (200, 200));

    let path = format!("/api/v1/users/{}", rita.id);
    let (s, _, user) = app
        .send(
            Method::PATCH,
            &path,
            &admin,
            Some(json!({"status": "DISABLED"})),
            &[],
        )
        .await;
    assert_eq!((s, user["status"].as_str()), (200, Some("DISABLED")));
    assert_eq!(me(&app, &session).await, 401);
    assert_eq!(me(&app, &key).await, 401);
    let live: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sessions WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(rita.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(live, 0, "the sessions are revoked, not only refused");

    // Enabled again: the old sessions stay ended; keys (never revoked) work again, as keys
    // work exactly while their owner is ACTIVE.
    let (s, _, _) = app
        .send(
            Method::PATCH,
            &path,
            &admin,
            Some(json!({"status": "ACTIVE"})),
            &[],
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(me(&app, &session).await, 401);
    assert_eq!(me(&app, &key).await, 200);
}
