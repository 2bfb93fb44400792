//! The public status page's JSON: the Statuspage v2 shape with ETags and maintenance, and a
//! component's status following a HIGH incident and its resolve (with the uptime bar).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::paging::{Paging, alice_then_bob};
use common::status::{component, get_json, is_time, quiet_service, text};
use serde_json::{Value, json};

/// The Statuspage v2 shape of one component.
fn check_component(c: &Value) {
    for k in ["id", "name", "status", "page_id"] {
        assert!(c[k].is_string(), "component.{k}: {c}");
    }
    assert!(c["position"].is_number(), "{c}");
    assert!(
        c["group"].is_boolean() && c["only_show_if_degraded"].is_boolean(),
        "{c}"
    );
    assert!(
        is_time(&c["created_at"]) && is_time(&c["updated_at"]),
        "{c}"
    );
    assert!(
        [
            "operational",
            "degraded_performance",
            "partial_outage",
            "major_outage",
            "under_maintenance"
        ]
        .contains(&c["status"].as_str().unwrap()),
        "{c}"
    );
}

fn check_incident(i: &Value) {
    for k in ["id", "name", "status", "impact", "shortlink", "page_id"] {
        assert!(i[k].is_string(), "incident.{k}: {i}");
    }
    assert!(
        [
            "investigating",
            "identified",
            "monitoring",
            "resolved",
            "postmortem"
        ]
        .contains(&i["status"].as_str().unwrap())
    );
    assert!(["none", "minor", "major", "critical"].contains(&i["impact"].as_str().unwrap()));
    assert!(
        is_time(&i["created_at"]) && is_time(&i["updated_at"]),
        "{i}"
    );
    for u in i["incident_updates"].as_array().unwrap() {
        for k in ["id", "status", "body", "incident_id"] {
            assert!(u[k].is_string(), "update.{k}: {u}");
        }
        assert!(
            is_time(&u["display_at"]) && is_time(&u["created_at"]),
            "{u}"
        );
        assert!(u["affected_components"].is_array(), "{u}");
    }
    for c in i["components"].as_array().unwrap() {
        check_component(c);
    }
}

fn check_page(p: &Value) {
    for k in ["id", "name", "url", "time_zone"] {
        assert!(p[k].is_string(), "page.{k}: {p}");
    }
    assert!(is_time(&p["updated_at"]), "{p}");
}

#[tokio::test]
async fn the_json_has_the_statuspage_shape_with_etags() {
    let s = alice_then_bob(30).await;
    let api = component(&s, &s.service, "Checkout API", "Core").await;
    let other = quiet_service(&s, "Search backend").await;
    component(&s, &other, "Search", "").await;
    let (st, inc) = s
        .app
        .call(
            "/api/status/incidents/create",
            json!({"incident": {"name": "Slow checkouts", "impact": "minor",
                   "status": "investigating", "body": "We are looking into it.",
                   "component_ids": [api]}}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200, "{inc}");

    let summary = get_json(&s, "/status/api/v2/summary.json").await;
    check_page(&summary["page"]);
    assert_eq!(summary["status"]["indicator"], "minor", "{summary}");
    assert!(summary["status"]["description"].is_string());
    let comps = summary["components"].as_array().unwrap();
    assert_eq!(
        comps.len(),
        3,
        "two components and the Core group: {summary}"
    );
    for c in comps {
        check_component(c);
    }
    let group = comps.iter().find(|c| c["group"] == true).unwrap();
    assert_eq!(group["name"], "Core");
    assert_eq!(group["components"], json!([api]));
    let member = comps.iter().find(|c| c["id"] == api).unwrap();
    assert_eq!(member["group_id"], group["id"]);
    let incidents = summary["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1, "{summary}");
    check_incident(&incidents[0]);
    assert_eq!(
        incidents[0]["incident_updates"][0]["body"],
        "We are looking into it."
    );
    assert!(summary["scheduled_maintenances"].is_array());

    let status = get_json(&s, "/status/api/v2/status.json").await;
    check_page(&status["page"]);
    assert_eq!(status["status"]["indicator"], "minor");
    let list = get_json(&s, "/status/api/v2/components.json").await;
    assert_eq!(list["components"].as_array().unwrap().len(), 3);
    let all = get_json(&s, "/status/api/v2/incidents.json").await;
    check_incident(&all["incidents"][0]);
    let maint = get_json(&s, "/status/api/v2/scheduled-maintenances.json").await;
    assert!(maint["scheduled_maintenances"].is_array());

    // A maintenance window on the second service shows as scheduled, then in progress.
    let (st, w) = s
        .app
        .call(
            "/api/maintenance/create",
            json!({"window": {"name": "Internal: reindex the search cluster", "service_ids": [other],
                   "kind": "ONCE", "zone": "UTC", "starts_at": "2026-03-08T08:00",
                   "ends_at": "2026-03-08T09:00"}}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200, "{w}");
    let maint = get_json(&s, "/status/api/v2/scheduled-maintenances.json").await;
    let m = &maint["scheduled_maintenances"][0];
    assert_eq!(m["status"], "scheduled", "{maint}");
    assert!(
        is_time(&m["scheduled_for"]) && is_time(&m["scheduled_until"]),
        "{m}"
    );
    assert!(
        !maint.to_string().contains("reindex"),
        "the window's name is internal"
    );
    s.app.clock.set("2026-03-08T08:10:00Z".parse().unwrap());
    let summary = get_json(&s, "/status/api/v2/summary.json").await;
    assert_eq!(
        summary["scheduled_maintenances"][0]["status"],
        "in_progress"
    );
    let search = summary["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Search")
        .unwrap();
    assert_eq!(search["status"], "under_maintenance");

    // ETag and 304.
    let res = s.app.get("/status/api/v2/summary.json").await;
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let again = s
        .app
        .http
        .get(s.app.url("/status/api/v2/summary.json"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

async fn statuses(s: &Paging) -> (String, Vec<(String, String)>) {
    let summary = get_json(s, "/status/api/v2/summary.json").await;
    let comps = summary["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["group"] == false)
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (
        summary["status"]["indicator"].as_str().unwrap().to_owned(),
        comps,
    )
}

#[tokio::test]
async fn a_component_turns_major_on_a_high_incident_and_back_on_resolve() {
    let s = alice_then_bob(30).await;
    component(&s, &s.service, "Checkout API", "").await;
    let other = quiet_service(&s, "Search backend").await;
    component(&s, &other, "Search", "").await;
    let ok = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(
        statuses(&s).await,
        (
            "none".to_owned(),
            vec![
                ok("Checkout API", "operational"),
                ok("Search", "operational")
            ]
        )
    );
    s.app
        .enqueue(&s.key, "trigger", "db-down", "critical")
        .await;
    s.app.settle().await;
    assert_eq!(
        statuses(&s).await,
        (
            "major".to_owned(),
            vec![
                ok("Checkout API", "major_outage"),
                ok("Search", "operational")
            ]
        )
    );
    let html = text(&s, "/status").await;
    assert!(html.contains("Major outage on Checkout API"), "{html}");
    s.app.advance(chrono::Duration::minutes(20)).await;
    s.app
        .enqueue(&s.key, "resolve", "db-down", "critical")
        .await;
    s.app.settle().await;
    assert_eq!(
        statuses(&s).await,
        (
            "none".to_owned(),
            vec![
                ok("Checkout API", "operational"),
                ok("Search", "operational")
            ]
        )
    );
    // The uptime bar remembers today's outage.
    let html = text(&s, "/status").await;
    assert!(
        html.contains("99.98 % uptime; a major outage on 1 of them"),
        "{html}"
    );
    assert!(
        html.contains("title=\"Mar 8: 20 min major outage\""),
        "{html}"
    );
}

#[tokio::test]
async fn a_weekly_window_in_progress_shows_its_occurrence_s_start_and_end() {
    let s = alice_then_bob(30).await;
    let other = quiet_service(&s, "Search backend").await;
    component(&s, &other, "Search", "").await;
    let (st, w) = s
        .app
        .call(
            "/api/maintenance/create",
            json!({"window": {"name": "Sunday reindex", "service_ids": [other], "kind": "WEEKLY",
                   "zone": "UTC", "starts_at": "", "ends_at": "", "days": ["sun"],
                   "from": "08:00", "to": "09:00"}}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200, "{w}");
    let window = |m: &Value| {
        (
            m["status"].as_str().unwrap().to_owned(),
            m["scheduled_for"].as_str().unwrap().to_owned(),
            m["scheduled_until"].as_str().unwrap().to_owned(),
        )
    };
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap();
    let maint = get_json(&s, "/status/api/v2/scheduled-maintenances.json").await;
    let (status, from, until) = window(&maint["scheduled_maintenances"][0]);
    assert_eq!(status, "scheduled");
    assert_eq!(parse(&from), parse("2026-03-08T08:00:00Z"));
    assert_eq!(parse(&until), parse("2026-03-08T09:00:00Z"));
    // While it is on: this occurrence's start and end, not "now".
    s.app.clock.set("2026-03-08T08:40:00Z".parse().unwrap());
    let maint = get_json(&s, "/status/api/v2/scheduled-maintenances.json").await;
    let (status, from, until) = window(&maint["scheduled_maintenances"][0]);
    assert_eq!(status, "in_progress", "{maint}");
    assert_eq!(parse(&from), parse("2026-03-08T08:00:00Z"), "{maint}");
    assert_eq!(parse(&until), parse("2026-03-08T09:00:00Z"), "{maint}");
    let html = text(&s, "/status").await;
    assert!(
        html.contains(
            "from <time datetime=\"2026-03-08T08:00:00Z\">Mar 8, 2026 08:00 UTC</time> until \
             <time datetime=\"2026-03-08T09:00:00Z\">"
        ),
        "{html}"
    );
    // A week later, the next occurrence's.
    s.app.clock.set("2026-03-15T08:05:00Z".parse().unwrap());
    let maint = get_json(&s, "/status/api/v2/scheduled-maintenances.json").await;
    let (status, from, _) = window(&maint["scheduled_maintenances"][0]);
    assert_eq!(status, "in_progress");
    assert_eq!(parse(&from), parse("2026-03-15T08:00:00Z"));
}
