//! SLA targets on the manual clock with a real SMTP server: exactly one warning at the
//! acknowledge target minus N minutes, none after an acknowledgement, snoozed time moving the
//! warning and the due time later; the breach badge's state; and the form's checks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use chrono::{DateTime, Duration, Utc};
use common::paging::{Paging, alice_then_bob};
use serde_json::{Value, json};

/// Alice at step 1, bob at step 2 after 60 minutes, with the service's targets saved.
pub(crate) async fn setup() -> Paging {
    let s = alice_then_bob(60).await;
    s.save_targets().await;
    s
}

impl Paging {
    /// Acknowledge within 30 min, resolve within 240, warn 10 min before the acknowledge target.
    pub(crate) async fn save_targets(&self) {
        let (st, saved) = self
            .app
            .call(
                "/api/services/sla/save",
                json!({"service_id": self.service, "targets": [
                    {"urgency": null, "priority": null, "ack_minutes": 30, "resolve_minutes": 240, "warn_minutes": 10}]}),
                &self.admin,
            )
            .await;
        assert_eq!(st, 200, "{saved}");
    }

    pub(crate) async fn open(&self, dedup: &str) -> String {
        self.app
            .enqueue(&self.key, "trigger", dedup, "critical")
            .await;
        self.app.settle().await;
        sqlx::query_scalar::<_, uuid::Uuid>("SELECT id FROM incidents WHERE dedup_key = $1")
            .bind(dedup)
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
            .to_string()
    }

    pub(crate) async fn at_min(&self, minutes: i64, seconds: i64) {
        let t: DateTime<Utc> =
            common::t0() + Duration::minutes(minutes) + Duration::seconds(seconds);
        self.app.clock.set(t);
        self.app.settle().await;
    }

    /// (recipient, is an SLA warning) of the mail since the last call.
    pub(crate) fn sent(&self) -> Vec<(String, bool)> {
        let mut v: Vec<(String, bool)> = self
            .sink
            .take_new()
            .into_iter()
            .map(|(to, text)| {
                (
                    to.split('@').next().unwrap().to_owned(),
                    text.contains("SLA warning"),
                )
            })
            .collect();
        v.sort();
        v
    }

    async fn sla(&self, id: &str) -> Value {
        let (st, d) = self
            .app
            .call("/api/incidents/get", json!({"id": id}), &self.admin)
            .await;
        assert_eq!(st, 200, "{d}");
        d["sla"].clone()
    }
}

fn alice(warning: bool) -> Vec<(String, bool)> {
    vec![("alice".to_owned(), warning)]
}

#[tokio::test]
async fn one_warning_at_the_target_minus_n_and_none_after_an_acknowledgement() {
    let s = setup().await;
    let id = s.open("disk").await;
    assert_eq!(s.sent(), alice(false), "step 1 pages alice");
    assert_eq!(s.sla(&id).await["ack_breached"], false);

    s.at_min(19, 59).await;
    assert!(s.sent().is_empty(), "no warning before target − 10 min");
    s.at_min(20, 0).await;
    assert_eq!(
        s.sent(),
        alice(true),
        "the warning pages the holder at 20 min"
    );
    let notes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM incident_timeline WHERE kind = 'NOTE' AND details->>'by' = 'SLA'",
    )
    .fetch_one(&s.app.pool)
    .await
    .unwrap();
    assert_eq!(notes, 1);
    s.at_min(29, 0).await;
    s.at_min(45, 0).await;
    assert!(s.sent().is_empty(), "exactly one warning");
    let sla = s.sla(&id).await;
    assert_eq!(sla["ack_breached"], true, "{sla}");

    // A second incident acknowledged at 5 min: no warning, and the target is met.
    let (st, _) = s
        .app
        .call("/api/incidents/resolve", json!({"ids": [id]}), &s.admin)
        .await;
    assert_eq!(st, 200);
    s.at_min(50, 0).await;
    let b = s.open("cpu").await;
    assert_eq!(s.sent(), alice(false));
    s.at_min(55, 0).await;
    let (st, _) = s
        .app
        .call("/api/incidents/acknowledge", json!({"ids": [b]}), &s.admin)
        .await;
    assert_eq!(st, 200);
    s.at_min(50 + 21, 0).await;
    s.at_min(50 + 40, 0).await;
    assert!(s.sent().is_empty(), "no warning after an acknowledgement");
    let sla = s.sla(&b).await;
    assert_eq!(sla["ack_breached"], false, "{sla}");
    assert_eq!(sla["resolve_breached"], false, "{sla}");
}

#[tokio::test]
async fn snoozed_time_moves_the_warning_and_the_target() {
    let s = setup().await;
    let id = s.open("queue").await;
    assert_eq!(s.sent(), alice(false));
    // Snoozed at 5 min for 15 min: it wakes at 20 (step 1 pages again), and the warning moves
    // from 20 to 35 min.
    s.at_min(5, 0).await;
    let (st, r) = s
        .app
        .call(
            "/api/incidents/snooze",
            json!({"ids": [id], "minutes": 15}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200, "{r}");
    s.at_min(20, 0).await;
    assert_eq!(
        s.sent(),
        alice(false),
        "the snooze ended: step 1 again, no warning"
    );
    s.at_min(34, 59).await;
    assert!(
        s.sent().is_empty(),
        "snoozed time does not count: no warning yet"
    );
    s.at_min(35, 0).await;
    assert_eq!(s.sent(), alice(true));
    let sla = s.sla(&id).await;
    assert_eq!(sla["ack_due_at"], "2026-03-08T07:15:00Z", "{sla}");
    assert_eq!(sla["ack_breached"], false, "{sla}");
    s.at_min(45, 1).await;
    assert_eq!(s.sla(&id).await["ack_breached"], true);
}

#[tokio::test]
async fn targets_are_checked_field_by_field_and_nothing_half_saved() {
    let s = setup().await;
    let bad = [
        (json!([{"ack_minutes": 0}]), "targets[0].ack_minutes"),
        (
            json!([{"ack_minutes": 10, "warn_minutes": 10}]),
            "targets[0].warn_minutes",
        ),
        (
            json!([{"resolve_minutes": 10, "priority": "P7"}]),
            "targets[0].priority",
        ),
        (
            json!([{"ack_minutes": 5}, {"ack_minutes": 6}]),
            "targets[1].urgency",
        ),
    ];
    for (targets, field) in bad {
        let (st, e) = s
            .app
            .call(
                "/api/services/sla/save",
                json!({"service_id": s.service, "targets": targets}),
                &s.admin,
            )
            .await;
        assert_eq!(st, 400, "{e}");
        assert!(e.to_string().contains(field), "{field}: {e}");
    }
    let (_, list) = s
        .app
        .call(
            "/api/services/sla",
            json!({"service_id": s.service}),
            &s.admin,
        )
        .await;
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "the saved target is still there: {list}"
    );
    assert_eq!(list[0]["ack_minutes"], 30);
}
