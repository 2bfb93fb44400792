//! REST v1 `/oncalls`: entries per schedule and per escalation step (`escalation_level`),
//! the filters and paging. Helpers are `rest_schedules.rs`'s.

use reqwest::Method;
use serde_json::{Value, json};

use super::World;

pub async fn policy(w: &World, schedule: &str) -> String {
    let (s, team) = w
        .app
        .call(
            "/api/teams/create",
            json!({"name": "Platform", "description": ""}),
            &w.admin,
        )
        .await;
    assert_eq!(s, 200, "{team}");
    let (s, b) = w
        .app
        .call(
            "/api/teams/set-member",
            json!({"team_id": team["id"], "user_id": w.bob, "role": "MEMBER", "is_lead": true}),
            &w.admin,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, p) = w
        .app
        .call(
            "/api/policies/create",
            json!({"name": "Checkout", "description": "", "repeat_count": 0, "steps": [
                {"delay_minutes": 10, "targets": [{"kind": "SCHEDULE", "id": schedule}]},
                {"delay_minutes": 10, "targets": [{"kind": "USER", "id": w.carol}]},
                {"delay_minutes": 10, "targets": [{"kind": "TEAM_LEAD", "id": team["id"]}]}]}),
            &w.admin,
        )
        .await;
    assert_eq!(s, 200, "{p}");
    p["id"].as_str().unwrap().to_owned()
}

/// The entries as (user name, schedule name, policy name, level, start, end).
fn rows(list: &Value) -> Vec<(String, Value, Value, Value, String, String)> {
    list["oncalls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["user"]["name"].as_str().unwrap().to_owned(),
                e["schedule"]["name"].clone(),
                e["escalation_policy"]["name"].clone(),
                e["escalation_level"].clone(),
                e["start"].as_str().unwrap().to_owned(),
                e["end"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn oncalls_list_each_schedule_and_each_escalation_step() {
    let w = World::new().await;
    let schedule = w.daily("Primary").await;
    let policy = policy(&w, &schedule).await;
    let (day1, day2) = ("2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z");
    let now = "2026-03-08T06:30:00Z";
    let row = |who: &str, s: Value, p: Value, l: Value, a: &str, b: &str| {
        (who.to_owned(), s, p, l, a.to_owned(), b.to_owned())
    };
    let (p, sch) = (json!("Checkout"), json!("Primary"));

    // Now (the default): the schedule's own entry, then the policy's three levels. A
    // stretch keeps its own bounds; direct targets are on call for the window (an instant).
    let (s, _, list) = w.get("/api/v1/oncalls").await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(
        (list["since"].as_str(), list["until"].as_str()),
        (Some(now), Some(now))
    );
    assert_eq!(
        rows(&list),
        vec![
            row("alice", sch.clone(), Value::Null, Value::Null, day1, day2),
            row("alice", sch.clone(), p.clone(), json!(1), day1, day2),
            row("carol", Value::Null, p.clone(), json!(2), now, now),
            row("bob", Value::Null, p.clone(), json!(3), now, now),
        ]
    );
    assert_eq!(list["oncalls"][3]["team"]["name"], "Platform");
    assert_eq!(list["oncalls"][1]["user"]["email"], "alice@example.com");

    // Over two days, level 1 follows the rotation.
    let (s, _, list) = w
        .get(&format!(
            "/api/v1/oncalls?since={day1}&until=2026-03-10T00:00:00Z&policy_ids={policy}&user_ids={},{}",
            w.alice, w.bob
        ))
        .await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(
        rows(&list),
        vec![
            row("alice", sch.clone(), p.clone(), json!(1), day1, day2),
            row(
                "bob",
                sch.clone(),
                p.clone(),
                json!(1),
                day2,
                "2026-03-10T00:00:00Z"
            ),
            row(
                "bob",
                Value::Null,
                p.clone(),
                json!(3),
                day1,
                "2026-03-10T00:00:00Z"
            ),
        ]
    );

    // Filtering by schedule keeps only entries naming it; by user, only that user.
    let (_, _, list) = w
        .get(&format!("/api/v1/oncalls?schedule_ids={schedule}"))
        .await;
    assert_eq!(rows(&list).len(), 2);
    let (_, _, list) = w
        .get(&format!("/api/v1/oncalls?user_ids={}&limit=1", w.carol))
        .await;
    assert_eq!(
        rows(&list),
        vec![row("carol", Value::Null, p.clone(), json!(2), now, now)]
    );
    assert_eq!(list["next_cursor"], Value::Null);
    // Paging.
    let (_, _, page1) = w.get("/api/v1/oncalls?limit=3").await;
    assert_eq!(rows(&page1).len(), 3);
    let cursor = page1["next_cursor"].as_str().unwrap().to_owned();
    let (_, _, page2) = w
        .get(&format!("/api/v1/oncalls?limit=3&cursor={cursor}"))
        .await;
    assert_eq!(
        rows(&page2),
        vec![row("bob", Value::Null, p, json!(3), now, now)]
    );

    // A bad window or filter: 422 naming it.
    for (query, field) in [
        (
            "since=2026-03-09T00:00:00Z&until=2026-03-08T00:00:00Z",
            "until",
        ),
        (
            "since=2026-03-08T00:00:00Z&until=2026-06-08T00:00:00Z",
            "until",
        ),
        ("since=yesterday", "since"),
        ("schedule_ids=nope", "schedule_ids"),
        ("colour=red", "colour"),
    ] {
        assert_eq!(
            w.refused(Method::GET, &format!("/api/v1/oncalls?{query}"), None)
                .await,
            field,
            "{query}"
        );
    }
}
