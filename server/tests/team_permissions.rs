//! Team-scoped permissions beyond the matrix (`authz_matrix.rs`, `authz_rest.rs` call every
//! write as a team's OWNER, a MEMBER, an outsider and a workspace ADMIN): outsiders still work
//! the team's incidents; a refusal is audited and changes nothing; moves need the role in both
//! teams and keys act with their owner's team roles; the PagerDuty-compatible API's `teams`.
//! The access settings and their rules are in `team_permissions/settings.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
mod settings;

use common::authz::team::{TeamPrincipals, owned, steps, team_setup};
use common::{Cred, TestApp, spawn_app};
use serde_json::{Value, json};

struct Callers {
    owner: Cred,
    member: Cred,
    outsider: Cred,
    admin: Cred,
}

async fn callers(app: &TestApp, p: &TeamPrincipals) -> Callers {
    Callers {
        owner: app.session_for(p.owner.id).await,
        member: app.session_for(p.member.id).await,
        outsider: app.session_for(p.outsider.id).await,
        admin: app.session_for(p.admin.id).await,
    }
}

async fn set_access(app: &TestApp, admin: &Cred, see: bool, schedules_admin_only: bool) {
    let (s, b) = app
        .call(
            "/api/settings/access/save",
            json!({"outsiders_see_team_objects": see, "schedules_admin_only": schedules_admin_only}),
            admin,
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

async fn get(app: &TestApp, path: &str, cred: &Cred) -> (u16, Value) {
    let (s, _, b) = app.send(reqwest::Method::GET, path, cred, None, &[]).await;
    (s, b)
}

/// The ids in a list answer's `key` array (the whole answer when `key` is empty).
fn ids(body: &Value, key: &str) -> Vec<String> {
    let list = if key.is_empty() { body } else { &body[key] };
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_outsider_responder_acknowledges_and_resolves_a_teams_incident() {
    let app = spawn_app().await;
    let p = team_setup(&app).await;
    let c = callers(&app, &p).await;
    let o = owned(&app, &p).await;
    let incident = app
        .create_incident(&c.admin, &o.service, "Checkout down")
        .await;
    for action in ["/api/incidents/acknowledge", "/api/incidents/resolve"] {
        let (s, b) = app
            .call(action, json!({"ids": [incident]}), &c.outsider)
            .await;
        assert_eq!(s, 200, "{action}: {b}");
    }
    let (s, detail) = app
        .call("/api/incidents/get", json!({"id": incident}), &c.outsider)
        .await;
    assert_eq!(s, 200, "{detail}");
    assert_eq!(detail["incident"]["status"], "RESOLVED", "{detail}");
    // Yet the same outsider may not change the service the incident is on.
    let (s, b) = app
        .call(
            "/api/integrations/update",
            json!({"id": o.integration, "enabled": false, "rate_limit_per_min": null}),
            &c.outsider,
        )
        .await;
    assert_eq!(s, 403, "{b}");
}

#[tokio::test]
async fn a_refused_write_is_audited_and_changes_nothing() {
    let app = spawn_app().await;
    let p = team_setup(&app).await;
    let c = callers(&app, &p).await;
    let o = owned(&app, &p).await;
    let path = format!("/api/v1/escalation-policies/{}", o.policy);
    let (_, _, before) = app
        .send(reqwest::Method::GET, &path, &c.admin, None, &[])
        .await;
    let (s, b) = app
        .call(
            "/api/policies/update",
            json!({"id": o.policy, "name": "Taken over", "description": "", "team_id": null,
                "repeat_count": 3, "steps": steps(&o.admin)}),
            &c.member,
        )
        .await;
    assert_eq!(s, 403, "{b}");
    assert_eq!(b["error"], "forbidden");
    assert_eq!(
        b["message"],
        "only the OWNER and ADMIN members of team Payments (or a workspace ADMIN) may change this escalation policy"
    );
    let (_, _, after) = app
        .send(reqwest::Method::GET, &path, &c.admin, None, &[])
        .await;
    assert_eq!(before, after);
    assert_eq!(after["team_name"], "Payments");

    let (actor, target, details): (uuid::Uuid, String, Value) = sqlx::query_as(
        "SELECT actor_user_id, target, details FROM audit_log WHERE action = 'permission.denied'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(actor, p.member.id.0);
    assert_eq!(target, format!("pol-{}", o.tag));
    assert_eq!(
        details,
        json!({"attempted": "policy.update", "kind": "escalation policy", "id": o.policy,
            "team_id": p.team, "team": "Payments", "reason": "team_role"})
    );
    let updates: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'policy.update'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(updates, 0);
}

#[tokio::test]
async fn moving_between_teams_needs_the_role_in_both_and_keys_follow_their_owner() {
    let app = spawn_app().await;
    let p = team_setup(&app).await;
    let c = callers(&app, &p).await;
    let o = owned(&app, &p).await;
    let body = |team: &str| {
        json!({"id": o.service, "name": format!("svc-{}", o.tag), "description": "",
            "team_id": team, "urgency_rule": "SEVERITY", "ack_timeout_secs": null})
    };
    // A MEMBER of the other team is not enough there.
    let (s, b) = app
        .call(
            "/api/teams/set-member",
            json!({"team_id": p.other, "user_id": p.owner.id, "role": "MEMBER", "is_lead": false}),
            &c.admin,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app
        .call("/api/services/update", body(&p.other), &c.owner)
        .await;
    assert_eq!(s, 403, "{b}");
    assert!(
        b["message"].as_str().unwrap().contains("team Search"),
        "{b}"
    );
    let (s, b) = app
        .call(
            "/api/teams/set-member",
            json!({"team_id": p.other, "user_id": p.owner.id, "role": "ADMIN", "is_lead": false}),
            &c.admin,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app
        .call("/api/services/update", body(&p.other), &c.owner)
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["team_name"], "Search");

    // An API key acts with its owner's team roles (the scope still applies).
    let owner_key = app.key_for(&p.owner, &["services:write"]).await;
    let outsider_key = app.key_for(&p.outsider, &["services:write"]).await;
    let rename = |name: &str| {
        json!({"id": o.policy, "name": name, "description": "", "team_id": p.team,
            "repeat_count": 0, "steps": steps(&o.admin)})
    };
    let (s, b) = app
        .call("/api/policies/update", rename("By key"), &outsider_key)
        .await;
    assert_eq!(s, 403, "{b}");
    let (s, b) = app
        .call("/api/policies/update", rename("By key"), &owner_key)
        .await;
    assert_eq!(s, 200, "{b}");
    // A new owner that does not exist is bad input, not a refusal.
    let (s, b) = app
        .call(
            "/api/policies/create",
            json!({"name": "Nowhere", "description": "", "team_id": common::authz::random(),
                "repeat_count": 0, "steps": steps(&o.admin)}),
            &c.owner,
        )
        .await;
    assert_eq!((s, b["field"].as_str()), (400, Some("team_id")), "{b}");
    let (s, b) = app
        .call(
            "/api/policies/create",
            json!({"name": "Nowhere", "description": "", "team_id": common::authz::random(),
                "repeat_count": 0, "steps": steps(&o.admin)}),
            &c.admin,
        )
        .await;
    assert_eq!((s, b["field"].as_str()), (400, Some("team_id")), "{b}");
}

#[tokio::test]
async fn the_pagerduty_api_maps_the_owning_team_to_teams() {
    let app = spawn_app().await;
    let p = team_setup(&app).await;
    let o = owned(&app, &p).await;
    let admin = app.key_for(&p.admin, &["admin"]).await;
    let member = app.key_for(&p.member, &["services:write"]).await;
    let pd = |method: &str, path: String, body: Option<Value>, cred: &Cred| {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let path = format!("/pagerduty{path}");
        let cred = cred.clone();
        let app = &app;
        async move {
            let (s, _, b) = app.send(method, &path, &cred, body, &[]).await;
            (s, b)
        }
    };
    let rules = json!([{"escalation_delay_in_minutes": 5,
        "targets": [{"type": "user_reference", "id": o.admin}]}]);
    let (s, b) = pd(
        "POST",
        "/escalation_policies".into(),
        Some(
            json!({"escalation_policy": {"name": "PD owned", "escalation_rules": rules,
            "teams": [{"id": p.team, "type": "team_reference"}]}}),
        ),
        &admin,
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let policy = b["escalation_policy"]["id"].as_str().unwrap().to_owned();
    assert_eq!(b["escalation_policy"]["teams"][0]["id"], p.team, "{b}");
    // A PUT without `teams` keeps the owner; a team MEMBER may not change it.
    let put = |teams: Option<Value>| {
        let mut body = json!({"name": "PD owned", "escalation_rules": rules});
        if let Some(t) = teams {
            body["teams"] = t;
        }
        Some(json!({"escalation_policy": body}))
    };
    let (s, b) = pd(
        "PUT",
        format!("/escalation_policies/{policy}"),
        put(None),
        &admin,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["escalation_policy"]["teams"][0]["id"], p.team, "{b}");
    let (s, b) = pd(
        "PUT",
        format!("/escalation_policies/{policy}"),
        put(None),
        &member,
    )
    .await;
    assert_eq!(s, 403, "{b}");
    let (s, b) = pd(
        "PUT",
        format!("/escalation_policies/{policy}"),
        put(Some(json!([]))),
        &admin,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["escalation_policy"]["teams"], json!([]), "{b}");
    let (s, b) = pd("GET", format!("/schedules/{}", o.schedule), None, &admin).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["schedule"]["teams"][0]["id"], p.team, "{b}");
    assert_eq!(b["schedule"]["teams"][0]["summary"], "Payments", "{b}");
}
