//! The team rule's rows of the authorization matrix: a write on what a team owns (a service
//! with its integrations, heartbeat monitors and channels, an escalation policy, a schedule with its layers,
//! overrides, temporary schedules and feed), called as the team's OWNER, a team MEMBER, an
//! outsider (all three RESPONDERs) and a workspace ADMIN, each on objects made fresh for that
//! call. An allowed call must succeed (2xx); a denied one must be a 403 naming the team's
//! OWNER/ADMIN members, leave every row of every table as it was (so a re-read finds the
//! object unchanged), and record one `permission.denied` audit entry.

use std::future::Future;

use app::domain::Role;
use serde_json::{Value, json};

use super::{random, snapshot};
use crate::common::{Cred, TestApp};

/// Column order of the team rows' expectations: A = allowed, D = denied.
pub const TEAM_WHO: [&str; 4] = ["team OWNER", "team MEMBER", "outsider", "workspace ADMIN"];

/// The callers and the two teams: `team` (OWNER `owner`, MEMBER `member`) owns the objects;
/// `other` has nobody, so moving an object there needs a workspace ADMIN.
pub struct TeamPrincipals {
    pub owner: app::users::UserSummary,
    pub member: app::users::UserSummary,
    pub outsider: app::users::UserSummary,
    pub admin: app::users::UserSummary,
    pub team: String,
    pub other: String,
}

pub async fn team_setup(app: &TestApp) -> TeamPrincipals {
    let owner = app.add_user("owner@example.com", Role::Responder).await;
    let member = app.add_user("member@example.com", Role::Responder).await;
    let outsider = app.add_user("outsider@example.com", Role::Responder).await;
    let admin = app.add_user("admin@example.com", Role::Admin).await;
    let now = app.clock_now();
    let mut tx = app.pool.begin().await.unwrap();
    let team = app::teams::store::create(&mut *tx, "Payments", "", now)
        .await
        .unwrap();
    let other = app::teams::store::create(&mut *tx, "Search", "", now)
        .await
        .unwrap();
    for (user, role) in [
        (owner.id, app::teams::TeamRole::Owner),
        (member.id, app::teams::TeamRole::Member),
    ] {
        app::teams::store::set_member(&mut tx, team, user, role, false, now)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    TeamPrincipals {
        owner,
        member,
        outsider,
        admin,
        team: team.to_string(),
        other: other.to_string(),
    }
}

/// What one call acts on: objects owned by the team, and unowned ones, made by the ADMIN.
pub struct Owned {
    /// Unique in this database, for names.
    pub tag: String,
    pub team: String,
    pub other: String,
    pub admin: String,
    pub service: String,
    pub integration: String,
    /// A heartbeat monitor on `service`.
    pub heartbeat: String,
    pub channel: String,
    pub delivery: i64,
    pub policy: String,
    pub schedule: String,
    pub layer: String,
    pub override_id: String,
    pub temporary: String,
    pub unowned_service: String,
    pub unowned_policy: String,
    pub unowned_schedule: String,
}

fn made((status, body): (u16, Value)) -> Value {
    assert!((200..300).contains(&status), "{status} {body}");
    body
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// A layer as REST takes it.
pub fn layer_body(name: &str, who: &str) -> Value {
    json!({"name": name, "participants": [who], "rotation": {"unit": "DAYS", "every": 1},
        "start": "2026-03-08T00:00:00"})
}

/// A policy's steps as both surfaces take them.
pub fn steps(who: &str) -> Value {
    json!([{"delay_minutes": 5, "targets": [{"kind": "USER", "id": who}]}])
}

/// Fresh objects for one call, made by `p.admin` through the API.
pub async fn owned(app: &TestApp, p: &TeamPrincipals) -> Owned {
    let admin = app.session_for(p.admin.id).await;
    let tag = random()[..8].to_owned();
    let who = p.admin.id.to_string();
    let rest = |path: String, body: Value| {
        let admin = admin.clone();
        async move {
            let (s, _, b) = app
                .send(reqwest::Method::POST, &path, &admin, Some(body), &[])
                .await;
            made((s, b))
        }
    };
    let service = |name: String, team: Option<&str>| {
        let admin = admin.clone();
        let team = team.map(str::to_owned);
        async move {
            id(&made(
                app.call(
                    "/api/services/create",
                    json!({"name": name, "description": "", "team_id": team,
                        "urgency_rule": "SEVERITY", "ack_timeout_secs": null}),
                    &admin,
                )
                .await,
            ))
        }
    };
    let policy = |name: String, team: Option<&str>| {
        let admin = admin.clone();
        let team = team.map(str::to_owned);
        let steps = steps(&who);
        async move {
            id(&made(
                app.call(
                    "/api/policies/create",
                    json!({"name": name, "description": "", "team_id": team,
                        "repeat_count": 0, "steps": steps}),
                    &admin,
                )
                .await,
            ))
        }
    };
    let svc = service(format!("svc-{tag}"), Some(&p.team)).await;
    let integration = made(
        app.call(
            "/api/integrations/create",
            json!({"service_id": svc, "kind": "events_v2", "name": "main",
                "rate_limit_per_min": null}),
            &admin,
        )
        .await,
    );
    let heartbeat = made(
        app.call(
            "/api/heartbeats/create",
            json!({"service_id": svc, "name": "nightly", "period_secs": 3600, "grace_secs": 300}),
            &admin,
        )
        .await,
    );
    let channel = made(
        app.call(
            "/api/services/channels/add",
            json!({"service_id": svc, "kind": "WEBHOOK", "target": "https://example.com/hook",
                "events": ["triggered"]}),
            &admin,
        )
        .await,
    );
    let channel = id(&channel["channel"]);
    let event = made(
        app.call(
            "/api/services/channels/test",
            json!({"id": channel}),
            &admin,
        )
        .await,
    );
    let delivery: i64 = sqlx::query_scalar(
        "INSERT INTO channel_deliveries (channel_id, event_id, event, attempt, status, detail, at)
         VALUES ($1::uuid, $2, 'test', 1, 'DELIVERED', 'ok', now()) RETURNING id",
    )
    .bind(&channel)
    .bind(event.as_str().unwrap())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let schedule = rest(
        "/api/v1/schedules".into(),
        json!({"name": format!("sch-{tag}"), "time_zone": "UTC", "team_id": p.team,
            "layers": [layer_body("Daily", &who)]}),
    )
    .await;
    let sid = id(&schedule);
    let override_row = rest(
        format!("/api/v1/schedules/{sid}/overrides"),
        json!({"kind": "ADD", "user": who, "start": "2026-03-09T12:00:00Z",
            "end": "2026-03-09T18:00:00Z"}),
    )
    .await;
    let temporary = rest(
        format!("/api/v1/schedules/{sid}/temporary-schedules"),
        json!({"start": "2026-03-10T00:00:00Z", "end": "2026-03-11T00:00:00Z", "shifts": []}),
    )
    .await;
    let unowned_schedule = rest(
        "/api/v1/schedules".into(),
        json!({"name": format!("sch-u-{tag}"), "time_zone": "UTC"}),
    )
    .await;
    Owned {
        service: svc,
        integration: id(&integration["integration"]),
        heartbeat: id(&heartbeat["heartbeat"]),
        channel,
        delivery,
        policy: policy(format!("pol-{tag}"), Some(&p.team)).await,
        layer: schedule["layers"][0]["id"].as_str().unwrap().to_owned(),
        schedule: sid,
        override_id: id(&override_row),
        temporary: id(&temporary),
        unowned_service: service(format!("svc-u-{tag}"), None).await,
        unowned_policy: policy(format!("pol-u-{tag}"), None).await,
        unowned_schedule: id(&unowned_schedule),
        team: p.team.clone(),
        other: p.other.clone(),
        admin: who,
        tag,
    }
}

/// How many `permission.denied` entries the audit log holds.
pub async fn denials(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'permission.denied'")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Checks one team row: `expect` (one A or D per `TEAM_WHO`) with `send` making the call as
/// each caller on objects made for it. Returns what went wrong, labelled `label`.
pub async fn check_team_row<F, Fut>(
    app: &TestApp,
    p: &TeamPrincipals,
    label: &str,
    expect: &str,
    send: F,
) -> Vec<String>
where
    F: Fn(Cred, Owned) -> Fut,
    Fut: Future<Output = (u16, Value)>,
{
    assert_eq!(expect.len(), TEAM_WHO.len(), "{label}");
    let mut failures = Vec::new();
    let callers = [&p.owner, &p.member, &p.outsider, &p.admin];
    for ((user, want), who) in callers.into_iter().zip(expect.chars()).zip(TEAM_WHO) {
        let objects = owned(app, p).await;
        let cred = app.session_for(user.id).await;
        let (before, denied_before) = (snapshot(app).await, denials(app).await);
        let (status, json) = send(cred, objects).await;
        match want {
            'A' if !(200..300).contains(&status) => failures.push(format!(
                "{label} as {who}: want success, got {status} {json}"
            )),
            'D' => {
                let message = json["message"].as_str().unwrap_or("");
                if status != 403 || !message.contains("OWNER and ADMIN members of team") {
                    failures.push(format!(
                        "{label} as {who}: want a 403 naming the team's OWNER/ADMIN, got {status} {json}"
                    ));
                }
                let changed: Vec<String> = before
                    .iter()
                    .zip(&snapshot(app).await)
                    .filter(|(b, a)| b != a)
                    .map(|(b, _)| b.0.clone())
                    .collect();
                if !changed.is_empty() {
                    failures.push(format!("{label} as {who}: denied, yet {changed:?} changed"));
                }
                let recorded = denials(app).await - denied_before;
                if recorded != 1 {
                    failures.push(format!(
                        "{label} as {who}: {recorded} permission.denied entries, want 1"
                    ));
                }
            }
            _ => {}
        }
    }
    failures
}
