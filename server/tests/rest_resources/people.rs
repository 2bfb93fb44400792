//! REST v1 resources about people: users, teams and members, contact methods and
//! notification rules, API keys and the audit log. Helpers are `rest_resources.rs`'s.

use app::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

use super::common::Cred;
use super::{NOBODY, created, delete, get, patch, post, send, setup};

#[tokio::test]
async fn users_are_invited_paged_and_changed_by_admins() {
    let (app, _admin, key) = setup(&["admin"]).await;
    let me = get(&app, "/api/v1/users/me", &key).await;
    assert_eq!(
        (me.status, &me.body["email"]),
        (200, &json!("root@example.com"))
    );
    let res = post(
        &app,
        "/api/v1/users",
        &key,
        json!({"email": "ann@example.com", "name": "Ann", "role": "USER"}),
    )
    .await;
    let (path, _) = created(&app, &res, &key).await;
    assert_eq!(res.body["status"], "INVITED");
    assert_eq!(res.body["invite"]["emailed"], false);
    assert!(
        res.body["invite"]["link"]
            .as_str()
            .unwrap()
            .contains("/invite?token=")
    );
    let bob = app.add_user("bob@example.com", Role::Responder).await;
    let bob_path = format!("/api/v1/users/{}", bob.id);
    let etag = get(&app, &bob_path, &key).await.header("etag");

    // Paging: three users, pages of two.
    let first = get(&app, "/api/v1/users?limit=2", &key).await;
    assert_eq!(first.body["total"], 3);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = get(
        &app,
        &format!("/api/v1/users?limit=2&cursor={cursor}"),
        &key,
    )
    .await;
    assert_eq!(second.body["users"].as_array().unwrap().len(), 1);
    assert_eq!(second.body["next_cursor"], Value::Null);
    assert_eq!(
        get(&app, "/api/v1/users?limit=0", &key).await.field(),
        (422, Some("limit"))
    );

    // Role and status change together; bad input changes neither.
    for (body, field) in [
        (json!({"role": "USER", "status": "GONE"}), "status"),
        (json!({"role": "KING", "status": "DISABLED"}), "role"),
        (json!({"name": "Robert"}), "body"),
    ] {
        let res = patch(&app, &bob_path, &key, body.clone(), None).await;
        assert_eq!(res.status, 422, "{body} → {}", res.body);
        if field != "body" {
            assert_eq!(res.body["field"], field);
        }
    }
    let res = patch(
        &app,
        &path,
        &key,
        json!({"role": "ADMIN", "status": "ACTIVE"}),
        None,
    )
    .await;
    assert_eq!(
        res.field(),
        (422, Some("status")),
        "an invited user is activated by the invite"
    );
    assert_eq!(get(&app, &path, &key).await.body["role"], "USER");
    let res = patch(
        &app,
        &bob_path,
        &key,
        json!({"role": "USER", "status": "DISABLED"}),
        Some(&etag),
    )
    .await;
    assert_eq!(
        (res.status, &res.body["role"], &res.body["status"]),
        (200, &json!("USER"), &json!("DISABLED"))
    );
    let res = patch(
        &app,
        &bob_path,
        &key,
        json!({"status": "ACTIVE"}),
        Some(&etag),
    )
    .await;
    assert_eq!(res.status, 412);
    assert_eq!(get(&app, &bob_path, &key).await.body["status"], "DISABLED");
    let res = patch(
        &app,
        "/api/v1/users/me",
        &key,
        json!({"role": "USER"}),
        None,
    )
    .await;
    assert_eq!(
        (res.status, &res.body["error"]),
        (409, &json!("conflict")),
        "the last admin"
    );
    let link = post(&app, &format!("{path}/reset-link"), &key, json!({})).await;
    assert_eq!(link.status, 200, "{}", link.body);

    // Unknown ids are 404; keys without the admin scope read the directory but change nothing.
    assert_eq!(
        get(&app, &format!("/api/v1/users/{NOBODY}"), &key)
            .await
            .status,
        404
    );
    assert_eq!(get(&app, "/api/v1/users/nobody", &key).await.status, 404);
    assert_eq!(
        patch(
            &app,
            &format!("/api/v1/users/{NOBODY}"),
            &key,
            json!({"role": "USER"}),
            None
        )
        .await
        .status,
        404
    );
    let narrow = app
        .key_for(
            &app.add_user("cy@example.com", Role::Admin).await,
            &["incidents:read"],
        )
        .await;
    assert_eq!(get(&app, "/api/v1/users", &narrow).await.status, 200);
    let res = post(
        &app,
        "/api/v1/users",
        &narrow,
        json!({"email": "d@example.com", "name": "D", "role": "USER"}),
    )
    .await;
    assert_eq!(
        (res.status, res.body["field"].as_str()),
        (403, Some("authorization"))
    );
    assert_eq!(app.count("users").await, 4);
}

#[tokio::test]
async fn teams_and_their_members() {
    let (app, admin, key) = setup(&["admin"]).await;
    let res = post(&app, "/api/v1/teams", &key, json!({"name": "SRE"})).await;
    let (path, etag) = created(&app, &res, &key).await;
    let member = format!("{path}/members/{}", admin.id);
    let res = send(
        &app,
        Method::PUT,
        &member,
        &key,
        Some(json!({"role": "OWNER", "is_lead": true})),
        &[],
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.header("location"), member);
    let res = send(
        &app,
        Method::PUT,
        &member,
        &key,
        Some(json!({"role": "MEMBER"})),
        &[],
    )
    .await;
    assert_eq!(
        (res.status, &res.body["role"], &res.body["is_lead"]),
        (200, &json!("MEMBER"), &json!(false))
    );
    let res = send(
        &app,
        Method::PUT,
        &member,
        &key,
        Some(json!({"role": "CAPTAIN"})),
        &[],
    )
    .await;
    assert_eq!(res.field(), (422, Some("role")));
    let res = send(
        &app,
        Method::PUT,
        &format!("{path}/members/{NOBODY}"),
        &key,
        Some(json!({"role": "MEMBER"})),
        &[],
    )
    .await;
    assert_eq!(res.status, 404, "{}", res.body);
    let members = get(&app, &format!("{path}/members"), &key).await;
    assert_eq!(members.body["members"].as_array().unwrap().len(), 1);

    let res = patch(
        &app,
        &path,
        &key,
        json!({"description": "Reliability"}),
        Some(&etag),
    )
    .await;
    assert_eq!(res.status, 412, "the membership changed the member count");
    let res = patch(&app, &path, &key, json!({"name": ""}), None).await;
    assert_eq!(res.field(), (422, Some("name")));
    let fresh = get(&app, &path, &key).await.header("etag");
    let res = patch(
        &app,
        &path,
        &key,
        json!({"description": "Reliability"}),
        Some(&fresh),
    )
    .await;
    assert_eq!((res.status, &res.body["name"]), (200, &json!("SRE")));

    let reader = app.key_for(&admin, &["services:read"]).await;
    assert_eq!(
        get(&app, "/api/v1/teams", &reader).await.body["teams"][0]["description"],
        "Reliability"
    );
    assert_eq!(
        post(&app, "/api/v1/teams", &reader, json!({"name": "Ops"}))
            .await
            .status,
        403
    );
    assert_eq!(delete(&app, &member, &reader).await.status, 403);
    assert_eq!(app.count("teams").await, 1);

    assert_eq!(delete(&app, &member, &key).await.status, 204);
    assert_eq!(delete(&app, &member, &key).await.status, 404);
    assert_eq!(delete(&app, &path, &key).await.status, 204);
    assert_eq!(get(&app, &path, &key).await.status, 404);
    assert_eq!(app.count("teams").await, 0);
}

#[tokio::test]
async fn contact_methods_and_notification_rules_belong_to_their_user() {
    let (app, admin, key) = setup(&["admin"]).await;
    let mine = "/api/v1/users/me/contact-methods";
    let res = post(
        &app,
        mine,
        &key,
        json!({"kind": "EMAIL", "address": "pager@example.com", "label": "Pager"}),
    )
    .await;
    let (method, _) = created(&app, &res, &key).await;
    let method_id = res.body["id"].as_str().unwrap().to_owned();
    for (body, field) in [
        (json!({"kind": "FAX", "address": "1", "label": "x"}), "kind"),
        (
            json!({"kind": "SMS", "address": "call me", "label": "x"}),
            "address",
        ),
        (
            json!({"kind": "EMAIL", "address": "pager@example.com", "label": "again"}),
            "address",
        ),
    ] {
        let res = post(&app, mine, &key, body.clone()).await;
        assert_eq!(res.field(), (422, Some(field)), "{body} → {}", res.body);
    }
    assert_eq!(app.count("contact_methods").await, 1);

    let rules = format!("/api/v1/users/{}/notification-rules", admin.id);
    let res = post(
        &app,
        &rules,
        &key,
        json!({"contact_method_id": method_id, "delay_minutes": 5}),
    )
    .await;
    let (rule, _) = created(&app, &res, &key).await;
    assert_eq!(res.body["address"], "pager@example.com");
    for (body, field) in [
        (
            json!({"contact_method_id": method_id, "delay_minutes": 5000}),
            "delay_minutes",
        ),
        (
            json!({"contact_method_id": NOBODY, "delay_minutes": 1}),
            "contact_method_id",
        ),
        (json!({"contact_method_id": method_id}), "delay_minutes"),
    ] {
        let res = post(&app, &rules, &key, body.clone()).await;
        assert_eq!(res.field(), (422, Some(field)), "{body} → {}", res.body);
    }
    assert_eq!(app.count("notification_rules").await, 1);

    // Another user's: an admin reads them; nobody else changes them; keys need `admin`.
    let ann = app.add_user("ann@example.com", Role::Responder).await;
    let ann_session = app.session_for(ann.id).await;
    let admins_rules = get(&app, &rules, &ann_session).await;
    assert_eq!(admins_rules.status, 403);
    let ann_methods = format!("/api/v1/users/{}/contact-methods", ann.id);
    assert_eq!(
        get(&app, &ann_methods, &key).await.body["contact_methods"],
        json!([])
    );
    let res = post(
        &app,
        &ann_methods,
        &key,
        json!({"kind": "EMAIL", "address": "x@example.com", "label": "x"}),
    )
    .await;
    assert_eq!(res.status, 403);
    assert_eq!(delete(&app, &method, &ann_session).await.status, 403);
    let narrow = app.key_for(&admin, &["services:write"]).await;
    assert_eq!(get(&app, mine, &narrow).await.status, 403);
    assert_eq!(
        get(
            &app,
            &format!("/api/v1/users/{NOBODY}/contact-methods"),
            &key
        )
        .await
        .status,
        404
    );
    assert_eq!(
        get(&app, &format!("{mine}/{NOBODY}"), &key).await.status,
        404
    );

    assert_eq!(delete(&app, &rule, &key).await.status, 204);
    assert_eq!(get(&app, &rule, &key).await.status, 404);
    assert_eq!(delete(&app, &method, &key).await.status, 204);
    assert_eq!(app.count("contact_methods").await, 0);
}

#[tokio::test]
async fn api_keys_are_made_read_and_revoked_and_the_audit_log_pages() {
    let (app, admin, key) = setup(&["admin"]).await;
    let res = post(
        &app,
        "/api/v1/api-keys",
        &key,
        json!({"name": "ci", "scopes": ["services:read"], "expires_in_days": 30}),
    )
    .await;
    let (path, _) = created(&app, &res, &key).await;
    let secret = Cred::Key(res.body["secret"].as_str().unwrap().to_owned());
    assert!(get(&app, &path, &key).await.body.get("secret").is_none());
    assert_eq!(get(&app, "/api/v1/services", &secret).await.status, 200);
    // The new key is narrower: it manages no keys.
    assert_eq!(get(&app, "/api/v1/api-keys", &secret).await.status, 403);
    for (body, field) in [
        (json!({"name": "x", "scopes": ["root"]}), "scopes"),
        (json!({"name": "x", "scopes": []}), "scopes"),
        (
            json!({"name": "x", "scopes": ["admin"], "expires_in_days": 0}),
            "expires_in_days",
        ),
        (json!({"scopes": ["admin"]}), "name"),
    ] {
        let res = post(&app, "/api/v1/api-keys", &key, body.clone()).await;
        assert_eq!(res.field(), (422, Some(field)), "{body} → {}", res.body);
    }
    assert_eq!(app.count("api_keys").await, 2);
    assert_eq!(delete(&app, &path, &key).await.status, 204);
    assert_eq!(get(&app, "/api/v1/services", &secret).await.status, 401);
    assert_eq!(delete(&app, &path, &key).await.status, 404);
    assert_eq!(
        get(&app, &format!("/api/v1/api-keys/{NOBODY}"), &key)
            .await
            .status,
        404
    );

    // The audit log: newest first, by action prefix, one entry a page.
    let page = get(&app, "/api/v1/audit-log?action=apikey.&limit=1", &key).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.body["entries"][0]["action"], "apikey.revoke");
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let next = get(
        &app,
        &format!("/api/v1/audit-log?action=apikey.&limit=1&cursor={cursor}"),
        &key,
    )
    .await;
    assert_eq!(next.body["entries"][0]["action"], "apikey.create");
    assert_eq!(
        next.body["entries"][0]["details"]["scopes"],
        json!(["services:read"])
    );
    assert_eq!(next.body["next_cursor"], Value::Null);
    assert_eq!(
        get(&app, "/api/v1/audit-log?limit=500", &key).await.field(),
        (422, Some("limit"))
    );
    assert_eq!(
        get(&app, "/api/v1/audit-log?cursor=x", &key).await.field(),
        (422, Some("cursor"))
    );
    let narrow = app.key_for(&admin, &["services:write"]).await;
    assert_eq!(get(&app, "/api/v1/audit-log", &narrow).await.status, 403);
}
