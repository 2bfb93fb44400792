//! Heartbeat monitors on the manual clock: pings by token, UP → LATE → DOWN at their deadlines
//! (one incident, however many engines and duplicate checks), the next ping resolving it,
//! `/fail` at once, `/start` recorded, bad tokens changing nothing, the checks' wake-ups, and
//! per-field validation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use chrono::{DateTime, Duration, Utc};
use common::{Cred, TestApp, spawn_app};
use serde_json::{Value, json};

/// A service and a monitor on it (`period`, `grace` in seconds): (service id, monitor, token).
async fn monitor(app: &TestApp, admin: &Cred, name: &str, period: i32, grace: i32) -> Monitor {
    let (s, svc) = app
        .call(
            "/api/services/create",
            json!({"name": format!("svc-{name}"), "description": "", "team_id": null,
                "urgency_rule": "SEVERITY", "ack_timeout_secs": null}),
            admin,
        )
        .await;
    assert_eq!(s, 200, "{svc}");
    let service = svc["id"].as_str().unwrap().to_owned();
    let (s, made) = app
        .call(
            "/api/heartbeats/create",
            json!({"service_id": service, "name": name, "period_secs": period, "grace_secs": grace}),
            admin,
        )
        .await;
    assert_eq!(s, 200, "{made}");
    let token = made["token"].as_str().unwrap().to_owned();
    assert_eq!(
        made["ping_url"].as_str().unwrap(),
        app.url(&format!("/api/heartbeat/{token}"))
    );
    assert_eq!(made["heartbeat"]["state"], "NEW");
    Monitor {
        service,
        id: made["heartbeat"]["id"].as_str().unwrap().to_owned(),
        token,
    }
}

struct Monitor {
    service: String,
    id: String,
    token: String,
}

impl Monitor {
    fn dedup(&self) -> String {
        format!("heartbeat/{}", self.id)
    }
}

/// A signal (`""`, `"/start"` or `"/fail"`) by `method` → (status, JSON answer).
async fn signal(app: &TestApp, method: reqwest::Method, token: &str, what: &str) -> (u16, Value) {
    let (s, _, body) = app
        .send(
            method,
            &format!("/api/heartbeat/{token}{what}"),
            &Cred::Anonymous,
            None,
            &[],
        )
        .await;
    (s, body)
}

async fn ping(app: &TestApp, m: &Monitor) -> Value {
    let (s, body) = signal(app, reqwest::Method::POST, &m.token, "").await;
    assert_eq!(s, 200, "{body}");
    body
}

/// The monitor as the list shows it to the admin (through a fresh session: the manual clock
/// outruns sessions).
async fn listed(app: &TestApp, m: &Monitor) -> Value {
    let root: app::domain::UserId =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'root@example.com'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let admin = app.session_for(root).await;
    let (s, all) = app.call("/api/heartbeats/list", json!({}), &admin).await;
    assert_eq!(s, 200, "{all}");
    all.as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == m.id.as_str())
        .cloned()
        .unwrap()
}

async fn state(app: &TestApp, m: &Monitor) -> String {
    listed(app, m).await["state"].as_str().unwrap().to_owned()
}

/// The monitor's incidents: (status, alert count, title), oldest first.
async fn incidents(app: &TestApp, m: &Monitor) -> Vec<(String, i32, String)> {
    sqlx::query_as(
        "SELECT status, alert_count, title FROM incidents WHERE dedup_key = $1 ORDER BY created_at, number",
    )
    .bind(m.dedup())
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// Copies the monitor's waiting check `n` times (a duplicate delivery, a re-run after a lost
/// lease): only the monitor's state may decide what happens.
async fn duplicate_check(app: &TestApp, m: &Monitor, n: i64) {
    let done = sqlx::query(
        "INSERT INTO jobs (kind, payload, run_at, created_at, updated_at)
         SELECT j.kind, j.payload, j.run_at, j.created_at, j.updated_at
         FROM jobs j JOIN heartbeat_monitors h ON h.check_job_id = j.id, generate_series(1, $2)
         WHERE h.id = $1::uuid AND j.status = 'PENDING'",
    )
    .bind(&m.id)
    .bind(n)
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(done.rows_affected(), u64::try_from(n).unwrap());
}

async fn waiting_checks(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE kind = 'HEARTBEAT_CHECK' AND status = 'PENDING'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_missed_deadline_opens_one_incident_across_three_engines_and_the_next_ping_resolves_it() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let monitors = [
        monitor(&app, &admin, "nightly-backup", 600, 120).await,
        monitor(&app, &admin, "invoice-run", 600, 120).await,
        monitor(&app, &admin, "sitemap", 600, 120).await,
    ];
    let engines: Vec<_> = (0..3).map(|_| app.start_engine(None)).collect();
    // NEW waits for its first ping: a day without one opens nothing.
    app.advance(Duration::days(1)).await;
    assert_eq!(state(&app, &monitors[0]).await, "NEW");
    assert_eq!(waiting_checks(&app).await, 0);

    let pinged = app.clock_now();
    for m in &monitors {
        assert_eq!(ping(&app, m).await["state"], "up");
        duplicate_check(&app, m, 4).await;
    }
    let row = listed(&app, &monitors[0]).await;
    assert_eq!(
        (row["state"].as_str(), at(&row["last_ping_at"])),
        (Some("UP"), pinged)
    );
    assert_eq!(at(&row["deadline"]), pinged + Duration::seconds(600));

    // Late exactly at last ping + period: the check runs at its deadline, not on a poll.
    app.advance(Duration::seconds(599)).await;
    assert_eq!(state(&app, &monitors[0]).await, "UP");
    app.advance(Duration::seconds(1)).await;
    for m in &monitors {
        assert_eq!(state(&app, m).await, "LATE");
        assert!(incidents(&app, m).await.is_empty(), "late pages nobody");
        duplicate_check(&app, m, 4).await;
    }
    let row = listed(&app, &monitors[0]).await;
    assert_eq!(at(&row["deadline"]), pinged + Duration::seconds(720));

    // Down at last ping + period + grace: one incident each, with one alert, whatever the
    // number of engines and copies of the check.
    app.advance(Duration::seconds(119)).await;
    assert_eq!(state(&app, &monitors[0]).await, "LATE");
    app.advance(Duration::seconds(1)).await;
    for m in &monitors {
        assert_eq!(state(&app, m).await, "DOWN");
        let got = incidents(&app, m).await;
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!((got[0].0.as_str(), got[0].1), ("OPEN", 1), "{got:?}");
        assert!(
            got[0].2.contains("missed its deadline: no ping for 12 min"),
            "{got:?}"
        );
        let triggered: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM incident_timeline t JOIN incidents i ON i.id = t.incident_id
             WHERE i.dedup_key = $1 AND t.kind = 'TRIGGERED'",
        )
        .bind(m.dedup())
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(triggered, 1);
        // On the monitor's own service.
        let service: String =
            sqlx::query_scalar("SELECT service_id::text FROM incidents WHERE dedup_key = $1")
                .bind(m.dedup())
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!(service, m.service);
    }
    assert_eq!(waiting_checks(&app).await, 0, "DOWN waits for a ping");
    let claimed: u64 = engines.iter().map(|e| e.claimed()).sum();
    assert!(claimed >= 30, "{claimed}");
    // Nothing more happens while it stays down.
    app.advance(Duration::days(2)).await;
    assert_eq!(incidents(&app, &monitors[0]).await.len(), 1);

    // The next ping resolves it; later pings touch no incident and leave no early resolve.
    app.advance(Duration::seconds(30)).await;
    assert_eq!(ping(&app, &monitors[0]).await["state"], "up");
    let got = incidents(&app, &monitors[0]).await;
    assert_eq!(got[0].0, "RESOLVED", "{got:?}");
    assert_eq!(state(&app, &monitors[1]).await, "DOWN");
    ping(&app, &monitors[0]).await;
    assert_eq!(app.count("early_resolves").await, 0);
    assert_eq!(incidents(&app, &monitors[0]).await.len(), 1);
    // And the cycle starts again from that ping.
    app.advance(Duration::seconds(720)).await;
    assert_eq!(state(&app, &monitors[0]).await, "DOWN");
    let got = incidents(&app, &monitors[0]).await;
    assert_eq!(
        got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
        ["RESOLVED", "OPEN"]
    );
}

#[tokio::test]
async fn fail_opens_an_incident_at_once_and_the_next_ping_resolves_it() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let m = monitor(&app, &admin, "backup", 3600, 300).await;
    // No engine runs: /fail does not wait for one.
    let (s, body) = signal(&app, reqwest::Method::POST, &m.token, "/fail").await;
    assert_eq!((s, body["state"].as_str()), (200, Some("down")), "{body}");
    assert_eq!(state(&app, &m).await, "DOWN");
    let got = incidents(&app, &m).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "OPEN");
    assert!(got[0].2.contains("“backup” reported a failure"), "{got:?}");
    // A second failure joins the open incident.
    let (s, _) = signal(&app, reqwest::Method::GET, &m.token, "/fail").await;
    assert_eq!(s, 200);
    let got = incidents(&app, &m).await;
    assert_eq!((got.len(), got[0].1), (1, 2), "{got:?}");
    // The page renders it (server side) with its state.
    let res = app.get_as("/heartbeats", &admin).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("backup") && html.contains(r#"class="badge badge--high""#),
        "{html}"
    );

    assert_eq!(ping(&app, &m).await["state"], "up");
    assert_eq!(incidents(&app, &m).await[0].0, "RESOLVED");
    assert_eq!(state(&app, &m).await, "UP");
}

#[tokio::test]
async fn a_ping_after_a_resolve_by_hand_leaves_no_early_resolve_behind() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let m = monitor(&app, &admin, "backup", 3600, 300).await;
    signal(&app, reqwest::Method::POST, &m.token, "/fail").await;
    let id: String = sqlx::query_scalar("SELECT id::text FROM incidents WHERE dedup_key = $1")
        .bind(m.dedup())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (s, body) = app
        .call("/api/incidents/resolve", json!({"ids": [id]}), &admin)
        .await;
    assert_eq!(s, 200, "{body}");
    // The ping finds no open incident: it must not be kept as a resolve that came early, or
    // the next failure would open an incident already resolved, paging nobody.
    ping(&app, &m).await;
    assert_eq!(app.count("early_resolves").await, 0);
    app.clock.advance(Duration::minutes(1));
    signal(&app, reqwest::Method::POST, &m.token, "/fail").await;
    let got = incidents(&app, &m).await;
    assert_eq!(
        got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
        ["RESOLVED", "OPEN"]
    );
}

#[tokio::test]
async fn start_is_recorded_and_moves_no_deadline() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let m = monitor(&app, &admin, "etl", 600, 60).await;
    let (s, _) = signal(&app, reqwest::Method::GET, &m.token, "/start").await;
    assert_eq!(s, 200);
    let row = listed(&app, &m).await;
    assert_eq!(
        (row["state"].as_str(), at(&row["last_start_at"])),
        (Some("NEW"), app.clock_now())
    );
    assert_eq!(row["deadline"], Value::Null);

    ping(&app, &m).await;
    let deadline = at(&listed(&app, &m).await["deadline"]);
    app.clock.advance(Duration::seconds(30));
    let (s, body) = signal(&app, reqwest::Method::POST, &m.token, "/start").await;
    assert_eq!((s, body["state"].as_str()), (200, Some("up")), "{body}");
    let row = listed(&app, &m).await;
    assert_eq!(at(&row["last_start_at"]), app.clock_now());
    assert_eq!(at(&row["deadline"]), deadline, "a start is not a ping");
    assert_eq!(app.count("incidents").await, 0);
}

#[tokio::test]
async fn a_bad_token_gets_a_404_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let m = monitor(&app, &admin, "backup", 600, 60).await;
    ping(&app, &m).await;
    let before = common::authz::snapshot(&app).await;
    let wrong = format!("{}x", &m.token[..m.token.len() - 1]);
    for token in [wrong.as_str(), "nope", &m.id] {
        for what in ["", "/start", "/fail"] {
            for method in [reqwest::Method::GET, reqwest::Method::POST] {
                let (s, body) = signal(&app, method.clone(), token, what).await;
                assert_eq!(
                    (s, body["error"].as_str()),
                    (404, Some("not_found")),
                    "{method} {what}: {body}"
                );
            }
        }
    }
    assert_eq!(common::authz::snapshot(&app).await, before);
}

#[tokio::test]
async fn a_ping_moves_the_waiting_check_and_wakes_the_engine_when_it_is_earlier() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    // A short period with a long grace: a ping while LATE brings the next check forward.
    let m = monitor(&app, &admin, "every-minute", 60, 7 * 86_400).await;
    let _engine = app.start_engine(None);
    app.settle().await;
    for _ in 0..5 {
        ping(&app, &m).await;
        app.clock.advance(Duration::seconds(10));
    }
    assert_eq!(
        waiting_checks(&app).await,
        1,
        "one waiting check per monitor"
    );
    // Last ping 10 s ago, period 60 s.
    app.advance(Duration::seconds(49)).await;
    assert_eq!(state(&app, &m).await, "UP");
    app.advance(Duration::seconds(1)).await;
    assert_eq!(state(&app, &m).await, "LATE");
    // The engine now sleeps until the DOWN check, a week away; this ping's check is due in
    // a minute and must wake it.
    ping(&app, &m).await;
    assert_eq!(waiting_checks(&app).await, 1);
    app.advance(Duration::seconds(60)).await;
    assert_eq!(state(&app, &m).await, "LATE");
    app.advance(Duration::days(7)).await;
    assert_eq!(state(&app, &m).await, "DOWN");
    assert_eq!(incidents(&app, &m).await.len(), 1);
}

#[tokio::test]
async fn a_check_whose_deadline_a_ping_moved_completes_doing_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let m = monitor(&app, &admin, "backup", 600, 60).await;
    let _engine = app.start_engine(None);
    ping(&app, &m).await;
    // A copy of the check for this deadline stays behind when the next ping moves the check.
    duplicate_check(&app, &m, 1).await;
    app.advance(Duration::seconds(300)).await;
    ping(&app, &m).await;
    assert_eq!(waiting_checks(&app).await, 2);
    app.advance(Duration::seconds(300)).await;
    let stale: Vec<(String, String)> = sqlx::query_as(
        "SELECT status, payload->>'deadline' FROM jobs WHERE kind = 'HEARTBEAT_CHECK' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(stale.len(), 2, "{stale:?}");
    assert_eq!(stale[1].0, "COMPLETED", "{stale:?}");
    assert_eq!(state(&app, &m).await, "UP");
    assert_eq!(waiting_checks(&app).await, 1);
    app.advance(Duration::seconds(300)).await;
    assert_eq!(state(&app, &m).await, "LATE");
}

#[tokio::test]
async fn event_rules_apply_to_heartbeat_incidents() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let m = monitor(&app, &admin, "backup", 600, 60).await;
    let (s, body) = app
        .call(
            "/api/rules/save",
            json!({"service_id": m.service, "version": 0, "rules": [{"name": "heartbeats are P2",
                "when": {"all": [{"field": "source", "op": "equals", "value": "heartbeat"}]},
                "then": {"priority": "P2"}}]}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{body}");
    signal(&app, reqwest::Method::POST, &m.token, "/fail").await;
    let priority: Option<String> =
        sqlx::query_scalar("SELECT priority FROM incidents WHERE dedup_key = $1")
            .bind(m.dedup())
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(priority.as_deref(), Some("P2"));
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let m = monitor(&app, &admin, "ok", 60, 60).await;
    let body = |name: &str, period: i32, grace: i32| json!({"service_id": m.service, "name": name, "period_secs": period, "grace_secs": grace});
    for (b, field) in [
        (body("x", 59, 60), "period_secs"),
        (body("x", 30 * 86_400 + 1, 60), "period_secs"),
        (body("x", 0, 60), "period_secs"),
        (body("x", 60, 59), "grace_secs"),
        (body("x", 60, 7 * 86_400 + 1), "grace_secs"),
        (body("  ", 60, 60), "name"),
        (body(&"n".repeat(101), 60, 60), "name"),
    ] {
        let (s, e) = app.call("/api/heartbeats/create", b.clone(), &admin).await;
        assert_eq!((s, e["field"].as_str()), (400, Some(field)), "{b}: {e}");
    }
    // The largest values are allowed.
    let (s, e) = app
        .call(
            "/api/heartbeats/create",
            body("monthly", 30 * 86_400, 7 * 86_400),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{e}");
    let (s, e) = app
        .call(
            "/api/heartbeats/create",
            json!({"service_id": uuid::Uuid::new_v4(), "name": "x", "period_secs": 60, "grace_secs": 60}),
            &admin,
        )
        .await;
    assert_eq!((s, e["error"].as_str()), (404, Some("not_found")), "{e}");
    assert_eq!(app.count("heartbeat_monitors").await, 2);
}

#[tokio::test]
async fn rotate_and_delete_are_audited_and_retire_the_old_url() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let m = monitor(&app, &admin, "backup", 600, 60).await;
    ping(&app, &m).await;
    let (s, rotated) = app
        .call("/api/heartbeats/rotate", json!({"id": m.id}), &admin)
        .await;
    assert_eq!(s, 200, "{rotated}");
    let fresh = rotated["token"].as_str().unwrap();
    assert_ne!(fresh, m.token);
    let (s, _) = signal(&app, reqwest::Method::POST, &m.token, "").await;
    assert_eq!(s, 404, "the old URL stops working");
    let (s, _) = signal(&app, reqwest::Method::POST, fresh, "").await;
    assert_eq!(s, 200);

    let (s, body) = app
        .call("/api/heartbeats/delete", json!({"id": m.id}), &admin)
        .await;
    assert_eq!(s, 200, "{body}");
    let (s, _) = signal(&app, reqwest::Method::POST, fresh, "").await;
    assert_eq!(s, 404);
    assert_eq!(waiting_checks(&app).await, 0, "its check is cancelled");
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'heartbeat.%' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        ["heartbeat.create", "heartbeat.rotate", "heartbeat.delete"]
    );
    let (s, body) = app
        .call("/api/heartbeats/delete", json!({"id": m.id}), &admin)
        .await;
    assert_eq!((s, body["error"].as_str()), (404, Some("not_found")));
}
