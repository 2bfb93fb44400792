//! The public status page: the Statuspage v2 JSON shape, a component's status following a
//! HIGH incident and its resolve, email subscribers (double opt-in, single-use tokens,
//! one-click unsubscribe, rate limit), and that nothing internal leaks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::paging::{Paging, alice_then_bob};
use serde_json::{Value, json};

async fn component(s: &Paging, service: &str, name: &str, group: &str) -> String {
    let (st, id) = s
        .app
        .call(
            "/api/status/components/save",
            json!({"component": {"service_id": service, "display_name": name,
                                 "group_name": group, "position": 0, "override_status": ""}}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200, "{id}");
    id.as_str().unwrap().to_owned()
}

async fn get_json(s: &Paging, path: &str) -> Value {
    let res = s.app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

async fn text(s: &Paging, path: &str) -> String {
    let res = s.app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

/// A second service, not paging anyone.
async fn quiet_service(s: &Paging, name: &str) -> String {
    let (st, svc) = s
        .app
        .call(
            "/api/services/create",
            json!({"name": name, "description": "", "team_id": null,
                   "urgency_rule": "SEVERITY", "ack_timeout_secs": null}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200, "{svc}");
    svc["id"].as_str().unwrap().to_owned()
}

fn is_time(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok())
}

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
async fn nothing_internal_leaks() {
    let s = alice_then_bob(30).await;
    // The service is "Payments" (internal); its public name is "Checkout API".
    component(&s, &s.service, "Checkout API", "Core").await;
    s.app
        .enqueue(&s.key, "trigger", "SECRET-DEDUP-db-prod-7", "critical")
        .await;
    s.app.settle().await;
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM incidents")
        .fetch_one(&s.app.pool)
        .await
        .unwrap();
    let (st, _) = s
        .app
        .call(
            "/api/incidents/note",
            json!({"id": id, "note": "SECRET-NOTE root password rotated"}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200);
    let (st, _) = s
        .app
        .call(
            "/api/status/incidents/create",
            json!({"incident": {"name": "Checkout errors", "impact": "major",
                   "status": "identified", "body": "A fix is being deployed.",
                   "component_ids": []}}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200);
    let mut seen = String::new();
    for path in [
        "/status",
        "/status/api/v2/summary.json",
        "/status/api/v2/status.json",
        "/status/api/v2/components.json",
        "/status/api/v2/incidents.json",
        "/status/api/v2/incidents/unresolved.json",
        "/status/api/v2/scheduled-maintenances.json",
        "/status/history.rss",
        "/status/history.atom",
    ] {
        seen.push_str(&text(&s, path).await);
    }
    for secret in [
        "SECRET-DEDUP",
        "db-prod-7",
        "is down",
        "SECRET-NOTE",
        "Payments",
        "alice",
        "bob",
        "root@example.com",
        "db-1",
    ] {
        assert!(!seen.contains(secret), "{secret:?} leaked");
    }
    // What was chosen to be public is there.
    for public in [
        "Checkout API",
        "Core",
        "Checkout errors",
        "A fix is being deployed.",
        "Major outage on Checkout API",
    ] {
        assert!(seen.contains(public), "{public:?} missing");
    }
}

/// The first link in `mail` that starts with `prefix`.
fn link(mail: &str, prefix: &str) -> String {
    let start = mail
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {mail}"));
    mail[start..]
        .split(|c: char| c.is_whitespace() || c == '>')
        .next()
        .unwrap()
        .to_owned()
}

async fn wait_mail(s: &Paging, to: &str) -> String {
    let mut got = Vec::new();
    common::wait_until(
        "a status email",
        || {
            got.extend(s.sink.take_new());
            got.clone()
        },
        |m| m.iter().any(|(t, _)| t.contains(to)),
    )
    .await
    .into_iter()
    .find(|(t, _)| t.contains(to))
    .unwrap()
    .1
}

async fn form(s: &Paging, path: &str, body: &[(&str, &str)]) -> (u16, String) {
    let res = s
        .app
        .http
        .post(s.app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(body).unwrap())
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn state_of(s: &Paging, email: &str) -> String {
    sqlx::query_scalar("SELECT state FROM status_subscribers WHERE email = $1")
        .bind(email)
        .fetch_one(&s.app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn subscribers_opt_in_twice_and_unsubscribe_in_one_click_with_single_use_tokens() {
    let s = alice_then_bob(30).await;
    let (st, first) = form(&s, "/status/subscribe", &[("email", "Carol@Example.com")]).await;
    assert_eq!(st, 200, "{first}");
    s.app.settle().await;
    let mail = wait_mail(&s, "carol@example.com").await;
    let confirm = link(&mail, &format!("{}/status/confirm?token=", s.app.base));
    let token = confirm.split("token=").nth(1).unwrap().to_owned();
    assert_eq!(state_of(&s, "carol@example.com").await, "PENDING");

    // Opening the link (as a scanner would) only shows a button.
    let page = s.app.get(&confirm.replace(&s.app.base, "")).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Confirm subscription"));
    assert_eq!(state_of(&s, "carol@example.com").await, "PENDING");
    let (st, _) = form(&s, "/status/confirm", &[("token", &token)]).await;
    assert_eq!(st, 200);
    assert_eq!(state_of(&s, "carol@example.com").await, "CONFIRMED");
    let (st, _) = form(&s, "/status/confirm", &[("token", &token)]).await;
    assert_eq!(st, 404, "a confirmation token works once");

    // The same answer for a confirmed address, and no email.
    let (st, again) = form(&s, "/status/subscribe", &[("email", "carol@example.com")]).await;
    assert_eq!((st, &again), (200, &first));
    s.app.settle().await;
    assert!(s.sink.take_new().is_empty());
    let (st, _) = form(&s, "/status/subscribe", &[("email", "not an email")]).await;
    assert_eq!(st, 400);

    // An update reaches the subscriber through the job queue, with one-click unsubscribe.
    let (st, inc) = s
        .app
        .call(
            "/api/status/incidents/create",
            json!({"incident": {"name": "Checkout errors", "impact": "major",
                   "status": "investigating", "body": "Looking into it.", "component_ids": []}}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200, "{inc}");
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'STATUS_EMAIL'")
        .fetch_one(&s.app.pool)
        .await
        .unwrap();
    assert_eq!(jobs, 2, "the confirmation and one update");
    s.app.settle().await;
    let mail = wait_mail(&s, "carol@example.com").await;
    assert!(mail.contains("Looking into it."), "{mail}");
    assert!(
        mail.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{mail}"
    );
    let header = mail
        .lines()
        .find_map(|l| l.strip_prefix("List-Unsubscribe: <"))
        .unwrap()
        .trim_end_matches('>')
        .to_owned();
    let one_click = header.replace(&s.app.base, "");
    let res = s
        .app
        .http
        .post(s.app.url(&one_click))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(state_of(&s, "carol@example.com").await, "UNSUBSCRIBED");
    let res = s
        .app
        .http
        .post(s.app.url(&one_click))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "an unsubscribe link works once");

    // Nothing more is sent to them.
    let id = inc.as_str().unwrap();
    let (st, _) = s
        .app
        .call(
            "/api/status/incidents/update",
            json!({"id": id, "status": "resolved", "body": "Fixed."}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200);
    s.app.settle().await;
    assert!(s.sink.take_new().is_empty());
    let feed = text(&s, "/status/history.rss").await;
    assert!(feed.contains("[Resolved] Checkout errors"), "{feed}");
}

#[tokio::test]
async fn sign_ups_are_rate_limited_per_address_and_per_client() {
    let s = alice_then_bob(30).await;
    for _ in 0..3 {
        let (st, _) = form(&s, "/status/subscribe", &[("email", "dan@example.com")]).await;
        assert_eq!(st, 200);
    }
    // A fourth for the same address: the same answer, but no fourth email.
    let (st, _) = form(&s, "/status/subscribe", &[("email", "dan@example.com")]).await;
    assert_eq!(st, 200);
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'STATUS_EMAIL'")
        .fetch_one(&s.app.pool)
        .await
        .unwrap();
    assert_eq!(jobs, 3);
    for n in 0..6 {
        let (st, _) = form(
            &s,
            "/status/subscribe",
            &[("email", &format!("e{n}@example.com"))],
        )
        .await;
        assert_eq!(st, 200, "sign-up {n}");
    }
    let (st, body) = form(&s, "/status/subscribe", &[("email", "late@example.com")]).await;
    assert_eq!(st, 429, "{body}");
    // Ten minutes later the client may sign up again.
    s.app.advance(chrono::Duration::minutes(11)).await;
    let (st, _) = form(&s, "/status/subscribe", &[("email", "late@example.com")]).await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn admin_checks_name_the_field() {
    let s = alice_then_bob(30).await;
    let (st, e) = s
        .app
        .call(
            "/api/status/components/save",
            json!({"component": {"service_id": s.service, "display_name": " ",
                                 "override_status": ""}}),
            &s.admin,
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (400, Some("display_name")),
        "{e}"
    );
    let (st, e) = s
        .app
        .call(
            "/api/status/components/save",
            json!({"component": {"service_id": s.service, "display_name": "API",
                                 "override_status": "broken"}}),
            &s.admin,
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (400, Some("override_status")),
        "{e}"
    );
    component(&s, &s.service, "API", "").await;
    let (st, e) = s
        .app
        .call(
            "/api/status/components/save",
            json!({"component": {"service_id": s.service, "display_name": "API again",
                                 "override_status": ""}}),
            &s.admin,
        )
        .await;
    assert_eq!((st, e["field"].as_str()), (400, Some("service_id")), "{e}");
    let (st, e) = s
        .app
        .call(
            "/api/status/incidents/create",
            json!({"incident": {"name": "x", "impact": "huge", "status": "investigating",
                   "body": "b"}}),
            &s.admin,
        )
        .await;
    assert_eq!((st, e["field"].as_str()), (400, Some("impact")), "{e}");
    let (st, e) = s
        .app
        .call(
            "/api/status/incidents/create",
            json!({"incident": {"name": "x", "impact": "minor", "status": "investigating",
                   "body": "b", "component_ids": [uuid::Uuid::new_v4()]}}),
            &s.admin,
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (400, Some("component_ids")),
        "{e}"
    );
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM status_incidents")
        .fetch_one(&s.app.pool)
        .await
        .unwrap();
    assert_eq!(n, 0, "no half-written incident");
    // An override wins over derived status.
    let (_, o) = s
        .app
        .call("/api/status/overview", json!({}), &s.admin)
        .await;
    let id = o["components"][0]["id"].clone();
    let (st, _) = s
        .app
        .call(
            "/api/status/components/save",
            json!({"component": {"id": id, "service_id": s.service, "display_name": "API",
                                 "override_status": "degraded_performance"}}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200);
    let (_, o) = s
        .app
        .call("/api/status/overview", json!({}), &s.admin)
        .await;
    assert_eq!(o["components"][0]["status"], "degraded_performance");
    assert_eq!(o["components"][0]["service_name"], "Payments");
}
