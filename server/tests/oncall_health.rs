//! On-call health from real pages: the escalation engine pages Alice (New York) by SMS, a
//! call and email on one number, and Bob (Berlin) by SMS, on the manual clock through a fake
//! Twilio and the SMTP test server, across New York's DST change (t0 is Sunday 2026-03-08
//! 01:30 EST; 02:00 becomes 03:00 EDT at 07:00Z). The report counts those rows; the weekly
//! report reaches the team's owners on the job queue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use chrono::Duration;
use common::twilio::FakeTwilio;
use common::{Cred, SmtpSink, TestApp, spawn_app_with_twilio};
use serde_json::{Value, json};

const ALICE: &str = "+14155550123";
const BOB: &str = "+14155550177";

pub(crate) struct World {
    pub(crate) app: TestApp,
    pub(crate) sink: SmtpSink,
    pub(crate) admin: Cred,
    pub(crate) alice: Cred,
    pub(crate) bob: Cred,
    pub(crate) alice_id: String,
    pub(crate) bob_id: String,
    pub(crate) team: String,
    pub(crate) service: String,
    pub(crate) _engine: opsknight_server::engine::EngineHandle,
}

/// Alice (team OWNER, America/New_York: SMS and VOICE on one number) at step 1 with email
/// too; Bob (MEMBER, Europe/Berlin: SMS) at step 2, 30 minutes later.
pub(crate) async fn world() -> World {
    let fake = FakeTwilio::start().await;
    let app = spawn_app_with_twilio(fake.config()).await;
    let sink = SmtpSink::start().await;
    let admin = app.admin_session().await;
    let alice_u = app.add_user("alice@example.com", Role::Responder).await;
    let bob_u = app.add_user("bob@example.com", Role::Responder).await;
    let alice = app.session_for(alice_u.id).await;
    let bob = app.session_for(bob_u.id).await;
    // Verifying the number for calls verifies it for texts too.
    fake.verified(&app, &alice, "VOICE", ALICE).await;
    let (s, m) = app
        .call(
            "/api/profile/contact-methods/add",
            json!({"kind": "SMS", "address": ALICE, "label": "Cell"}),
            &alice,
        )
        .await;
    assert_eq!((s, m["verified"].clone()), (200, json!(true)), "{m}");
    fake.verified(&app, &bob, "SMS", BOB).await;
    for (cred, name, zone) in [
        (&alice, "alice", "America/New_York"),
        (&bob, "bob", "Europe/Berlin"),
    ] {
        let (s, b) = app
            .call(
                "/api/profile/update",
                json!({"name": name, "time_zone": zone}),
                cred,
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
    let (s, team) = app
        .call(
            "/api/teams/create",
            json!({"name": "Payments crew", "description": ""}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{team}");
    let team = team["id"].as_str().unwrap().to_owned();
    for (user, role) in [(alice_u.id, "OWNER"), (bob_u.id, "MEMBER")] {
        let (s, b) = app
            .call(
                "/api/teams/set-member",
                json!({"team_id": team, "user_id": user, "role": role, "is_lead": false}),
                &admin,
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
    let service = app
        .service_with_policy(
            &admin,
            "Payments",
            json!([
                {"delay_minutes": 30, "channels": ["SMS", "VOICE", "EMAIL"], "targets": [{"kind": "USER", "id": alice_u.id}]},
                {"delay_minutes": 30, "channels": ["SMS"], "targets": [{"kind": "USER", "id": bob_u.id}]},
            ]),
        )
        .await;
    let engine = app.start_engine_with(Some(sink.mailer()), Some(fake.config()));
    World {
        app,
        sink,
        admin,
        alice,
        bob,
        alice_id: alice_u.id.to_string(),
        bob_id: bob_u.id.to_string(),
        team,
        service,
        _engine: engine,
    }
}

impl World {
    /// A fresh session for the user with `email` (sessions end after a long clock step).
    pub(crate) async fn signed_in(&self, email: &str) -> Cred {
        let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&self.app.pool)
            .await
            .unwrap();
        self.app.session_for(app::domain::UserId(id)).await
    }

    async fn report(&self, cred: &Cred, days: u32, team: Option<&str>) -> (u16, Value) {
        self.app
            .call(
                "/api/health/report",
                json!({"days": days, "team_id": team}),
                cred,
            )
            .await
    }

    async fn resolve(&self, incident: &str) {
        let (s, b) = self
            .app
            .call(
                "/api/incidents/resolve",
                json!({"ids": [incident]}),
                &self.admin,
            )
            .await;
        assert_eq!(s, 200, "{b}");
        self.app.settle().await;
    }

    async fn sent(&self, user: &str) -> Vec<(String, String)> {
        sqlx::query_as(
            "SELECT channel, status FROM notifications WHERE user_id = $1::uuid ORDER BY id",
        )
        .bind(user)
        .fetch_all(&self.app.pool)
        .await
        .unwrap()
    }

    /// Two pages to Alice in one New York night across the DST change, one to Bob at 08:00
    /// Berlin; the clock ends at t0 + 1 h (07:30Z).
    pub(crate) async fn page_the_night(&self) {
        // 06:30Z: Alice 01:30 EST (sleep, Saturday's night).
        let first = self
            .app
            .create_incident(&self.admin, &self.service, "Disk full")
            .await;
        self.app.settle().await;
        // 07:00Z: step 2, Bob at 08:00 CET on a Sunday (off hours).
        self.app.advance(Duration::minutes(30)).await;
        self.resolve(&first).await;
        // 07:30Z: Alice 03:30 EDT (sleep, the same night).
        self.app.advance(Duration::minutes(30)).await;
        let second = self
            .app
            .create_incident(&self.admin, &self.service, "Queue backlog")
            .await;
        self.app.settle().await;
        self.resolve(&second).await;
    }
}

fn row<'a>(report: &'a Value, user: &str) -> &'a Value {
    report["responders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == user)
        .unwrap_or_else(|| panic!("no row for {user}: {report}"))
}

#[tokio::test]
async fn interruptions_are_counted_from_the_pages_the_engine_sent() {
    let w = world().await;
    let schedules = two_overlapping_schedules(&w).await;
    w.page_the_night().await;
    // The outbox holds what was sent: Alice SMS, VOICE, EMAIL twice; Bob one SMS.
    let alice_rows = w.sent(&w.alice_id).await;
    assert_eq!(alice_rows.len(), 6, "{alice_rows:?}");
    assert!(
        alice_rows.iter().all(|(_, s)| s == "SENT"),
        "{alice_rows:?}"
    );
    assert_eq!(w.sent(&w.bob_id).await, vec![("SMS".into(), "SENT".into())]);

    let (s, report) = w.report(&w.admin, 7, Some(&w.team)).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["view"], "TEAM");
    assert_eq!(report["weekly_report"], false);
    let alice = row(&report, &w.alice_id);
    let t = &alice["interruptions"];
    // SMS and the call to one number for one page count once; email not at all.
    assert_eq!(t["total"], 2, "{alice}");
    assert_eq!(t["sleep"], 2, "{alice}");
    assert_eq!(
        (t["business"].clone(), t["off_hours"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(t["nights_interrupted"], 1, "{alice}");
    assert_eq!(t["rough_nights"], json!(["2026-03-07"]));
    assert_eq!(alice["suggest_day_off"], true);
    // On call from Saturday 09:00 EST (14:00Z) to now (07:30Z) on the New York rotation;
    // the UTC schedule's overlapping hours count once: 17.5 h.
    assert_eq!(alice["on_call_seconds"], 63_000, "{alice} {schedules:?}");
    let bob = row(&report, &w.bob_id);
    let t = &bob["interruptions"];
    assert_eq!(
        (t["total"].clone(), t["off_hours"].clone()),
        (json!(1), json!(1)),
        "{bob}"
    );
    assert_eq!(t["nights_interrupted"], 0);
    assert_eq!(bob["suggest_day_off"], false);
    assert_eq!(bob["on_call_seconds"], 0);
    // Sorted by load: Alice first.
    assert_eq!(report["responders"][0]["user_id"], w.alice_id.as_str());

    // Alice, a team OWNER, sees the team; Bob, a MEMBER, only his own row.
    let (s, mine) = w.report(&w.alice, 7, Some(&w.team)).await;
    assert_eq!((s, mine["view"].clone()), (200, json!("TEAM")));
    let (s, denied) = w.report(&w.bob, 7, Some(&w.team)).await;
    assert_eq!(s, 403, "{denied}");
    let (s, own) = w.report(&w.bob, 30, None).await;
    assert_eq!(s, 200, "{own}");
    assert_eq!(own["view"], "OWN");
    assert_eq!(own["responders"].as_array().unwrap().len(), 1);
    assert_eq!(own["responders"][0]["user_id"], w.bob_id.as_str());
    assert_eq!(own["teams"], json!([]));
    // The window is checked: 400 naming the field.
    let (s, bad) = w.report(&w.admin, 14, None).await;
    assert_eq!((s, bad["field"].clone()), (400, json!("days")), "{bad}");
    let (s, _) = w
        .report(&w.admin, 7, Some(&uuid::Uuid::new_v4().to_string()))
        .await;
    assert_eq!(s, 404);
    // A week later the night has left the 7-day window but not the 30-day one.
    w.app.advance(Duration::days(7)).await;
    let admin = w.signed_in("root@example.com").await;
    let (_, week) = w.report(&admin, 7, None).await;
    assert!(
        week["responders"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["interruptions"]["total"] == 0),
        "{week}"
    );
    let (_, month) = w.report(&admin, 30, None).await;
    assert_eq!(row(&month, &w.alice_id)["interruptions"]["total"], 2);
}

/// Alice on a New York daily rotation (alice, bob from Saturday 09:00) and on a UTC one of
/// her own from Sunday 00:00: overlapping shifts.
pub(crate) async fn two_overlapping_schedules(w: &World) -> Vec<String> {
    let mut ids = Vec::new();
    for (name, zone, people, start) in [
        (
            "Primary",
            "America/New_York",
            json!([w.alice_id, w.bob_id]),
            "2026-03-07T09:00:00",
        ),
        ("Shadow", "UTC", json!([w.alice_id]), "2026-03-08T00:00:00"),
    ] {
        let (s, id) = w
            .app
            .call(
                "/api/schedules/save",
                json!({"id": null, "name": name, "description": "", "time_zone": zone}),
                &w.admin,
            )
            .await;
        assert_eq!(s, 200, "{id}");
        let id = id.as_str().unwrap().to_owned();
        let (s, b) = w
            .app
            .call(
                "/api/schedules/layers/save",
                json!({"schedule_id": id, "layer": {"id": uuid::Uuid::new_v4(), "name": "Daily",
                    "priority": 0, "participants": people, "rotation": {"unit": "DAYS", "every": 1},
                    "start": start}}),
                &w.admin,
            )
            .await;
        assert_eq!(s, 200, "{b}");
        ids.push(id);
    }
    ids
}

pub(crate) async fn live_report_jobs(
    app: &TestApp,
) -> Vec<(String, chrono::DateTime<chrono::Utc>)> {
    sqlx::query_as(
        "SELECT status, run_at FROM jobs WHERE kind = 'ONCALL_REPORT'
           AND status IN ('PENDING', 'PROCESSING') ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

pub(crate) fn ts(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

#[tokio::test]
async fn the_weekly_report_mails_the_team_owners_when_opted_in() {
    let w = world().await;
    w.page_the_night().await;
    w.sink.take_new();
    // A MEMBER may not turn it on; nothing is queued.
    let (s, b) = w
        .app
        .call(
            "/api/health/weekly-report",
            json!({"team_id": w.team, "enabled": true}),
            &w.bob,
        )
        .await;
    assert_eq!(s, 403, "{b}");
    assert!(live_report_jobs(&w.app).await.is_empty());
    // The OWNER turns it on, twice: one job, Monday 09:00 in her zone (New York, EDT since
    // Sunday).
    for _ in 0..2 {
        let (s, b) = w
            .app
            .call(
                "/api/health/weekly-report",
                json!({"team_id": w.team, "enabled": true}),
                &w.alice,
            )
            .await;
        assert_eq!((s, b.clone()), (200, json!(true)), "{b}");
    }
    assert_eq!(
        live_report_jobs(&w.app).await,
        vec![("PENDING".to_owned(), ts("2026-03-09T13:00:00Z"))]
    );
    // Monday 09:00 EDT: Alice (the only OWNER) gets the report; Bob gets nothing.
    w.app
        .advance(ts("2026-03-09T13:00:00Z") - w.app.clock_now())
        .await;
    let mail = w.sink.take_new();
    assert_eq!(mail.len(), 1, "{mail:?}");
    let (to, text) = &mail[0];
    assert_eq!(to, "alice@example.com");
    assert!(
        text.contains("Subject: On-call health for Payments crew: week to 2026-03-09"),
        "{text}"
    );
    assert!(
        text.contains(
            "alice: 2 interruptions (0 business hours, 0 off hours, 2 sleep), 1 nights interrupted"
        ),
        "{text}"
    );
    assert!(text.contains("Suggest a day off"), "{text}");
    assert!(
        text.contains("2026-03-02 09:00 UTC-5 to 2026-03-09 09:00 UTC-4 (America/New_York)"),
        "{text}"
    );
    assert!(
        text.contains("bob: 1 interruptions (0 business hours, 1 off hours, 0 sleep)"),
        "{text}"
    );
    // The chain goes on: next Monday's, and only that one.
    assert_eq!(
        live_report_jobs(&w.app).await,
        vec![("PENDING".to_owned(), ts("2026-03-16T13:00:00Z"))]
    );
    // Turned off: the queued report is cancelled and no mail comes.
    let (s, b) = w
        .app
        .call(
            "/api/health/weekly-report",
            json!({"team_id": w.team, "enabled": false}),
            &w.signed_in("alice@example.com").await,
        )
        .await;
    assert_eq!((s, b.clone()), (200, json!(false)), "{b}");
    assert!(live_report_jobs(&w.app).await.is_empty());
    w.app.advance(Duration::days(7)).await;
    assert!(w.sink.take_new().is_empty());
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'team.weekly_health_report'",
    )
    .fetch_one(&w.app.pool)
    .await
    .unwrap();
    assert_eq!(audited, 3);
}
