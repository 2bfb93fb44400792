//! Time-aware escalation and quiet hours on the manual clock, with a real SMTP server: a step
//! with a weekly window is skipped outside it (across the US DST change) and the next step
//! pages at once; an "outside working hours" step is skipped while the holder works; a
//! LOW-urgency page waits out the person's quiet hours on their wall clock while HIGH pages
//! at once; and bad conditions or hours are refused naming the field, nothing saved.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use chrono::{DateTime, Utc};
use common::{Cred, SmtpSink, TestApp, spawn_app};
use opsknight_server::engine::EngineHandle;
use serde_json::{Value, json};

struct Setup {
    app: TestApp,
    sink: SmtpSink,
    admin: Cred,
    alice: Cred,
    key: String,
    policy: String,
    _engine: EngineHandle,
}

/// alice at step 1 (with `conditions`), bob at step 2, `delay` minutes apart; alice lives in
/// `zone`.
async fn setup(conditions: Value, delay: i64, zone: &str) -> Setup {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let admin = app.admin_session().await;
    let alice = app.add_user("alice@example.com", Role::Responder).await;
    let bob = app.add_user("bob@example.com", Role::Responder).await;
    let service = app
        .service_with_policy(
            &admin,
            "Payments",
            json!([
                {"delay_minutes": delay, "targets": [{"kind": "USER", "id": alice.id}],
                 "conditions": conditions},
                {"delay_minutes": delay, "targets": [{"kind": "USER", "id": bob.id}]},
            ]),
        )
        .await;
    let policy: String =
        sqlx::query_scalar("SELECT escalation_policy_id::text FROM services WHERE id = $1::uuid")
            .bind(&service)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let (s, i) = app
        .call(
            "/api/integrations/create",
            json!({"service_id": service, "kind": "events_v2", "name": "main", "rate_limit_per_min": null}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{i}");
    let alice_cred = app.session_for(alice.id).await;
    let (s, b) = app
        .call(
            "/api/profile/update",
            json!({"name": "alice", "time_zone": zone}),
            &alice_cred,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let engine = app.start_engine(Some(sink.mailer()));
    Setup {
        key: i["routing_key"].as_str().unwrap().to_owned(),
        app,
        sink,
        admin,
        alice: alice_cred,
        policy,
        _engine: engine,
    }
}

impl Setup {
    /// Recipients (local parts) of the mail since the last call, sorted.
    fn mail(&self) -> Vec<String> {
        let mut to: Vec<String> = self
            .sink
            .take_new()
            .into_iter()
            .map(|(to, _)| to.split('@').next().unwrap().to_owned())
            .collect();
        to.sort();
        to
    }

    async fn event(&self, action: &str, dedup: &str, severity: &str) {
        self.app.enqueue(&self.key, action, dedup, severity).await;
        self.app.settle().await;
    }

    async fn at(&self, t: &str) {
        let t: DateTime<Utc> = t.parse().unwrap();
        self.app.clock.set(t);
        self.app.settle().await;
    }

    /// The ESCALATED timeline messages of the incident `dedup`, in order.
    async fn messages(&self, dedup: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT t.details->>'message' FROM incident_timeline t JOIN incidents i ON i.id = t.incident_id
             WHERE i.dedup_key = $1 AND t.kind = 'ESCALATED' AND t.details ? 'message' ORDER BY t.id",
        )
        .bind(dedup)
        .fetch_all(&self.app.pool)
        .await
        .unwrap()
    }

    async fn hours(&self, body: Value) -> (u16, Value) {
        self.app
            .call("/api/profile/hours/update", body, &self.alice)
            .await
    }
}

fn office(zone: &str) -> Value {
    json!({"when": {"zone": zone, "days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "17:00"}})
}

#[tokio::test]
async fn a_step_outside_its_window_is_skipped_on_the_zones_wall_clock_across_dst() {
    let s = setup(office("America/New_York"), 60, "UTC").await;
    // t0: Sunday 2026-03-08 06:30 UTC, 01:30 in New York: step 1 is skipped, bob at once.
    s.event("trigger", "sunday", "critical").await;
    assert_eq!(s.mail(), ["bob"], "step 1 skipped, step 2 pages at once");
    assert_eq!(
        s.messages("sunday").await,
        ["skipped: outside Mon–Fri 09:00–17:00 America/New_York"]
    );
    s.event("resolve", "sunday", "critical").await;

    // Monday 9 March, now EDT (UTC-4): 12:59 UTC is 08:59 local, still outside.
    s.at("2026-03-09T12:59:00Z").await;
    s.event("trigger", "early", "critical").await;
    assert_eq!(s.mail(), ["bob"]);
    s.event("resolve", "early", "critical").await;
    // 13:00 UTC is 09:00 EDT (it would be 08:00 in EST): inside, alice is paged.
    s.at("2026-03-09T13:00:00Z").await;
    s.event("trigger", "nine", "critical").await;
    assert_eq!(s.mail(), ["alice"], "inside the window step 1 pages");
    assert!(s.messages("nine").await.is_empty());
    // Step 2 follows after its delay as usual.
    s.at("2026-03-09T14:00:00Z").await;
    assert_eq!(s.mail(), ["bob"]);
    s.event("resolve", "nine", "critical").await;
    // 21:00 UTC is 17:00 EDT: the window has ended.
    s.at("2026-03-09T21:00:00Z").await;
    s.event("trigger", "five", "critical").await;
    assert_eq!(s.mail(), ["bob"]);

    // The policy keeps the condition (a fresh session: a day has passed).
    let root: app::domain::UserId =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'root@example.com'")
            .fetch_one(&s.app.pool)
            .await
            .unwrap();
    let admin = s.app.session_for(root).await;
    let (st, policy) = s
        .app
        .call("/api/policies/get", json!({"id": s.policy}), &admin)
        .await;
    assert_eq!(st, 200, "{policy}");
    assert_eq!(
        policy["steps"][0]["conditions"]["when"]["zone"],
        "America/New_York"
    );
}

#[tokio::test]
async fn an_outside_working_hours_step_is_skipped_while_the_person_works() {
    let s = setup(json!({"outside_working_hours": true}), 60, "Europe/Berlin").await;
    let (st, b) = s
        .hours(json!({"working_hours": {"days": [], "from": "07:00", "to": "19:00"}, "quiet_hours": null}))
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["time_zone"], "Europe/Berlin");
    // t0 06:30 UTC is 07:30 in Berlin (CET): alice is working, step 1 is skipped.
    s.event("trigger", "working", "critical").await;
    assert_eq!(s.mail(), ["bob"]);
    assert_eq!(
        s.messages("working").await,
        ["skipped: within the working hours of alice"]
    );
    s.event("resolve", "working", "critical").await;
    // 17:59 UTC is 18:59 in Berlin: still working.
    s.at("2026-03-08T17:59:00Z").await;
    s.event("trigger", "late", "critical").await;
    assert_eq!(s.mail(), ["bob"]);
    s.event("resolve", "late", "critical").await;
    // 18:00 UTC is 19:00: outside her working hours, step 1 pages her.
    s.at("2026-03-08T18:00:00Z").await;
    s.event("trigger", "evening", "critical").await;
    assert_eq!(s.mail(), ["alice"]);
    s.event("resolve", "evening", "critical").await;
    // Without working hours she counts as outside them.
    let (st, b) = s
        .hours(json!({"working_hours": null, "quiet_hours": null}))
        .await;
    assert_eq!(st, 200, "{b}");
    s.at("2026-03-09T10:00:00Z").await;
    s.event("trigger", "none", "critical").await;
    assert_eq!(s.mail(), ["alice"]);
}

#[tokio::test]
async fn low_urgency_pages_wait_out_quiet_hours_and_high_urgency_pages_at_once() {
    // Step 2 comes ten hours later, after the quiet hours.
    let s = setup(Value::Null, 600, "America/New_York").await;
    let (st, b) = s
        .hours(json!({"working_hours": null, "quiet_hours": {"days": [], "from": "22:00", "to": "07:00"}}))
        .await;
    assert_eq!(st, 200, "{b}");
    // t0 is 01:30 EST on the night the US springs forward: quiet hours end at 07:00 EDT,
    // 11:00 UTC (not 12:00).
    s.event("trigger", "low", "info").await;
    s.event("trigger", "acked", "info").await;
    assert!(s.mail().is_empty(), "a LOW page waits in quiet hours");
    let timeline: Value = sqlx::query_scalar(
        "SELECT t.details FROM incident_timeline t JOIN incidents i ON i.id = t.incident_id
         WHERE i.dedup_key = 'low' AND t.kind = 'ESCALATED'",
    )
    .fetch_one(&s.app.pool)
    .await
    .unwrap();
    assert_eq!(
        timeline["quiet_hours"],
        json!(["alice until 07:00 America/New_York"])
    );
    s.event("trigger", "high", "critical").await;
    assert_eq!(s.mail(), ["alice"], "HIGH urgency pages at once");
    s.event("resolve", "high", "critical").await;
    // An acknowledgement before the quiet hours end cancels the waiting page.
    s.event("acknowledge", "acked", "info").await;

    s.at("2026-03-08T10:59:00Z").await;
    assert!(s.mail().is_empty(), "one minute before the end: nothing");
    s.at("2026-03-08T11:00:00Z").await;
    assert_eq!(
        s.mail(),
        ["alice"],
        "the quiet hours end: the LOW page goes"
    );
    s.at("2026-03-08T16:29:00Z").await;
    assert!(
        s.mail().is_empty(),
        "the acknowledged incident pages nobody"
    );
}

#[tokio::test]
async fn bad_conditions_and_hours_are_refused_naming_the_field_and_nothing_is_saved() {
    let s = setup(Value::Null, 30, "Europe/Berlin").await;
    let alice: String = sqlx::query_scalar("SELECT id::text FROM users WHERE name = 'alice'")
        .fetch_one(&s.app.pool)
        .await
        .unwrap();
    let policies = s.app.count("escalation_policies").await;
    let step = |conditions: Value| json!({"delay_minutes": 5, "targets": [{"kind": "USER", "id": alice}], "conditions": conditions});
    for (conditions, field) in [
        (
            json!({"when": {"zone": "Mars/Base", "days": [], "from": "09:00", "to": "17:00"}}),
            "steps[1].conditions.when.zone",
        ),
        (
            json!({"when": {"zone": "UTC", "days": [], "from": "9am", "to": "17:00"}}),
            "steps[1].conditions.when.from",
        ),
        (
            json!({"when": {"zone": "UTC", "days": ["funday"], "from": "09:00", "to": "17:00"}}),
            "steps[1].conditions.when.days[0]",
        ),
    ] {
        let (st, b) = s
            .app
            .call(
                "/api/policies/create",
                json!({"name": "Bad", "description": "", "repeat_count": 0,
                       "steps": [step(Value::Null), step(conditions)]}),
                &s.admin,
            )
            .await;
        assert_eq!(st, 400, "{b}");
        assert_eq!(b["field"], field, "{b}");
    }
    assert_eq!(s.app.count("escalation_policies").await, policies);

    for (body, field) in [
        (
            json!({"working_hours": null, "quiet_hours": {"days": [], "from": "22:00", "to": "7:00"}}),
            "quiet_hours.to",
        ),
        (
            json!({"working_hours": {"days": ["mon"], "from": "25:00", "to": "17:00"}, "quiet_hours": null}),
            "working_hours.from",
        ),
        (
            json!({"working_hours": null, "quiet_hours": {"days": [], "from": "00:00", "to": "24:00"}}),
            "quiet_hours",
        ),
    ] {
        let (st, b) = s.hours(body).await;
        assert_eq!(st, 400, "{b}");
        assert_eq!(b["field"], field, "{b}");
    }
    let saved: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM users WHERE working_hours IS NOT NULL OR quiet_hours IS NOT NULL",
    )
    .fetch_one(&s.app.pool)
    .await
    .unwrap();
    assert_eq!(saved, 0);

    // REST v1: the same check answers 422 naming the field; good conditions round-trip.
    let admin = s.app.add_user("ops@example.com", Role::Admin).await;
    let key = s.app.key_for(&admin, &["services:write"]).await;
    let path = format!("/api/v1/escalation-policies/{}/steps", s.policy);
    let (st, _, b) = s
        .app
        .send(
            reqwest::Method::PUT,
            &path,
            &key,
            Some(json!({"steps": [step(json!({"when": {"zone": "Nowhere", "from": "09:00", "to": "17:00"}}))]})),
            &[],
        )
        .await;
    assert_eq!(st, 422, "{b}");
    assert_eq!(b["field"], "steps[0].conditions.when.zone", "{b}");
    let (st, _, b) = s
        .app
        .send(
            reqwest::Method::PUT,
            &path,
            &key,
            Some(json!({"steps": [step(json!({"outside_working_hours": true,
                "when": {"zone": "Europe/Berlin", "days": ["SAT", "sun"], "from": "00:00", "to": "24:00"}}))]})),
            &[],
        )
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(
        b["steps"][0]["conditions"],
        json!({"outside_working_hours": true,
               "when": {"zone": "Europe/Berlin", "days": ["sat", "sun"], "from": "00:00", "to": "24:00"}})
    );
}
