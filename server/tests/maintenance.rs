//! Maintenance windows on the manual clock, with a real SMTP server: new incidents during a
//! window are SUPPRESSED and page nobody while open ones keep escalating; at the end step 1
//! pages; a weekly window in a DST week ends on the zone's wall clock; cancelling releases at
//! once; and the form's checks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use chrono::{DateTime, Utc};
use common::paging::{Paging, alice_then_bob};
use serde_json::{Value, json};

impl Paging {
    async fn trigger(&self, dedup: &str) {
        self.app
            .enqueue(&self.key, "trigger", dedup, "critical")
            .await;
        self.app.settle().await;
    }

    async fn status(&self, dedup: &str) -> String {
        sqlx::query_scalar("SELECT status FROM incidents WHERE dedup_key = $1")
            .bind(dedup)
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }

    async fn window(&self, w: Value) -> (u16, Value) {
        self.app
            .call("/api/maintenance/create", json!({"window": w}), &self.admin)
            .await
    }

    async fn at(&self, t: &str) {
        let t: DateTime<Utc> = t.parse().unwrap();
        self.app.clock.set(t);
        self.app.settle().await;
    }
}

fn once(service: &str, from: &str, to: &str) -> Value {
    json!({"name": "DB upgrade", "service_ids": [service], "kind": "ONCE", "zone": "UTC",
           "starts_at": from, "ends_at": to})
}

#[tokio::test]
async fn new_incidents_wait_out_the_window_and_page_from_step_one_when_it_ends() {
    let s = alice_then_bob(30).await;
    // t0 is 2026-03-08 06:30 UTC. The window: 07:00 to 08:00.
    let (st, w) = s
        .window(once(&s.service, "2026-03-08T07:00", "2026-03-08T08:00"))
        .await;
    assert_eq!(st, 200, "{w}");
    assert_eq!(w["state"], "SCHEDULED");
    s.trigger("before").await;
    assert_eq!(s.mail(), ["alice"], "before the window: step 1 pages");
    s.at("2026-03-08T07:10:00Z").await;
    assert_eq!(
        s.mail(),
        ["bob"],
        "an incident open before the window keeps escalating"
    );

    s.trigger("during").await;
    assert_eq!(s.status("during").await, "SUPPRESSED");
    assert!(
        s.mail().is_empty(),
        "nobody is paged for a new incident in the window"
    );
    let (_, list) = s
        .app
        .call(
            "/api/maintenance/list",
            json!({"service_id": s.service}),
            &s.admin,
        )
        .await;
    assert_eq!(list[0]["state"], "ACTIVE");
    assert_eq!(list[0]["active_until"], "2026-03-08T08:00:00Z");

    s.at("2026-03-08T07:59:00Z").await;
    assert_eq!(s.status("during").await, "SUPPRESSED");
    assert!(s.mail().is_empty());
    s.at("2026-03-08T08:00:00Z").await;
    assert_eq!(s.status("during").await, "OPEN", "released at the end");
    assert_eq!(s.mail(), ["alice"], "step 1 pages at the window's end");
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT t.kind FROM incident_timeline t JOIN incidents i ON i.id = t.incident_id
         WHERE i.dedup_key = 'during' ORDER BY t.id",
    )
    .fetch_all(&s.app.pool)
    .await
    .unwrap();
    assert_eq!(kinds[..2], ["TRIGGERED", "UNSUPPRESSED"]);
    s.at("2026-03-08T08:30:00Z").await;
    assert_eq!(s.mail(), ["bob"], "then step 2, 30 minutes later");
}

#[tokio::test]
async fn a_weekly_window_ends_on_the_zones_wall_clock_in_a_dst_week() {
    let s = alice_then_bob(30).await;
    // Sundays 00:00–06:00 in Berlin; Berlin moves to summer time on Sunday 29 March 2026.
    let (st, w) = s
        .window(
            json!({"name": "Sunday patching", "service_ids": [s.service], "kind": "WEEKLY",
            "zone": "Europe/Berlin", "starts_at": "", "ends_at": "", "days": ["sun"],
            "from": "00:00", "to": "06:00"}),
        )
        .await;
    assert_eq!(st, 200, "{w}");
    let next: DateTime<Utc> = sqlx::query_scalar(
        "SELECT run_at FROM jobs WHERE kind = 'MAINTENANCE_END' AND status = 'PENDING'",
    )
    .fetch_one(&s.app.pool)
    .await
    .unwrap();
    assert_eq!(
        next,
        "2026-03-15T05:00:00Z".parse::<DateTime<Utc>>().unwrap(),
        "06:00 CET"
    );

    // 29 March 01:30 UTC is 03:30 CEST: inside. Its end is 06:00 CEST, 04:00 UTC.
    s.at("2026-03-29T01:30:00Z").await;
    let next: Vec<DateTime<Utc>> = sqlx::query_scalar(
        "SELECT run_at FROM jobs WHERE kind = 'MAINTENANCE_END' AND status = 'PENDING'",
    )
    .fetch_all(&s.app.pool)
    .await
    .unwrap();
    assert_eq!(
        next,
        ["2026-03-29T04:00:00Z".parse::<DateTime<Utc>>().unwrap()]
    );
    s.trigger("patch").await;
    assert_eq!(s.status("patch").await, "SUPPRESSED");
    s.at("2026-03-29T03:59:00Z").await;
    assert_eq!(
        s.status("patch").await,
        "SUPPRESSED",
        "05:59 CEST: still in the window"
    );
    assert!(s.mail().is_empty());
    s.at("2026-03-29T04:00:00Z").await;
    assert_eq!(s.status("patch").await, "OPEN");
    assert_eq!(s.mail(), ["alice"]);
    // Outside the window a new incident pages at once.
    s.trigger("later").await;
    assert_eq!(s.status("later").await, "OPEN");
    assert_eq!(s.mail(), ["alice"]);
}

#[tokio::test]
async fn cancelling_releases_at_once_and_the_form_names_each_bad_field() {
    let s = alice_then_bob(30).await;
    let (st, w) = s
        .window(once(&s.service, "2026-03-08T06:00", "2026-03-08T12:00"))
        .await;
    assert_eq!(st, 200, "{w}");
    s.trigger("held").await;
    assert_eq!(s.status("held").await, "SUPPRESSED");
    let (st, c) = s
        .app
        .call("/api/maintenance/cancel", json!({"id": w["id"]}), &s.admin)
        .await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["state"], "CANCELLED");
    s.app.settle().await;
    assert_eq!(s.status("held").await, "OPEN");
    assert_eq!(s.mail(), ["alice"]);
    s.at("2026-03-08T12:00:00Z").await;
    assert_eq!(
        s.mail(),
        ["bob"],
        "step 2 of the released incident, and no page again from the cancelled window's end"
    );

    let good = once(&s.service, "2026-03-09T07:00", "2026-03-09T08:00");
    let with = |k: &str, v: Value| {
        let mut w = good.clone();
        w[k] = v;
        w
    };
    let cases = [
        (with("name", json!("")), "name"),
        (with("service_ids", json!([])), "service_ids"),
        (with("kind", json!("DAILY")), "kind"),
        (with("zone", json!("Mars/Base")), "zone"),
        (with("starts_at", json!("tomorrow")), "starts_at"),
        (with("ends_at", json!("2026-03-09T06:00")), "ends_at"),
        (with("ends_at", json!("2026-03-08T06:00")), "ends_at"),
        (
            json!({"name": "w", "service_ids": [s.service], "kind": "WEEKLY", "zone": "UTC",
                "starts_at": "", "ends_at": "", "days": ["funday"], "from": "01:00", "to": "02:00"}),
            "days[0]",
        ),
        (
            json!({"name": "w", "service_ids": [s.service], "kind": "WEEKLY", "zone": "UTC",
                "starts_at": "", "ends_at": "", "days": [], "from": "1am", "to": "02:00"}),
            "from",
        ),
    ];
    let before = s.app.count("maintenance_windows").await;
    for (w, field) in cases {
        let (st, e) = s.window(w.clone()).await;
        assert_eq!((st, e["field"].as_str()), (400, Some(field)), "{w}: {e}");
    }
    let (st, e) = s
        .window(with("service_ids", json!([uuid::Uuid::new_v4()])))
        .await;
    assert_eq!(st, 404, "{e}");
    let user = s.app.add_user("u@example.com", Role::User).await;
    let user = s.app.session_for(user.id).await;
    let (st, _) = s
        .app
        .call("/api/maintenance/create", json!({"window": good}), &user)
        .await;
    assert_eq!(st, 403);
    assert_eq!(
        s.app.count("maintenance_windows").await,
        before,
        "a refusal writes nothing"
    );
}

#[tokio::test]
async fn a_window_that_holds_open_incidents_pauses_them_from_its_start_to_its_end() {
    let s = alice_then_bob(30).await;
    s.trigger("early").await;
    assert_eq!(s.mail(), ["alice"]);
    let mut w = once(&s.service, "2026-03-08T06:45", "2026-03-08T08:00");
    w["hold_open"] = json!(true);
    let (st, v) = s.window(w).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["hold_open"], true);
    s.at("2026-03-08T06:44:00Z").await;
    assert_eq!(s.status("early").await, "OPEN");
    s.at("2026-03-08T06:45:00Z").await;
    assert_eq!(s.status("early").await, "SUPPRESSED", "held at the start");
    s.at("2026-03-08T07:00:00Z").await;
    assert!(
        s.mail().is_empty(),
        "its step 2 does not page during the window"
    );
    s.at("2026-03-08T08:00:00Z").await;
    assert_eq!(s.status("early").await, "OPEN");
    assert_eq!(s.mail(), ["alice"], "released at the end: step 1 again");
    s.at("2026-03-08T08:30:00Z").await;
    assert_eq!(s.mail(), ["bob"]);
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT t.kind FROM incident_timeline t JOIN incidents i ON i.id = t.incident_id
         WHERE i.dedup_key = 'early' AND t.kind IN ('SUPPRESSED', 'UNSUPPRESSED') ORDER BY t.id",
    )
    .fetch_all(&s.app.pool)
    .await
    .unwrap();
    assert_eq!(kinds, ["SUPPRESSED", "UNSUPPRESSED"]);

    // Created while it holds: what is open pauses at once.
    s.trigger("late").await;
    assert_eq!(s.mail(), ["alice"]);
    let mut w = once(&s.service, "2026-03-08T08:00", "2026-03-08T09:00");
    w["name"] = json!("Failover drill");
    w["hold_open"] = json!(true);
    let (st, v) = s.window(w).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(s.status("late").await, "SUPPRESSED");
    assert_eq!(s.status("early").await, "SUPPRESSED");
}
