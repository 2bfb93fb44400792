//! Every native receiver on its real-format fixture: Grafana (unified and legacy), Datadog,
//! CloudWatch via SNS (subscription confirmation against a fake Amazon, alarm, recovery),
//! and the generic webhook.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::sync::{Arc, Mutex};

use common::{Cred, TestApp, spawn_app, spawn_app_with_sns};
use serde_json::{Value, json};

async fn integration(app: &TestApp, admin: &Cred, kind: &str) -> String {
    let (_, s) = app
        .call("/api/services/create", json!({"name": format!("svc-{kind}"), "description": "", "team_id": null, "urgency_rule": "SEVERITY", "ack_timeout_secs": null}), admin)
        .await;
    let (status, i) = app
        .call(
            "/api/integrations/create",
            json!({"service_id": s["id"], "kind": kind, "name": kind, "rate_limit_per_min": 1000}),
            admin,
        )
        .await;
    assert_eq!(status, 200, "{i}");
    i["routing_key"].as_str().unwrap().to_owned()
}

async fn post(app: &TestApp, kind: &str, key: &str, ct: &str, body: &str) -> (u16, Value) {
    let res = app
        .http
        .post(app.url(&format!("/api/integrations/{kind}/{key}")))
        .header("content-type", ct)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn incidents(app: &TestApp) -> Vec<(String, String, String, String)> {
    sqlx::query_as("SELECT dedup_key, status, urgency, title FROM incidents ORDER BY number")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn grafana_unified_and_legacy() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let key = integration(&app, &admin, "grafana").await;
    let (status, body) = post(
        &app,
        "grafana",
        &key,
        "application/json",
        include_str!("fixtures/grafana_unified.json"),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let (status, body) = post(
        &app,
        "grafana",
        &key,
        "application/json",
        include_str!("fixtures/grafana_legacy.json"),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let all = incidents(&app).await;
    assert_eq!(
        all[0],
        (
            "4a5b6c7d8e9f0a1b".into(),
            "OPEN".into(),
            "MEDIUM".into(),
            "High CPU: CPU above 90% for 5m".into()
        )
    );
    assert_eq!(
        all[1],
        (
            "grafana-rule-1".into(),
            "OPEN".into(),
            "MEDIUM".into(),
            "Panel Title alert: Notification Message".into()
        )
    );
    let ok = include_str!("fixtures/grafana_legacy.json")
        .replace("\"state\": \"alerting\"", "\"state\": \"ok\"");
    let (status, _) = post(&app, "grafana", &key, "application/json", &ok).await;
    assert_eq!(status, 202);
    assert_eq!(incidents(&app).await[1].1, "RESOLVED");
    let no_data = include_str!("fixtures/grafana_legacy.json")
        .replace("\"state\": \"alerting\"", "\"state\": \"no_data\"");
    assert_eq!(
        post(&app, "grafana", &key, "application/json", &no_data)
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn datadog_triggers_and_recovers_by_aggregate() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let key = integration(&app, &admin, "datadog").await;
    let fixture = include_str!("fixtures/datadog.json");
    assert_eq!(
        post(&app, "datadog", &key, "application/json", fixture)
            .await
            .0,
        202
    );
    assert_eq!(
        incidents(&app).await,
        [(
            "datadog-f0a4b3c2d1e0".into(),
            "OPEN".into(),
            "HIGH".into(),
            "[Triggered on {host:web-3}] CPU usage is high".into()
        )]
    );
    let recovered = fixture.replace("\"Triggered\"", "\"Recovered\"");
    assert_eq!(
        post(&app, "datadog", &key, "application/json", &recovered)
            .await
            .0,
        202
    );
    assert_eq!(incidents(&app).await[0].1, "RESOLVED");
    let (status, body) = post(
        &app,
        "datadog",
        &key,
        "application/json",
        r#"{"title":"x"}"#,
    )
    .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("body")));
}

#[derive(Default)]
struct FakeSns(Mutex<Vec<String>>);

impl opsknight_server::ingest::SnsConfirmer for FakeSns {
    fn confirm(
        &self,
        url: String,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + '_>> {
        self.0.lock().unwrap().push(url);
        Box::pin(async { Ok(()) })
    }
}

#[tokio::test]
async fn cloudwatch_via_sns_confirms_only_amazon_and_follows_alarm_states() {
    let sns = Arc::new(FakeSns::default());
    let app = spawn_app_with_sns(sns.clone()).await;
    let admin = app.admin_session().await;
    let key = integration(&app, &admin, "cloudwatch").await;
    // SNS posts its JSON as text/plain.
    let (status, body) = post(
        &app,
        "cloudwatch",
        &key,
        "text/plain; charset=UTF-8",
        include_str!("fixtures/cloudwatch_subscription.json"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sns.0.lock().unwrap().len(), 1);
    assert!(
        sns.0.lock().unwrap()[0]
            .starts_with("https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription")
    );
    // A subscription URL elsewhere is refused and never fetched; so is an unknown key.
    let evil = include_str!("fixtures/cloudwatch_subscription.json").replace(
        "https://sns.us-west-2.amazonaws.com/?Action",
        "https://evil.example/?Action",
    );
    assert_eq!(
        post(&app, "cloudwatch", &key, "text/plain", &evil).await.0,
        400
    );
    assert_eq!(
        post(
            &app,
            "cloudwatch",
            &"x".repeat(32),
            "text/plain",
            include_str!("fixtures/cloudwatch_subscription.json")
        )
        .await
        .0,
        400
    );
    assert_eq!(sns.0.lock().unwrap().len(), 1);

    assert_eq!(
        post(
            &app,
            "cloudwatch",
            &key,
            "text/plain",
            include_str!("fixtures/cloudwatch_alarm.json")
        )
        .await
        .0,
        202
    );
    let all = incidents(&app).await;
    assert_eq!(
        (all[0].0.as_str(), all[0].1.as_str(), all[0].2.as_str()),
        (
            "arn:aws:cloudwatch:us-west-2:123456789012:alarm:api-5xx-high",
            "OPEN",
            "HIGH"
        )
    );
    assert!(all[0].3.starts_with("api-5xx-high: Threshold Crossed"));
    assert_eq!(
        post(
            &app,
            "cloudwatch",
            &key,
            "text/plain",
            include_str!("fixtures/cloudwatch_ok.json")
        )
        .await
        .0,
        202
    );
    assert_eq!(incidents(&app).await[0].1, "RESOLVED");
}

#[tokio::test]
async fn the_generic_webhook_takes_documented_fields_and_batches() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let key = integration(&app, &admin, "webhook").await;
    let body = json!({"events": [
        {"summary": "Backup job failed", "dedup_key": "backup-nightly", "status": "firing", "severity": "warning", "source": "cron"},
        {"summary": "Queue depth high", "dedup_key": "queue", "status": "alerting", "severity": "critical"},
        {"summary": "Queue depth high", "dedup_key": "queue", "status": "resolved"}
    ]});
    let (status, res) = post(&app, "webhook", &key, "application/json", &body.to_string()).await;
    assert_eq!(status, 202, "{res}");
    assert_eq!(
        res["dedup_keys"],
        json!(["backup-nightly", "queue", "queue"])
    );
    let all = incidents(&app).await;
    let find = |k: &str| all.iter().find(|i| i.0 == k).unwrap().clone();
    assert_eq!(
        (find("backup-nightly").1, find("backup-nightly").2),
        ("OPEN".into(), "MEDIUM".into())
    );
    assert_eq!(
        find("queue").1,
        "RESOLVED",
        "in-request order per key is kept"
    );
    // One bad event refuses the whole request and writes nothing.
    let bad =
        json!({"events": [{"summary": "ok one", "dedup_key": "z"}, {"dedup_key": "no-summary"}]});
    let (status, res) = post(&app, "webhook", &key, "application/json", &bad.to_string()).await;
    assert_eq!(status, 400);
    assert!(
        res["errors"][0]
            .as_str()
            .unwrap()
            .contains("events[1].summary"),
        "{res}"
    );
    assert_eq!(incidents(&app).await.len(), 2);
}
