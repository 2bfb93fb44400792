//! The authorization matrix of REST v1, driven by the OpenAPI document: every documented
//! operation has a row, every row is a documented operation, and each is called as every
//! caller of the server-function matrix (`common::authz`), with the same rule that a denied
//! call changes no row of any table. The fixture's service belongs to a team, so a RESPONDER
//! outside it may not change it. The team rows call every write on what a team owns as its
//! OWNER, a MEMBER, an outsider and a workspace ADMIN (`common::authz::team`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::collections::BTreeSet;

use common::authz::team::{Owned, check_team_row, layer_body, steps, team_setup};
use common::authz::{Fixture, check_row, random, setup};
use common::{Cred, TestApp, spawn_app};
use serde_json::{Value, json};

/// The objects the rows act on: the matrix's fixture, plus objects made through REST as ADMIN.
struct Ids {
    fx: Fixture,
    policy: String,
    schedule: String,
    layer: String,
    override_id: String,
    temporary: String,
}

/// ("METHOD /path as documented", expectations (see `common::authz::WHO`), the key scope that
/// suffices, the concrete path and body).
type Row = (
    &'static str,
    &'static str,
    &'static str,
    fn(&Ids) -> (String, Option<Value>),
);

fn get(path: String) -> (String, Option<Value>) {
    (path, None)
}

fn with(path: String, body: Value) -> (String, Option<Value>) {
    (path, Some(body))
}

/// A well-formed window for schedule reads.
const WINDOW: &str = "since=2026-03-08T00:00:00Z&until=2026-03-09T00:00:00Z";

/// Bodies are well-formed (the JSON decodes) but invalid, or ids name nothing, so an allowed
/// caller gets a 4xx that is not 401/403 and later cells find the same state; the
/// authorization under test is what decides for the others.
const ROWS: &[Row] = &[
    // Incidents.
    ("GET /api/v1/incidents", "DAAAAAD", "incidents:read", |_| {
        get("/api/v1/incidents".into())
    }),
    (
        "POST /api/v1/incidents",
        "DDDAAAD",
        "incidents:write",
        |i| {
            with(
                "/api/v1/incidents".into(),
                json!({"service_id": i.fx.service, "title": ""}),
            )
        },
    ),
    (
        "GET /api/v1/incidents/{id}",
        "DAAAAAD",
        "incidents:read",
        |i| get(format!("/api/v1/incidents/{}", i.fx.incident)),
    ),
    (
        "PATCH /api/v1/incidents/{id}",
        "DADAAAD",
        "incidents:write",
        |i| {
            with(
                format!("/api/v1/incidents/{}", i.fx.incident),
                json!({"urgency": "CRITICAL"}),
            )
        },
    ),
    (
        "GET /api/v1/incidents/{id}/notes",
        "DAAAAAD",
        "incidents:read",
        |i| get(format!("/api/v1/incidents/{}/notes", i.fx.incident)),
    ),
    (
        "POST /api/v1/incidents/{id}/notes",
        "DADAAAD",
        "incidents:write",
        |i| {
            with(
                format!("/api/v1/incidents/{}/notes", i.fx.incident),
                json!({"text": " "}),
            )
        },
    ),
    (
        "GET /api/v1/incidents/{id}/notes/{note_id}",
        "DAAAAAD",
        "incidents:read",
        |i| get(format!("/api/v1/incidents/{}/notes/1", i.fx.incident)),
    ),
    (
        "GET /api/v1/incidents/{id}/timeline",
        "DAAAAAD",
        "incidents:read",
        |i| get(format!("/api/v1/incidents/{}/timeline", i.fx.incident)),
    ),
    (
        "GET /api/v1/incidents/{id}/alerts",
        "DAAAAAD",
        "incidents:read",
        |i| get(format!("/api/v1/incidents/{}/alerts", i.fx.incident)),
    ),
    // Services and integrations.
    ("GET /api/v1/services", "DAAAAAD", "services:read", |_| {
        get("/api/v1/services".into())
    }),
    ("POST /api/v1/services", "DDDAAAD", "services:write", |_| {
        with("/api/v1/services".into(), json!({"name": ""}))
    }),
    (
        "GET /api/v1/services/{id}",
        "DAAAAAD",
        "services:read",
        |i| get(format!("/api/v1/services/{}", i.fx.service)),
    ),
    // The fixture's service belongs to a team: a RESPONDER outside it may not change it.
    (
        "PATCH /api/v1/services/{id}",
        "DDDDAAD",
        "services:write",
        |i| {
            with(
                format!("/api/v1/services/{}", i.fx.service),
                json!({"name": ""}),
            )
        },
    ),
    (
        "DELETE /api/v1/services/{id}",
        "DDDAAAD",
        "services:write",
        |_| get(format!("/api/v1/services/{}", random())),
    ),
    (
        "GET /api/v1/services/{id}/integrations",
        "DAAAAAD",
        "services:read",
        |i| get(format!("/api/v1/services/{}/integrations", i.fx.service)),
    ),
    (
        "POST /api/v1/services/{id}/integrations",
        "DDDDAAD",
        "services:write",
        |i| {
            with(
                format!("/api/v1/services/{}/integrations", i.fx.service),
                json!({"kind": "nope", "name": ""}),
            )
        },
    ),
    (
        "GET /api/v1/services/{id}/integrations/{integration_id}",
        "DAAAAAD",
        "services:read",
        |i| {
            get(format!(
                "/api/v1/services/{}/integrations/{}",
                i.fx.service,
                random()
            ))
        },
    ),
    (
        "PATCH /api/v1/services/{id}/integrations/{integration_id}",
        "DDDAAAD",
        "services:write",
        |i| {
            with(
                format!(
                    "/api/v1/services/{}/integrations/{}",
                    i.fx.service,
                    random()
                ),
                json!({"enabled": true}),
            )
        },
    ),
    (
        "DELETE /api/v1/services/{id}/integrations/{integration_id}",
        "DDDDAAD",
        "services:write",
        |i| {
            get(format!(
                "/api/v1/services/{}/integrations/{}",
                i.fx.service,
                random()
            ))
        },
    ),
    (
        "POST /api/v1/services/{id}/integrations/{integration_id}/rotate",
        "DDDAAAD",
        "services:write",
        |i| {
            with(
                format!(
                    "/api/v1/services/{}/integrations/{}/rotate",
                    i.fx.service,
                    random()
                ),
                json!({}),
            )
        },
    ),
    // Escalation policies.
    (
        "GET /api/v1/escalation-policies",
        "DAAAAAD",
        "services:read",
        |_| get("/api/v1/escalation-policies".into()),
    ),
    (
        "POST /api/v1/escalation-policies",
        "DDDAAAD",
        "services:write",
        |_| {
            with(
                "/api/v1/escalation-policies".into(),
                json!({"name": "", "steps": []}),
            )
        },
    ),
    (
        "GET /api/v1/escalation-policies/{id}",
        "DAAAAAD",
        "services:read",
        |i| get(format!("/api/v1/escalation-policies/{}", i.policy)),
    ),
    (
        "PATCH /api/v1/escalation-policies/{id}",
        "DDDAAAD",
        "services:write",
        |i| {
            with(
                format!("/api/v1/escalation-policies/{}", i.policy),
                json!({"name": ""}),
            )
        },
    ),
    (
        "PUT /api/v1/escalation-policies/{id}/steps",
        "DDDAAAD",
        "services:write",
        |i| {
            with(
                format!("/api/v1/escalation-policies/{}/steps", i.policy),
                json!({"steps": [{"delay_minutes": -1, "targets": []}]}),
            )
        },
    ),
    (
        "DELETE /api/v1/escalation-policies/{id}",
        "DDDAAAD",
        "services:write",
        |_| get(format!("/api/v1/escalation-policies/{}", random())),
    ),
    // Schedules.
    ("GET /api/v1/schedules", "DAAAAAD", "schedules:read", |_| {
        get("/api/v1/schedules".into())
    }),
    (
        "POST /api/v1/schedules",
        "DDDAAAD",
        "schedules:write",
        |_| {
            with(
                "/api/v1/schedules".into(),
                json!({"name": "", "time_zone": "UTC"}),
            )
        },
    ),
    (
        "GET /api/v1/schedules/{id}",
        "DAAAAAD",
        "schedules:read",
        |i| get(format!("/api/v1/schedules/{}", i.schedule)),
    ),
    (
        "PATCH /api/v1/schedules/{id}",
        "DDDAAAD",
        "schedules:write",
        |i| {
            with(
                format!("/api/v1/schedules/{}", i.schedule),
                json!({"time_zone": "Nowhere/Else"}),
            )
        },
    ),
    (
        "DELETE /api/v1/schedules/{id}",
        "DDDAAAD",
        "schedules:write",
        |_| get(format!("/api/v1/schedules/{}", random())),
    ),
    (
        "GET /api/v1/schedules/{id}/final-schedule",
        "DAAAAAD",
        "schedules:read",
        |i| {
            get(format!(
                "/api/v1/schedules/{}/final-schedule?{WINDOW}",
                i.schedule
            ))
        },
    ),
    (
        "GET /api/v1/schedules/{id}/layers",
        "DAAAAAD",
        "schedules:read",
        |i| get(format!("/api/v1/schedules/{}/layers", i.schedule)),
    ),
    (
        "POST /api/v1/schedules/{id}/layers",
        "DDDAAAD",
        "schedules:write",
        |i| {
            with(
                format!("/api/v1/schedules/{}/layers", i.schedule),
                json!({"name": "", "participants": [],
            "rotation": {"unit": "DAYS", "every": 1}, "start": "2026-03-08T00:00:00"}),
            )
        },
    ),
    (
        "GET /api/v1/schedules/{id}/layers/{layer_id}",
        "DAAAAAD",
        "schedules:read",
        |i| {
            get(format!(
                "/api/v1/schedules/{}/layers/{}",
                i.schedule, i.layer
            ))
        },
    ),
    (
        "PUT /api/v1/schedules/{id}/layers/{layer_id}",
        "DDDAAAD",
        "schedules:write",
        |i| {
            with(
                format!("/api/v1/schedules/{}/layers/{}", i.schedule, i.layer),
                json!({"name": "", "participants": [],
            "rotation": {"unit": "DAYS", "every": 1}, "start": "2026-03-08T00:00:00"}),
            )
        },
    ),
    (
        "DELETE /api/v1/schedules/{id}/layers/{layer_id}",
        "DDDAAAD",
        "schedules:write",
        |i| {
            get(format!(
                "/api/v1/schedules/{}/layers/{}",
                i.schedule,
                random()
            ))
        },
    ),
    (
        "GET /api/v1/schedules/{id}/overrides",
        "DAAAAAD",
        "schedules:read",
        |i| {
            get(format!(
                "/api/v1/schedules/{}/overrides?{WINDOW}",
                i.schedule
            ))
        },
    ),
    (
        "POST /api/v1/schedules/{id}/overrides",
        "DDDAAAD",
        "schedules:write",
        |i| {
            with(
                format!("/api/v1/schedules/{}/overrides", i.schedule),
                json!({"kind": "SWAP",
            "start": "2026-03-09T00:00:00Z", "end": "2026-03-09T01:00:00Z"}),
            )
        },
    ),
    (
        "GET /api/v1/schedules/{id}/overrides/{override_id}",
        "DAAAAAD",
        "schedules:read",
        |i| {
            get(format!(
                "/api/v1/schedules/{}/overrides/{}",
                i.schedule, i.override_id
            ))
        },
    ),
    (
        "DELETE /api/v1/schedules/{id}/overrides/{override_id}",
        "DDDAAAD",
        "schedules:write",
        |i| {
            get(format!(
                "/api/v1/schedules/{}/overrides/{}",
                i.schedule,
                random()
            ))
        },
    ),
    (
        "GET /api/v1/schedules/{id}/temporary-schedules",
        "DAAAAAD",
        "schedules:read",
        |i| {
            get(format!(
                "/api/v1/schedules/{}/temporary-schedules?{WINDOW}",
                i.schedule
            ))
        },
    ),
    (
        "POST /api/v1/schedules/{id}/temporary-schedules",
        "DDDAAAD",
        "schedules:write",
        |i| {
            with(
                format!("/api/v1/schedules/{}/temporary-schedules", i.schedule),
                json!({"start": "2026-03-11T00:00:00Z", "end": "2026-03-10T00:00:00Z"}),
            )
        },
    ),
    (
        "GET /api/v1/schedules/{id}/temporary-schedules/{temporary_id}",
        "DAAAAAD",
        "schedules:read",
        |i| {
            get(format!(
                "/api/v1/schedules/{}/temporary-schedules/{}",
                i.schedule, i.temporary
            ))
        },
    ),
    (
        "PUT /api/v1/schedules/{id}/temporary-schedules/{temporary_id}",
        "DDDAAAD",
        "schedules:write",
        |i| {
            with(
                format!(
                    "/api/v1/schedules/{}/temporary-schedules/{}",
                    i.schedule, i.temporary
                ),
                json!({"start": "2026-03-11T00:00:00Z", "end": "2026-03-10T00:00:00Z"}),
            )
        },
    ),
    (
        "DELETE /api/v1/schedules/{id}/temporary-schedules/{temporary_id}",
        "DDDAAAD",
        "schedules:write",
        |i| {
            get(format!(
                "/api/v1/schedules/{}/temporary-schedules/{}",
                i.schedule,
                random()
            ))
        },
    ),
    ("GET /api/v1/oncalls", "DAAAAAD", "schedules:read", |_| {
        get("/api/v1/oncalls".into())
    }),
    // Users, their contact methods and notification rules.
    ("GET /api/v1/users", "DAAAAAA", "incidents:read", |_| {
        get("/api/v1/users".into())
    }),
    ("POST /api/v1/users", "DDDDAAD", "admin", |_| {
        with(
            "/api/v1/users".into(),
            json!({"email": "not-an-email", "name": "X", "role": "USER"}),
        )
    }),
    ("GET /api/v1/users/{id}", "DAAAAAA", "incidents:read", |i| {
        get(format!("/api/v1/users/{}", i.fx.target))
    }),
    ("PATCH /api/v1/users/{id}", "DDDDAAD", "admin", |i| {
        with(
            format!("/api/v1/users/{}", i.fx.target),
            json!({"role": "EMPEROR"}),
        )
    }),
    (
        "POST /api/v1/users/{id}/reset-link",
        "DDDDAAD",
        "admin",
        |_| with(format!("/api/v1/users/{}/reset-link", random()), json!({})),
    ),
    (
        "GET /api/v1/users/{id}/contact-methods",
        "DDDDAAD",
        "admin",
        |i| get(format!("/api/v1/users/{}/contact-methods", i.fx.target)),
    ),
    (
        "POST /api/v1/users/{id}/contact-methods",
        "DAAAAAD",
        "admin",
        |_| {
            with(
                "/api/v1/users/me/contact-methods".into(),
                json!({"kind": "PIGEON", "address": "x", "label": "x"}),
            )
        },
    ),
    (
        "GET /api/v1/users/{id}/contact-methods/{contact_method_id}",
        "DAAAAAD",
        "admin",
        |_| get(format!("/api/v1/users/me/contact-methods/{}", random())),
    ),
    (
        "DELETE /api/v1/users/{id}/contact-methods/{contact_method_id}",
        "DAAAAAD",
        "admin",
        |_| get(format!("/api/v1/users/me/contact-methods/{}", random())),
    ),
    (
        "GET /api/v1/users/{id}/notification-rules",
        "DDDDAAD",
        "admin",
        |i| get(format!("/api/v1/users/{}/notification-rules", i.fx.target)),
    ),
    (
        "POST /api/v1/users/{id}/notification-rules",
        "DAAAAAD",
        "admin",
        |_| {
            with(
                "/api/v1/users/me/notification-rules".into(),
                json!({"contact_method_id": random(), "delay_minutes": -1}),
            )
        },
    ),
    (
        "GET /api/v1/users/{id}/notification-rules/{rule_id}",
        "DAAAAAD",
        "admin",
        |_| get(format!("/api/v1/users/me/notification-rules/{}", random())),
    ),
    (
        "DELETE /api/v1/users/{id}/notification-rules/{rule_id}",
        "DAAAAAD",
        "admin",
        |_| get(format!("/api/v1/users/me/notification-rules/{}", random())),
    ),
    // A user's sessions: ADMIN.
    ("GET /api/v1/users/{id}/sessions", "DDDDAAD", "admin", |i| {
        get(format!("/api/v1/users/{}/sessions", i.fx.target))
    }),
    (
        "DELETE /api/v1/users/{id}/sessions/{session_id}",
        "DDDDAAD",
        "admin",
        |i| {
            get(format!(
                "/api/v1/users/{}/sessions/{}",
                i.fx.target,
                random()
            ))
        },
    ),
    (
        "DELETE /api/v1/users/{id}/sessions",
        "DDDDAAD",
        "admin",
        |_| get(format!("/api/v1/users/{}/sessions", random())),
    ),
    // Teams.
    ("GET /api/v1/teams", "DAAAAAA", "incidents:read", |_| {
        get("/api/v1/teams".into())
    }),
    ("POST /api/v1/teams", "DDDDAAD", "admin", |_| {
        with("/api/v1/teams".into(), json!({"name": ""}))
    }),
    ("GET /api/v1/teams/{id}", "DAAAAAA", "incidents:read", |i| {
        get(format!("/api/v1/teams/{}", i.fx.team))
    }),
    ("PATCH /api/v1/teams/{id}", "DADDAAD", "admin", |i| {
        with(format!("/api/v1/teams/{}", i.fx.team), json!({"name": ""}))
    }),
    ("DELETE /api/v1/teams/{id}", "DDDDAAD", "admin", |_| {
        get(format!("/api/v1/teams/{}", random()))
    }),
    (
        "GET /api/v1/teams/{id}/members",
        "DAAAAAA",
        "incidents:read",
        |i| get(format!("/api/v1/teams/{}/members", i.fx.team)),
    ),
    (
        "GET /api/v1/teams/{id}/members/{user_id}",
        "DAAAAAA",
        "incidents:read",
        |i| {
            get(format!(
                "/api/v1/teams/{}/members/{}",
                i.fx.team, i.fx.target
            ))
        },
    ),
    (
        "PUT /api/v1/teams/{id}/members/{user_id}",
        "DADDAAD",
        "admin",
        |i| {
            with(
                format!("/api/v1/teams/{}/members/{}", i.fx.team, i.fx.target),
                json!({"role": "OVERLORD"}),
            )
        },
    ),
    (
        "DELETE /api/v1/teams/{id}/members/{user_id}",
        "DADDAAD",
        "admin",
        |i| get(format!("/api/v1/teams/{}/members/{}", i.fx.team, random())),
    ),
    // A team's keys: members read, OWNER/ADMIN members and ADMINs change.
    ("GET /api/v1/teams/{id}/api-keys", "DADDAAD", "admin", |i| {
        get(format!("/api/v1/teams/{}/api-keys", i.fx.team))
    }),
    (
        "POST /api/v1/teams/{id}/api-keys",
        "DADDAAD",
        "admin",
        |i| {
            with(
                format!("/api/v1/teams/{}/api-keys", i.fx.team),
                json!({"name": "", "scopes": ["incidents:read"]}),
            )
        },
    ),
    (
        "GET /api/v1/teams/{id}/api-keys/{key_id}",
        "DADDAAD",
        "admin",
        |i| get(format!("/api/v1/teams/{}/api-keys/{}", i.fx.team, random())),
    ),
    (
        "DELETE /api/v1/teams/{id}/api-keys/{key_id}",
        "DADDAAD",
        "admin",
        |i| get(format!("/api/v1/teams/{}/api-keys/{}", i.fx.team, random())),
    ),
    // API keys and the audit log. The caller's own keys, then (ADMIN) everyone's.
    ("GET /api/v1/api-keys", "DAAAAAD", "admin", |_| {
        get("/api/v1/api-keys".into())
    }),
    ("GET /api/v1/api-keys", "DDDDAAD", "admin", |_| {
        get("/api/v1/api-keys?owner=all".into())
    }),
    ("GET /api/v1/api-keys", "DDDDAAD", "admin", |i| {
        get(format!("/api/v1/api-keys?owner={}", i.fx.target))
    }),
    ("POST /api/v1/api-keys", "DAAAAAD", "admin", |_| {
        with(
            "/api/v1/api-keys".into(),
            json!({"name": "", "scopes": ["nope"]}),
        )
    }),
    ("GET /api/v1/api-keys/{id}", "DAAAAAD", "admin", |_| {
        get(format!("/api/v1/api-keys/{}", random()))
    }),
    ("DELETE /api/v1/api-keys/{id}", "DAAAAAD", "admin", |_| {
        get(format!("/api/v1/api-keys/{}", random()))
    }),
    ("GET /api/v1/audit-log", "DDDDAAD", "admin", |_| {
        get("/api/v1/audit-log".into())
    }),
];

/// The objects the rows need, made through REST as an ADMIN.
async fn objects(app: &TestApp, fx: Fixture, admin: &Cred) -> Ids {
    let made = |(s, b): (u16, Value)| {
        assert_eq!(s, 201, "{b}");
        b
    };
    let policy = made(
        send(
            app,
            "POST",
            "/api/v1/escalation-policies",
            Some(json!({"name": "Matrix",
        "steps": [{"delay_minutes": 5, "targets": [{"kind": "USER", "id": fx.target}]}]})),
            admin,
        )
        .await,
    );
    let schedule = made(send(app, "POST", "/api/v1/schedules", Some(json!({"name": "Matrix", "time_zone": "UTC",
        "layers": [{"name": "Daily", "participants": [fx.target], "rotation": {"unit": "DAYS", "every": 1},
        "start": "2026-03-08T00:00:00"}]})), admin).await);
    let sid = schedule["id"].as_str().unwrap().to_owned();
    let override_id = made(
        send(
            app,
            "POST",
            &format!("/api/v1/schedules/{sid}/overrides"),
            Some(json!({"kind": "ADD",
        "user": fx.target, "start": "2026-03-09T12:00:00Z", "end": "2026-03-09T18:00:00Z"})),
            admin,
        )
        .await,
    );
    let temporary = made(
        send(
            app,
            "POST",
            &format!("/api/v1/schedules/{sid}/temporary-schedules"),
            Some(json!({
        "start": "2026-03-10T00:00:00Z", "end": "2026-03-11T00:00:00Z", "shifts": []})),
            admin,
        )
        .await,
    );
    Ids {
        policy: policy["id"].as_str().unwrap().to_owned(),
        layer: schedule["layers"][0]["id"].as_str().unwrap().to_owned(),
        schedule: sid,
        override_id: override_id["id"].as_str().unwrap().to_owned(),
        temporary: temporary["id"].as_str().unwrap().to_owned(),
        fx,
    }
}

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    body: Option<Value>,
    cred: &Cred,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let (status, _, json) = app.send(method, path, cred, body, &[]).await;
    (status, json)
}

async fn documented(app: &TestApp) -> BTreeSet<String> {
    let spec: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect()
}

#[tokio::test]
async fn every_documented_operation_has_a_row() {
    let app = spawn_app().await;
    let documented = documented(&app).await;
    let listed: BTreeSet<String> = ROWS.iter().map(|r| r.0.to_owned()).collect();
    let missing: Vec<_> = documented.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "REST operations without an authz row: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&documented).collect();
    assert!(
        stale.is_empty(),
        "authz rows for undocumented operations: {stale:?}"
    );
}

#[tokio::test]
async fn every_rest_operation_allows_and_denies_as_the_matrix_says() {
    let app = spawn_app().await;
    let (p, fx) = setup(&app).await;
    let admin = app.session_for(p.admin.id).await;
    let ids = objects(&app, fx, &admin).await;
    let mut failures = Vec::new();
    for (op, expect, scope, request) in ROWS {
        let method = op.split(' ').next().unwrap();
        failures.extend(
            check_row(&app, &p, op, expect, scope, |cred| {
                let (path, body) = request(&ids);
                let app = &app;
                async move { send(app, method, &path, body, &cred).await }
            })
            .await,
        );
    }
    assert!(
        failures.is_empty(),
        "REST authz matrix violations:\n{}",
        failures.join("\n")
    );
}

/// A team row: ("METHOD /path as documented", expectations per
/// `common::authz::team::TEAM_WHO`, the concrete path and body for the objects made fresh for
/// the call).
type TeamRow = (
    &'static str,
    &'static str,
    fn(&Owned) -> (String, Option<Value>),
);

/// Every write the document lists on services, escalation policies and schedules, on what a
/// team owns (and one move to another team). Bodies are valid, so an allowed call succeeds.
const TEAM_ROWS: &[TeamRow] = &[
    ("POST /api/v1/services", "ADDA", |o| {
        with(
            "/api/v1/services".into(),
            json!({"name": format!("new-{}", o.tag), "team_id": o.team}),
        )
    }),
    ("PATCH /api/v1/services/{id}", "ADDA", |o| {
        with(
            format!("/api/v1/services/{}", o.service),
            json!({"description": "changed"}),
        )
    }),
    ("DELETE /api/v1/services/{id}", "ADDA", |o| {
        get(format!("/api/v1/services/{}", o.service))
    }),
    ("POST /api/v1/services/{id}/integrations", "ADDA", |o| {
        with(
            format!("/api/v1/services/{}/integrations", o.service),
            json!({"kind": "grafana", "name": "more"}),
        )
    }),
    (
        "PATCH /api/v1/services/{id}/integrations/{integration_id}",
        "ADDA",
        |o| {
            with(
                format!(
                    "/api/v1/services/{}/integrations/{}",
                    o.service, o.integration
                ),
                json!({"enabled": false}),
            )
        },
    ),
    (
        "DELETE /api/v1/services/{id}/integrations/{integration_id}",
        "ADDA",
        |o| {
            get(format!(
                "/api/v1/services/{}/integrations/{}",
                o.service, o.integration
            ))
        },
    ),
    (
        "POST /api/v1/services/{id}/integrations/{integration_id}/rotate",
        "ADDA",
        |o| {
            with(
                format!(
                    "/api/v1/services/{}/integrations/{}/rotate",
                    o.service, o.integration
                ),
                json!({}),
            )
        },
    ),
    ("POST /api/v1/escalation-policies", "ADDA", |o| {
        with(
            "/api/v1/escalation-policies".into(),
            json!({"name": format!("new-{}", o.tag), "team_id": o.team, "steps": steps(&o.admin)}),
        )
    }),
    ("PATCH /api/v1/escalation-policies/{id}", "ADDA", |o| {
        with(
            format!("/api/v1/escalation-policies/{}", o.policy),
            json!({"description": "changed"}),
        )
    }),
    ("PUT /api/v1/escalation-policies/{id}/steps", "ADDA", |o| {
        with(
            format!("/api/v1/escalation-policies/{}/steps", o.policy),
            json!({"steps": steps(&o.admin)}),
        )
    }),
    ("DELETE /api/v1/escalation-policies/{id}", "ADDA", |o| {
        get(format!("/api/v1/escalation-policies/{}", o.policy))
    }),
    ("POST /api/v1/schedules", "ADDA", |o| {
        with(
            "/api/v1/schedules".into(),
            json!({"name": format!("new-{}", o.tag), "time_zone": "UTC", "team_id": o.team}),
        )
    }),
    ("PATCH /api/v1/schedules/{id}", "ADDA", |o| {
        with(
            format!("/api/v1/schedules/{}", o.schedule),
            json!({"description": "changed"}),
        )
    }),
    ("DELETE /api/v1/schedules/{id}", "ADDA", |o| {
        get(format!("/api/v1/schedules/{}", o.schedule))
    }),
    ("POST /api/v1/schedules/{id}/layers", "ADDA", |o| {
        with(
            format!("/api/v1/schedules/{}/layers", o.schedule),
            layer_body("Second", &o.admin),
        )
    }),
    (
        "PUT /api/v1/schedules/{id}/layers/{layer_id}",
        "ADDA",
        |o| {
            with(
                format!("/api/v1/schedules/{}/layers/{}", o.schedule, o.layer),
                layer_body("Renamed", &o.admin),
            )
        },
    ),
    (
        "DELETE /api/v1/schedules/{id}/layers/{layer_id}",
        "ADDA",
        |o| {
            get(format!(
                "/api/v1/schedules/{}/layers/{}",
                o.schedule, o.layer
            ))
        },
    ),
    ("POST /api/v1/schedules/{id}/overrides", "ADDA", |o| {
        with(
            format!("/api/v1/schedules/{}/overrides", o.schedule),
            json!({"kind": "ADD", "user": o.admin, "start": "2026-03-12T00:00:00Z",
                "end": "2026-03-12T06:00:00Z"}),
        )
    }),
    (
        "DELETE /api/v1/schedules/{id}/overrides/{override_id}",
        "ADDA",
        |o| {
            get(format!(
                "/api/v1/schedules/{}/overrides/{}",
                o.schedule, o.override_id
            ))
        },
    ),
    (
        "POST /api/v1/schedules/{id}/temporary-schedules",
        "ADDA",
        |o| {
            with(
                format!("/api/v1/schedules/{}/temporary-schedules", o.schedule),
                json!({"start": "2026-03-13T00:00:00Z", "end": "2026-03-14T00:00:00Z", "shifts": []}),
            )
        },
    ),
    (
        "PUT /api/v1/schedules/{id}/temporary-schedules/{temporary_id}",
        "ADDA",
        |o| {
            with(
                format!(
                    "/api/v1/schedules/{}/temporary-schedules/{}",
                    o.schedule, o.temporary
                ),
                json!({"start": "2026-03-10T00:00:00Z", "end": "2026-03-10T12:00:00Z"}),
            )
        },
    ),
    (
        "DELETE /api/v1/schedules/{id}/temporary-schedules/{temporary_id}",
        "ADDA",
        |o| {
            get(format!(
                "/api/v1/schedules/{}/temporary-schedules/{}",
                o.schedule, o.temporary
            ))
        },
    ),
];

/// Moves and unowned objects through REST: (label, documented operation, expectations, request).
type TeamMove = (
    &'static str,
    &'static str,
    &'static str,
    fn(&Owned) -> (String, Option<Value>),
);

const TEAM_MOVES: &[TeamMove] = &[
    ("PATCH a service to another team", "PATCH", "DDDA", |o| {
        with(
            format!("/api/v1/services/{}", o.service),
            json!({"team_id": o.other}),
        )
    }),
    ("PATCH a policy to no team", "PATCH", "ADDA", |o| {
        with(
            format!("/api/v1/escalation-policies/{}", o.policy),
            json!({"team_id": null}),
        )
    }),
    (
        "PATCH an unowned schedule into the team",
        "PATCH",
        "ADDA",
        |o| {
            with(
                format!("/api/v1/schedules/{}", o.unowned_schedule),
                json!({"team_id": o.team}),
            )
        },
    ),
    ("PATCH an unowned policy", "PATCH", "AAAA", |o| {
        with(
            format!("/api/v1/escalation-policies/{}", o.unowned_policy),
            json!({"repeat_count": 2}),
        )
    }),
];

#[tokio::test]
async fn every_documented_write_on_what_a_team_owns_has_a_team_row() {
    let app = spawn_app().await;
    let listed: BTreeSet<&str> = TEAM_ROWS.iter().map(|r| r.0).collect();
    let missing: Vec<String> = documented(&app)
        .await
        .into_iter()
        .filter(|op| !op.starts_with("GET "))
        .filter(|op| {
            [
                "/api/v1/services",
                "/api/v1/escalation-policies",
                "/api/v1/schedules",
            ]
            .iter()
            .any(|prefix| op.split(' ').nth(1).is_some_and(|p| p.starts_with(prefix)))
        })
        .filter(|op| !listed.contains(op.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "REST writes without a team row: {missing:?}"
    );
}

#[tokio::test]
async fn rest_writes_on_what_a_team_owns_need_its_owner_or_admin_role() {
    let app = spawn_app().await;
    let p = team_setup(&app).await;
    let rows = TEAM_ROWS
        .iter()
        .map(|(op, expect, request)| (*op, op.split(' ').next().unwrap(), *expect, *request))
        .chain(TEAM_MOVES.iter().map(|(l, m, e, r)| (*l, *m, *e, *r)));
    let mut failures = Vec::new();
    for (label, method, expect, request) in rows {
        failures.extend(
            check_team_row(&app, &p, label, expect, |cred, objects| {
                let (path, body) = request(&objects);
                let app = &app;
                async move { send(app, method, &path, body, &cred).await }
            })
            .await,
        );
    }
    assert!(
        failures.is_empty(),
        "REST team rule violations:\n{}",
        failures.join("\n")
    );
}
