//! Sign-in and sessions against a real Postgres with the manual clock: cookie flags, equal
//! answers for unknown emails, lockout escalation, revocation, idle and absolute expiry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::{Duration as StdDuration, Instant};

use app::clock::Clock;
use app::domain::Role;
use app::users::NewUser;
use chrono::Duration;
use common::{TestApp, spawn_app};
use serde_json::{Value, json};

const PW: &str = "tangerine-kettle-orbit";

async fn add_user(app: &TestApp, email: &str) {
    let hash = app::users::password::hash(PW.into()).await.unwrap();
    let user = NewUser::parse(email, "Responder", Role::Responder).unwrap();
    app::users::store::insert(&app.pool, &user, &hash, common::t0())
        .await
        .unwrap();
}

async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.post_json(
        "/api/auth/login",
        json!({"email": email, "password": password}),
    )
    .await
}

/// `ok_session=<token>` from a successful sign-in.
fn session_cookie(res: &reqwest::Response) -> String {
    let set = res.headers()["set-cookie"].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

async fn me(app: &TestApp, cookie: &str) -> reqwest::Response {
    app.http
        .post(app.url("/api/auth/me"))
        .header("cookie", cookie)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_in_sets_an_http_only_cookie_and_stores_only_its_hash() {
    let app = spawn_app().await;
    add_user(&app, "rita@example.com").await;
    let res = login(&app, "Rita@Example.com", PW).await;
    assert_eq!(res.status(), 200);
    let set = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set.starts_with("ok_session="), "{set}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(set.contains(flag), "{flag} in {set}");
    }
    assert!(!set.contains("Secure"), "plain http here");
    let cookie = session_cookie(&res);
    let token = cookie.trim_start_matches("ok_session=");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_ne!(stored, token.as_bytes(), "only a hash is stored");
    assert_eq!(stored.len(), 32);

    let who: Value = me(&app, &cookie).await.json().await.unwrap();
    assert_eq!(who["email"], "rita@example.com");
    assert_eq!(who["role"], "RESPONDER");
    let ip: Option<String> = sqlx::query_scalar("SELECT ip FROM sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(audit_actions(&app).await, ["login.success"]);

    // Behind a TLS proxy the cookie is Secure.
    let res = app
        .http
        .post(app.url("/api/auth/login"))
        .header("x-forwarded-proto", "https")
        .json(&json!({"email": "rita@example.com", "password": PW}))
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .ends_with("; Secure")
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_email_answer_alike() {
    let app = spawn_app().await;
    add_user(&app, "rita@example.com").await;
    let mut timings = [Vec::new(), Vec::new()];
    let mut bodies = Vec::new();
    for _ in 0..3 {
        for (i, email) in ["rita@example.com", "nobody@example.com"]
            .into_iter()
            .enumerate()
        {
            let started = Instant::now();
            let res = login(&app, email, "wrong-password-here").await;
            timings[i].push(started.elapsed());
            assert_eq!(res.status(), 401);
            assert!(res.headers().get("set-cookie").is_none());
            bodies.push(res.text().await.unwrap());
        }
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    assert!(bodies[0].contains("incorrect email or password"));
    let median = |v: &mut Vec<StdDuration>| {
        v.sort();
        v[1]
    };
    let (known, unknown) = (median(&mut timings[0]), median(&mut timings[1]));
    assert!(
        unknown * 2 >= known && known * 2 >= unknown,
        "comparable: {known:?} vs {unknown:?}"
    );
    assert_eq!(app.count("sessions").await, 0);
}

#[tokio::test]
async fn five_failures_lock_the_email_with_escalating_durations() {
    let app = spawn_app().await;
    add_user(&app, "rita@example.com").await;
    for (round, minutes) in [1i64, 5, 15, 60].into_iter().enumerate() {
        for attempt in 0..5 {
            let res = login(&app, "rita@example.com", "wrong-password-here").await;
            assert_eq!(res.status(), 401, "round {round} attempt {attempt}");
        }
        // Locked: even the right password is refused, with Retry-After.
        let res = login(&app, "rita@example.com", PW).await;
        assert_eq!(res.status(), 429, "round {round}");
        assert_eq!(
            res.headers()["retry-after"],
            (minutes * 60).to_string().as_str()
        );
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"], "rate_limited");

        app.clock
            .advance(Duration::minutes(minutes) - Duration::seconds(1));
        assert_eq!(
            login(&app, "rita@example.com", PW).await.status(),
            429,
            "still locked 1s before the end"
        );
        app.clock.advance(Duration::seconds(1));
    }
    // After the last lockout the right password works, and resets the ladder.
    assert_eq!(login(&app, "rita@example.com", PW).await.status(), 200);
    for _ in 0..5 {
        login(&app, "rita@example.com", "wrong-password-here").await;
    }
    assert_eq!(
        login(&app, "rita@example.com", PW).await.headers()["retry-after"],
        "60"
    );
    let lockouts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'login.lockout'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(lockouts, 5);
}

#[tokio::test]
async fn failures_spread_over_more_than_fifteen_minutes_do_not_lock() {
    let app = spawn_app().await;
    add_user(&app, "rita@example.com").await;
    for _ in 0..4 {
        assert_eq!(
            login(&app, "rita@example.com", "wrong-password-here")
                .await
                .status(),
            401
        );
    }
    app.clock.advance(Duration::minutes(16));
    assert_eq!(
        login(&app, "rita@example.com", "wrong-password-here")
            .await
            .status(),
        401
    );
    assert_eq!(login(&app, "rita@example.com", PW).await.status(), 200);
}

#[tokio::test]
async fn unknown_emails_lock_exactly_like_known_ones() {
    let app = spawn_app().await;
    for _ in 0..5 {
        assert_eq!(
            login(&app, "ghost@example.com", "wrong-password-here")
                .await
                .status(),
            401
        );
    }
    let res = login(&app, "ghost@example.com", "wrong-password-here").await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "60");
}

#[tokio::test]
async fn sign_out_revokes_one_session_and_everywhere_revokes_all() {
    let app = spawn_app().await;
    add_user(&app, "rita@example.com").await;
    let a = session_cookie(&login(&app, "rita@example.com", PW).await);
    let b = session_cookie(&login(&app, "rita@example.com", PW).await);
    let c = session_cookie(&login(&app, "rita@example.com", PW).await);

    let res = app
        .http
        .post(app.url("/api/auth/logout"))
        .header("cookie", &a)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(me(&app, &a).await.status(), 401);
    assert_eq!(me(&app, &b).await.status(), 200);

    let res = app
        .http
        .post(app.url("/api/auth/logout-everywhere"))
        .header("cookie", &b)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), json!(2));
    assert_eq!(me(&app, &b).await.status(), 401);
    assert_eq!(me(&app, &c).await.status(), 401);
    assert!(
        audit_actions(&app)
            .await
            .contains(&"session.revoke_all".to_owned())
    );

    // Without a session, "everywhere" is refused.
    let res = app
        .post_json("/api/auth/logout-everywhere", json!({}))
        .await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn tampered_missing_and_disabled_sessions_are_refused() {
    let app = spawn_app().await;
    add_user(&app, "rita@example.com").await;
    let cookie = session_cookie(&login(&app, "rita@example.com", PW).await);
    assert_eq!(me(&app, &cookie).await.status(), 200);

    let mut tampered = cookie.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let res = me(&app, &tampered).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "unauthenticated"
    );
    assert_eq!(me(&app, "ok_session=").await.status(), 401);
    assert_eq!(app.post_json("/api/auth/me", json!({})).await.status(), 401);

    sqlx::query("UPDATE users SET status = 'DISABLED'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        me(&app, &cookie).await.status(),
        401,
        "a disabled user's session is dead"
    );
    assert_eq!(
        login(&app, "rita@example.com", PW).await.status(),
        401,
        "and cannot sign in"
    );
}

#[tokio::test]
async fn sessions_expire_when_idle_and_at_their_absolute_limit() {
    let app = spawn_app().await;
    add_user(&app, "rita@example.com").await;

    let idle = session_cookie(&login(&app, "rita@example.com", PW).await);
    app.clock.advance(Duration::hours(23));
    assert_eq!(
        me(&app, &idle).await.status(),
        200,
        "use refreshes the idle timer"
    );
    app.clock.advance(Duration::hours(23));
    assert_eq!(me(&app, &idle).await.status(), 200);
    app.clock
        .advance(Duration::hours(24) + Duration::seconds(1));
    assert_eq!(me(&app, &idle).await.status(), 401, "24h idle");

    let busy = session_cookie(&login(&app, "rita@example.com", PW).await);
    let signed_in_at = app.clock.now();
    let mut steps = 0;
    while me(&app, &busy).await.status() == 200 {
        app.clock.advance(Duration::hours(20));
        steps += 1;
        assert!(steps < 40, "the session never expired");
    }
    let lived = app.clock.now() - signed_in_at;
    assert!(
        lived >= Duration::days(30) && lived < Duration::days(30) + Duration::hours(20),
        "{lived}"
    );
}

#[tokio::test]
async fn bad_sign_in_input_names_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    for (body, field) in [
        (json!({"email": "not-an-email", "password": PW}), "email"),
        (
            json!({"email": "rita@example.com", "password": ""}),
            "password",
        ),
    ] {
        let res = app.post_json("/api/auth/login", body).await;
        assert_eq!(res.status(), 400);
        assert_eq!(res.json::<Value>().await.unwrap()["field"], field);
    }
    let res = app
        .post_json("/api/auth/login", json!({"email": "rita@example.com"}))
        .await;
    assert_eq!(res.status(), 400, "missing password");
    assert_eq!(app.count("sessions").await, 0);
    assert_eq!(app.count("login_throttle").await, 0);
    assert_eq!(app.count("audit_log").await, 0);
}
