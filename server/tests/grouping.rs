//! Alert grouping and the flap guard on the manual clock, with a real SMTP server: exact
//! incident counts and exact pages. Grouped alerts join the open incident of their group
//! within the window and page nobody; each alert's own resolve counts down the group; a key
//! that keeps resolving and re-triggering is held open as flapping.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use chrono::{DateTime, TimeDelta, Utc};
use common::paging::{Paging, alice_then_bob};
use serde_json::{Value, json};

impl Paging {
    async fn noise(&self, settings: Value) -> (u16, Value) {
        self.app
            .call(
                "/api/services/noise/save",
                json!({"service_id": self.service, "settings": settings}),
                &self.admin,
            )
            .await
    }

    /// An Events v2 event with alert labels in its custom details.
    async fn alert(&self, action: &str, key: &str, labels: Value) {
        let mut body = json!({"routing_key": self.key, "event_action": action, "dedup_key": key});
        if action == "trigger" {
            body["payload"] = json!({"summary": format!("{key} fires"), "source": "prom",
                "severity": "critical", "custom_details": labels});
        }
        let res = self.app.post_json("/v2/enqueue", body).await;
        assert_eq!(res.status(), 202, "{key}");
        self.app.settle().await;
    }

    /// (status, alert count) of every incident, oldest first.
    async fn incidents(&self) -> Vec<(String, i32)> {
        sqlx::query_as("SELECT status, alert_count FROM incidents ORDER BY created_at, number")
            .fetch_all(&self.app.pool)
            .await
            .unwrap()
    }

    async fn after(&self, minutes: i64) {
        let t: DateTime<Utc> = self.app.clock_now() + TimeDelta::minutes(minutes);
        self.app.clock.set(t);
        self.app.settle().await;
    }
}

fn labels(alertname: &str, cluster: &str) -> Value {
    json!({"alertname": alertname, "cluster": cluster})
}

#[tokio::test]
async fn alerts_of_one_group_join_one_incident_within_the_window_and_page_once() {
    let s = alice_then_bob(30).await;
    let (st, saved) = s
        .noise(
            json!({"group_template": "{{custom_details.alertname}}/{{custom_details.cluster}}",
            "group_window_minutes": 10, "flap_count": null, "flap_window_minutes": null}),
        )
        .await;
    assert_eq!(st, 200, "{saved}");

    s.alert("trigger", "cpu-a", labels("HighCPU", "eu")).await;
    assert_eq!(s.mail(), ["alice"]);
    s.alert("trigger", "cpu-b", labels("HighCPU", "eu")).await;
    s.alert("trigger", "cpu-c", labels("HighCPU", "eu")).await;
    assert!(s.mail().is_empty(), "grouped alerts page nobody");
    s.alert("trigger", "cpu-us", labels("HighCPU", "us")).await;
    assert_eq!(s.mail(), ["alice"], "another cluster is another group");
    assert_eq!(
        s.incidents().await,
        [("OPEN".to_owned(), 3), ("OPEN".to_owned(), 1)]
    );
    let group: Option<String> =
        sqlx::query_scalar("SELECT group_key FROM incidents ORDER BY created_at, number LIMIT 1")
            .fetch_one(&s.app.pool)
            .await
            .unwrap();
    assert_eq!(group.as_deref(), Some("HighCPU/eu"));

    // 11 minutes on: a new alert of the group opens a new incident (the window is over), but
    // an alert already in the open one stays there.
    s.after(11).await;
    s.alert("trigger", "cpu-a", labels("HighCPU", "eu")).await;
    assert!(
        s.mail().is_empty(),
        "a known alert firing again joins its incident"
    );
    s.alert("trigger", "cpu-d", labels("HighCPU", "eu")).await;
    assert_eq!(s.mail(), ["alice"], "past the window: a new incident pages");
    assert_eq!(
        s.incidents().await.iter().map(|i| i.1).collect::<Vec<_>>(),
        [4, 1, 1]
    );

    // Resolves by each alert's own key: the first incident resolves with its last alert.
    s.alert("resolve", "cpu-b", json!({})).await;
    s.alert("resolve", "cpu-a", json!({})).await;
    assert_eq!(s.incidents().await[0].0, "OPEN", "cpu-c still fires");
    let note: String = sqlx::query_scalar(
        "SELECT details->>'note' FROM incident_timeline WHERE kind = 'NOTE' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&s.app.pool)
    .await
    .unwrap();
    assert_eq!(
        note,
        "Alert cpu-a resolved; 1 alert(s) of this group still firing"
    );
    s.alert("resolve", "cpu-c", json!({})).await;
    assert_eq!(
        s.incidents().await,
        [
            ("RESOLVED".to_owned(), 4),
            ("OPEN".to_owned(), 1),
            ("OPEN".to_owned(), 1)
        ]
    );
    assert_eq!(
        s.app.count("early_resolves").await,
        0,
        "no resolve went astray"
    );
    // Step 2 at 30 minutes pages bob for the two still open, and for nothing resolved.
    s.after(19).await;
    assert_eq!(s.mail(), ["bob"], "the us incident's step 2");
    s.after(11).await;
    assert_eq!(s.mail(), ["bob"], "the second eu incident's step 2");
    assert_eq!(s.app.count("incidents").await, 3);
}

#[tokio::test]
async fn a_flapping_key_stays_open_and_stops_paging() {
    let s = alice_then_bob(30).await;
    let (st, saved) = s
        .noise(json!({"group_template": null, "group_window_minutes": null,
            "flap_count": 3, "flap_window_minutes": 10}))
        .await;
    assert_eq!(st, 200, "{saved}");
    let flap = |n: &str| json!({"instance": n});
    for round in 1..=2 {
        s.alert("trigger", "disk", flap("db-1")).await;
        assert_eq!(s.mail(), ["alice"], "round {round} pages");
        s.after(1).await;
        s.alert("resolve", "disk", json!({})).await;
        assert_eq!(
            s.incidents().await.last().unwrap().0,
            "RESOLVED",
            "round {round}"
        );
        s.after(1).await;
    }
    // The third incident within 10 minutes: its resolve is held.
    s.alert("trigger", "disk", flap("db-1")).await;
    assert_eq!(s.mail(), ["alice"]);
    s.after(1).await;
    s.alert("resolve", "disk", json!({})).await;
    let (status, flapping): (String, bool) = sqlx::query_as(
        "SELECT status, flapping FROM incidents ORDER BY created_at DESC, number DESC LIMIT 1",
    )
    .fetch_one(&s.app.pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), flapping), ("OPEN", true));
    for _ in 0..3 {
        s.after(1).await;
        s.alert("trigger", "disk", flap("db-1")).await;
        s.alert("resolve", "disk", json!({})).await;
    }
    assert!(
        s.mail().is_empty(),
        "re-triggers of a flapping incident page nobody"
    );
    assert_eq!(s.app.count("incidents").await, 3);
    assert_eq!(s.incidents().await.last().unwrap(), &("OPEN".to_owned(), 4));
    let flaps: i64 =
        sqlx::query_scalar("SELECT count(*) FROM incident_timeline WHERE kind = 'FLAPPING'")
            .fetch_one(&s.app.pool)
            .await
            .unwrap();
    assert_eq!(flaps, 4, "the first hold and each later held resolve");
    // Still unacknowledged: its escalation goes on to step 2.
    s.after(30).await;
    assert_eq!(s.mail(), ["bob"]);
}

#[tokio::test]
async fn bad_settings_name_the_field_and_save_nothing() {
    let s = alice_then_bob(30).await;
    let good = json!({"group_template": "{{labels.alertname}}", "group_window_minutes": 10,
        "flap_count": 3, "flap_window_minutes": 10});
    let with = |k: &str, v: Value| {
        let mut g = good.clone();
        g[k] = v;
        g
    };
    for (settings, field) in [
        (with("group_template", json!("no fields")), "group_template"),
        (
            with("group_template", json!("{{labels.x")),
            "group_template",
        ),
        (
            with("group_window_minutes", json!(0)),
            "group_window_minutes",
        ),
        (
            with("group_window_minutes", json!(null)),
            "group_window_minutes",
        ),
        (with("flap_count", json!(1)), "flap_count"),
        (
            with("flap_window_minutes", json!(1441)),
            "flap_window_minutes",
        ),
    ] {
        let (st, body) = s.noise(settings.clone()).await;
        assert_eq!(st, 400, "{settings} → {body}");
        assert_eq!(body["field"], field, "{settings} → {body}");
    }
    assert_eq!(s.app.count("service_noise").await, 0);
    let (st, _) = s.noise(good.clone()).await;
    assert_eq!(st, 200);
    let (st, got) = s
        .app
        .call(
            "/api/services/noise",
            json!({"service_id": s.service}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(got, good);
}
