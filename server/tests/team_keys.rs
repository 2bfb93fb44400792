//! Team-owned API keys: a key acts as its team's service account, so it outlives its
//! creator; who may make one; and the service account as a non-person (no sign-in, not in the
//! directory, never a team member, escalation target or on-call participant, never paged).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use common::{Cred, TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    cred: &Cred,
    body: Option<Value>,
) -> (u16, Value) {
    let (s, _, json) = app.send(method, path, cred, body, &[]).await;
    (s, json)
}

async fn me(app: &TestApp, cred: &Cred) -> u16 {
    app.call("/api/auth/me", json!({}), cred).await.0
}

/// A team made by an admin; returns its id.
async fn team(app: &TestApp, admin: &Cred, name: &str) -> String {
    let (s, t) = send(
        app,
        Method::POST,
        "/api/v1/teams",
        admin,
        Some(json!({"name": name})),
    )
    .await;
    assert_eq!(s, 201, "{t}");
    t["id"].as_str().unwrap().to_owned()
}

async fn join(app: &TestApp, admin: &Cred, team: &str, user: app::domain::UserId, role: &str) {
    let path = format!("/api/v1/teams/{team}/members/{user}");
    let (s, b) = send(app, Method::PUT, &path, admin, Some(json!({"role": role}))).await;
    assert!(s == 200 || s == 201, "{s} {b}");
}

/// Makes a team key as `cred`: (status, answer).
async fn make_key(app: &TestApp, cred: &Cred, team: &str, scopes: &[&str]) -> (u16, Value) {
    let path = format!("/api/v1/teams/{team}/api-keys");
    let body = json!({"name": "deploys", "scopes": scopes, "expires_in_days": 365});
    send(app, Method::POST, &path, cred, Some(body)).await
}

fn secret(key: &Value) -> Cred {
    Cred::Key(key["secret"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_team_key_acts_as_the_team_and_outlives_its_creator() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let payments = team(&app, &admin, "Payments").await;
    let olga = app.add_user("olga@example.com", Role::Responder).await;
    join(&app, &admin, &payments, olga.id, "OWNER").await;
    let olga_session = app.session_for(olga.id).await;
    let olga_own_key = app.key_for(&olga, &["incidents:read"]).await;

    let (s, made) = make_key(
        &app,
        &olga_session,
        &payments,
        &["incidents:read", "incidents:write"],
    )
    .await;
    assert_eq!(s, 201, "{made}");
    assert_eq!(made["owner"]["team_id"], payments.as_str());
    assert_eq!(made["owner"]["name"], "Payments");
    assert_eq!(made["created_by"], json!(olga.id));
    let team_key = secret(&made);
    let (s, _) = make_key(&app, &olga_session, &payments, &["events:write"]).await;
    assert_eq!(s, 201);

    // It acts as the team's one service account, a RESPONDER.
    let (s, who) = send(&app, Method::GET, "/api/v1/users/me", &team_key, None).await;
    assert_eq!(s, 200, "{who}");
    assert_eq!(
        (who["role"].as_str(), who["service_team_id"].as_str()),
        (Some("RESPONDER"), Some(payments.as_str()))
    );
    let accounts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE service_team_id IS NOT NULL")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(accounts, 1, "one service account per team");
    // The team's members see its keys and who made them; nobody sees a secret again.
    let list = format!("/api/v1/teams/{payments}/api-keys");
    let (s, keys) = send(&app, Method::GET, &list, &olga_session, None).await;
    assert_eq!(
        (s, keys["api_keys"].as_array().unwrap().len()),
        (200, 2),
        "{keys}"
    );
    assert_eq!(keys["api_keys"][1]["created_by_name"], "olga");
    assert!(keys["api_keys"][0].get("secret").is_none());
    let one = format!("{list}/{}", made["id"].as_str().unwrap());
    let (s, got) = send(&app, Method::GET, &one, &olga_session, None).await;
    assert_eq!((s, got["name"].as_str()), (200, Some("deploys")));
    // Olga's own list is hers alone.
    let (_, own) = send(&app, Method::GET, "/api/v1/api-keys", &olga_session, None).await;
    assert_eq!(own["api_keys"].as_array().unwrap().len(), 1, "{own}");

    // Olga leaves: disabled, her own key stops, the team's keeps working.
    let olga_path = format!("/api/v1/users/{}", olga.id);
    let (s, _) = send(
        &app,
        Method::PATCH,
        &olga_path,
        &admin,
        Some(json!({"status": "DISABLED"})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(me(&app, &olga_own_key).await, 401);
    assert_eq!(
        send(&app, Method::GET, "/api/v1/incidents", &team_key, None)
            .await
            .0,
        200
    );
    // Even deleted, the key keeps working and forgets only who made it.
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(olga.id)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        send(&app, Method::GET, "/api/v1/incidents", &team_key, None)
            .await
            .0,
        200
    );
    let (_, keys) = send(&app, Method::GET, &list, &admin, None).await;
    assert_eq!(keys["api_keys"][1]["created_by"], Value::Null);

    // A team key cannot make keys (it can never hold the admin scope).
    assert_eq!(
        make_key(&app, &team_key, &payments, &["incidents:read"])
            .await
            .0,
        403
    );
    let (s, _) = send(
        &app,
        Method::POST,
        "/api/v1/api-keys",
        &team_key,
        Some(json!({"name": "x", "scopes": ["incidents:read"]})),
    )
    .await;
    assert_eq!(s, 403);

    // Revoked through the team, it stops at once.
    assert_eq!(send(&app, Method::DELETE, &one, &admin, None).await.0, 204);
    assert_eq!(me(&app, &team_key).await, 401);
    // Deleting the team deletes its service account and every key with it.
    let (_, other) = make_key(&app, &admin, &payments, &["incidents:read"]).await;
    let other = secret(&other);
    assert_eq!(me(&app, &other).await, 200);
    assert_eq!(
        send(
            &app,
            Method::DELETE,
            &format!("/api/v1/teams/{payments}"),
            &admin,
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(me(&app, &other).await, 401);
    assert_eq!(app.count("api_keys").await, 0);
}

#[tokio::test]
async fn a_team_member_cannot_make_a_team_key_but_an_owner_can() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let payments = team(&app, &admin, "Payments").await;
    let mia = app.add_user("mia@example.com", Role::Responder).await;
    join(&app, &admin, &payments, mia.id, "MEMBER").await;
    let owner = app.add_user("owen@example.com", Role::User).await;
    join(&app, &admin, &payments, owner.id, "OWNER").await;
    let outsider = app.add_user("out@example.com", Role::Responder).await;
    let (mia, owner, outsider) = (
        app.session_for(mia.id).await,
        app.session_for(owner.id).await,
        app.session_for(outsider.id).await,
    );

    let (s, err) = make_key(&app, &mia, &payments, &["incidents:read"]).await;
    assert_eq!(
        (s, err["error"].as_str()),
        (403, Some("forbidden")),
        "{err}"
    );
    assert_eq!(
        make_key(&app, &outsider, &payments, &["incidents:read"])
            .await
            .0,
        403
    );
    assert_eq!(app.count("api_keys").await, 0);
    assert_eq!(
        app.count("users").await,
        4,
        "no service account made by a refused call"
    );

    // The owner is a USER: only read scopes, never admin.
    let (s, err) = make_key(&app, &owner, &payments, &["incidents:write"]).await;
    assert_eq!((s, err["field"].as_str()), (422, Some("scopes")), "{err}");
    let (s, err) = make_key(&app, &admin, &payments, &["admin"]).await;
    assert_eq!((s, err["field"].as_str()), (422, Some("scopes")), "{err}");
    let (s, made) = make_key(&app, &owner, &payments, &["incidents:read"]).await;
    assert_eq!(s, 201, "{made}");

    // Members read the keys, outsiders do not; only managers revoke.
    let list = format!("/api/v1/teams/{payments}/api-keys");
    assert_eq!(send(&app, Method::GET, &list, &mia, None).await.0, 200);
    assert_eq!(send(&app, Method::GET, &list, &outsider, None).await.0, 403);
    let one = format!("{list}/{}", made["id"].as_str().unwrap());
    assert_eq!(send(&app, Method::DELETE, &one, &mia, None).await.0, 403);
    assert_eq!(send(&app, Method::DELETE, &one, &owner, None).await.0, 204);
    // A key of another team is not this team's.
    let billing = team(&app, &admin, "Billing").await;
    let (_, theirs) = make_key(&app, &admin, &billing, &["incidents:read"]).await;
    let cross = format!("{list}/{}", theirs["id"].as_str().unwrap());
    assert_eq!(
        send(&app, Method::DELETE, &cross, &admin, None).await.0,
        404
    );
    assert_eq!(me(&app, &secret(&theirs)).await, 200);
    let missing = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        make_key(&app, &admin, &missing, &["incidents:read"])
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn the_service_account_cannot_sign_in_and_is_never_a_page_target() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let payments = team(&app, &admin, "Payments").await;
    let ada = app.add_user("ada@example.com", Role::Responder).await;
    join(&app, &admin, &payments, ada.id, "OWNER").await;
    let (s, made) = make_key(&app, &admin, &payments, &["incidents:read"]).await;
    assert_eq!(s, 201);
    let account = made["owner"]["user_id"].as_str().unwrap().to_owned();
    let email = made["owner"]["email"].as_str().unwrap().to_owned();

    // No password: sign-in fails like any wrong password; no reset link, no role change.
    let (s, _) = app
        .call(
            "/api/auth/login",
            json!({"email": email, "password": common::PASSWORD}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!(s, 401);
    let (s, _) = app
        .call("/api/users/reset-link", json!({"user_id": account}), &admin)
        .await;
    assert_eq!(s, 409);
    let (s, _) = app
        .call(
            "/api/users/set-role",
            json!({"user_id": account, "role": "ADMIN"}),
            &admin,
        )
        .await;
    assert_eq!(s, 409);

    // Not a person: not in the directory or search.
    let (_, people) = send(&app, Method::GET, "/api/v1/users?limit=200", &admin, None).await;
    assert_eq!(people["total"], 2, "{people}");
    assert!(!people.to_string().contains(&account));
    let (_, hits) = app
        .call("/api/search", json!({"query": "Payments"}), &admin)
        .await;
    assert!(!hits.to_string().contains(&account), "{hits}");

    // Never a team member, an escalation target or on call; each refusal names its field.
    let (s, e) = app
        .call(
            "/api/teams/set-member",
            json!({"team_id": payments, "user_id": account, "role": "MEMBER", "is_lead": false}),
            &admin,
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("user_id")), "{e}");
    // REST answers for the path's user, who is no person: 404.
    let member = format!("/api/v1/teams/{payments}/members/{account}");
    let (s, e) = send(
        &app,
        Method::PUT,
        &member,
        &admin,
        Some(json!({"role": "MEMBER"})),
    )
    .await;
    assert_eq!(s, 404, "{e}");
    assert_eq!(app.count("team_members").await, 1);
    let policy = json!({"name": "P", "steps": [{"delay_minutes": 5, "targets": [{"kind": "USER", "id": account}]}]});
    let (s, e) = send(
        &app,
        Method::POST,
        "/api/v1/escalation-policies",
        &admin,
        Some(policy),
    )
    .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("steps")), "{e}");
    let schedule = json!({"name": "S", "time_zone": "UTC", "layers": [{"name": "L", "participants": [account],
        "rotation": {"unit": "DAYS", "every": 1}, "start": "2026-03-08T00:00:00"}]});
    let (s, e) = send(
        &app,
        Method::POST,
        "/api/v1/schedules",
        &admin,
        Some(schedule),
    )
    .await;
    assert_eq!(
        (s, e["field"].as_str()),
        (422, Some("layers[0].participants")),
        "{e}"
    );
    let (s, sched) = send(
        &app,
        Method::POST,
        "/api/v1/schedules",
        &admin,
        Some(json!({"name": "S", "time_zone": "UTC"})),
    )
    .await;
    assert_eq!(s, 201, "{sched}");
    let overrides = format!(
        "/api/v1/schedules/{}/overrides",
        sched["id"].as_str().unwrap()
    );
    let (s, e) = send(
        &app,
        Method::POST,
        &overrides,
        &admin,
        Some(json!({"kind": "ADD", "user": account,
        "start": "2026-03-09T00:00:00Z", "end": "2026-03-09T01:00:00Z"})),
    )
    .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("user")), "{e}");
    assert_eq!(app.count("contact_methods").await, 0);

    // Paging the team pages its people only.
    let policy = json!({"name": "Team", "steps": [{"delay_minutes": 5, "targets": [{"kind": "TEAM", "id": payments}]}]});
    let (s, p) = send(
        &app,
        Method::POST,
        "/api/v1/escalation-policies",
        &admin,
        Some(policy),
    )
    .await;
    assert_eq!(s, 201, "{p}");
    let (s, preview) = app
        .call("/api/policies/preview", json!({"id": p["id"]}), &admin)
        .await;
    assert_eq!(s, 200, "{preview}");
    let paged: Vec<&str> = preview[0]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(paged, ["ada@example.com"]);
}

#[tokio::test]
async fn a_team_key_changes_its_own_teams_objects_and_no_others() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let payments = team(&app, &admin, "Payments").await;
    let search = team(&app, &admin, "Search").await;
    let service = |team: String| {
        let app = &app;
        let admin = &admin;
        async move {
            let body = json!({"name": format!("svc-{team}"), "team_id": team});
            let (s, b) = send(app, Method::POST, "/api/v1/services", admin, Some(body)).await;
            assert_eq!(s, 201, "{b}");
            b["id"].as_str().unwrap().to_owned()
        }
    };
    let (ours, theirs) = (service(payments.clone()).await, service(search).await);
    let (s, key) = make_key(&app, &admin, &payments, &["services:write"]).await;
    assert_eq!(s, 201, "{key}");
    let key = secret(&key);
    let patch = json!({"description": "changed by the team's key"});
    let (s, b) = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/services/{ours}"),
        &key,
        Some(patch.clone()),
    )
    .await;
    assert_eq!(
        s, 200,
        "the service account acts as one of its team's ADMINs: {b}"
    );
    let (s, b) = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/services/{theirs}"),
        &key,
        Some(patch),
    )
    .await;
    assert_eq!(s, 403, "another team's service: {b}");
}
