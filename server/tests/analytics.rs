//! Analytics on fixed fixtures: every metric's definition exactly (MTTA, MTTR, exact
//! percentiles, escalation, reopen and auto-resolve rates, alerts per incident, the noisiest
//! keys, hours of the day in the viewer's zone), the live path and the rollup path (filled by
//! `opsknight rollup --from`) agreeing, filters naming a bad field, and the CSV exports,
//! including 100,000 incidents streamed in pages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_opsknight");

pub(crate) struct Fx {
    pub(crate) app: common::TestApp,
    pub(crate) admin: common::Cred,
    pub(crate) service: String,
}

/// Inserts one incident with its timeline: `(created, ack after s, resolved after s, by a
/// person?)`, urgency, priority, alerts, flapping, and extra timeline kinds.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn incident(
    fx: &Fx,
    key: &str,
    created: &str,
    ack: Option<i64>,
    resolved: Option<(i64, bool)>,
    urgency: &str,
    priority: Option<&str>,
    alerts: i32,
    flapping: bool,
    extra: &[(&str, Value)],
) {
    let created: DateTime<Utc> = created.parse().unwrap();
    let acked = ack.map(|s| created + Duration::seconds(s));
    let res = resolved.map(|(s, _)| created + Duration::seconds(s));
    let status = match (res, acked) {
        (Some(_), _) => "RESOLVED",
        (None, Some(_)) => "ACKNOWLEDGED",
        _ => "OPEN",
    };
    let id = uuid::Uuid::new_v4();
    sqlx::query(
        "INSERT INTO incidents (id, service_id, dedup_key, title, status, urgency, priority, alert_count,
                                created_at, updated_at, acknowledged_at, first_acknowledged_at, resolved_at, flapping)
         VALUES ($1, $2::uuid, $3, $4, $5, $6, $7, $8, $9, $9, $10, $10, $11, $12)",
    )
    .bind(id)
    .bind(&fx.service)
    .bind(key)
    .bind(format!("{key} is failing"))
    .bind(status)
    .bind(urgency)
    .bind(priority)
    .bind(alerts)
    .bind(created)
    .bind(acked)
    .bind(res)
    .bind(flapping)
    .execute(&fx.app.pool)
    .await
    .unwrap();
    let admin: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users ORDER BY created_at LIMIT 1")
        .fetch_one(&fx.app.pool)
        .await
        .unwrap();
    let mut entries: Vec<(String, DateTime<Utc>, Option<uuid::Uuid>, Value)> =
        vec![("TRIGGERED".into(), created, None, json!({}))];
    if let Some(a) = acked {
        entries.push(("ACKNOWLEDGED".into(), a, Some(admin), json!({})));
    }
    if let (Some(r), Some((_, person))) = (res, resolved) {
        entries.push(("RESOLVED".into(), r, person.then_some(admin), json!({})));
    }
    for (kind, details) in extra {
        entries.push((
            (*kind).into(),
            created + Duration::seconds(1),
            None,
            details.clone(),
        ));
    }
    for (kind, at, actor, details) in entries {
        sqlx::query(
            "INSERT INTO incident_timeline (incident_id, at, kind, actor_user_id, details) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(at)
        .bind(kind)
        .bind(actor)
        .bind(details)
        .execute(&fx.app.pool)
        .await
        .unwrap();
    }
}

pub(crate) async fn setup() -> Fx {
    let app = common::spawn_app().await;
    let admin = app.admin_session().await;
    let (service, _) = app.service_with_key(&admin, "Payments").await;
    let fx = Fx {
        app,
        admin,
        service,
    };
    // t0 is 2026-03-08 06:30 UTC. Five incidents from March 1 to 5.
    incident(
        &fx,
        "db",
        "2026-03-01T10:00:00Z",
        Some(60),
        Some((600, true)),
        "HIGH",
        Some("P1"),
        3,
        false,
        &[("ESCALATED", json!({"step": 2, "pass": 1, "paged": ["bob"]}))],
    )
    .await;
    incident(
        &fx,
        "db",
        "2026-03-01T11:00:00Z",
        Some(120),
        Some((1200, false)),
        "HIGH",
        None,
        1,
        false,
        &[
            (
                "ESCALATED",
                json!({"step": 1, "pass": 1, "paged": ["alice"]}),
            ),
            ("REOPENED", json!({})),
        ],
    )
    .await;
    incident(
        &fx,
        "cpu",
        "2026-03-02T09:00:00Z",
        None,
        Some((90, false)),
        "LOW",
        None,
        1,
        false,
        &[],
    )
    .await;
    incident(
        &fx,
        "queue",
        "2026-03-02T12:00:00Z",
        Some(300),
        None,
        "MEDIUM",
        Some("P2"),
        5,
        true,
        &[],
    )
    .await;
    incident(
        &fx,
        "db",
        "2026-03-05T23:30:00Z",
        Some(30),
        Some((3600, true)),
        "HIGH",
        None,
        1,
        false,
        &[],
    )
    .await;
    fx
}

/// Runs `opsknight rollup --from 2026-03-01 --to 2026-03-07` on the fixture's database and
/// returns what it printed; fails the test if the command fails.
pub(crate) fn rollup_first_week(fx: &Fx) -> String {
    let out = std::process::Command::new(BIN)
        .args(["rollup", "--from", "2026-03-01", "--to", "2026-03-07"])
        .env("DATABASE_URL", common::url_for(&fx.app.db))
        .env("OPSKNIGHT_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) async fn report(fx: &Fx, filter: Value) -> (u16, Value) {
    fx.app
        .call(
            "/api/analytics/report",
            json!({"filter": filter}),
            &fx.admin,
        )
        .await
}

fn close(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() < 1e-6)
}

fn assert_definitions(s: &Value) {
    assert_eq!(s["opened"], 5, "{s}");
    assert_eq!(s["acknowledged"], 4);
    assert_eq!(s["resolved"], 4);
    assert!(close(&s["mtta"]["mean"], 127.5), "{s}");
    assert!(close(&s["mttr"]["mean"], 1372.5), "{s}");
    assert!(close(&s["escalation_rate"], 0.2), "{s}");
    assert!(close(&s["reopen_rate"], 0.2), "{s}");
    assert!(close(&s["auto_resolve_rate"], 0.5), "{s}");
    assert!(close(&s["alerts_per_incident"], 2.2), "{s}");
    assert_eq!(s["quick_resolved"], 1);
    assert_eq!(s["flapping"], 1);
}

#[tokio::test]
async fn metrics_match_their_definitions_and_the_rollup_agrees_with_the_live_path() {
    let fx = setup().await;
    let (st, live) = report(&fx, json!({"from": "2026-03-01", "to": "2026-03-07"})).await;
    assert_eq!(st, 200, "{live}");
    let s = &live["summary"];
    assert_definitions(s);
    // Exact percentiles (percentile_cont): acks [30, 60, 120, 300], resolves [90, 600, 1200, 3600].
    assert_eq!(live["exact_percentiles"], true);
    assert!(close(&s["mtta"]["p50"], 90.0), "{s}");
    assert!(close(&s["mtta"]["p90"], 246.0), "{s}");
    assert!(close(&s["mttr"]["p50"], 900.0), "{s}");
    assert!(close(&s["mttr"]["p90"], 2880.0), "{s}");
    assert_eq!(live["noisy_keys"][0]["label"], "db");
    assert_eq!(live["noisy_keys"][0]["incidents"], 3);
    assert_eq!(live["noisy_keys"][0]["alerts"], 5);
    let by_urgency: Vec<(String, i64)> = live["by_urgency"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["label"].as_str().unwrap().to_owned(),
                r["summary"]["opened"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_urgency,
        [("high".into(), 3), ("low".into(), 1), ("medium".into(), 1)]
    );
    assert_eq!(live["by_hour"][23], 1, "UTC viewer: 23:30 is hour 23");
    assert_eq!(live["previous"]["opened"], 0);

    // The rollup, filled by the backfill command, gives the same figures.
    let out = rollup_first_week(&fx);
    assert!(out.contains("7 days recomputed"), "{out}");
    let unanalyzed: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_stat_user_tables
         WHERE relname IN ('analytics_days', 'analytics_daily', 'analytics_daily_noise')
           AND last_analyze IS NULL ORDER BY 1",
    )
    .fetch_all(&fx.app.pool)
    .await
    .unwrap();
    assert!(
        unanalyzed.is_empty(),
        "the backfill analyzes what it wrote: {unanalyzed:?}"
    );
    let (_, rolled) = report(&fx, json!({"from": "2026-03-01", "to": "2026-03-07"})).await;
    assert_eq!(rolled["rolled_days"], 7, "{rolled}");
    assert_eq!(rolled["exact_percentiles"], false);
    let r = &rolled["summary"];
    assert_definitions(r);
    for (path, values) in [
        ("mtta", [30.0, 60.0, 120.0, 300.0]),
        ("mttr", [90.0, 600.0, 1200.0, 3600.0]),
    ] {
        for q in ["p50", "p90"] {
            let est = r[path][q].as_f64().unwrap();
            let quantile = if q == "p50" { 0.5 } else { 0.9 };
            assert!(
                app::analytics::hist::within(&values, quantile, est),
                "{path} {q}: {est}"
            );
        }
    }
    for key in [
        "by_urgency",
        "by_priority",
        "by_hour",
        "noisy_keys",
        "noisy_titles",
        "days",
    ] {
        let strip = |v: &Value| {
            let mut v = v.clone();
            if let Some(rows) = v.as_array_mut() {
                for row in rows {
                    if let Some(s) = row.get_mut("summary") {
                        s["mtta"]["p50"] = Value::Null;
                        s["mtta"]["p90"] = Value::Null;
                        s["mttr"]["p50"] = Value::Null;
                        s["mttr"]["p90"] = Value::Null;
                    }
                }
            }
            v
        };
        assert_eq!(
            strip(&live[key]),
            strip(&rolled[key]),
            "{key} differs between live and rollup"
        );
    }
}

#[tokio::test]
async fn filters_narrow_the_report_and_bad_values_name_their_field() {
    let fx = setup().await;
    let (_, high) = report(
        &fx,
        json!({"from": "2026-03-01", "to": "2026-03-07", "urgency": "HIGH"}),
    )
    .await;
    assert_eq!(high["summary"]["opened"], 3);
    let (_, p1) = report(
        &fx,
        json!({"from": "2026-03-01", "to": "2026-03-07", "priority": "P1"}),
    )
    .await;
    assert_eq!(p1["summary"]["opened"], 1);
    // The last 7 days from t0 (March 2 to 8): the March 1 incidents drop out; the previous
    // period (Feb 23 to March 1) holds them.
    let (_, week) = report(&fx, json!({"days": 7})).await;
    assert_eq!(week["summary"]["opened"], 3);
    assert_eq!(week["previous"]["opened"], 2);
    // A viewer in New York sees 23:30 UTC at 18:xx (EST, March 5).
    let ny = fx.app.add_user("ny@example.com", Role::Admin).await;
    sqlx::query("UPDATE users SET time_zone = 'America/New_York' WHERE id = $1")
        .bind(ny.id)
        .execute(&fx.app.pool)
        .await
        .unwrap();
    let ny_cred = fx.app.session_for(ny.id).await;
    let (_, r) = fx
        .app
        .call(
            "/api/analytics/report",
            json!({"filter": {"from": "2026-03-01", "to": "2026-03-07"}}),
            &ny_cred,
        )
        .await;
    assert_eq!(r["zone"], "America/New_York");
    assert_eq!(r["by_hour"][18], 1, "{}", r["by_hour"]);
    for (filter, field) in [
        (json!({"days": 0}), "days"),
        (json!({"from": "2026-03-05", "to": "2026-03-01"}), "from"),
        (json!({"from": "2026-03-05"}), "to"),
        (json!({"priority": "P9"}), "priority"),
    ] {
        let (st, e) = report(&fx, filter.clone()).await;
        assert_eq!(st, 400, "{filter}: {e}");
        assert!(e.to_string().contains(field), "{field}: {e}");
    }
    let res = fx
        .app
        .get_as("/analytics/export/summary.csv?service=nope", &fx.admin)
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("service"));
}

#[tokio::test]
async fn csv_tables_and_a_100k_incident_export_streamed_in_pages() {
    let fx = setup().await;
    let res = fx
        .app
        .get_as(
            "/analytics/export/noisy-keys.csv?from=2026-03-01&to=2026-03-07",
            &fx.admin,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = res.text().await.unwrap();
    assert!(body.starts_with("label,title,service,incidents"), "{body}");
    assert!(
        body.contains("db,db is failing,Payments,3,5,0,0\r\n"),
        "{body}"
    );
    assert_eq!(
        fx.app
            .get_as("/analytics/export/nope.csv", &fx.admin)
            .await
            .status(),
        404
    );
    assert_eq!(
        fx.app.get("/analytics/export/summary.csv").await.status(),
        401
    );

    // 100,000 more incidents on March 6.
    sqlx::query(
        "INSERT INTO incidents (id, service_id, dedup_key, title, status, urgency, alert_count, created_at, updated_at, resolved_at)
         SELECT gen_random_uuid(), $1::uuid, 'k' || g, 'bulk ' || g, 'RESOLVED', 'LOW', 1,
                '2026-03-06T00:00:00Z'::timestamptz + g * interval '1 second',
                '2026-03-06T00:00:00Z'::timestamptz, '2026-03-06T00:00:00Z'::timestamptz + g * interval '1 second' + interval '5 minutes'
         FROM generate_series(1, 100000) g",
    )
    .bind(&fx.service)
    .execute(&fx.app.pool)
    .await
    .unwrap();
    let mut res = fx
        .app
        .get_as(
            "/analytics/export/incidents.csv?from=2026-03-01&to=2026-03-07",
            &fx.admin,
        )
        .await;
    assert_eq!(res.status(), 200);
    let (mut lines, mut chunks, mut largest) = (0usize, 0usize, 0usize);
    let mut tail = String::new();
    while let Some(chunk) = res.chunk().await.unwrap() {
        chunks += 1;
        largest = largest.max(chunk.len());
        lines += chunk.iter().filter(|b| **b == b'\n').count();
        tail = String::from_utf8_lossy(&chunk).into_owned();
    }
    assert_eq!(lines, 100_005 + 1, "every incident and the header");
    // Streamed page by page: many chunks, none near the whole body (about 13 MB).
    assert!(chunks >= 100, "{chunks} chunks");
    assert!(largest < 512 * 1024, "largest chunk {largest} bytes");
    assert!(tail.contains("bulk 100000"), "ordered by creation: {tail}");
}
