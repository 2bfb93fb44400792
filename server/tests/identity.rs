//! Identity against a real Postgres and a real SMTP server: API keys, invites and resets
//! (single use, expiry), session revocation on password, role and status changes, teams,
//! the audit log, and bad input that names its field and writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::sync::Arc;

use app::domain::Role;
use chrono::Duration;
use common::{Cred, PASSWORD, SmtpSink, TestApp, link_in, spawn_app, spawn_app_with_mailer};
use serde_json::{Value, json};

const NEW_PW: &str = "quartz-lantern-meadow";

async fn login(app: &TestApp, email: &str, password: &str) -> (u16, Option<Cred>) {
    let res = app
        .post_json(
            "/api/auth/login",
            json!({"email": email, "password": password}),
        )
        .await;
    let cookie = res
        .headers()
        .get("set-cookie")
        .map(|v| Cred::Cookie(v.to_str().unwrap().split(';').next().unwrap().to_owned()));
    (res.status().as_u16(), cookie)
}

fn cookie_of(res: &reqwest::Response) -> Cred {
    let set = res.headers()["set-cookie"].to_str().unwrap();
    Cred::Cookie(set.split(';').next().unwrap().to_owned())
}

async fn me(app: &TestApp, cred: &Cred) -> u16 {
    app.call("/api/auth/me", json!({}), cred).await.0
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn api_keys_are_shown_once_stored_hashed_scoped_revocable_and_expire() {
    let app = spawn_app().await;
    let responder = app.add_user("rae@example.com", Role::Responder).await;
    let session = app.session_for(responder.id).await;

    let (status, created) = app
        .call(
            "/api/apikeys/create",
            json!({"name": "deploy", "scopes": ["incidents:read"], "expires_in_days": 30}),
            &session,
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    let prefix = created["key"]["prefix"].as_str().unwrap();
    assert!(secret.starts_with(prefix) && prefix.starts_with("ok_") && prefix.len() == 11);
    // Only the hash is stored; the prefix is visible.
    let stored: (String, Vec<u8>) = sqlx::query_as("SELECT prefix, secret_hash FROM api_keys")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored.0, prefix);
    assert_ne!(stored.1, secret.as_bytes());
    assert_eq!(stored.1.len(), 32);
    let listed = app.call("/api/apikeys/list", json!({}), &session).await.1;
    assert!(
        !listed.to_string().contains(&secret),
        "lists never show the secret"
    );

    let key = Cred::Key(secret.clone());
    assert_eq!(me(&app, &key).await, 200);
    let used: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT last_used_at FROM api_keys")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(used, Some(common::t0()));

    // Narrowed by scope: reading users is fine, managing own keys needs `admin`.
    let (status, body) = app.call("/api/apikeys/list", json!({}), &key).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (403, Some("authorization")),
        "{body}"
    );
    // A responder cannot mint an admin-scoped key.
    let (status, body) = app
        .call(
            "/api/apikeys/create",
            json!({"name": "x", "scopes": ["admin"], "expires_in_days": null}),
            &session,
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("scopes")));

    // Tampered and malformed credentials.
    let tampered = Cred::Key(format!("{}x", secret));
    let (status, body) = app.call("/api/auth/me", json!({}), &tampered).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (401, Some("authorization"))
    );
    let basic = app
        .http
        .post(app.url("/api/auth/me"))
        .header("authorization", "Basic abc")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);

    // A key is exempt from the browser origin check (it cannot ride on a cookie).
    let cross = app
        .http
        .post(app.url("/api/auth/me"))
        .bearer_auth(&secret)
        .header("origin", "https://elsewhere.example")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 200);

    // Expiry.
    app.clock.advance(Duration::days(31));
    let (status, body) = app.call("/api/auth/me", json!({}), &key).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (401, Some("authorization"))
    );

    // Revocation.
    let session = app.session_for(responder.id).await;
    let (_, second) = app
        .call(
            "/api/apikeys/create",
            json!({"name": "ci", "scopes": ["incidents:write"], "expires_in_days": null}),
            &session,
        )
        .await;
    let key2 = Cred::Key(second["secret"].as_str().unwrap().to_owned());
    assert_eq!(me(&app, &key2).await, 200);
    let (status, _) = app
        .call(
            "/api/apikeys/revoke",
            json!({"id": second["key"]["id"]}),
            &session,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(me(&app, &key2).await, 401);
    let (status, _) = app
        .call(
            "/api/apikeys/revoke",
            json!({"id": second["key"]["id"]}),
            &session,
        )
        .await;
    assert_eq!(status, 404, "revoking twice finds no live key");

    // Disabling the owner stops every key.
    let admin = app.admin_session().await;
    let (_, third) = app
        .call(
            "/api/apikeys/create",
            json!({"name": "c", "scopes": ["incidents:read"], "expires_in_days": null}),
            &session,
        )
        .await;
    let key3 = Cred::Key(third["secret"].as_str().unwrap().to_owned());
    assert_eq!(me(&app, &key3).await, 200);
    app.call(
        "/api/users/set-status",
        json!({"user_id": responder.id, "status": "DISABLED"}),
        &admin,
    )
    .await;
    assert_eq!(me(&app, &key3).await, 401);
    let actions = audit_actions(&app).await;
    assert_eq!(actions.iter().filter(|a| *a == "apikey.create").count(), 3);
    assert!(actions.contains(&"apikey.revoke".to_owned()));
}

#[tokio::test]
async fn invites_work_once_until_they_expire_and_a_weak_password_does_not_burn_them() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (status, issued) = app
        .call(
            "/api/users/invite",
            json!({"email": "Nia@Example.com", "name": "Nia", "role": "RESPONDER"}),
            &admin,
        )
        .await;
    assert_eq!(status, 200, "{issued}");
    assert_eq!(issued["emailed"], false, "no SMTP configured");
    assert_eq!(issued["user"]["status"], "INVITED");
    let link = issued["link"].as_str().unwrap();
    let token = link.split("token=").nth(1).unwrap().to_owned();
    assert!(link.starts_with(&app.base));
    assert_eq!(app.page("/invite", &Cred::Anonymous).await.0, 200);

    let (status, owner) = app
        .call(
            "/api/auth/link-info",
            json!({"token": token, "purpose": "invite"}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!(
        (status, owner["email"].as_str()),
        (200, Some("nia@example.com"))
    );
    // The invite is not a reset link.
    let (status, body) = app
        .call(
            "/api/auth/reset-password",
            json!({"token": token, "password": NEW_PW}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("token")));
    // Cannot sign in before accepting.
    assert_eq!(login(&app, "nia@example.com", NEW_PW).await.0, 401);

    let (status, body) = app
        .call(
            "/api/auth/accept-invite",
            json!({"token": token, "password": "short"}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("password")));

    let res = app
        .post_json(
            "/api/auth/accept-invite",
            json!({"token": token, "password": NEW_PW}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let cookie = cookie_of(&res);
    assert_eq!(me(&app, &cookie).await, 200, "accepting signs in");
    assert_eq!(login(&app, "nia@example.com", NEW_PW).await.0, 200);

    let (status, body) = app
        .call(
            "/api/auth/accept-invite",
            json!({"token": token, "password": NEW_PW}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("token")),
        "single use"
    );

    // A second invite expires after 7 days.
    let (_, issued) = app
        .call(
            "/api/users/invite",
            json!({"email": "omar@example.com", "name": "Omar", "role": "USER"}),
            &admin,
        )
        .await;
    let token = issued["link"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    app.clock.advance(Duration::days(7) + Duration::seconds(1));
    let (status, body) = app
        .call(
            "/api/auth/accept-invite",
            json!({"token": token, "password": NEW_PW}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("token")),
        "expired"
    );
    let status: String =
        sqlx::query_scalar("SELECT status FROM users WHERE email = 'omar@example.com'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(status, "INVITED");
    assert!(
        audit_actions(&app)
            .await
            .contains(&"user.invite_accepted".to_owned())
    );
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_and_ends_every_session() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let user = app.add_user("pat@example.com", Role::User).await;
    let old_session = app.session_for(user.id).await;
    let (_, issued) = app
        .call("/api/users/reset-link", json!({"user_id": user.id}), &admin)
        .await;
    let token = issued["link"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();

    let res = app
        .post_json(
            "/api/auth/reset-password",
            json!({"token": token, "password": NEW_PW}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(me(&app, &old_session).await, 401, "old sessions end");
    assert_eq!(
        me(&app, &cookie_of(&res)).await,
        200,
        "this browser is signed in"
    );
    assert_eq!(login(&app, "pat@example.com", PASSWORD).await.0, 401);
    assert_eq!(login(&app, "pat@example.com", NEW_PW).await.0, 200);
    let (status, _) = app
        .call(
            "/api/auth/reset-password",
            json!({"token": token, "password": "another-long-password"}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!(status, 400, "single use");

    // Admin-issued reset links last 24 hours.
    let (_, issued) = app
        .call("/api/users/reset-link", json!({"user_id": user.id}), &admin)
        .await;
    let token = issued["link"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    app.clock
        .advance(Duration::hours(24) + Duration::seconds(1));
    let (status, _) = app
        .call(
            "/api/auth/reset-password",
            json!({"token": token, "password": "another-long-password"}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!(status, 400, "expired");
}

#[tokio::test]
async fn password_role_and_status_changes_revoke_the_users_sessions() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let user = app.add_user("sam@example.com", Role::Responder).await;

    // Password change: every session ends, this browser gets a new one.
    let (_, here) = login(&app, "sam@example.com", PASSWORD).await;
    let here = here.unwrap();
    let elsewhere = app.session_for(user.id).await;
    let (status, body) = app
        .call(
            "/api/profile/change-password",
            json!({"current_password": "wrong-password-x", "new_password": NEW_PW}),
            &here,
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("current_password"))
    );
    assert_eq!(
        me(&app, &elsewhere).await,
        200,
        "a failed change revokes nothing"
    );
    let res = app
        .http
        .post(app.url("/api/profile/change-password"))
        .header(
            "cookie",
            match &here {
                Cred::Cookie(c) => c.clone(),
                _ => unreachable!(),
            },
        )
        .json(&json!({"current_password": PASSWORD, "new_password": NEW_PW}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(me(&app, &elsewhere).await, 401);
    assert_eq!(me(&app, &here).await, 401, "the old cookie is dead too");
    assert_eq!(
        me(&app, &cookie_of(&res)).await,
        200,
        "replaced by a fresh session"
    );

    // Role change.
    let s = app.session_for(user.id).await;
    let (status, body) = app
        .call(
            "/api/users/set-role",
            json!({"user_id": user.id, "role": "USER"}),
            &admin,
        )
        .await;
    assert_eq!((status, body["role"].as_str()), (200, Some("USER")));
    assert_eq!(me(&app, &s).await, 401);

    // Disable, then enable: sessions from before stay dead.
    let s = app.session_for(user.id).await;
    app.call(
        "/api/users/set-status",
        json!({"user_id": user.id, "status": "DISABLED"}),
        &admin,
    )
    .await;
    assert_eq!(me(&app, &s).await, 401);
    assert_eq!(login(&app, "sam@example.com", NEW_PW).await.0, 401);
    app.call(
        "/api/users/set-status",
        json!({"user_id": user.id, "status": "ACTIVE"}),
        &admin,
    )
    .await;
    assert_eq!(me(&app, &s).await, 401);
    assert_eq!(login(&app, "sam@example.com", NEW_PW).await.0, 200);

    // The last active admin can be neither demoted nor disabled.
    let root: app::domain::UserId =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'root@example.com'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (status, _) = app
        .call(
            "/api/users/set-role",
            json!({"user_id": root, "role": "RESPONDER"}),
            &admin,
        )
        .await;
    assert_eq!(status, 409);
    let (status, _) = app
        .call(
            "/api/users/set-status",
            json!({"user_id": root, "status": "DISABLED"}),
            &admin,
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(me(&app, &admin).await, 200);
    let actions = audit_actions(&app).await;
    for a in [
        "user.password_change",
        "user.role_change",
        "user.disable",
        "user.enable",
    ] {
        assert!(actions.contains(&a.to_owned()), "{a} audited: {actions:?}");
    }
}

#[tokio::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let user = app.add_user("val@example.com", Role::Responder).await;
    let s = app.session_for(user.id).await;
    let audit_before = app.count("audit_log").await;

    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "/api/profile/update",
            json!({"name": "n".repeat(101), "time_zone": "UTC"}),
            "name",
        ),
        (
            "/api/profile/update",
            json!({"name": "Val", "time_zone": "Moon/Base"}),
            "time_zone",
        ),
        (
            "/api/users/invite",
            json!({"email": "not an email", "name": "X", "role": "USER"}),
            "email",
        ),
        (
            "/api/users/invite",
            json!({"email": "x@example.com", "name": "X".repeat(101), "role": "USER"}),
            "name",
        ),
        (
            "/api/users/invite",
            json!({"email": "x@example.com", "name": "X", "role": "ROOT"}),
            "role",
        ),
        (
            "/api/profile/contact-methods/add",
            json!({"kind": "SMS", "address": "0170 1234567", "label": "Cell"}),
            "address",
        ),
        (
            "/api/profile/contact-methods/add",
            json!({"kind": "SMS", "address": "+1 415 555 012345678", "label": "Cell"}),
            "address",
        ),
        (
            "/api/profile/contact-methods/add",
            json!({"kind": "EMAIL", "address": "nope", "label": "Work"}),
            "address",
        ),
        (
            "/api/profile/contact-methods/add",
            json!({"kind": "FAX", "address": "+14155550123", "label": "Work"}),
            "kind",
        ),
        (
            "/api/teams/create",
            json!({"name": "", "description": ""}),
            "name",
        ),
        (
            "/api/apikeys/create",
            json!({"name": "k", "scopes": ["root"], "expires_in_days": null}),
            "scopes",
        ),
        (
            "/api/apikeys/create",
            json!({"name": "k", "scopes": ["incidents:read"], "expires_in_days": 0}),
            "expires_in_days",
        ),
    ];
    for (path, body, field) in cases {
        let cred = if path.starts_with("/api/users") || path.starts_with("/api/teams") {
            &admin
        } else {
            &s
        };
        let (status, json) = app.call(path, body.clone(), cred).await;
        assert_eq!(status, 400, "{path} {body}: {json}");
        assert_eq!(json["error"], "invalid");
        assert_eq!(json["field"], field, "{path} {body}: {json}");
    }
    assert_eq!(app.count("users").await, 2);
    assert_eq!(app.count("contact_methods").await, 0);
    assert_eq!(app.count("teams").await, 0);
    assert_eq!(app.count("api_keys").await, 0);
    assert_eq!(app.count("audit_log").await, audit_before);
    let name: String = sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(user.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(name, "val");

    // A tampered session cookie.
    let (status, json) = app
        .call(
            "/api/profile/update",
            json!({"name": "X", "time_zone": "UTC"}),
            &Cred::Cookie("ok_session=forged".into()),
        )
        .await;
    assert_eq!((status, json["field"].as_str()), (401, Some("cookie")));
    // A cross-origin browser POST with a valid cookie.
    let res = app
        .http
        .post(app.url("/api/profile/update"))
        .header(
            "cookie",
            match &s {
                Cred::Cookie(c) => c.clone(),
                _ => unreachable!(),
            },
        )
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://evil.example")
        .json(&json!({"name": "Pwned", "time_zone": "UTC"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<Value>().await.unwrap()["field"], "origin");
    let name: String = sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(user.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(name, "val");

    // And the happy paths normalise what they store.
    let (status, m) = app
        .call(
            "/api/profile/contact-methods/add",
            json!({"kind": "sms", "address": "+1 (415) 555-0123", "label": "Cell"}),
            &s,
        )
        .await;
    assert_eq!(
        (status, m["address"].as_str(), m["verified"].as_bool()),
        (200, Some("+14155550123"), Some(false))
    );
    let (status, m) = app
        .call(
            "/api/profile/contact-methods/add",
            json!({"kind": "EMAIL", "address": "VAL@example.com", "label": "Login"}),
            &s,
        )
        .await;
    assert_eq!(
        (status, m["verified"].as_bool()),
        (200, Some(true)),
        "the sign-in email is verified"
    );
    let (status, json) = app
        .call(
            "/api/profile/contact-methods/add",
            json!({"kind": "SMS", "address": "+14155550123", "label": "Again"}),
            &s,
        )
        .await;
    assert_eq!(
        (status, json["field"].as_str()),
        (400, Some("address")),
        "duplicate"
    );
    let (status, u) = app
        .call(
            "/api/profile/update",
            json!({"name": " Val K ", "time_zone": "europe/berlin"}),
            &s,
        )
        .await;
    assert_eq!(
        (status, u["name"].as_str(), u["time_zone"].as_str()),
        (200, Some("Val K"), Some("Europe/Berlin"))
    );
}

#[tokio::test]
async fn team_owners_manage_their_team_and_one_lead_at_a_time() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let owner = app.add_user("olga@example.com", Role::User).await;
    let a = app.add_user("ann@example.com", Role::Responder).await;
    let b = app.add_user("ben@example.com", Role::Responder).await;
    let (status, team) = app
        .call(
            "/api/teams/create",
            json!({"name": "Payments", "description": "Card rails"}),
            &admin,
        )
        .await;
    assert_eq!(status, 200);
    let (status, dup) = app
        .call(
            "/api/teams/create",
            json!({"name": "payments", "description": ""}),
            &admin,
        )
        .await;
    assert_eq!(
        (status, dup["field"].as_str()),
        (400, Some("name")),
        "names are unique regardless of case"
    );
    let id = team["id"].clone();
    app.call(
        "/api/teams/set-member",
        json!({"team_id": id, "user_id": owner.id, "role": "OWNER", "is_lead": false}),
        &admin,
    )
    .await;

    let o = app.session_for(owner.id).await;
    for (user, lead) in [(a.id, true), (b.id, true)] {
        let (status, body) = app
            .call(
                "/api/teams/set-member",
                json!({"team_id": id, "user_id": user, "role": "MEMBER", "is_lead": lead}),
                &o,
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, detail) = app.call("/api/teams/get", json!({"id": id}), &o).await;
    assert_eq!(detail["can_manage"], true);
    let leads: Vec<&str> = detail["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["is_lead"] == true)
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert_eq!(leads, ["ben@example.com"], "the lead flag moved");
    assert_eq!(detail["team"]["lead"], "ben");
    assert_eq!(detail["team"]["member_count"], 3);

    // A plain member cannot manage; the owner can remove them.
    let member = app.session_for(a.id).await;
    let (status, _) = app
        .call(
            "/api/teams/remove-member",
            json!({"team_id": id, "user_id": b.id}),
            &member,
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call(
            "/api/teams/remove-member",
            json!({"team_id": id, "user_id": b.id}),
            &o,
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .call("/api/teams/set-member", json!({"team_id": id, "user_id": uuid::Uuid::new_v4(), "role": "MEMBER", "is_lead": false}), &o)
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("user_id")));
    let actions = audit_actions(&app).await;
    assert!(
        actions.contains(&"team.member_set".to_owned())
            && actions.contains(&"team.member_remove".to_owned())
    );
}

#[tokio::test]
async fn the_audit_log_pages_newest_first_and_filters_by_action() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    for i in 0..5 {
        app.call(
            "/api/teams/create",
            json!({"name": format!("Team {i}"), "description": ""}),
            &admin,
        )
        .await;
    }
    app.post_json(
        "/api/auth/login",
        json!({"email": "nobody@example.com", "password": "wrong"}),
    )
    .await;
    let (status, page1) = app
        .call(
            "/api/audit/list",
            json!({"before": null, "action": "team.", "limit": 2}),
            &admin,
        )
        .await;
    assert_eq!(status, 200);
    let targets = |p: &Value| -> Vec<String> {
        p["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["target"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(targets(&page1), ["Team 4", "Team 3"]);
    assert_eq!(page1["entries"][0]["actor"], "root@example.com");
    let (_, page2) = app
        .call(
            "/api/audit/list",
            json!({"before": page1["next_before"], "action": "team.", "limit": 2}),
            &admin,
        )
        .await;
    assert_eq!(targets(&page2), ["Team 2", "Team 1"]);
    let (_, page3) = app
        .call(
            "/api/audit/list",
            json!({"before": page2["next_before"], "action": "team.", "limit": 2}),
            &admin,
        )
        .await;
    assert_eq!(targets(&page3), ["Team 0"]);
    assert!(page3["next_before"].is_null());
    let (_, logins) = app
        .call(
            "/api/audit/list",
            json!({"before": null, "action": "login.", "limit": 50}),
            &admin,
        )
        .await;
    assert_eq!(logins["entries"][0]["action"], "login.failure");
    assert!(logins["entries"][0]["actor"].is_null());
    let (status, body) = app
        .call(
            "/api/audit/list",
            json!({"before": null, "action": "", "limit": 0}),
            &admin,
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("limit")));
}

async fn app_with_smtp() -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let mailer = opsknight_server::notify::email::SmtpMailer::from_url(
        &sink.url(),
        "OpsKnight <pager@example.com>",
    )
    .unwrap();
    (spawn_app_with_mailer(Arc::new(mailer)).await, sink)
}

#[tokio::test]
async fn with_smtp_invites_and_resets_are_emailed_not_returned() {
    let (app, sink) = app_with_smtp().await;
    let admin = app.admin_session().await;
    let (status, issued) = app
        .call(
            "/api/users/invite",
            json!({"email": "quinn@example.com", "name": "Quinn", "role": "RESPONDER"}),
            &admin,
        )
        .await;
    assert_eq!(status, 200, "{issued}");
    assert_eq!(issued["emailed"], true);
    assert!(
        issued["link"].is_null(),
        "an emailed link reaches only the inbox"
    );
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "sent before the response");
    assert!(mails[0].contains("quinn@example.com") && mails[0].contains("pager@example.com"));
    assert!(mails[0].contains("Subject: You are invited to OpsKnight"));
    let link = link_in(&mails[0], "invite");
    let token = link.split("token=").nth(1).unwrap();
    let (status, _) = app
        .call(
            "/api/auth/accept-invite",
            json!({"token": token, "password": NEW_PW}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!(status, 200);

    // Forgot password: the same answer for known and unknown emails; only the known one mails.
    let (status, _) = app
        .call(
            "/api/auth/forgot-password",
            json!({"email": "nobody@example.com"}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call(
            "/api/auth/forgot-password",
            json!({"email": "QUINN@example.com"}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!(status, 200);
    let mails = sink.wait_for(2).await;
    assert!(mails[1].contains("Subject: Reset your OpsKnight password"));
    // A second request within 5 minutes sends nothing new.
    app.call(
        "/api/auth/forgot-password",
        json!({"email": "quinn@example.com"}),
        &Cred::Anonymous,
    )
    .await;
    let token = link_in(&mails[1], "reset")
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    let (status, _) = app
        .call(
            "/api/auth/reset-password",
            json!({"token": token, "password": "brand-new-password"}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        login(&app, "quinn@example.com", "brand-new-password")
            .await
            .0,
        200
    );
    assert_eq!(
        sink.messages().len(),
        2,
        "the throttled request sent nothing"
    );
    let tokens: i64 =
        sqlx::query_scalar("SELECT count(*) FROM user_tokens WHERE purpose = 'RESET'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(tokens, 1);
}

#[tokio::test]
async fn concurrent_uses_of_one_link_succeed_exactly_once() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (_, issued) = app
        .call(
            "/api/users/invite",
            json!({"email": "rio@example.com", "name": "Rio", "role": "USER"}),
            &admin,
        )
        .await;
    let token = issued["link"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    let calls = (0..6).map(|i| {
        let (app, token) = (&app, token.clone());
        async move {
            app.call(
                "/api/auth/accept-invite",
                json!({"token": token, "password": format!("{NEW_PW}-{i}")}),
                &Cred::Anonymous,
            )
            .await
            .0
        }
    });
    let mut statuses = futures_join(calls).await;
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400, 400, 400, 400, 400]);
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'rio@example.com'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 1);
}

/// Runs futures concurrently on this task and collects their outputs in order.
async fn futures_join<F: std::future::Future<Output = u16>>(
    futs: impl Iterator<Item = F>,
) -> Vec<u16> {
    let mut set = Vec::new();
    for f in futs {
        set.push(Box::pin(f));
    }
    let mut out = vec![0; set.len()];
    let mut done = vec![false; set.len()];
    std::future::poll_fn(|cx| {
        for (i, f) in set.iter_mut().enumerate() {
            if !done[i]
                && let std::task::Poll::Ready(v) = f.as_mut().poll(cx)
            {
                out[i] = v;
                done[i] = true;
            }
        }
        if done.iter().all(|d| *d) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out
}
