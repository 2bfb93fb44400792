//! The foundation's HTTP surface against a real Postgres: health, metrics, SSR pages, 404,
//! server-function errors, and concurrent migrations.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::Duration;

use common::{fresh_database, options_for, spawn_app, spawn_app_with_pool};
use serde_json::{Value, json};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

#[tokio::test]
async fn health_is_200_with_database_status() {
    let app = spawn_app().await;
    for path in ["/health", "/api/health"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], "ok");
        assert_eq!(body["database"]["status"], "ok");
        assert!(body["database"]["latency_ms"].as_f64().unwrap() >= 0.0);
    }
}

#[tokio::test]
async fn a_terminated_connection_is_the_database_being_away_not_an_internal_error() {
    use sqlx::Connection;
    let app = spawn_app().await;
    let mut victim = sqlx::PgConnection::connect_with(&options_for(&app.db))
        .await
        .unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut victim)
        .await
        .unwrap();
    sqlx::query("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .execute(&app.pool)
        .await
        .unwrap();
    let err = sqlx::query("SELECT 1")
        .execute(&mut victim)
        .await
        .expect_err("the backend is gone");
    assert!(app::error::database_unavailable(&err), "{err:?}");
    let mapped = app::error::AppError::from(err);
    assert_eq!((mapped.status_code(), mapped.retry_after()), (503, Some(5)));
    // Out of resources (class 53: here disk full, as Postgres raises it) is a 503 too.
    let full =
        sqlx::query("DO $$ BEGIN RAISE EXCEPTION 'no space' USING ERRCODE = 'disk_full'; END $$")
            .execute(&app.pool)
            .await
            .unwrap_err();
    let mapped = app::error::AppError::from(full);
    assert_eq!((mapped.status_code(), mapped.retry_after()), (503, Some(5)));
    // A real database error (here a syntax error) stays an internal one.
    let other = sqlx::query("SELEC 1").execute(&app.pool).await.unwrap_err();
    assert!(!app::error::database_unavailable(&other), "{other:?}");
}

#[tokio::test]
async fn health_is_503_when_the_database_is_unreachable() {
    // A pool aimed at a port where nothing listens.
    let dead = PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(500))
        .connect_lazy_with(
            PgConnectOptions::new()
                .host("127.0.0.1")
                .port(1)
                .username("x"),
        );
    let app = spawn_app_with_pool(app::db::Db::new(dead), "none".into()).await;
    let res = app.get("/health").await;
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "error");
    assert_eq!(body["database"]["status"], "unreachable");
    assert!(!body["database"]["error"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn metrics_report_requests_pool_and_queue_depth() {
    let app = spawn_app().await;
    for _ in 0..3 {
        assert_eq!(app.get("/health").await.status(), 200);
    }
    assert_eq!(app.get("/definitely-missing").await.status(), 404);
    let now = common::t0();
    for (kind, status) in [
        ("ESCALATION", "PENDING"),
        ("ESCALATION", "PENDING"),
        ("NOTIFICATION", "FAILED"),
    ] {
        sqlx::query("INSERT INTO jobs (kind, status, run_at, created_at, updated_at) VALUES ($1, $2, $3, $3, $3)")
            .bind(kind)
            .bind(status)
            .bind(now)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    let res = app.get("/metrics").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = res.text().await.unwrap();
    assert!(
        text.contains(
            r#"opsknight_http_requests_total{route="/health",method="GET",status="200"} 3"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"opsknight_http_requests_total{route="fallback",method="GET",status="404"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"opsknight_http_request_duration_seconds_count{route="/health"} 3"#));
    assert!(
        text.contains(r#"opsknight_jobs{kind="ESCALATION",status="PENDING"} 2"#),
        "{text}"
    );
    assert!(text.contains(r#"opsknight_jobs{kind="NOTIFICATION",status="FAILED"} 1"#));
    assert!(text.contains("opsknight_db_pool_max_connections 10"));
    assert!(text.contains(r#"opsknight_db_pool_connections{state="idle"}"#));
    assert!(text.contains("opsknight_db_up 1"));
}

#[tokio::test]
async fn pages_render_on_the_server() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;

    let res = app.get_as("/", &admin).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<html lang="en" data-theme="system""#));
    assert!(
        html.contains("/pkg/opsknight"),
        "references the WASM bundle"
    );
    for label in [
        "Dashboard",
        "Incidents",
        "Services",
        "Escalation policies",
        "Schedules",
        "Teams",
        "Users",
        "Settings",
    ] {
        assert!(
            // `<span>Dashboard<!></span>`: erased components mark where text ends.
            html.contains(&format!("<span>{label}<")),
            "nav has {label}"
        );
    }

    let m = app.get_as("/m", &admin).await;
    assert_eq!(m.status(), 200);
    let html = m.text().await.unwrap();
    assert!(html.contains(r#"aria-label="Sections""#));
    assert!(html.contains(r#"aria-label="Which incidents""#));
    assert!(html.contains("All open"));

    let themed = app
        .http
        .get(app.url("/incidents"))
        .header(
            "cookie",
            format!(
                "ok_theme=dark; {}",
                match &admin {
                    common::Cred::Cookie(c) => c.as_str(),
                    _ => "",
                }
            ),
        )
        .send()
        .await
        .unwrap();
    assert!(
        themed
            .text()
            .await
            .unwrap()
            .contains(r#"data-theme="dark""#)
    );

    let missing = app.get("/no/such/page").await;
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn server_function_decode_errors_are_json_400s() {
    let app = spawn_app().await;
    let res = app
        .http
        .post(app.url("/api/setup/complete"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "bad_request");
    assert_eq!(app.count("users").await, 0);
}

#[tokio::test]
async fn system_status_reports_the_injected_clock() {
    let app = spawn_app().await;
    app.clock.advance(chrono::Duration::hours(30));
    let admin = app.admin_session().await;
    let (status, body) = app
        .call("/api/system/status", serde_json::json!({}), &admin)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["database_ok"], true);
    assert_eq!(body["server_time"], "2026-03-09T12:30:00Z");
}

#[tokio::test]
async fn concurrent_migrations_apply_each_migration_once() {
    let db = fresh_database(false).await;
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .connect_with(options_for(&db))
        .await
        .unwrap();
    let runs = (0..4).map(|_| {
        let pool = pool.clone();
        tokio::spawn(async move { opsknight_server::database::migrate(&pool).await })
    });
    for run in runs {
        run.await.unwrap().unwrap();
    }
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        applied as usize,
        opsknight_server::database::MIGRATOR.iter().count()
    );
    assert!(applied >= 1);
}

#[tokio::test]
async fn every_response_carries_security_headers() {
    let app = spawn_app().await;
    for path in ["/", "/m", "/health", "/no-such-page"] {
        let res = app.get(path).await;
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(
            h["referrer-policy"], "strict-origin-when-cross-origin",
            "{path}"
        );
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
    }
    // Pages restrict scripts to this origin and the nonce on their own inline scripts.
    let admin = app.admin_session().await;
    let res = app.get_as("/", &admin).await;
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = res.text().await.unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert!(nonce.len() >= 16, "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "inline scripts carry the header's nonce"
    );
    let other: String = app.get("/").await.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .into();
    assert_ne!(other, csp, "a fresh nonce per response");
}

#[tokio::test]
async fn cross_origin_writes_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    let code = app::setup::store::issue_code(&app.pool, common::t0())
        .await
        .unwrap()
        .unwrap();
    let body = serde_json::json!({"code": code, "email": "ada@example.com", "name": "Ada", "password": "tangerine-kettle-orbit"});
    let post = |headers: &'static [(&'static str, &'static str)]| {
        let mut req = app.http.post(app.url("/api/setup/complete")).json(&body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send()
    };
    for headers in [
        &[("origin", "https://evil.example")][..],
        &[("sec-fetch-site", "cross-site")][..],
        &[
            ("sec-fetch-site", "same-site"),
            ("origin", "http://sub.example"),
        ][..],
    ] {
        let res = post(headers).await.unwrap();
        assert_eq!(res.status(), 403, "{headers:?}");
        let body = res.json::<Value>().await.unwrap();
        assert_eq!(body["error"], "forbidden");
        assert_eq!(body["field"], "origin");
        assert_eq!(app.count("users").await, 0);
    }
    // Reads are not affected, and the browser's own same-origin write goes through.
    let read = app
        .http
        .get(app.url("/health"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    let origin = format!("http://{}", app.addr);
    let res = app
        .http
        .post(app.url("/api/setup/complete"))
        .header("origin", origin)
        .header("sec-fetch-site", "same-origin")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.count("users").await, 1);
}

/// Behind a transaction-mode pooler, a statement run on the `Db` outside a transaction runs
/// inside one of its own, so its two round trips (parse; bind and execute) stay on one server
/// connection. Without a pooler it runs as it is.
#[tokio::test]
async fn behind_a_pooler_a_lone_statement_runs_in_a_transaction_of_its_own() {
    let db = fresh_database(false).await;
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options_for(&db))
        .await
        .unwrap();
    let direct = app::db::Db::new(pool.clone());
    let pooled = app::db::Db::with_sessions(pool.clone(), pool, true);
    // SAVEPOINT is refused outside a transaction block.
    let probe = || sqlx::query("SAVEPOINT probe");
    let outside = probe().execute(&direct).await.unwrap_err();
    assert_eq!(
        outside
            .as_database_error()
            .and_then(|e| e.code())
            .as_deref(),
        Some("25P01")
    );
    probe().execute(&pooled).await.unwrap();
    assert!(probe().fetch_optional(&pooled).await.unwrap().is_none());
    assert!(probe().fetch_all(&pooled).await.unwrap().is_empty());

    // Every row arrives, writes commit, and a failed statement leaves no open transaction.
    let rows: Vec<i32> = sqlx::query_scalar("SELECT generate_series(1, 5000)")
        .fetch_all(&pooled)
        .await
        .unwrap();
    assert_eq!(rows.len(), 5000);
    sqlx::query("CREATE TABLE pooled_probe (n int)")
        .execute(&pooled)
        .await
        .unwrap();
    let bad = sqlx::query("INSERT INTO pooled_probe VALUES ($1::int / 0)")
        .bind(1)
        .execute(&pooled)
        .await;
    assert!(bad.is_err());
    sqlx::query("INSERT INTO pooled_probe VALUES (7)")
        .execute(&pooled)
        .await
        .unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM pooled_probe WHERE n = 7")
        .fetch_one(&direct)
        .await
        .unwrap();
    assert_eq!(
        seen, 1,
        "a statement on the pooled Db is committed when it returns"
    );
}

/// With a read replica, the incident list reads from it (it may lag), while reading one
/// incident, and everything that writes, uses the primary.
#[tokio::test]
async fn the_incident_list_reads_from_the_replica_and_the_rest_from_the_primary() {
    let primary_db = fresh_database(true).await;
    let replica_db = fresh_database(true).await;
    let connect = |db: String| async move {
        PgPoolOptions::new()
            .max_connections(4)
            .connect_with(options_for(&db))
            .await
            .unwrap()
    };
    let pool =
        app::db::Db::new(connect(primary_db.clone()).await).with_replica(connect(replica_db).await);
    let app = spawn_app_with_pool(pool, primary_db.clone()).await;
    let admin = app.admin_session().await;
    let (service, _) = app.service_with_key(&admin, "Checkout").await;
    let id = app.create_incident(&admin, &service, "disk full").await;

    let list = json!({"filter": {"statuses": [], "urgencies": [], "service_id": null,
        "team_id": null, "mine": false, "query": ""}, "before": null, "limit": 50});
    let (status, page) = app.call("/api/incidents/list", list.clone(), &admin).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        page["incidents"],
        json!([]),
        "the replica has not seen it: {page}"
    );
    let (status, one) = app
        .call("/api/incidents/get", json!({"id": id}), &admin)
        .await;
    assert_eq!(status, 200, "the primary has it: {one}");

    // The same request without a replica lists it.
    let alone = app::db::Db::new(connect(primary_db.clone()).await);
    let plain = spawn_app_with_pool(alone, primary_db).await;
    let (status, page) = plain.call("/api/incidents/list", list, &admin).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["incidents"][0]["id"], json!(id), "{page}");
}
