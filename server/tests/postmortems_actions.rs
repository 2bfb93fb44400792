//! Postmortem action items and export: overdue items per team as the clock moves, the team
//! rule, and the Markdown export with the template's sections in order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use common::postmortems::{item, ok, postmortem_on, resolved_with_postmortem, team_service};
use common::{Cred, spawn_app};
use serde_json::{Value, json};

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
