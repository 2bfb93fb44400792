//! The two access settings: `outsiders_see_team_objects` hides a team's services, policies
//! and schedules from outsiders only (lists, gets, search; incidents stay visible);
//! `schedules_admin_only` leaves every schedule write to workspace ADMINs; and the settings'
//! own rules (ADMIN-only, audited, read strictly). Helpers are `team_permissions.rs`'s.

use serde_json::{Value, json};

use super::common::authz::team::{Owned, owned, team_setup};
use super::common::spawn_app;
use super::{callers, get, ids, set_access};

#[tokio::test]
async fn hiding_team_objects_keeps_them_from_outsiders_only() {
    let app = spawn_app().await;
    let p = team_setup(&app).await;
    let c = callers(&app, &p).await;
    let o = owned(&app, &p).await;
    let incident = app
        .create_incident(&c.admin, &o.service, "Checkout down")
        .await;
    set_access(&app, &c.admin, false, false).await;

    // (list server function, its id key, get server function, the team's object, an unowned one)
    let kinds = [
        (
            "/api/services/list",
            "/api/services/get",
            &o.service,
            &o.unowned_service,
        ),
        (
            "/api/policies/list",
            "/api/policies/get",
            &o.policy,
            &o.unowned_policy,
        ),
        (
            "/api/schedules/list",
            "/api/schedules/get",
            &o.schedule,
            &o.unowned_schedule,
        ),
    ];
    for (who, cred, sees) in [
        ("outsider", &c.outsider, false),
        ("member", &c.member, true),
        ("owner", &c.owner, true),
        ("admin", &c.admin, true),
    ] {
        for (list, one, mine, unowned) in kinds {
            let (s, b) = app.call(list, json!({}), cred).await;
            assert_eq!(s, 200, "{who} {list}: {b}");
            let listed = ids(&b, "");
            assert_eq!(listed.contains(mine), sees, "{who} {list}: {listed:?}");
            assert!(listed.contains(unowned), "{who} {list}: {listed:?}");
            let body =
                json!({"id": mine, "from": "2026-03-08T00:00:00Z", "to": "2026-03-09T00:00:00Z"});
            let body = if one == "/api/schedules/get" {
                body
            } else {
                json!({"id": mine})
            };
            let (s, b) = app.call(one, body, cred).await;
            assert_eq!(s, if sees { 200 } else { 404 }, "{who} {one}: {b}");
        }
        // REST reads the same ops.
        for (list, key, one) in [
            (
                "/api/v1/services",
                "services",
                format!("/api/v1/services/{}", o.service),
            ),
            (
                "/api/v1/escalation-policies",
                "escalation_policies",
                format!("/api/v1/escalation-policies/{}", o.policy),
            ),
            (
                "/api/v1/schedules",
                "schedules",
                format!("/api/v1/schedules/{}", o.schedule),
            ),
        ] {
            let (s, b) = get(&app, list, cred).await;
            assert_eq!(s, 200, "{who} {list}: {b}");
            let listed = ids(&b, key);
            assert_eq!(
                listed.iter().any(|i| one.ends_with(i)),
                sees,
                "{who} {list}"
            );
            let (s, b) = get(&app, &one, cred).await;
            assert_eq!(s, if sees { 200 } else { 404 }, "{who} {one}: {b}");
        }
        // The global search leaves them out the same way.
        let (s, b) = app.call("/api/search", json!({"query": o.tag}), cred).await;
        assert_eq!(s, 200, "{who}: {b}");
        let found = ids(&b, "");
        for (mine, unowned) in [
            (&o.service, &o.unowned_service),
            (&o.schedule, &o.unowned_schedule),
        ] {
            assert_eq!(found.contains(mine), sees, "{who} search: {b}");
            assert!(found.contains(unowned), "{who} search: {b}");
        }
        // Incidents stay visible, and workable.
        let (s, b) = app
            .call("/api/incidents/get", json!({"id": incident}), cred)
            .await;
        assert_eq!(s, 200, "{who}: {b}");
    }
    // A write on a hidden object is a 404 too: the outsider learns nothing of it.
    let (s, b) = app
        .call("/api/policies/delete", json!({"id": o.policy}), &c.outsider)
        .await;
    assert_eq!(s, 404, "{b}");
    let (s, b) = app
        .call(
            "/api/incidents/acknowledge",
            json!({"ids": [incident]}),
            &c.outsider,
        )
        .await;
    assert_eq!(s, 200, "{b}");

    // Shown again once the setting is back.
    set_access(&app, &c.admin, true, false).await;
    let (s, b) = app
        .call("/api/services/get", json!({"id": o.service}), &c.outsider)
        .await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn schedules_admin_only_refuses_a_team_owner_and_allows_an_admin() {
    let app = spawn_app().await;
    let p = team_setup(&app).await;
    let c = callers(&app, &p).await;
    set_access(&app, &c.admin, true, true).await;
    type Write = (&'static str, fn(&Owned) -> Value);
    let writes: [Write; 4] = [
        ("/api/schedules/save", |o| {
            json!({"id": o.schedule, "name": format!("sch-{}", o.tag), "description": "changed",
                "time_zone": "UTC", "team_id": o.team})
        }),
        ("/api/schedules/overrides/create", |o| {
            json!({"schedule_id": o.schedule, "kind": "ADD", "user": o.admin, "replaces": null,
                "start": "2026-03-12T00:00:00Z", "end": "2026-03-12T06:00:00Z", "note": null})
        }),
        (
            "/api/schedules/overrides/delete",
            |o| json!({"schedule_id": o.schedule, "id": o.override_id}),
        ),
        // Unowned schedules too: every schedule write.
        ("/api/schedules/save", |o| {
            json!({"id": o.unowned_schedule, "name": format!("sch-u-{}", o.tag),
                "description": "changed", "time_zone": "UTC"})
        }),
    ];
    for (path, body) in writes {
        let o = owned(&app, &p).await;
        let (s, b) = app.call(path, body(&o), &c.owner).await;
        assert_eq!(s, 403, "owner {path}: {b}");
        assert!(
            b["message"]
                .as_str()
                .unwrap()
                .contains("schedules_admin_only"),
            "{b}"
        );
        let (s, b) = app.call(path, body(&o), &c.admin).await;
        assert_eq!(s, 200, "admin {path}: {b}");
    }
    // The owner's override through REST, and a new schedule, are refused as well.
    let o = owned(&app, &p).await;
    let (s, _, b) = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/schedules/{}/overrides", o.schedule),
            &c.owner,
            Some(
                json!({"kind": "ADD", "user": o.admin, "start": "2026-03-12T00:00:00Z",
                "end": "2026-03-12T06:00:00Z"}),
            ),
            &[],
        )
        .await;
    assert_eq!(s, 403, "{b}");
    let (s, b) = app
        .call(
            "/api/schedules/save",
            json!({"id": null, "name": "Fresh", "description": "", "time_zone": "UTC"}),
            &c.owner,
        )
        .await;
    assert_eq!(s, 403, "{b}");
    // Only schedules: the owner still changes the team's service.
    let (s, b) = app
        .call(
            "/api/integrations/update",
            json!({"id": o.integration, "enabled": false, "rate_limit_per_min": null}),
            &c.owner,
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn access_settings_are_admin_only_audited_and_read_strictly() {
    let app = spawn_app().await;
    let p = team_setup(&app).await;
    let c = callers(&app, &p).await;
    let (s, b) = app.call("/api/settings/access", json!({}), &c.admin).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b,
        json!({"outsiders_see_team_objects": true, "schedules_admin_only": false})
    );
    for cred in [&c.owner, &c.outsider] {
        let (s, _) = app.call("/api/settings/access", json!({}), cred).await;
        assert_eq!(s, 403);
        let (s, _) = app
            .call(
                "/api/settings/access/save",
                json!({"outsiders_see_team_objects": false, "schedules_admin_only": true}),
                cred,
            )
            .await;
        assert_eq!(s, 403);
    }
    let (s, b) = app
        .call(
            "/api/settings/access/save",
            json!({"outsiders_see_team_objects": "no", "schedules_admin_only": true}),
            &c.admin,
        )
        .await;
    assert_eq!(s, 400, "{b}");
    set_access(&app, &c.admin, false, true).await;
    let (s, b) = app.call("/api/settings/access", json!({}), &c.admin).await;
    assert_eq!(s, 200);
    assert_eq!(
        b,
        json!({"outsiders_see_team_objects": false, "schedules_admin_only": true})
    );
    let details: Value = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE action = 'settings.access_save' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        details,
        json!({"before": {"outsiders_see_team_objects": true, "schedules_admin_only": false},
            "after": {"outsiders_see_team_objects": false, "schedules_admin_only": true}})
    );

    // A stored value this code cannot read is an error naming the row, never the defaults.
    sqlx::query("UPDATE settings SET value = '{\"outsiders_see_team_objects\": \"yes\"}' WHERE key = 'access'")
        .execute(&app.pool)
        .await
        .unwrap();
    let err = app::settings::access::store::load(&app.pool)
        .await
        .unwrap_err();
    assert!(
        format!("{err:?}").contains("settings.value (key access)"),
        "{err:?}"
    );
    let (s, _) = app.call("/api/services/list", json!({}), &c.outsider).await;
    assert_eq!(s, 500);
}
