//! Single sign-on against a real OpenID Connect provider process (npm `oidc-provider`):
//! provisioning and linking, claim rules for roles and teams, every refusal creating nothing
//! (tampered state, replayed code, wrong nonce, expired token, unknown key, wrong audience,
//! disallowed domain, unverified email), key rotation, disabled accounts, password sign-in
//! limited to a break-glass admin, the settings' checks, and RP-initiated logout.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::idp::{Browser, CLIENT_ID, CLIENT_SECRET, Idp};
use common::{Cred, PASSWORD, TestApp, spawn_app};
use serde_json::{Value, json};

/// An app and a provider that know each other, SSO saved with `extra` over the defaults.
async fn setup(extra: Value) -> (TestApp, Idp, Cred) {
    let app = spawn_app().await;
    // ID tokens carry real times; the app's clock must agree with the provider's.
    app.clock.set(chrono::Utc::now());
    let idp = Idp::start().await;
    idp.register(&app).await;
    let admin = app.admin_session().await;
    let mut form = json!({
        "enabled": true, "issuer": idp.issuer, "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET, "scopes": "openid email profile groups",
        "label": "Test IdP", "auto_provision": true, "default_role": "RESPONDER",
        "allowed_domains": "", "role_rules": [], "team_rules": [],
        "password_login": "EVERYONE", "break_glass_user": null,
    });
    for (k, v) in extra.as_object().unwrap() {
        form[k] = v.clone();
    }
    let (s, b) = app
        .call("/api/settings/sso/save", json!({"form": form}), &admin)
        .await;
    assert_eq!(s, 200, "{b}");
    (app, idp, admin)
}

/// What a sign-in may create: users, live sessions, identity links.
async fn footprint(app: &TestApp) -> (i64, i64, i64) {
    let live: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE revoked_at IS NULL")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (
        app.count("users").await,
        live,
        app.count("user_identities").await,
    )
}

async fn me(app: &TestApp, cred: &Cred) -> (u16, Value) {
    app.call("/api/auth/me", json!({}), cred).await
}

async fn user_id(app: &TestApp, email: &str) -> app::domain::UserId {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_in_provisions_links_and_follows_the_claim_rules() {
    let (app, idp, admin) = setup(json!({})).await;
    let (s, team) = app
        .call(
            "/api/teams/create",
            json!({"name": "Payments", "description": ""}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{team}");
    let team_id = team["id"].as_str().unwrap().to_owned();
    let (s, b) = app
        .call(
            "/api/settings/sso/save",
            json!({"form": {
                "enabled": true, "issuer": idp.issuer, "client_id": CLIENT_ID, "client_secret": "",
                "scopes": "openid email profile groups", "label": "Test IdP", "auto_provision": true,
                "default_role": "RESPONDER", "allowed_domains": "example.com",
                "role_rules": [{"claim": "groups", "value": "sre-admins", "role": "ADMIN"}],
                "team_rules": [{"claim": "groups", "value": "payments", "team_id": team_id}],
                "password_login": "EVERYONE", "break_glass_user": null}}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{b}");

    // A first sign-in provisions the account, with the default role and the rule's team.
    idp.account("alice-sub", "alice@example.com", true, &["payments"])
        .await;
    let mut b = Browser::default();
    assert_eq!(b.sign_in(&app, &idp, "alice@example.com").await, "/");
    let (s, who) = me(&app, &b.session().unwrap()).await;
    assert_eq!(s, 200, "{who}");
    assert_eq!(who["email"], "alice@example.com");
    assert_eq!(who["role"], "RESPONDER");
    assert_eq!(who["name"], "Person alice-sub");
    let alice = user_id(&app, "alice@example.com").await;
    let member = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM team_members WHERE user_id = $1 AND team_id = $2::uuid",
        )
        .bind(alice)
        .bind(&team_id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    assert_eq!(member().await, 1, "the team rule added the membership");
    let linked: app::domain::UserId = sqlx::query_scalar(
        "SELECT user_id FROM user_identities WHERE issuer = $1 AND subject = 'alice-sub'",
    )
    .bind(&idp.issuer)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(linked, alice);

    // The claims change at the provider: the next sign-in makes her ADMIN and drops the team.
    idp.account("alice-sub", "alice@example.com", true, &["sre-admins"])
        .await;
    let mut b = Browser::default();
    assert_eq!(b.sign_in(&app, &idp, "alice@example.com").await, "/");
    let (_, who) = me(&app, &b.session().unwrap()).await;
    assert_eq!(who["role"], "ADMIN");
    assert_eq!(member().await, 0, "team sync removed the membership");
    assert_eq!(audited(&app, "sso.role_changed").await, 1);
    assert_eq!(audited(&app, "sso.team_added").await, 1);
    assert_eq!(audited(&app, "sso.team_removed").await, 1);
    assert_eq!(audited(&app, "sso.login").await, 2);

    // An existing account is linked by its verified email, not duplicated.
    let bob = app
        .add_user("bob@example.com", app::domain::Role::Responder)
        .await;
    idp.account("bob-sub", "bob@example.com", true, &[]).await;
    let users = app.count("users").await;
    let mut b = Browser::default();
    assert_eq!(b.sign_in(&app, &idp, "bob-sub").await, "/");
    assert_eq!(app.count("users").await, users);
    let (_, who) = me(&app, &b.session().unwrap()).await;
    assert_eq!(who["id"], bob.id.to_string());
}

#[tokio::test]
async fn every_refusal_is_shown_in_words_and_creates_nothing() {
    let (app, idp, _) = setup(json!({"allowed_domains": "example.com"})).await;
    idp.account("eve", "eve@evil.io", true, &[]).await;
    idp.account("carl", "carl@example.com", false, &[]).await;
    idp.account("dave", "dave@example.com", true, &[]).await;
    let before = footprint(&app).await;

    for (login, code) in [("eve", "domain_not_allowed"), ("carl", "email_unverified")] {
        let mut b = Browser::default();
        assert_eq!(
            b.sign_in(&app, &idp, login).await,
            format!("/login?sso_error={code}")
        );
        assert!(b.session().is_none());
        assert_eq!(footprint(&app).await, before, "{code} created something");
    }

    // A state that is not the one this browser was given.
    let mut b = Browser::default();
    let auth = b.start(&app, "/").await;
    let cb = b.at_provider(&idp, &auth, "dave").await;
    let tampered = cb.replacen("state=", "state=x", 1);
    assert_eq!(b.callback(&tampered).await, "/login?sso_error=bad_state");
    assert_eq!(footprint(&app).await, before);

    // A callback started by another browser (login CSRF) is refused, though its state is real.
    let mut victim = Browser::default();
    victim.start(&app, "/").await;
    let mut attacker = Browser::default();
    let auth = attacker.start(&app, "/").await;
    let cb = attacker.at_provider(&idp, &auth, "dave").await;
    assert_eq!(victim.callback(&cb).await, "/login?sso_error=bad_state");
    assert!(victim.session().is_none());
    assert_eq!(footprint(&app).await, before);

    // Each tampered ID token, re-signed by the provider harness, is refused.
    for (kind, want) in [
        ("nonce", "token_invalid"),
        ("expired", "token_invalid"),
        ("unknown_key", "token_invalid"),
        ("audience", "token_invalid"),
    ] {
        idp.control("tamper", json!({"kind": kind})).await;
        let mut b = Browser::default();
        assert_eq!(
            b.sign_in(&app, &idp, "dave").await,
            format!("/login?sso_error={want}"),
            "{kind}"
        );
        assert!(b.session().is_none(), "{kind}");
        assert_eq!(footprint(&app).await, before, "{kind} created something");
    }

    // A code used once cannot be used again, even inside a fresh, valid sign-in.
    let mut first = Browser::default();
    let auth = first.start(&app, "/").await;
    let cb = first.at_provider(&idp, &auth, "dave").await;
    assert_eq!(first.callback(&cb).await, "/");
    let after = footprint(&app).await;
    assert_eq!(after.0, before.0 + 1, "dave was provisioned");
    let code = url::Url::parse(&cb)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let mut thief = Browser::default();
    let auth = thief.start(&app, "/").await;
    let state = url::Url::parse(&auth)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let replay = app.url(&format!("/auth/sso/callback?code={code}&state={state}"));
    assert_eq!(
        thief.callback(&replay).await,
        "/login?sso_error=code_rejected"
    );
    assert!(thief.session().is_none());
    assert_eq!(footprint(&app).await, after);
    // And the first callback URL itself works once.
    assert_eq!(first.callback(&cb).await, "/login?sso_error=bad_state");

    assert!(audited(&app, "sso.refused").await >= 8);
    // The sign-in page says it in words.
    let html = app
        .get("/login?sso_error=token_invalid")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("could not be verified"),
        "the page shows the refusal"
    );
}

#[tokio::test]
async fn key_rotation_at_the_provider_keeps_sign_in_working() {
    let (app, idp, _) = setup(json!({})).await;
    idp.account("gina", "gina@example.com", true, &[]).await;
    idp.control("reset-stats", json!({})).await;
    for _ in 0..2 {
        assert_eq!(Browser::default().sign_in(&app, &idp, "gina").await, "/");
    }
    let stats = idp.stats().await;
    assert_eq!(stats["jwks"], 1, "the JWKS is cached: {stats}");
    assert_eq!(stats["discovery"], 1, "discovery is cached: {stats}");
    // The old key is gone from the JWKS: the next token names a key we have not seen.
    idp.control("rotate", json!({"keep_old": false})).await;
    let mut b = Browser::default();
    assert_eq!(b.sign_in(&app, &idp, "gina").await, "/");
    assert_eq!(me(&app, &b.session().unwrap()).await.0, 200);
    assert_eq!(idp.stats().await["jwks"], 2, "the JWKS was read again once");
}

#[tokio::test]
async fn a_disabled_account_cannot_come_back_through_sso() {
    let (app, idp, admin) = setup(json!({})).await;
    idp.account("hal", "hal@example.com", true, &[]).await;
    let mut b = Browser::default();
    assert_eq!(b.sign_in(&app, &idp, "hal").await, "/");
    let session = b.session().unwrap();
    assert_eq!(me(&app, &session).await.0, 200);

    let hal = user_id(&app, "hal@example.com").await;
    let (s, body) = app
        .call(
            "/api/users/set-status",
            json!({"user_id": hal, "status": "DISABLED"}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(
        me(&app, &session).await.0,
        401,
        "disabling ended the session"
    );

    let before = footprint(&app).await;
    let mut b = Browser::default();
    assert_eq!(
        b.sign_in(&app, &idp, "hal").await,
        "/login?sso_error=disabled"
    );
    assert!(b.session().is_none());
    assert_eq!(footprint(&app).await, before);
    let live: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sessions WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(hal)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(live, 0);
}

#[tokio::test]
async fn password_sign_in_can_be_limited_to_a_break_glass_admin() {
    let (app, idp, admin) = setup(json!({})).await;
    let root = user_id(&app, "root@example.com").await;
    let base = |extra: Value| {
        let mut f = json!({"enabled": true, "issuer": idp.issuer, "client_id": CLIENT_ID,
            "client_secret": "", "scopes": "openid email", "label": "Test IdP",
            "auto_provision": false, "default_role": "RESPONDER", "allowed_domains": "",
            "role_rules": [], "team_rules": []});
        for (k, v) in extra.as_object().unwrap() {
            f[k] = v.clone();
        }
        json!({"form": f})
    };
    let (s, b) = app
        .call(
            "/api/settings/sso/save",
            base(json!({"password_login": "BREAK_GLASS_ONLY", "break_glass_user": null})),
            &admin,
        )
        .await;
    assert_eq!(
        (s, b["field"].as_str()),
        (400, Some("break_glass_user")),
        "{b}"
    );
    let (s, b) = app
        .call(
            "/api/settings/sso/save",
            base(json!({"password_login": "BREAK_GLASS_ONLY", "break_glass_user": root})),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{b}");

    app.add_user("ivy@example.com", app::domain::Role::Responder)
        .await;
    let (s, b) = app
        .call(
            "/api/auth/login",
            json!({"email": "ivy@example.com", "password": PASSWORD}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!(s, 403, "{b}");
    let (s, b) = app
        .call(
            "/api/auth/login",
            json!({"email": "root@example.com", "password": PASSWORD}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, opts) = app
        .call("/api/auth/sso-options", json!({}), &Cred::Anonymous)
        .await;
    assert_eq!(
        opts,
        json!({"sso_label": "Test IdP", "password_for_everyone": false})
    );
}

#[tokio::test]
async fn settings_are_checked_field_by_field_and_the_secret_is_sealed() {
    let (app, idp, admin) = setup(json!({})).await;
    let form = |k: &str, v: Value| {
        let mut f = json!({"enabled": true, "issuer": idp.issuer, "client_id": CLIENT_ID,
            "client_secret": "", "scopes": "openid", "label": "X", "auto_provision": false,
            "default_role": "RESPONDER", "allowed_domains": "", "role_rules": [], "team_rules": [],
            "password_login": "EVERYONE", "break_glass_user": null});
        f[k] = v;
        json!({"form": f})
    };
    for (k, v, field) in [
        ("issuer", json!("http://id.example.com"), "issuer"),
        ("issuer", json!("not a url"), "issuer"),
        ("client_id", json!(""), "client_id"),
        ("label", json!("x".repeat(41)), "label"),
        ("allowed_domains", json!("not a domain!"), "allowed_domains"),
        (
            "role_rules",
            json!([{"claim": "", "value": "a", "role": "ADMIN"}]),
            "role_rules[0].claim",
        ),
        (
            "team_rules",
            json!([{"claim": "groups", "value": "a", "team_id": uuid::Uuid::new_v4()}]),
            "team_rules[0].team_id",
        ),
    ] {
        let (s, b) = app.call("/api/settings/sso/save", form(k, v), &admin).await;
        assert_eq!((s, b["field"].as_str()), (400, Some(field)), "{b}");
    }
    let responder = app
        .add_user("rita@example.com", app::domain::Role::Responder)
        .await;
    let rita = app.session_for(responder.id).await;
    assert_eq!(
        app.call("/api/settings/sso/save", form("label", json!("Y")), &rita)
            .await
            .0,
        403
    );
    assert_eq!(app.call("/api/settings/sso", json!({}), &rita).await.0, 403);

    let raw: String = sqlx::query_scalar("SELECT value::text FROM settings WHERE key = 'sso'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(
        !raw.contains(CLIENT_SECRET),
        "the client secret is sealed at rest"
    );
    let (s, view) = app.call("/api/settings/sso", json!({}), &admin).await;
    assert_eq!(s, 200);
    assert_eq!(view["has_secret"], true);
    assert_eq!(view["form"]["client_secret"], "");
    assert_eq!(view["redirect_uri"], app.url("/auth/sso/callback"));
}

#[tokio::test]
async fn sign_out_continues_to_the_provider_and_a_dead_provider_is_explained() {
    let (app, idp, admin) = setup(json!({})).await;
    let root = user_id(&app, "root@example.com").await;
    idp.account("jo", "jo@example.com", true, &[]).await;
    let mut b = Browser::default();
    assert_eq!(b.sign_in(&app, &idp, "jo").await, "/");
    let session = b.session().unwrap();
    let (s, next) = app.call("/api/auth/logout", json!({}), &session).await;
    assert_eq!(s, 200);
    let next = next
        .as_str()
        .expect("an SSO session signs out at the provider too")
        .to_owned();
    assert!(next.starts_with("/auth/sso/logout?hint="), "{next}");
    assert_eq!(me(&app, &session).await.0, 401);
    let (s, to) = app.page(&next, &Cred::Anonymous).await;
    assert_eq!(s, 303);
    let to = to.unwrap();
    assert!(
        to.starts_with(&format!("{}/session/end?", idp.issuer)),
        "{to}"
    );
    let u = url::Url::parse(&to).unwrap();
    let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
    assert_eq!(q["post_logout_redirect_uri"], app.url("/login"));
    assert!(q["id_token_hint"].split('.').count() == 3);
    let page = reqwest::Client::new()
        .get(&to)
        .header("cookie", b.theirs.header())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    // A forged hint goes nowhere but our sign-in page.
    assert_eq!(
        app.page("/auth/sso/logout?hint=forged", &Cred::Anonymous)
            .await
            .1
            .as_deref(),
        Some("/login")
    );
    // A password session signs out locally only.
    let (_, next) = app.call("/api/auth/logout", json!({}), &admin).await;
    assert_eq!(next, Value::Null);

    // The provider is down: the start route explains, it does not fail.
    let (s, b) = app
        .call("/api/settings/sso/save", json!({"form": {"enabled": true, "issuer": "http://127.0.0.1:9",
            "client_id": CLIENT_ID, "client_secret": "", "scopes": "openid", "label": "X",
            "auto_provision": false, "default_role": "RESPONDER", "allowed_domains": "",
            "role_rules": [], "team_rules": [], "password_login": "EVERYONE", "break_glass_user": null}}),
            &app.session_for(root).await)
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, to) = app
        .page("/auth/sso/start?return_to=/m", &Cred::Anonymous)
        .await;
    assert_eq!(
        (s, to.as_deref()),
        (303, Some("/m/login?sso_error=provider_unreachable"))
    );
}
