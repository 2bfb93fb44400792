//! The recurring SCHEDULED_TASK jobs on the manual clock: the rollup writes daily
//! per-service counts, MTTA and MTTR; the cleanup enforces retention.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use chrono::Duration;
use common::spawn_app;
use serde_json::json;

#[tokio::test]
async fn rollup_computes_daily_figures_and_cleanup_applies_retention() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (_, svc) = app
        .call(
            "/api/services/create",
            json!({"name": "S", "description": "", "team_id": null,
            "urgency_rule": "SEVERITY", "ack_timeout_secs": null}),
            &admin,
        )
        .await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let (s, id) = app
            .call(
                "/api/incidents/create",
                json!({"service_id": svc["id"], "title": format!("i{n}"),
                "description": "", "urgency": "HIGH"}),
                &admin,
            )
            .await;
        assert_eq!(s, 200, "{id}");
        ids.push(id);
    }
    // The service has no escalation policy: no escalation work is queued, and the incident
    // says that nobody is paged.
    let escalations: i64 =
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'ESCALATION'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(escalations, 0);
    let (_, detail) = app
        .call("/api/incidents/get", json!({"id": ids[0]}), &admin)
        .await;
    assert_eq!(detail["escalation_policy"], serde_json::Value::Null);
    app.clock.advance(Duration::minutes(2));
    app.call(
        "/api/incidents/acknowledge",
        json!({"ids": [ids[0]]}),
        &admin,
    )
    .await;
    app.clock.advance(Duration::minutes(3));
    app.call(
        "/api/incidents/acknowledge",
        json!({"ids": [ids[1]]}),
        &admin,
    )
    .await;
    app.clock.advance(Duration::minutes(5));
    app.call("/api/incidents/resolve", json!({"ids": [ids[0]]}), &admin)
        .await;

    // The engine schedules both tasks when it starts (so does this, idempotently, so that
    // settle() cannot look before the engine's task did); they run at once.
    let _engine = app.start_engine(None);
    app::jobs::store::ensure_tasks(&app.pool, app.clock_now())
        .await
        .unwrap();
    app.settle().await;
    let (incidents, acked, resolved, mtta, mttr): (i32, i32, i32, f64, f64) = sqlx::query_as(
        "SELECT incidents, acknowledged, resolved, mtta_secs, mttr_secs FROM service_daily_stats",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((incidents, acked, resolved), (3, 2, 1));
    assert!((mtta - 210.0).abs() < 0.01, "{mtta}");
    assert!((mttr - 600.0).abs() < 0.01, "{mttr}");
    // Each task has exactly one live job, next hour.
    let live: Vec<(String, i64)> = sqlx::query_as(
        "SELECT task_key, count(*) FROM jobs WHERE kind = 'SCHEDULED_TASK' AND status = 'PENDING'
         GROUP BY task_key ORDER BY task_key",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(live, [("cleanup".into(), 1), ("rollup".into(), 1)]);

    // A year on: the resolved incident and old finished jobs are gone; open ones stay.
    app.advance(Duration::days(366)).await;
    let left: Vec<String> = sqlx::query_scalar("SELECT title FROM incidents ORDER BY title")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, ["i1", "i2"]);
    let old_jobs: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE status IN ('COMPLETED', 'CANCELLED') AND updated_at < $1",
    )
    .bind(app.clock_now() - Duration::days(7))
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(old_jobs, 0);
    let tasks_run: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE kind = 'SCHEDULED_TASK' AND status = 'COMPLETED'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    // One catch-up run per task after the jump, not one per missed hour.
    assert_eq!(tasks_run, 2);
}
