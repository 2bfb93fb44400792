//! Postmortems on the manual clock: drafted from a real incident timeline (trigger, ack, a
//! merge, a note, resolve) with their times; refused for an unresolved, a merged-away or an
//! already written incident; Markdown rendered inert (`<script>`, `javascript:` links,
//! `<img onerror>`, raw HTML); every validation error naming its field; the status steps and
//! the published read-only rule; overdue action items per team as the clock moves; the team
//! rule; the Markdown export.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use chrono::Duration;
use common::{Cred, TestApp, spawn_app};
use serde_json::{Value, json};

/// (id, number) of the incident with `dedup`.
async fn incident(app: &TestApp, dedup: &str) -> (String, i64) {
    let (id, n): (uuid::Uuid, i64) =
        sqlx::query_as("SELECT id, number FROM incidents WHERE dedup_key = $1")
            .bind(dedup)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    (id.to_string(), n)
}

async fn ok(app: &TestApp, path: &str, body: Value, cred: &Cred) -> Value {
    let (s, v) = app.call(path, body, cred).await;
    assert_eq!(s, 200, "{path}: {v}");
    v
}

/// A resolved incident (triggered at t0, resolved 20 minutes later) on a new service → the
/// incident's id and a DRAFT postmortem's id.
async fn resolved_with_postmortem(app: &TestApp, admin: &Cred, name: &str) -> (String, String) {
    let (service, key) = app.service_with_key(admin, name).await;
    let _ = service;
    app.enqueue(&key, "trigger", name, "critical").await;
    let (id, _) = incident(app, name).await;
    app.clock.advance(Duration::minutes(20));
    ok(app, "/api/incidents/resolve", json!({"ids": [id]}), admin).await;
    let pm = ok(
        app,
        "/api/postmortems/create",
        json!({"incident_id": id}),
        admin,
    )
    .await;
    (id, pm.as_str().unwrap().to_owned())
}

fn edit(title: &str, sections: Value, timeline: Value) -> Value {
    json!({"title": title, "authors": "Ada", "sections": sections, "timeline": timeline})
}

#[tokio::test]
async fn a_postmortem_is_drafted_from_the_incident_timeline_and_its_merged_incidents() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (_, key) = app.service_with_key(&admin, "Checkout").await;
    // 06:30 both trigger; 06:35 ack; 06:40 b merged into a; 06:50 a note; 07:35 resolve.
    app.enqueue(&key, "trigger", "db", "critical").await;
    app.enqueue(&key, "trigger", "db-replica", "error").await;
    let (a, a_n) = incident(&app, "db").await;
    let (b, b_n) = incident(&app, "db-replica").await;
    app.clock.advance(Duration::minutes(5));
    ok(
        &app,
        "/api/incidents/acknowledge",
        json!({"ids": [a]}),
        &admin,
    )
    .await;

    // Not resolved yet: refused, nothing written.
    let (s, e) = app
        .call("/api/postmortems/create", json!({"incident_id": a}), &admin)
        .await;
    assert_eq!(s, 409, "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("not resolved"),
        "{e}"
    );
    assert_eq!(app.count("postmortems").await, 0);

    app.clock.advance(Duration::minutes(5));
    ok(
        &app,
        "/api/incidents/merge",
        json!({"target_id": a, "source_ids": [b]}),
        &admin,
    )
    .await;
    app.clock.advance(Duration::minutes(10));
    ok(
        &app,
        "/api/incidents/note",
        json!({"id": a, "note": "connection pool exhausted"}),
        &admin,
    )
    .await;
    app.clock.advance(Duration::minutes(45));
    ok(&app, "/api/incidents/resolve", json!({"ids": [a]}), &admin).await;

    // The merged-away incident points at the one that covers it.
    let (s, e) = app
        .call("/api/postmortems/create", json!({"incident_id": b}), &admin)
        .await;
    assert_eq!(s, 409, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains(&format!("merged into #{a_n}")),
        "{e}"
    );

    let id = ok(
        &app,
        "/api/postmortems/create",
        json!({"incident_id": a}),
        &admin,
    )
    .await;
    let v = ok(&app, "/api/postmortems/get", json!({"id": id}), &admin).await;
    let p = &v["postmortem"];
    assert_eq!(p["status"], "DRAFT");
    assert_eq!(p["merged"], json!([b_n]));
    assert_eq!(p["authors"], "root");
    let rows: Vec<(String, String)> = p["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["at"].as_str().unwrap().to_owned(),
                r["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("2026-03-08T06:30:00Z", "Triggered: db is down".to_owned()),
        (
            "2026-03-08T06:30:00Z",
            format!("#{b_n}: Triggered: db-replica is down"),
        ),
        ("2026-03-08T06:35:00Z", "Acknowledged by root".to_owned()),
        ("2026-03-08T06:40:00Z", format!("#{b_n}: Resolved by root")),
        (
            "2026-03-08T06:40:00Z",
            format!("#{b_n}: Merged into #{a_n}"),
        ),
        (
            "2026-03-08T06:40:00Z",
            format!("Merged #{b_n} into this incident (1 alerts moved)"),
        ),
        (
            "2026-03-08T06:50:00Z",
            "Note by root: connection pool exhausted".to_owned(),
        ),
        ("2026-03-08T07:35:00Z", "Resolved by root".to_owned()),
    ]
    .into_iter()
    .map(|(t, s)| (t.to_owned(), s))
    .collect();
    assert_eq!(rows, want);
    let summary = p["sections"]["summary"].as_str().unwrap();
    assert!(summary.contains(&format!("Incident #{a_n}")), "{summary}");
    assert!(summary.contains("**Checkout**"), "{summary}");
    assert!(summary.contains("after 1 h 5 min"), "{summary}");
    assert!(
        summary.contains(&format!("Merged into it: #{b_n}")),
        "{summary}"
    );
    assert!(
        v["html"][0][1]
            .as_str()
            .unwrap()
            .contains("<strong>Checkout</strong>"),
        "{v}"
    );

    // One per incident: a second is refused; both incidents lead to this one.
    let (s, e) = app
        .call("/api/postmortems/create", json!({"incident_id": a}), &admin)
        .await;
    assert_eq!(s, 409, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("has a postmortem already"),
        "{e}"
    );
    for inc in [&a, &b] {
        let of = ok(
            &app,
            "/api/postmortems/of-incident",
            json!({"incident_id": inc}),
            &admin,
        )
        .await;
        assert_eq!(of, id);
    }
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'postmortem.create'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn markdown_with_scripts_and_javascript_links_is_rendered_inert() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (_, pm) = resolved_with_postmortem(&app, &admin, "api").await;
    let evil = "<script>alert(1)</script>\n\n[click](javascript:alert(2)) [ok](https://example.com/x)\n\n\
                <img src=x onerror=alert(3)> ![pic](javascript:alert(4))\n\n\
                <div onclick=\"alert(5)\"><iframe src=\"https://evil.example\"></iframe></div>\n\n\
                <a href=\"javascript:alert(6)\">raw</a> **fine**";
    let v = ok(
        &app,
        "/api/postmortems/update",
        json!({"id": pm, "edit": edit("Inert", json!({"summary": evil, "impact": "ok"}), json!([]))}),
        &admin,
    )
    .await;
    let html = v["html"][0][1].as_str().unwrap().to_owned();
    let preview = ok(
        &app,
        "/api/postmortems/preview",
        json!({"markdown": evil}),
        &admin,
    )
    .await;
    assert_eq!(
        preview.as_str().unwrap(),
        html,
        "the preview renders as the page does"
    );
    // The markup (text's `<` is escaped, so every `<` opens a real tag): known tags only, no
    // handlers, no script URLs. Raw HTML and `javascript:` stay visible as text.
    let tags: Vec<&str> = html
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap())
        .collect();
    for tag in &tags {
        let name = tag
            .trim_start_matches('/')
            .split([' ', '/'])
            .next()
            .unwrap();
        assert!(
            ["p", "a", "strong", "img"].contains(&name),
            "<{tag}> in {html}"
        );
        let lower = tag.to_lowercase();
        for bad in ["javascript:", "onerror", "onclick", "src="] {
            assert!(!lower.contains(bad), "{bad} in <{tag}>: {html}");
        }
    }
    assert!(
        tags.contains(&r#"img alt="pic""#),
        "the image lost its script source: {html}"
    );
    assert!(
        html.contains("&lt;script&gt;"),
        "raw HTML shows as text: {html}"
    );
    assert!(html.contains(r#"href="https://example.com/x""#), "{html}");
    assert!(
        html.contains(r#"rel="noopener noreferrer nofollow""#),
        "{html}"
    );
    assert!(html.contains("<strong>fine</strong>"), "{html}");
    // The text itself is kept as written.
    assert_eq!(v["postmortem"]["sections"]["summary"], evil);
}

#[tokio::test]
async fn validation_errors_name_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (_, pm) = resolved_with_postmortem(&app, &admin, "web").await;
    let before: Value = ok(&app, "/api/postmortems/get", json!({"id": pm}), &admin).await;
    let good_row = json!({"at": "2026-03-08T06:30:00Z", "text": "start"});
    let cases = [
        (
            "/api/postmortems/update",
            json!({"id": pm, "edit": edit(" ", json!({}), json!([]))}),
            "title",
        ),
        (
            "/api/postmortems/update",
            json!({"id": pm, "edit": edit("T", json!({"impact": "x".repeat(20_001)}), json!([]))}),
            "sections.impact",
        ),
        (
            "/api/postmortems/update",
            json!({"id": pm, "edit": edit("T", json!({}), json!([good_row, {"at": "yesterday", "text": "x"}]))}),
            "timeline[1].at",
        ),
        (
            "/api/postmortems/update",
            json!({"id": pm, "edit": edit("T", json!({}), json!([{"at": "2026-03-08T06:30:00Z", "text": " "}]))}),
            "timeline[0].text",
        ),
        (
            "/api/postmortems/status",
            json!({"id": pm, "status": "DONE"}),
            "status",
        ),
        ("/api/postmortems/list", json!({"status": "NOPE"}), "status"),
    ];
    let action = |over: Value| {
        let mut a = json!({"id": null, "title": "Add an alert", "kind": "DETECT", "owner_user_id": null,
                           "due_on": "2026-03-20", "status": "OPEN", "bug": ""});
        for (k, v) in over.as_object().unwrap() {
            a[k] = v.clone();
        }
        json!({"id": pm, "action": a})
    };
    let action_cases = [
        (action(json!({"title": ""})), "action.title"),
        (action(json!({"kind": "BLAME"})), "action.kind"),
        (action(json!({"status": "LATER"})), "action.status"),
        (action(json!({"due_on": "20/03/2026"})), "action.due_on"),
        (
            action(json!({"owner_user_id": uuid::Uuid::new_v4()})),
            "action.owner_user_id",
        ),
    ];
    let all = cases.into_iter().chain(
        action_cases
            .into_iter()
            .map(|(b, f)| ("/api/postmortems/actions/save", b, f)),
    );
    for (path, body, field) in all {
        let (s, e) = app.call(path, body, &admin).await;
        assert_eq!((s, e["field"].as_str()), (400, Some(field)), "{path}: {e}");
    }
    let after: Value = ok(&app, "/api/postmortems/get", json!({"id": pm}), &admin).await;
    assert_eq!(before, after);
    assert_eq!(app.count("postmortem_actions").await, 0);
}

#[tokio::test]
async fn statuses_move_one_step_at_a_time_and_a_published_postmortem_is_read_only() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let responder = app.add_user("resp@example.com", Role::Responder).await;
    let responder = app.session_for(responder.id).await;
    let user = app.add_user("user@example.com", Role::User).await;
    let user = app.session_for(user.id).await;
    let (_, pm) = resolved_with_postmortem(&app, &admin, "queue").await;
    let status = |s: &str| json!({"id": pm, "status": s});

    let (s, e) = app
        .call("/api/postmortems/status", status("PUBLISHED"), &responder)
        .await;
    assert_eq!(s, 409, "DRAFT skips review: {e}");
    let (s, e) = app
        .call("/api/postmortems/status", status("IN_REVIEW"), &user)
        .await;
    assert_eq!(s, 403, "a USER reads only: {e}");
    let v = ok(&app, "/api/postmortems/get", json!({"id": pm}), &user).await;
    assert_eq!(v["can_edit"], false);

    ok(
        &app,
        "/api/postmortems/status",
        status("IN_REVIEW"),
        &responder,
    )
    .await;
    app.clock.advance(Duration::minutes(30));
    let v = ok(
        &app,
        "/api/postmortems/status",
        status("PUBLISHED"),
        &responder,
    )
    .await;
    assert_eq!(v["postmortem"]["status"], "PUBLISHED");
    assert_eq!(v["postmortem"]["published_at"], "2026-03-08T07:20:00Z");
    assert_eq!(v["can_unpublish"], false);

    // Published: the text is read-only, action items are not (they are the follow-up).
    let (s, e) = app
        .call(
            "/api/postmortems/update",
            json!({"id": pm, "edit": edit("Changed", json!({}), json!([]))}),
            &admin,
        )
        .await;
    assert_eq!(s, 409, "{e}");
    ok(
        &app,
        "/api/postmortems/actions/save",
        json!({"id": pm, "action": {"title": "Add a canary", "kind": "PREVENT", "due_on": "",
               "status": "OPEN"}}),
        &responder,
    )
    .await;

    // Back to review: a workspace ADMIN only.
    let (s, e) = app
        .call("/api/postmortems/status", status("IN_REVIEW"), &responder)
        .await;
    assert_eq!(s, 403, "{e}");
    let v = ok(&app, "/api/postmortems/status", status("IN_REVIEW"), &admin).await;
    assert_eq!(v["postmortem"]["published_at"], Value::Null);
    ok(
        &app,
        "/api/postmortems/update",
        json!({"id": pm, "edit": edit("Changed", json!({}), json!([]))}),
        &responder,
    )
    .await;
    let moves: Vec<Value> = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE action = 'postmortem.status' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let moves: Vec<(String, String)> = moves
        .iter()
        .map(|d| {
            (
                d["from"].as_str().unwrap().into(),
                d["to"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            ("DRAFT".into(), "IN_REVIEW".into()),
            ("IN_REVIEW".into(), "PUBLISHED".into()),
            ("PUBLISHED".into(), "IN_REVIEW".into())
        ]
    );
}

/// A team with `owner` (OWNER) and `member` (MEMBER), and a service it owns → (team, service).
async fn team_service(
    app: &TestApp,
    name: &str,
    members: &[(app::domain::UserId, app::teams::TeamRole)],
) -> (app::domain::TeamId, String) {
    let mut tx = app.pool.begin().await.unwrap();
    let team = app::teams::store::create(&mut *tx, name, "", app.clock_now())
        .await
        .unwrap();
    for (user, role) in members {
        app::teams::store::set_member(&mut tx, team, *user, *role, false, app.clock_now())
            .await
            .unwrap();
    }
    let service = app::services::store::create(
        &mut *tx,
        &app::services::store::ServiceFields {
            name: format!("{name} API"),
            description: String::new(),
            team_id: Some(team),
            urgency_rule: app::services::UrgencyRule::Severity,
            ack_timeout_secs: None,
            escalation_policy_id: None,
        },
        app.clock_now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (team, service.to_string())
}

/// A resolved incident by hand on `service` and its postmortem's id.
async fn postmortem_on(app: &TestApp, admin: &Cred, service: &str, title: &str) -> String {
    let id = app.create_incident(admin, service, title).await;
    ok(app, "/api/incidents/resolve", json!({"ids": [id]}), admin).await;
    let pm = ok(
        app,
        "/api/postmortems/create",
        json!({"incident_id": id}),
        admin,
    )
    .await;
    pm.as_str().unwrap().to_owned()
}

async fn item(
    app: &TestApp,
    cred: &Cred,
    pm: &str,
    title: &str,
    due: &str,
    status: &str,
) -> (u16, Value) {
    app.call(
        "/api/postmortems/actions/save",
        json!({"id": pm, "action": {"title": title, "kind": "PREVENT", "owner_user_id": null,
               "due_on": due, "status": status, "bug": "OPS-1"}}),
        cred,
    )
    .await
}

#[tokio::test]
async fn overdue_action_items_are_listed_per_team_as_the_clock_moves_and_teams_guard_theirs() {
    use app::teams::TeamRole;
    let app = spawn_app().await;
    let root = app.add_user("root@example.com", Role::Admin).await;
    let admin = app.session_for(root.id).await;
    let owner = app.add_user("owner@example.com", Role::Responder).await;
    let member = app.add_user("member@example.com", Role::Responder).await;
    let (owner_s, member_s) = (
        app.session_for(owner.id).await,
        app.session_for(member.id).await,
    );
    // Sessions end after days idle on the manual clock: a fresh one after each jump.
    let member_now = || app.session_for(member.id);
    let (_, payments) = team_service(
        &app,
        "Payments",
        &[(owner.id, TeamRole::Owner), (member.id, TeamRole::Member)],
    )
    .await;
    let (_, search) = team_service(&app, "Search", &[]).await;
    let pay = postmortem_on(&app, &admin, &payments, "Card declines").await;
    let find = postmortem_on(&app, &admin, &search, "Slow search").await;

    // The team rule: the Payments OWNER writes, its MEMBER and outsiders do not.
    let (s, e) = item(&app, &member_s, &pay, "Retry budget", "2026-03-10", "OPEN").await;
    assert_eq!(s, 403, "{e}");
    let (s, e) = item(&app, &owner_s, &find, "Index shards", "2026-03-10", "OPEN").await;
    assert_eq!(s, 403, "{e}");
    let v = ok(&app, "/api/postmortems/get", json!({"id": pay}), &owner_s).await;
    assert_eq!(v["can_edit"], true);
    let v = ok(&app, "/api/postmortems/get", json!({"id": pay}), &member_s).await;
    assert_eq!(v["can_edit"], false);

    let (s, e) = item(&app, &owner_s, &pay, "Retry budget", "2026-03-10", "OPEN").await;
    assert_eq!(s, 200, "{e}");
    let (s, e) = item(&app, &owner_s, &pay, "Already done", "2026-03-09", "DONE").await;
    assert_eq!(s, 200, "{e}");
    let (s, e) = item(
        &app,
        &admin,
        &find,
        "Index shards",
        "2026-03-20",
        "IN_PROGRESS",
    )
    .await;
    assert_eq!(s, 200, "{e}");
    let (s, e) = item(&app, &admin, &find, "No date", "", "OPEN").await;
    assert_eq!(s, 200, "{e}");

    let overdue = |v: &Value| -> Vec<(String, Vec<String>)> {
        v["overdue"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["team"].as_str().unwrap().to_owned(),
                    t["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|i| i["title"].as_str().unwrap().to_owned())
                        .collect(),
                )
            })
            .collect()
    };
    // t0 is Sunday 2026-03-08: nothing is overdue yet.
    let v = ok(
        &app,
        "/api/postmortems/list",
        json!({"status": null}),
        &member_now().await,
    )
    .await;
    assert_eq!(v["postmortems"].as_array().unwrap().len(), 2);
    assert!(overdue(&v).is_empty(), "{v}");
    // 2026-03-10 is its due day, not yet overdue; the day after it is.
    app.clock.set("2026-03-10T23:59:00Z".parse().unwrap());
    let v = ok(
        &app,
        "/api/postmortems/list",
        json!({"status": null}),
        &member_now().await,
    )
    .await;
    assert!(overdue(&v).is_empty(), "{v}");
    app.clock.set("2026-03-11T00:00:00Z".parse().unwrap());
    let v = ok(
        &app,
        "/api/postmortems/list",
        json!({"status": null}),
        &member_now().await,
    )
    .await;
    assert_eq!(
        overdue(&v),
        [("Payments".to_owned(), vec!["Retry budget".to_owned()])]
    );
    let p = ok(
        &app,
        "/api/postmortems/get",
        json!({"id": pay}),
        &member_now().await,
    )
    .await;
    let flags: Vec<bool> = p["postmortem"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["overdue"].as_bool().unwrap())
        .collect();
    assert_eq!(flags, [true, false], "the DONE item is never overdue");
    app.clock.set("2026-03-25T09:00:00Z".parse().unwrap());
    let v = ok(
        &app,
        "/api/postmortems/list",
        json!({"status": null}),
        &member_now().await,
    )
    .await;
    assert_eq!(
        overdue(&v),
        [
            ("Payments".to_owned(), vec!["Retry budget".to_owned()]),
            ("Search".to_owned(), vec!["Index shards".to_owned()])
        ]
    );
    // Done: off the list.
    let admin_now = app.session_for(root.id).await;
    let p = ok(
        &app,
        "/api/postmortems/get",
        json!({"id": find}),
        &admin_now,
    )
    .await;
    let shard = p["postmortem"]["actions"][0]["id"].clone();
    let (s, e) = app
        .call(
            "/api/postmortems/actions/save",
            json!({"id": find, "action": {"id": shard, "title": "Index shards", "kind": "PREVENT",
                   "due_on": "2026-03-20", "status": "DONE"}}),
            &admin_now,
        )
        .await;
    assert_eq!(s, 200, "{e}");
    let v = ok(
        &app,
        "/api/postmortems/list",
        json!({"status": "DRAFT"}),
        &member_now().await,
    )
    .await;
    assert_eq!(
        overdue(&v),
        [("Payments".to_owned(), vec!["Retry budget".to_owned()])]
    );
    let v = ok(
        &app,
        "/api/postmortems/list",
        json!({"status": "PUBLISHED"}),
        &member_now().await,
    )
    .await;
    assert!(v["postmortems"].as_array().unwrap().is_empty(), "{v}");
}

#[tokio::test]
async fn the_markdown_export_has_the_template_s_sections_in_order() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (_, pm) = resolved_with_postmortem(&app, &admin, "cache").await;
    ok(
        &app,
        "/api/postmortems/update",
        json!({"id": pm, "edit": {"title": "Cache stampede", "authors": "Ada, Bo",
            "sections": {"summary": "The cache emptied.", "impact": "5% of requests failed.",
                "root_causes": "TTLs aligned.", "trigger": "A deploy.", "resolution": "Jitter.",
                "detection": "Alerts.", "went_well": "Fast rollback.", "went_wrong": "No canary.",
                "got_lucky": "Low traffic."},
            "timeline": [{"at": "2026-03-08T06:50:00+00:00", "text": "Rolled back"},
                         {"at": "2026-03-08T06:30:00Z", "text": "Deploy"}]}}),
        &admin,
    )
    .await;
    let (s, e) = item(
        &app,
        &admin,
        &pm,
        "Add jitter | everywhere",
        "2026-04-01",
        "OPEN",
    )
    .await;
    assert_eq!(s, 200, "{e}");
    let res = app
        .get_as(&format!("/postmortems/{pm}/export.md"), &admin)
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/markdown")
    );
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("postmortem-")
    );
    let md = res.text().await.unwrap();
    let order = [
        "# Cache stampede\n",
        "**Date:** 2026-03-08",
        "**Authors:** Ada, Bo",
        "**Status:** Draft",
        "## Summary\n\nThe cache emptied.",
        "## Impact\n\n5% of requests failed.",
        "## Root causes\n\nTTLs aligned.",
        "## Trigger\n\nA deploy.",
        "## Resolution\n\nJitter.",
        "## Detection\n\nAlerts.",
        "## Action Items",
        "| Add jitter \\| everywhere | Prevent |  | 2026-04-01 | Open | OPS-1 |",
        "## Lessons Learned",
        "### What went well\n\nFast rollback.",
        "### What went wrong\n\nNo canary.",
        "### Where we got lucky\n\nLow traffic.",
        "## Timeline",
        "- **2026-03-08 06:30:00 UTC** Deploy\n- **2026-03-08 06:50:00 UTC** Rolled back",
    ];
    let mut from = 0;
    for part in order {
        let at = md[from..]
            .find(part)
            .unwrap_or_else(|| panic!("{part:?} after {from} in:\n{md}"));
        from += at + part.len();
    }
    // Signed-in callers only; unknown ids are 404.
    let res = app
        .get_as(&format!("/postmortems/{pm}/export.md"), &Cred::Anonymous)
        .await;
    assert_eq!(res.status(), 401);
    let res = app
        .get_as(
            &format!("/postmortems/{}/export.md", uuid::Uuid::new_v4()),
            &admin,
        )
        .await;
    assert_eq!(res.status(), 404);
    let res = app.get_as("/postmortems/nope/export.md", &admin).await;
    assert_eq!(res.status(), 404);
}
