//! Schedules through the HTTP API on a real Postgres: validation that names the field,
//! audited changes, "on call now" and "my shifts", escalation steps that page whoever the
//! schedule has on call when the step runs (across a DST change, with an override), and
//! the iCal feed parsed back by a real iCalendar parser and compared with the engine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use chrono::{DateTime, Duration, Utc};
use common::{Cred, SmtpSink, TestApp, spawn_app};
use serde_json::{Value, json};

struct World {
    app: TestApp,
    admin: Cred,
    alice: app::users::UserSummary,
    bob: app::users::UserSummary,
    carol: app::users::UserSummary,
}

async fn world() -> World {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    World {
        alice: app.add_user("alice@example.com", Role::Responder).await,
        bob: app.add_user("bob@example.com", Role::Responder).await,
        carol: app.add_user("carol@example.com", Role::Responder).await,
        app,
        admin,
    }
}

impl World {
    async fn call(&self, path: &str, body: Value) -> (u16, Value) {
        self.app.call(path, body, &self.admin).await
    }

    async fn ok(&self, path: &str, body: Value) -> Value {
        let (s, b) = self.call(path, body).await;
        assert_eq!(s, 200, "{path}: {b}");
        b
    }

    /// A New York schedule with a daily 09:00 rotation alice → bob from Saturday 2026-03-07.
    async fn new_york(&self) -> String {
        let id = self
            .ok(
                "/api/schedules/save",
                json!({"id": null, "name": "Primary", "description": "", "time_zone": "america/new_york"}),
            )
            .await;
        let id = id.as_str().unwrap().to_owned();
        self.ok(
            "/api/schedules/layers/save",
            json!({"schedule_id": id, "layer": {"id": uuid::Uuid::new_v4(), "name": "Daily", "priority": 0,
                "participants": [self.alice.id, self.bob.id], "rotation": {"unit": "DAYS", "every": 1},
                "start": "2026-03-07T09:00:00"}}),
        )
        .await;
        id
    }

    async fn error_field(&self, path: &str, body: Value) -> String {
        let (s, b) = self.call(path, body).await;
        assert_eq!(s, 400, "{path}: {b}");
        b["field"].as_str().unwrap_or_default().to_owned()
    }
}

fn ts(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[tokio::test]
async fn bad_schedule_input_is_refused_naming_the_field_and_changes_nothing() {
    let w = world().await;
    let field = w
        .error_field(
            "/api/schedules/save",
            json!({"id": null, "name": "X", "description": "", "time_zone": "Mars/Olympus"}),
        )
        .await;
    assert_eq!(field, "time_zone");
    let id = w.new_york().await;
    let layer = |participants: Value, extra: Value| {
        let mut l = json!({"id": uuid::Uuid::new_v4(), "name": "L", "priority": 1,
            "participants": participants, "rotation": {"unit": "DAYS", "every": 1},
            "start": "2026-03-07T09:00:00"});
        for (k, v) in extra.as_object().unwrap() {
            l[k] = v.clone();
        }
        json!({"schedule_id": id, "layer": l})
    };
    let cases = [
        (layer(json!([]), json!({})), "participants"),
        (
            layer(json!([w.alice.id]), json!({"shift_minutes": 1441})),
            "shift_minutes",
        ),
        (
            layer(
                json!([w.alice.id]),
                json!({"rotation": {"unit": "WEEKS", "every": 0}}),
            ),
            "rotation.every",
        ),
        (
            layer(
                json!([w.alice.id]),
                json!({"restrictions": [{"weekday": "Fri", "start": "20:00:00", "end": "20:00:00", "overnight": true}]}),
            ),
            "restrictions[0].end",
        ),
        (
            layer(json!([uuid::Uuid::new_v4()]), json!({})),
            "participants[0]",
        ),
        (
            layer(json!([w.alice.id]), json!({"end": "2026-03-07T09:00:00"})),
            "end",
        ),
    ];
    let layers_before = w.app.count("schedule_layers").await;
    for (body, want) in cases {
        assert_eq!(
            w.error_field("/api/schedules/layers/save", body).await,
            want
        );
    }
    assert_eq!(w.app.count("schedule_layers").await, layers_before);
    assert_eq!(
        w.error_field(
            "/api/schedules/overrides/create",
            json!({"schedule_id": id, "kind": "REPLACE", "user": w.carol.id, "replaces": w.alice.id,
                "start": "2026-03-08T10:00:00Z", "end": "2026-03-08T10:00:00Z"}),
        )
        .await,
        "end"
    );
    assert_eq!(
        w.error_field(
            "/api/schedules/overrides/create",
            json!({"schedule_id": id, "kind": "REPLACE", "user": w.carol.id, "replaces": null,
                "start": "2026-03-08T10:00:00Z", "end": "2026-03-08T11:00:00Z"}),
        )
        .await,
        "replaces"
    );
    assert_eq!(
        w.error_field(
            "/api/schedules/temporary/save",
            json!({"schedule_id": id, "temporary": {"id": uuid::Uuid::new_v4(),
                "start": "2026-03-10T00:00:00Z", "end": "2026-03-11T00:00:00Z",
                "shifts": [{"user": w.alice.id, "start": "2026-03-09T00:00:00Z", "end": "2026-03-10T06:00:00Z"}]}}),
        )
        .await,
        "shifts[0].start"
    );
    assert_eq!(
        w.error_field(
            "/api/schedules/get",
            json!({"id": id, "from": "2026-01-01T00:00:00Z", "to": "2027-06-01T00:00:00Z"}),
        )
        .await,
        "to"
    );
    assert_eq!(
        w.error_field("/api/schedules/my-shifts", json!({"days": 91}))
            .await,
        "days"
    );
    assert_eq!(w.app.count("schedule_overrides").await, 0);
    assert_eq!(w.app.count("schedule_temporary").await, 0);
    // Unknown schedule: 404, not a half-written layer.
    let (s, _) = w
        .call(
            "/api/schedules/layers/save",
            json!({"schedule_id": uuid::Uuid::new_v4(), "layer": {"id": uuid::Uuid::new_v4(), "name": "L",
                "priority": 0, "participants": [w.alice.id], "rotation": {"unit": "DAYS", "every": 1},
                "start": "2026-03-07T09:00:00"}}),
        )
        .await;
    assert_eq!(s, 404);
    assert_eq!(w.app.count("schedule_layers").await, layers_before);
    // What did succeed is audited.
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'schedule.%' ORDER BY id",
    )
    .fetch_all(&w.app.pool)
    .await
    .unwrap();
    assert_eq!(actions, vec!["schedule.create", "schedule.layer.save"]);
}

#[tokio::test]
async fn on_call_now_my_shifts_and_the_schedule_view_agree_with_the_engine() {
    let w = world().await;
    let id = w.new_york().await;
    // t0 is Sunday 2026-03-08 01:30 EST: Saturday's 09:00 shift (alice) runs until Sunday
    // 09:00 EDT = 13:00Z (not 14:00Z: the handoff keeps its wall-clock time across DST).
    let now = w.call("/api/schedules/on-call", json!({})).await.1;
    assert_eq!(now[0]["on_call"][0]["name"], "alice");
    assert_eq!(now[0]["until"], "2026-03-08T13:00:00Z");
    let by_user = w
        .call("/api/schedules/on-call", json!({"user_id": w.bob.id}))
        .await
        .1;
    assert_eq!(by_user, json!([]));
    let bob = w.app.session_for(w.bob.id).await;
    let (s, shifts) = w
        .app
        .call("/api/schedules/my-shifts", json!({"days": 4}), &bob)
        .await;
    assert_eq!(s, 200, "{shifts}");
    let spans: Vec<(String, String)> = shifts
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["start"].as_str().unwrap().to_owned(),
                s["end"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        spans,
        vec![
            ("2026-03-08T13:00:00Z".into(), "2026-03-09T13:00:00Z".into()),
            ("2026-03-10T13:00:00Z".into(), "2026-03-11T13:00:00Z".into()),
        ]
    );
    // An override replacing alice with carol for two hours now.
    w.ok(
        "/api/schedules/overrides/create",
        json!({"schedule_id": id, "kind": "REPLACE", "user": w.carol.id, "replaces": w.alice.id,
            "start": "2026-03-08T06:00:00Z", "end": "2026-03-08T08:00:00Z", "note": "swap"}),
    )
    .await;
    let now = w.call("/api/schedules/on-call", json!({})).await.1;
    assert_eq!(now[0]["on_call"][0]["name"], "carol");
    assert_eq!(now[0]["until"], "2026-03-08T08:00:00Z");
    let list = w.call("/api/schedules/list", json!({})).await.1;
    assert_eq!(list[0]["on_call"][0]["name"], "carol");
    let detail = w
        .ok(
            "/api/schedules/get",
            json!({"id": id, "from": "2026-03-08T00:00:00Z", "to": "2026-03-09T00:00:00Z"}),
        )
        .await;
    assert_eq!(detail["overrides"][0]["note"], "swap");
    assert_eq!(detail["overrides"][0]["created_by"], "root");
    let names: Vec<&str> = detail["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["alice", "bob", "carol"]);
    // A temporary schedule replaces everything in its window, overrides included; uncovered
    // time inside it is a gap, and a second one overlapping it is refused.
    let temp = uuid::Uuid::new_v4();
    w.ok(
        "/api/schedules/temporary/save",
        json!({"schedule_id": id, "temporary": {"id": temp, "start": "2026-03-08T06:00:00Z",
            "end": "2026-03-08T12:00:00Z", "shifts": [
                {"user": w.bob.id, "start": "2026-03-08T06:00:00Z", "end": "2026-03-08T07:00:00Z"}]}}),
    )
    .await;
    let now = w.call("/api/schedules/on-call", json!({})).await.1;
    assert_eq!(now[0]["on_call"][0]["name"], "bob");
    assert_eq!(now[0]["until"], "2026-03-08T07:00:00Z");
    let (s, b) = w
        .call(
            "/api/schedules/temporary/save",
            json!({"schedule_id": id, "temporary": {"id": uuid::Uuid::new_v4(), "start": "2026-03-08T11:00:00Z",
                "end": "2026-03-08T13:00:00Z", "shifts": []}}),
        )
        .await;
    assert_eq!((s, b["field"].as_str()), (400, Some("start")), "{b}");
    // Re-saving by id moves it: at 06:30 the schedule is back to the override (carol).
    w.ok(
        "/api/schedules/temporary/save",
        json!({"schedule_id": id, "temporary": {"id": temp, "start": "2026-03-09T06:00:00Z",
            "end": "2026-03-09T12:00:00Z", "shifts": []}}),
    )
    .await;
    assert_eq!(w.app.count("schedule_temporary").await, 1);
    let now = w.call("/api/schedules/on-call", json!({})).await.1;
    assert_eq!(now[0]["on_call"][0]["name"], "carol");
    // Carol is deactivated: her override is ignored and alice, whose shift it is, is on call.
    sqlx::query("UPDATE users SET status = 'DISABLED' WHERE id = $1")
        .bind(w.carol.id)
        .execute(&w.app.pool)
        .await
        .unwrap();
    let now = w.call("/api/schedules/on-call", json!({})).await.1;
    assert_eq!(now[0]["on_call"][0]["name"], "alice");
    sqlx::query("UPDATE users SET status = 'ACTIVE' WHERE id = $1")
        .bind(w.carol.id)
        .execute(&w.app.pool)
        .await
        .unwrap();
    // The schedule page renders (server-side) with the timeline rows.
    let res = w.app.get_as(&format!("/schedules/{id}"), &w.admin).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Final schedule"), "no final row in the page");
}

fn recipients(sink: &SmtpSink) -> Vec<String> {
    let mut out: Vec<String> = sink
        .take_new()
        .into_iter()
        .map(|(to, _)| to.split('@').next().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn an_escalation_step_pages_whoever_the_schedule_has_on_call_when_it_runs() {
    let w = world().await;
    let sink = SmtpSink::start().await;
    let id = w.new_york().await;
    // A second schedule that only covers weekday office hours: a gap on Sunday.
    let office = w
        .ok(
            "/api/schedules/save",
            json!({"id": null, "name": "Office", "description": "", "time_zone": "Europe/London"}),
        )
        .await;
    w.ok(
        "/api/schedules/layers/save",
        json!({"schedule_id": office, "layer": {"id": uuid::Uuid::new_v4(), "name": "Desk", "priority": 0,
            "participants": [w.carol.id], "rotation": {"unit": "WEEKS", "every": 1}, "start": "2026-03-02T00:00:00",
            "restrictions": [{"weekday": "Mon", "start": "09:00:00", "end": "17:00:00"}]}}),
    )
    .await;
    let policy = w
        .ok(
            "/api/policies/create",
            json!({"name": "On call", "description": "", "repeat_count": 2, "steps": [
                {"delay_minutes": 420, "targets": [{"kind": "SCHEDULE", "id": id}, {"kind": "SCHEDULE", "id": office}]}]}),
        )
        .await;
    let preview = w
        .ok("/api/policies/preview", json!({"id": policy["id"]}))
        .await;
    assert_eq!(
        preview[0]["users"].as_array().unwrap().len(),
        1,
        "{preview}"
    );
    assert_eq!(preview[0]["users"][0]["name"], "alice");
    let svc = w
        .ok(
            "/api/services/create",
            json!({"name": "Payments", "description": "", "team_id": null,
            "urgency_rule": "SEVERITY", "ack_timeout_secs": null}),
        )
        .await;
    w.ok(
        "/api/services/update",
        json!({"id": svc["id"], "name": "Payments", "description": "", "team_id": null,
            "urgency_rule": "SEVERITY", "ack_timeout_secs": null, "escalation_policy_id": policy["id"]}),
    )
    .await;
    // The schedule cannot be deleted while the policy pages it.
    let (s, b) = w.call("/api/schedules/delete", json!({"id": id})).await;
    assert_eq!(s, 409, "{b}");
    let key = w
        .ok(
            "/api/integrations/create",
            json!({"service_id": svc["id"], "kind": "events_v2", "name": "main", "rate_limit_per_min": 1000}),
        )
        .await;
    let _engine = w.app.start_engine(Some(sink.mailer()));
    let res = w
        .app
        .http
        .post(w.app.url("/v2/enqueue"))
        .json(
            &json!({"routing_key": key["routing_key"], "event_action": "trigger", "dedup_key": "db",
            "payload": {"summary": "Disk full", "source": "db-1", "severity": "critical"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    w.app.settle().await;
    // 06:30Z = 01:30 EST: alice; the office schedule has a gap and adds nobody.
    sink.wait_for(1).await;
    assert_eq!(recipients(&sink), vec!["alice"]);
    // Override for the third pass, made before it runs: carol covers bob 20:00–22:00Z.
    w.ok(
        "/api/schedules/overrides/create",
        json!({"schedule_id": id, "kind": "REPLACE", "user": w.carol.id, "replaces": w.bob.id,
            "start": "2026-03-08T20:00:00Z", "end": "2026-03-08T22:00:00Z"}),
    )
    .await;
    // Second pass at 13:30Z = 09:30 EDT: bob took over at 09:00 EDT (13:00Z).
    w.app.advance(Duration::minutes(420)).await;
    sink.wait_for(2).await;
    assert_eq!(recipients(&sink), vec!["bob"]);
    // Third pass at 20:30Z: bob is on call, but the override puts carol there instead.
    w.app.advance(Duration::minutes(420)).await;
    sink.wait_for(3).await;
    assert_eq!(recipients(&sink), vec!["carol"]);
    w.app.advance(Duration::minutes(420)).await;
    assert_eq!(
        recipients(&sink),
        Vec::<String>::new(),
        "escalation must stop after the repeats"
    );
    assert_eq!(sink.messages().len(), 3);
}

#[tokio::test]
async fn the_ical_feed_parses_back_to_the_engine_timeline_and_stops_when_revoked() {
    use icalendar::Component;
    let w = world().await;
    let id = w.new_york().await;
    w.ok(
        "/api/schedules/overrides/create",
        json!({"schedule_id": id, "kind": "ADD", "user": w.carol.id,
            "start": "2026-03-09T20:00:00Z", "end": "2026-03-10T02:00:00Z", "note": "shadowing; learning"}),
    )
    .await;
    let feed = w
        .ok("/api/schedules/feeds/create", json!({"schedule_id": id}))
        .await;
    let url = feed["url"].as_str().unwrap().to_owned();
    let path = url
        .split_once("/ical/")
        .map(|(_, t)| format!("/ical/{t}"))
        .unwrap();
    let res = w.app.get(&path).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = res.text().await.unwrap();
    assert!(text.contains("REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n"));
    let cal: icalendar::Calendar = text.parse().expect("a valid iCalendar");
    let utc = |d: Option<icalendar::DatePerhapsTime>| match d {
        Some(icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(t))) => t,
        other => panic!("not a UTC date-time: {other:?}"),
    };
    let mut events: Vec<(DateTime<Utc>, DateTime<Utc>, String, String)> = cal
        .events()
        .map(|e| {
            (
                utc(e.get_start()),
                utc(e.get_end()),
                e.get_summary().unwrap().to_owned(),
                e.get_uid().unwrap().to_owned(),
            )
        })
        .collect();
    events.sort();
    // The same window computed by the engine from the stored definition.
    let now = w.app.clock_now();
    let (from, to) = (
        now - Duration::days(app::schedules::ical::PAST_DAYS),
        now + Duration::days(app::schedules::ical::AHEAD_DAYS),
    );
    let mut conn = w.app.pool.begin().await.unwrap();
    let loaded = app::schedules::store::load_one(&mut conn, id.parse().unwrap(), from, to)
        .await
        .unwrap();
    let mut want: Vec<(DateTime<Utc>, DateTime<Utc>, String)> =
        app::domain::schedule::timeline(&loaded.definition, from, to)
            .stretches()
            .into_iter()
            .map(|s| {
                let name = [&w.alice, &w.bob, &w.carol]
                    .into_iter()
                    .find(|u| u.id == s.user)
                    .unwrap()
                    .name
                    .clone();
                (s.start, s.end, format!("On call: {name} (Primary)"))
            })
            .collect();
    want.sort();
    let got: Vec<(DateTime<Utc>, DateTime<Utc>, String)> =
        events.iter().map(|e| (e.0, e.1, e.2.clone())).collect();
    assert_eq!(got, want);
    assert!(
        got.len() > 150,
        "a 210-day window of daily shifts: {}",
        got.len()
    );
    // Spot checks: the DST handoff, and carol's added shift.
    assert!(got.contains(&(
        ts("2026-03-07T14:00:00Z"),
        ts("2026-03-08T13:00:00Z"),
        "On call: alice (Primary)".into()
    )));
    assert!(got.contains(&(
        ts("2026-03-09T20:00:00Z"),
        ts("2026-03-10T02:00:00Z"),
        "On call: carol (Primary)".into()
    )));
    let mut uids: Vec<&str> = events.iter().map(|e| e.3.as_str()).collect();
    uids.sort();
    uids.dedup();
    assert_eq!(uids.len(), events.len(), "UIDs must be unique");
    // A second fetch gives the same UIDs (stable across refreshes).
    let again = w.app.get(&path).await.text().await.unwrap();
    let again: icalendar::Calendar = again.parse().unwrap();
    let mut uids2: Vec<String> = again
        .events()
        .map(|e| e.get_uid().unwrap().to_owned())
        .collect();
    uids2.sort();
    assert_eq!(uids2, uids);

    // A personal feed has only that person's shifts.
    let alice = w.app.session_for(w.alice.id).await;
    let (s, mine) = w
        .app
        .call("/api/schedules/feeds/create", json!({}), &alice)
        .await;
    assert_eq!(s, 200, "{mine}");
    let mine_path = mine["url"]
        .as_str()
        .unwrap()
        .split_once("/ical/")
        .map(|(_, t)| format!("/ical/{t}"))
        .unwrap();
    let text = w.app.get(&mine_path).await.text().await.unwrap();
    let cal: icalendar::Calendar = text.parse().unwrap();
    let summaries: Vec<String> = cal
        .events()
        .map(|e| e.get_summary().unwrap().to_owned())
        .collect();
    assert!(!summaries.is_empty());
    assert!(
        summaries.iter().all(|s| s == "On call: alice (Primary)"),
        "{summaries:?}"
    );

    // Revoked: the old link answers 404 with a JSON error.
    w.ok("/api/schedules/feeds/revoke", json!({"schedule_id": id}))
        .await;
    let res = w.app.get(&path).await;
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert!(body.to_string().contains("calendar feed"), "{body}");
    assert_eq!(w.app.get("/ical/not-a-token.ics").await.status(), 404);
}
