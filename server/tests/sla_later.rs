//! SLA warnings that are not simply "opened OPEN, warned at target − N", on the manual clock
//! with a real SMTP server: a snooze over the warning's due time, targets saved after the
//! incident opened, incidents held SUPPRESSED by a maintenance window and released; and the
//! lists' breach state (server function and REST v1).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::{common, sla};

use app::domain::Role;
use common::Cred;
use common::paging::{Paging, alice_then_bob};
use serde_json::json;

impl Paging {
    /// Live (pending, running or to be retried) SLA_WARNING jobs of the incident.
    async fn live_warning_jobs(&self, id: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE kind = 'SLA_WARNING' AND incident_id = $1::uuid
               AND (status IN ('PENDING', 'PROCESSING') OR (status = 'FAILED' AND attempts < max_attempts))",
        )
        .bind(id)
        .fetch_one(&self.app.pool)
        .await
        .unwrap()
    }

    /// SLA warning notes on the incident's timeline.
    async fn warnings(&self, id: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT count(*) FROM incident_timeline
             WHERE incident_id = $1::uuid AND kind = 'NOTE' AND details->>'by' = 'SLA'",
        )
        .bind(id)
        .fetch_one(&self.app.pool)
        .await
        .unwrap()
    }
}

fn mail(list: &[(&str, bool)]) -> Vec<(String, bool)> {
    list.iter().map(|(w, b)| ((*w).to_owned(), *b)).collect()
}

#[tokio::test]
async fn a_snooze_over_the_warnings_due_time_moves_it_and_it_fires_once_after() {
    let s = sla::setup().await;
    let id = s.open("disk").await;
    assert_eq!(s.sent(), mail(&[("alice", false)]));
    // Snoozed from 15 to 25 min: the warning comes due at 20 while it sleeps.
    s.at_min(15, 0).await;
    let (st, r) = s
        .app
        .call(
            "/api/incidents/snooze",
            json!({"ids": [id], "minutes": 10}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200, "{r}");
    s.at_min(20, 0).await;
    assert_eq!(s.sent(), mail(&[]), "no warning while snoozed");
    assert_eq!(s.live_warning_jobs(&id).await, 1, "it waits again");
    s.at_min(25, 0).await;
    assert_eq!(s.sent(), mail(&[("alice", false)]), "woken: step 1 again");
    assert_eq!(
        s.live_warning_jobs(&id).await,
        1,
        "entering OPEN again adds no second job"
    );
    // 10 snoozed minutes: the target moves from 30 to 40 min, the warning from 20 to 30.
    s.at_min(29, 59).await;
    assert_eq!(s.sent(), mail(&[]));
    s.at_min(30, 0).await;
    assert_eq!(s.sent(), mail(&[("alice", true)]));
    s.at_min(39, 0).await;
    s.at_min(55, 0).await;
    assert_eq!(s.sent(), mail(&[]), "exactly one warning");
    assert_eq!(s.warnings(&id).await, 1);
}

#[tokio::test]
async fn targets_saved_after_an_incident_opened_warn_it_once_at_target_minus_n() {
    let s = alice_then_bob(60).await;
    let id = s.open("disk").await;
    let acked = s.open("acked").await;
    assert_eq!(s.sent(), mail(&[("alice", false), ("alice", false)]));
    let (st, _) = s
        .app
        .call(
            "/api/incidents/acknowledge",
            json!({"ids": [acked]}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(s.live_warning_jobs(&id).await, 0, "no target, no warning");
    s.at_min(5, 0).await;
    s.save_targets().await;
    assert_eq!(s.live_warning_jobs(&id).await, 1, "scheduled by the save");
    assert_eq!(
        s.live_warning_jobs(&acked).await,
        0,
        "acknowledged: nothing to warn"
    );
    s.at_min(6, 0).await;
    s.save_targets().await;
    assert_eq!(s.live_warning_jobs(&id).await, 1, "a second save adds none");
    s.at_min(19, 59).await;
    assert_eq!(s.sent(), mail(&[]));
    s.at_min(20, 0).await;
    assert_eq!(s.sent(), mail(&[("alice", true)]));
    s.at_min(21, 0).await;
    s.save_targets().await;
    assert_eq!(s.live_warning_jobs(&id).await, 0, "warned: no new job");
    s.at_min(45, 0).await;
    assert_eq!(s.sent(), mail(&[]), "exactly one warning");
    assert_eq!(s.warnings(&id).await, 1);
    assert_eq!(s.warnings(&acked).await, 0);
}

#[tokio::test]
async fn suppressed_incidents_are_warned_once_only_after_their_release() {
    let s = sla::setup().await;
    // Open at 0 min (warning due at 20); a window holding open incidents too, 10 to 25 min.
    let held = s.open("held").await;
    assert_eq!(s.sent(), mail(&[("alice", false)]));
    let (st, w) = s
        .app
        .call(
            "/api/maintenance/create",
            json!({"window": {"name": "DB upgrade", "service_ids": [s.service], "kind": "ONCE",
                "zone": "UTC", "starts_at": "2026-03-08T06:40", "ends_at": "2026-03-08T06:55",
                "hold_open": true}}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200, "{w}");
    s.at_min(10, 0).await;
    s.at_min(15, 0).await;
    // Opened during the window at 15 min: SUPPRESSED from the start (warning due at 35).
    let born = s.open("born").await;
    let status = |id: String| {
        let pool = s.app.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT status FROM incidents WHERE id = $1::uuid")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(status(held.clone()).await, "SUPPRESSED");
    assert_eq!(status(born.clone()).await, "SUPPRESSED");
    s.at_min(20, 0).await;
    assert_eq!(
        s.sent(),
        mail(&[]),
        "a SUPPRESSED incident pages nobody, not even its SLA warning"
    );
    assert_eq!(s.live_warning_jobs(&born).await, 0);
    // Released at 25: step 1 for both, the held one's warning at once (its target is at 30).
    s.at_min(25, 0).await;
    assert_eq!(status(held.clone()).await, "OPEN");
    assert_eq!(
        s.sent(),
        mail(&[("alice", false), ("alice", false), ("alice", true)])
    );
    assert_eq!(s.warnings(&held).await, 1);
    assert_eq!(s.live_warning_jobs(&born).await, 1);
    s.at_min(34, 59).await;
    assert_eq!(s.sent(), mail(&[]));
    s.at_min(35, 0).await;
    assert_eq!(s.sent(), mail(&[("alice", true)]));
    s.at_min(50, 0).await;
    assert_eq!(s.sent(), mail(&[]), "exactly one warning each");
    assert_eq!(s.warnings(&held).await, 1);
    assert_eq!(s.warnings(&born).await, 1);
}

#[tokio::test]
async fn the_lists_carry_the_breach_state() {
    let s = sla::setup().await;
    s.open("disk").await;
    let admin = s.app.add_user("api@example.com", Role::Admin).await;
    let key = s.app.key_for(&admin, &["incidents:read"]).await;
    let listed = |cred: Cred| {
        let app = &s.app;
        async move {
            let (st, page) = app
                .call(
                    "/api/incidents/list",
                    json!({"filter": {}, "before": null, "limit": 50}),
                    &cred,
                )
                .await;
            assert_eq!(st, 200, "{page}");
            page["incidents"][0]["sla"].clone()
        }
    };
    let rest = |key: Cred| {
        let app = &s.app;
        async move {
            let (st, _, body) = app
                .send(reqwest::Method::GET, "/api/v1/incidents", &key, None, &[])
                .await;
            assert_eq!(st, 200, "{body}");
            body["incidents"][0]["sla"].clone()
        }
    };
    let sla = listed(s.admin.clone()).await;
    assert_eq!(sla["ack_due_at"], "2026-03-08T07:00:00Z", "{sla}");
    assert_eq!(
        (sla["ack_breached"].clone(), sla["at_risk"].clone()),
        (json!(false), json!(false))
    );
    s.at_min(20, 0).await;
    assert_eq!(
        listed(s.admin.clone()).await["at_risk"],
        true,
        "inside the warning window"
    );
    let r = rest(key.clone()).await;
    assert_eq!(r["at_risk"], true, "{r}");
    assert_eq!(r["ack_due_at"], "2026-03-08T07:00:00Z", "{r}");
    s.at_min(30, 1).await;
    let sla = listed(s.admin.clone()).await;
    assert_eq!(sla["ack_breached"], true, "{sla}");
    assert_eq!(sla["at_risk"], false, "{sla}");
    let r = rest(key.clone()).await;
    assert_eq!(r["ack_breached"], true, "{r}");
    assert_eq!(r["resolve_breached"], false, "{r}");
    assert_eq!(r["resolve_due_at"], "2026-03-08T10:30:00Z", "{r}");
    // The targets removed: no `sla` in the body.
    let (st, _) = s
        .app
        .call(
            "/api/services/sla/save",
            json!({"service_id": s.service, "targets": []}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200);
    assert!(rest(key).await.is_null(), "no target: no sla object");
}
