//! The PagerDuty REST v2 compatibility layer under `/pagerduty`, over plain HTTP as PagerDuty's
//! clients call it: `Token token=` auth, the error envelope (always JSON), classic pagination
//! echoed exactly, no redirects, wrapped entities with `self` URLs under the prefix, `From` on
//! incident writes, bulk acknowledge and resolve, notes, log entries, overrides and on-calls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use common::{Cred, TestApp, spawn_app};
use serde_json::{Value, json};

struct World {
    app: TestApp,
    admin: Cred,
    admin_user: app::users::UserSummary,
    key: String,
    alice: app::users::UserSummary,
    bob: app::users::UserSummary,
    schedule: String,
    policy: String,
    service: String,
}

/// An admin with an `admin` key, alice and bob; a UTC schedule rotating daily at 09:00 alice
/// → bob from 2026-03-07 (alice is on call at t0); a policy paging the schedule (level 1), then
/// bob directly (level 2); and a service using it.
async fn world() -> World {
    let app = spawn_app().await;
    let admin_user = app.add_user("root@example.com", Role::Admin).await;
    let admin = app.session_for(admin_user.id).await;
    let Cred::Key(key) = app.key_for(&admin_user, &["admin"]).await else {
        unreachable!()
    };
    let alice = app.add_user("alice@example.com", Role::Responder).await;
    let bob = app.add_user("bob@example.com", Role::Responder).await;
    let (s, schedule) = app
        .call(
            "/api/schedules/save",
            json!({"id": null, "name": "Primary", "description": "", "time_zone": "UTC"}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{schedule}");
    let schedule = schedule.as_str().unwrap().to_owned();
    let (s, b) = app
        .call(
            "/api/schedules/layers/save",
            json!({"schedule_id": schedule, "layer": {"id": uuid::Uuid::new_v4(), "name": "Daily",
                "priority": 0, "participants": [alice.id, bob.id],
                "rotation": {"unit": "DAYS", "every": 1}, "start": "2026-03-07T09:00:00"}}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let service = app
        .service_with_policy(
            &admin,
            "Checkout",
            json!([
                {"delay_minutes": 10, "channels": [], "targets": [{"kind": "SCHEDULE", "id": schedule}]},
                {"delay_minutes": 10, "channels": [], "targets": [{"kind": "USER", "id": bob.id}]},
            ]),
        )
        .await;
    let (_, svc) = app
        .call("/api/services/get", json!({"id": service}), &admin)
        .await;
    let policy = svc["service"]["escalation_policy_id"]
        .as_str()
        .unwrap()
        .to_owned();
    World {
        app,
        admin,
        admin_user,
        key,
        alice,
        bob,
        schedule,
        policy,
        service,
    }
}

impl World {
    fn pd(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.app
            .http
            .request(method, self.app.url(&format!("/pagerduty{path}")))
            .header("authorization", format!("Token token={}", self.key))
            .header("accept", "application/vnd.pagerduty+json;version=2")
    }

    /// Sends, checks every body is JSON, → (status, body).
    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        assert!(
            !(300..400).contains(&status),
            "a redirect: {status} {:?}",
            res.headers()
        );
        let ct = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = res.text().await.unwrap();
        if text.is_empty() {
            return (status, Value::Null);
        }
        assert!(
            ct.as_deref()
                .is_some_and(|c| c.starts_with("application/json")),
            "{status} {ct:?}: {text}"
        );
        (status, serde_json::from_str(&text).unwrap())
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.pd(reqwest::Method::GET, path)).await
    }

    async fn ok(&self, path: &str) -> Value {
        let (s, b) = self.get(path).await;
        assert_eq!(s, 200, "{path}: {b}");
        b
    }

    /// PUT/POST JSON, with `From` when `from` is given.
    async fn write(
        &self,
        method: reqwest::Method,
        path: &str,
        from: Option<&str>,
        body: Value,
    ) -> (u16, Value) {
        let mut req = self.pd(method, path).json(&body);
        if let Some(f) = from {
            req = req.header("from", f);
        }
        self.send(req).await
    }

    fn api(&self, path: &str) -> String {
        format!("{}/pagerduty{path}", self.app.base)
    }

    async fn incidents(&self, n: usize) -> Vec<String> {
        let mut ids = Vec::new();
        for i in 0..n {
            ids.push(
                self.app
                    .create_incident(&self.admin, &self.service, &format!("Outage {i}"))
                    .await,
            );
        }
        ids
    }
}

/// The envelope `{"error": {"message", "code", "errors": []}}`.
fn assert_envelope(body: &Value, code: u64) {
    let e = &body["error"];
    assert_eq!(e["code"], code, "{body}");
    assert!(e["message"].is_string(), "{body}");
    assert!(e["errors"].is_array(), "{body}");
}

#[tokio::test]
async fn token_auth_works_and_bad_keys_get_a_json_401_envelope() {
    let w = world().await;
    let me = w.ok("/users/me").await;
    assert_eq!(me["user"]["email"], "root@example.com");
    assert_eq!(me["user"]["role"], "admin");
    assert_eq!(
        me["user"]["self"],
        w.api(&format!("/users/{}", w.admin_user.id))
    );

    let bearer = w
        .app
        .http
        .get(w.api("/users/me"))
        .bearer_auth(&w.key)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 200);

    for auth in [Some("Token token=not-a-key"), Some("Basic abc"), None] {
        let mut req = w.app.http.get(w.api("/incidents"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let (s, body) = w.send(req).await;
        assert_eq!(s, 401, "{auth:?}: {body}");
        assert_envelope(&body, 2006);
    }
}

#[tokio::test]
async fn errors_are_envelopes_and_nothing_redirects() {
    let w = world().await;
    let unknown = uuid::Uuid::new_v4();
    for path in [
        format!("/incidents/{unknown}"),
        "/incidents/not-a-uuid".to_owned(),
        format!("/services/{unknown}"),
        format!("/schedules/{unknown}"),
        format!("/escalation_policies/{unknown}"),
        format!("/users/{unknown}"),
        format!("/teams/{unknown}"),
        "/no/such/path".to_owned(),
    ] {
        let (s, body) = w.get(&path).await;
        assert_eq!(s, 404, "{path}: {body}");
        assert_envelope(&body, 2100);
    }
    let (s, body) = w.send(w.pd(reqwest::Method::DELETE, "/incidents")).await;
    assert_eq!(s, 404, "{body}");
    assert_envelope(&body, 2100);
    for bad in [
        "/incidents?limit=abc",
        "/incidents?offset=9950&limit=100",
        "/incidents?statuses[]=open",
    ] {
        let (s, body) = w.get(bad).await;
        assert_eq!(s, 400, "{bad}: {body}");
        assert_envelope(&body, 2001);
    }
    // A trailing slash is the same resource, never a redirect.
    for path in ["/incidents/", "/users/me/", "/oncalls/", "/priorities/"] {
        let (s, body) = w.get(path).await;
        assert_eq!(s, 200, "{path}: {body}");
    }
    let listed = w.ok("/incidents/").await;
    assert!(listed["incidents"].is_array() && listed["more"] == false);
}

#[tokio::test]
async fn classic_pagination_echoes_limit_and_offset_and_counts_only_when_asked() {
    let w = world().await;
    let ids = w.incidents(7).await;

    let first = w.ok("/incidents?limit=3").await;
    assert_eq!(first["limit"], 3);
    assert_eq!(first["offset"], 0);
    assert_eq!(first["more"], true);
    assert_eq!(first["total"], Value::Null);
    let got: Vec<&str> = first["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    // Oldest first, as PagerDuty lists them.
    assert_eq!(got, ids[..3].iter().map(String::as_str).collect::<Vec<_>>());

    let last = w.ok("/incidents?limit=3&offset=6&total=true").await;
    assert_eq!(last["offset"], 6);
    assert_eq!(last["more"], false);
    assert_eq!(last["total"], 7);
    assert_eq!(last["incidents"][0]["id"], ids[6].as_str());

    let newest = w.ok("/incidents?limit=2&sort_by=created_at:desc").await;
    assert_eq!(newest["incidents"][0]["id"], ids[6].as_str());
    assert_eq!(newest["more"], true);

    // Default 25, at most 100 (echoed as taken).
    assert_eq!(w.ok("/incidents").await["limit"], 25);
    assert_eq!(w.ok("/incidents?limit=1000").await["limit"], 100);

    // Percent-encoded `statuses%5B%5D` and repeated keys; urgencies; service filters.
    let triggered = w
        .ok("/incidents?statuses%5B%5D=triggered&statuses%5B%5D=acknowledged&urgencies[]=high")
        .await;
    assert_eq!(triggered["incidents"].as_array().unwrap().len(), 7);
    assert_eq!(triggered["incidents"][0]["status"], "triggered");
    assert_eq!(triggered["incidents"][0]["urgency"], "high");
    let none = w.ok("/incidents?statuses[]=resolved").await;
    assert_eq!(none["incidents"], json!([]));
    let by_service = w
        .ok(&format!(
            "/incidents?service_ids[]={}&include[]=nonsense",
            w.service
        ))
        .await;
    assert_eq!(by_service["incidents"].as_array().unwrap().len(), 7);
    let other = w
        .ok(&format!(
            "/incidents?service_ids[]={}",
            uuid::Uuid::new_v4()
        ))
        .await;
    assert_eq!(other["incidents"], json!([]));
    // Outside the date range, and every date with date_range=all.
    let old = w
        .ok("/incidents?since=2025-01-01T00:00:00Z&until=2025-02-01T00:00:00Z")
        .await;
    assert_eq!(old["incidents"], json!([]));
    assert_eq!(
        w.ok("/incidents?date_range=all&limit=100").await["incidents"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
}

#[tokio::test]
async fn objects_are_wrapped_and_self_urls_point_under_the_prefix() {
    let w = world().await;
    let id = w.incidents(1).await.remove(0);
    let one = w.ok(&format!("/incidents/{id}")).await;
    let inc = &one["incident"];
    assert_eq!(inc["type"], "incident");
    assert_eq!(inc["id"], id.as_str());
    assert_eq!(inc["self"], w.api(&format!("/incidents/{id}")));
    assert_eq!(inc["service"]["type"], "service_reference");
    assert_eq!(
        inc["service"]["self"],
        w.api(&format!("/services/{}", w.service))
    );
    assert_eq!(inc["escalation_policy"]["id"], w.policy.as_str());
    assert_eq!(inc["incident_number"], 1);
    // The `self` URL itself answers.
    let again = w
        .send(
            w.app
                .http
                .get(inc["self"].as_str().unwrap())
                .header("authorization", format!("Token token={}", w.key)),
        )
        .await;
    assert_eq!(again.0, 200);

    let services = w.ok("/services?query=check").await;
    assert_eq!(services["services"][0]["id"], w.service.as_str());
    let svc = w.ok(&format!("/services/{}", w.service)).await;
    assert_eq!(svc["service"]["escalation_policy"]["id"], w.policy.as_str());
    assert!(svc["service"]["integrations"].is_array());

    let ep = w.ok(&format!("/escalation_policies/{}", w.policy)).await;
    let rules = ep["escalation_policy"]["escalation_rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0]["targets"][0]["type"], "schedule_reference");
    assert_eq!(rules[1]["targets"][0]["id"], w.bob.id.to_string());

    let users = w.ok("/users?query=alice%40example").await;
    assert_eq!(users["users"].as_array().unwrap().len(), 1);
    assert_eq!(users["users"][0]["email"], "alice@example.com");
    let license = w.ok(&format!("/users/{}/license", w.alice.id)).await;
    assert!(license["license"]["id"].is_string());
    let methods = w
        .ok(&format!("/users/{}/contact_methods", w.admin_user.id))
        .await;
    assert!(methods["contact_methods"].is_array());
    assert!(methods.get("more").is_none(), "unpaginated: {methods}");
    let rules = w
        .ok(&format!("/users/{}/notification_rules", w.alice.id))
        .await;
    assert!(rules["notification_rules"].is_array());

    let priorities = w.ok("/priorities").await;
    assert_eq!(priorities["priorities"][0]["name"], "P1");
    assert_eq!(priorities["more"], false);
    assert!(w.ok("/abilities").await["abilities"].is_array());
    let (s, _) = w.get("/abilities/teams").await;
    assert_eq!(s, 204);
    let (s, body) = w.get("/abilities/nope").await;
    assert_eq!(s, 402, "{body}");
}

#[tokio::test]
async fn incident_writes_need_a_valid_from_and_bulk_acknowledge_then_resolve() {
    let w = world().await;
    let ids = w.incidents(3).await;
    let one = format!("/incidents/{}", ids[0]);
    let ack = json!({"incident": {"type": "incident_reference", "status": "acknowledged"}});
    let (s, body) = w.write(reqwest::Method::PUT, &one, None, ack.clone()).await;
    assert_eq!(s, 400, "{body}");
    assert_envelope(&body, 2001);
    let (s, body) = w
        .write(
            reqwest::Method::PUT,
            &one,
            Some("nobody@example.com"),
            ack.clone(),
        )
        .await;
    assert_eq!(s, 400, "{body}");
    let (s, body) = w
        .write(reqwest::Method::PUT, &one, Some("alice@example.com"), ack)
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["incident"]["status"], "acknowledged");
    assert_eq!(
        body["incident"]["acknowledgements"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let bulk = |status: &str| json!({"incidents": ids.iter().map(|id| json!({"id": id, "type": "incident_reference", "status": status})).collect::<Vec<_>>()});
    let (s, body) = w
        .write(
            reqwest::Method::PUT,
            "/incidents",
            None,
            bulk("acknowledged"),
        )
        .await;
    assert_eq!(s, 400, "From is required: {body}");
    let (s, body) = w
        .write(
            reqwest::Method::PUT,
            "/incidents",
            Some("root@example.com"),
            bulk("acknowledged"),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let got = body["incidents"].as_array().unwrap();
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|i| i["status"] == "acknowledged"), "{body}");
    let (s, body) = w
        .write(
            reqwest::Method::PUT,
            "/incidents",
            Some("root@example.com"),
            bulk("resolved"),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert!(
        body["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "resolved")
    );
    let resolved = w.ok("/incidents?statuses[]=resolved&total=true").await;
    assert_eq!(resolved["total"], 3);
    assert!(resolved["incidents"][0]["resolved_at"].is_string());

    // Priority and urgency; a resolved incident re-triggers.
    let (s, body) = w
        .write(
            reqwest::Method::PUT,
            &one,
            Some("root@example.com"),
            json!({"incident": {"type": "incident", "status": "triggered", "urgency": "low",
                "priority": {"id": "P2", "type": "priority_reference"}}}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["incident"]["status"], "triggered");
    assert_eq!(body["incident"]["urgency"], "low");
    assert_eq!(body["incident"]["priority"]["id"], "P2");

    // Opening one through POST /incidents.
    let (s, body) = w
        .write(
            reqwest::Method::POST,
            "/incidents",
            Some("root@example.com"),
            json!({"incident": {"type": "incident", "title": "Disk full",
                "service": {"id": w.service, "type": "service_reference"}, "urgency": "low",
                "body": {"type": "incident_body", "details": "on db-1"}}}),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(body["incident"]["title"], "Disk full");
    assert_eq!(body["incident"]["body"]["details"], "on db-1");
}

#[tokio::test]
async fn notes_and_log_entries_come_from_the_timeline() {
    let w = world().await;
    let id = w.incidents(1).await.remove(0);
    let notes = format!("/incidents/{id}/notes");
    let (s, body) = w
        .write(
            reqwest::Method::POST,
            &notes,
            None,
            json!({"note": {"content": "x"}}),
        )
        .await;
    assert_eq!(s, 400, "From is required: {body}");
    let (s, body) = w
        .write(
            reqwest::Method::POST,
            &notes,
            Some("root@example.com"),
            json!({"note": {"content": "Rolled back the deploy"}}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["note"]["content"], "Rolled back the deploy");
    assert_eq!(body["note"]["user"]["id"], w.admin_user.id.to_string());
    let listed = w.ok(&notes).await;
    assert_eq!(listed["notes"].as_array().unwrap().len(), 1);
    assert_eq!(listed["notes"][0]["id"], body["note"]["id"]);

    let resolve = json!({"incident": {"type": "incident_reference", "status": "resolved",
        "resolution": "Fixed by rollback"}});
    let (s, body) = w
        .write(
            reqwest::Method::PUT,
            &format!("/incidents/{id}"),
            Some("root@example.com"),
            resolve,
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let log = w
        .ok(&format!("/incidents/{id}/log_entries?limit=100"))
        .await;
    let types: Vec<&str> = log["log_entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types.first(),
        Some(&"resolve_log_entry"),
        "newest first: {types:?}"
    );
    assert!(types.contains(&"trigger_log_entry"), "{types:?}");
    assert_eq!(
        types.iter().filter(|t| **t == "annotate_log_entry").count(),
        2,
        "{types:?}"
    );
    assert_eq!(log["more"], false);
    assert_eq!(log["log_entries"][0]["incident"]["id"], id.as_str());
    assert_eq!(
        log["log_entries"][0]["agent"]["id"],
        w.admin_user.id.to_string()
    );
    let paged = w.ok(&format!("/incidents/{id}/log_entries?limit=1")).await;
    assert_eq!(paged["log_entries"].as_array().unwrap().len(), 1);
    assert_eq!(paged["more"], true);
}

#[tokio::test]
async fn overrides_take_over_the_final_schedule_and_need_a_window_to_list() {
    let w = world().await;
    let overrides = format!("/schedules/{}/overrides", w.schedule);
    let (s, body) = w.get(&overrides).await;
    assert_eq!(s, 400, "since and until are required: {body}");
    let (s, body) = w
        .write(
            reqwest::Method::POST,
            &overrides,
            None,
            json!({"overrides": [
                {"start": "2026-03-08T12:00:00Z", "end": "2026-03-08T18:00:00Z",
                 "user": {"id": w.alice.id, "type": "user_reference"}},
                {"start": "2026-03-08T12:00:00Z", "end": "2026-03-08T11:00:00Z",
                 "user": {"id": w.alice.id, "type": "user_reference"}},
            ]}),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    let answers = body.as_array().expect("a bare array");
    assert_eq!(answers[0]["status"], 201, "{body}");
    assert_eq!(answers[0]["override"]["user"]["id"], w.alice.id.to_string());
    assert_eq!(answers[1]["status"], 400, "{body}");
    assert!(!answers[1]["errors"].as_array().unwrap().is_empty());
    let oid = answers[0]["override"]["id"].as_str().unwrap().to_owned();

    let window = "since=2026-03-08T00:00:00Z&until=2026-03-09T00:00:00Z";
    let listed = w.ok(&format!("{overrides}?{window}")).await;
    assert_eq!(listed["overrides"][0]["id"], oid.as_str());

    // Bob's day from 09:00, except alice 12:00–18:00.
    let sched = w.ok(&format!("/schedules/{}?{window}", w.schedule)).await;
    let entries: Vec<(String, String, String)> =
        sched["schedule"]["final_schedule"]["rendered_schedule_entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let who = if e["user"]["id"] == w.alice.id.to_string() {
                    "alice"
                } else {
                    "bob"
                };
                (
                    who.to_owned(),
                    e["start"].as_str().unwrap().to_owned(),
                    e["end"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
    let want = [
        ("alice", "2026-03-08T00:00:00Z", "2026-03-08T09:00:00Z"),
        ("bob", "2026-03-08T09:00:00Z", "2026-03-08T12:00:00Z"),
        ("alice", "2026-03-08T12:00:00Z", "2026-03-08T18:00:00Z"),
        ("bob", "2026-03-08T18:00:00Z", "2026-03-09T00:00:00Z"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect();
    assert_eq!(entries, want);
    assert_eq!(
        sched["schedule"]["schedule_layers"][0]["rotation_turn_length_seconds"],
        86400
    );
    assert_eq!(
        sched["schedule"]["final_schedule"]["rendered_coverage_percentage"],
        100.0
    );
    assert_eq!(
        sched["schedule"]["escalation_policies"][0]["id"],
        w.policy.as_str()
    );

    let (s, _) = w
        .send(w.pd(reqwest::Method::DELETE, &format!("{overrides}/{oid}")))
        .await;
    assert_eq!(s, 204);
    let listed = w.ok(&format!("{overrides}?{window}")).await;
    assert_eq!(listed["overrides"], json!([]));
}

#[tokio::test]
async fn oncalls_name_the_escalation_level_and_filter() {
    let w = world().await;
    let all = w.ok("/oncalls").await;
    let oncalls = all["oncalls"].as_array().unwrap();
    assert_eq!(oncalls.len(), 2, "{all}");
    let level1 = &oncalls[0];
    assert_eq!(level1["escalation_level"], 1);
    assert_eq!(level1["escalation_policy"]["id"], w.policy.as_str());
    assert_eq!(level1["schedule"]["id"], w.schedule.as_str());
    assert_eq!(level1["user"]["id"], w.alice.id.to_string());
    assert_eq!(level1["start"], "2026-03-07T09:00:00Z");
    assert_eq!(level1["end"], "2026-03-08T09:00:00Z");
    let level2 = &oncalls[1];
    assert_eq!(level2["escalation_level"], 2);
    assert_eq!(level2["user"]["id"], w.bob.id.to_string());
    assert_eq!(level2["schedule"], Value::Null);
    assert_eq!(level2["start"], Value::Null);

    let bobs = w.ok(&format!("/oncalls?user_ids[]={}", w.bob.id)).await;
    assert_eq!(bobs["oncalls"].as_array().unwrap().len(), 1);
    let by_schedule = w
        .ok(&format!("/oncalls?schedule_ids%5B%5D={}", w.schedule))
        .await;
    assert_eq!(by_schedule["oncalls"].as_array().unwrap().len(), 1);
    // Over two days bob has a schedule shift too; `earliest` keeps one per (policy, level, user).
    let two_days = "since=2026-03-08T00:00:00Z&until=2026-03-10T00:00:00Z";
    let wide = w.ok(&format!("/oncalls?{two_days}")).await;
    assert_eq!(wide["oncalls"].as_array().unwrap().len(), 4, "{wide}");
    let earliest = w.ok(&format!("/oncalls?{two_days}&earliest=true")).await;
    assert_eq!(
        earliest["oncalls"].as_array().unwrap().len(),
        3,
        "{earliest}"
    );
    let (s, body) = w
        .get("/oncalls?since=2026-03-08T00:00:00Z&until=2026-09-01T00:00:00Z")
        .await;
    assert_eq!(s, 400, "{body}");
}

#[tokio::test]
async fn terraform_writes_round_trip() {
    let w = world().await;
    let post = reqwest::Method::POST;
    let (s, team) = w
        .write(
            post.clone(),
            "/teams",
            None,
            json!({"team": {"name": "SRE", "description": "x"}}),
        )
        .await;
    assert_eq!(s, 201, "{team}");
    let team_id = team["team"]["id"].as_str().unwrap().to_owned();
    let (s, _) = w
        .write(
            reqwest::Method::PUT,
            &format!("/teams/{team_id}/users/{}", w.alice.id),
            None,
            json!({"role": "responder"}),
        )
        .await;
    assert_eq!(s, 204);
    let members = w.ok(&format!("/teams/{team_id}/members")).await;
    assert_eq!(members["members"][0]["user"]["id"], w.alice.id.to_string());
    assert_eq!(members["members"][0]["role"], "responder");
    let alice = w.ok(&format!("/users/{}", w.alice.id)).await;
    assert_eq!(alice["user"]["teams"][0]["id"], team_id.as_str());

    let (s, ep) = w
        .write(
            post.clone(),
            "/escalation_policies",
            None,
            json!({"escalation_policy": {"type": "escalation_policy", "name": "Night", "num_loops": 2,
                "escalation_rules": [{"escalation_delay_in_minutes": 15,
                    "targets": [{"id": w.alice.id, "type": "user_reference"}]}]}}),
        )
        .await;
    assert_eq!(s, 201, "{ep}");
    assert_eq!(ep["escalation_policy"]["num_loops"], 2);
    let ep_id = ep["escalation_policy"]["id"].as_str().unwrap().to_owned();

    let (s, svc) = w
        .write(
            post.clone(),
            "/services",
            None,
            json!({"service": {"type": "service", "name": "Payments",
                "escalation_policy": {"id": ep_id, "type": "escalation_policy_reference"},
                "incident_urgency_rule": {"type": "constant", "urgency": "low"}}}),
        )
        .await;
    assert_eq!(s, 201, "{svc}");
    assert_eq!(svc["service"]["incident_urgency_rule"]["urgency"], "low");
    let svc_id = svc["service"]["id"].as_str().unwrap().to_owned();
    let (s, integ) = w
        .write(
            post.clone(),
            &format!("/services/{svc_id}/integrations"),
            None,
            json!({"integration": {"type": "events_api_v2_inbound_integration", "name": "Prom"}}),
        )
        .await;
    assert_eq!(s, 201, "{integ}");
    let key = integ["integration"]["integration_key"].as_str().unwrap();
    w.app.enqueue(key, "trigger", "disk", "critical").await;
    let iid = integ["integration"]["id"].as_str().unwrap();
    let shown = w
        .ok(&format!("/services/{svc_id}/integrations/{iid}"))
        .await;
    assert_eq!(
        shown["integration"]["type"],
        "events_api_v2_inbound_integration"
    );

    let vendors = w.ok("/vendors?query=prom").await;
    assert_eq!(vendors["vendors"][0]["id"], "prometheus");
    let (s, prom) = w
        .write(
            post.clone(),
            &format!("/services/{svc_id}/integrations"),
            None,
            json!({"integration": {"type": "generic_events_api_inbound_integration",
                "name": "Alertmanager", "vendor": {"id": "prometheus", "type": "vendor_reference"}}}),
        )
        .await;
    assert_eq!(s, 201, "{prom}");
    assert_eq!(prom["integration"]["vendor"]["id"], "prometheus");

    // Contact methods and notification rules: the user's own.
    let me = w.admin_user.id;
    let (s, cm) = w
        .write(
            post.clone(),
            &format!("/users/{me}/contact_methods"),
            None,
            json!({"contact_method": {"type": "email_contact_method", "address": "root@example.com",
                "label": "Work"}}),
        )
        .await;
    assert_eq!(s, 201, "{cm}");
    let cm_id = cm["contact_method"]["id"].as_str().unwrap().to_owned();
    let (s, rule) = w
        .write(
            post.clone(),
            &format!("/users/{me}/notification_rules"),
            None,
            json!({"notification_rule": {"type": "assignment_notification_rule",
                "start_delay_in_minutes": 5, "urgency": "high",
                "contact_method": {"id": cm_id, "type": "email_contact_method_reference"}}}),
        )
        .await;
    assert_eq!(s, 201, "{rule}");
    assert_eq!(rule["notification_rule"]["start_delay_in_minutes"], 5);
    let rid = rule["notification_rule"]["id"].as_str().unwrap().to_owned();
    let shown = w.ok(&format!("/users/{me}/notification_rules/{rid}")).await;
    assert_eq!(
        shown["notification_rule"]["contact_method"]["id"],
        cm_id.as_str()
    );
    let (s, body) = w
        .write(
            post.clone(),
            &format!("/users/{}/contact_methods", w.alice.id),
            None,
            json!({"contact_method": {"type": "email_contact_method", "address": "a@example.com", "label": "x"}}),
        )
        .await;
    assert_eq!(s, 403, "only alice changes alice's: {body}");
    assert_envelope(&body, 2010);
    let (s, _) = w
        .send(w.pd(
            reqwest::Method::DELETE,
            &format!("/users/{me}/notification_rules/{rid}"),
        ))
        .await;
    assert_eq!(s, 204);
    let (s, _) = w
        .send(w.pd(
            reqwest::Method::DELETE,
            &format!("/users/{me}/contact_methods/{cm_id}"),
        ))
        .await;
    assert_eq!(s, 204);
    let (s, _) = w.get(&format!("/users/{me}/contact_methods/{cm_id}")).await;
    assert_eq!(s, 404);

    // Deleting a policy a service uses is refused; the user invite and its duplicate.
    let (s, body) = w
        .send(w.pd(
            reqwest::Method::DELETE,
            &format!("/escalation_policies/{ep_id}"),
        ))
        .await;
    assert_eq!(s, 400, "{body}");
    let new_user = json!({"user": {"type": "user", "name": "Dana", "email": "dana@example.com", "role": "limited_user"}});
    let (s, user) = w
        .write(post.clone(), "/users", None, new_user.clone())
        .await;
    assert_eq!(s, 201, "{user}");
    assert_eq!(user["user"]["role"], "limited_user");
    let (s, dup) = w.write(post, "/users", None, new_user).await;
    assert_eq!(s, 400);
    assert_eq!(dup["error"]["errors"][0], "Email has already been taken");
    let dana = user["user"]["id"].as_str().unwrap();
    let (s, _) = w
        .send(w.pd(reqwest::Method::DELETE, &format!("/users/{dana}")))
        .await;
    assert_eq!(s, 204);
    let (s, _) = w.get(&format!("/users/{dana}")).await;
    assert_eq!(s, 404, "a deleted user reads as gone");
}
