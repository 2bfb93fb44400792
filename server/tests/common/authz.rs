//! The authorization matrix's shared parts: the callers (anonymous, USERs in and outside the
//! team, a RESPONDER, an ADMIN, API keys with and without the scope, and keys owned by
//! non-admins), the fixture they act on, and the check of one row: each cell allowed or
//! denied as expected, and a denied call changing no row of any table. The team rule's rows
//! (a team's OWNER, MEMBER, an outsider and a workspace ADMIN on what the team owns) are in
//! `team`.

use std::future::Future;

pub mod team;

use app::domain::Role;
use serde_json::Value;
use uuid::Uuid;

use super::{Cred, TestApp};

/// Column order of the expectation strings: A = allowed, D = denied.
pub const WHO: [&str; 7] = [
    "anonymous",
    "USER in team",
    "USER outside team",
    "RESPONDER",
    "ADMIN",
    "key with scope",
    "key without scope",
];

/// Ids the request bodies refer to.
pub struct Fixture {
    pub team: String,
    pub target: String,
    /// A service owned by the team.
    pub service: String,
    /// An incident on that service.
    pub incident: String,
}

pub fn random() -> String {
    Uuid::new_v4().to_string()
}

/// A scope that does not grant `scope` (what a key "without the needed scope" holds).
pub fn other_scope(scope: &str) -> &'static str {
    if scope == "events:write" {
        "incidents:read"
    } else {
        "events:write"
    }
}

/// Everything a denied call must leave untouched: a digest of every row of every table.
/// Left out: the "last seen" stamps that authenticating a request refreshes, and the
/// `permission.denied` audit entries a refusal by the team rule records (checked by `team`).
pub async fn snapshot(app: &TestApp) -> Vec<(String, Option<String>)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'
           AND tablename <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(tables.len() > 30, "{tables:?}");
    let digests = tables
        .iter()
        .map(|t| {
            let only = if t == "audit_log" {
                "WHERE x.action <> 'permission.denied'"
            } else {
                ""
            };
            format!(
                "SELECT '{t}'::text, md5(string_agg(r, ',' ORDER BY r)) FROM (
                   SELECT (to_jsonb(x) - 'last_seen_at' - 'last_used_at')::text AS r FROM \"{t}\" x {only}) d"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{digests} ORDER BY 1")))
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

pub struct Principals {
    pub user_in: app::users::UserSummary,
    pub user_out: app::users::UserSummary,
    pub responder: app::users::UserSummary,
    pub admin: app::users::UserSummary,
}

pub async fn setup(app: &TestApp) -> (Principals, Fixture) {
    let p = Principals {
        user_in: app.add_user("in@example.com", Role::User).await,
        user_out: app.add_user("out@example.com", Role::User).await,
        responder: app.add_user("resp@example.com", Role::Responder).await,
        admin: app.add_user("admin@example.com", Role::Admin).await,
    };
    let target = app.add_user("target@example.com", Role::Responder).await;
    let mut tx = app.pool.begin().await.unwrap();
    let team = app::teams::store::create(&mut *tx, "Payments", "", app.clock_now())
        .await
        .unwrap();
    app::teams::store::set_member(
        &mut tx,
        team,
        p.user_in.id,
        app::teams::TeamRole::Owner,
        false,
        app.clock_now(),
    )
    .await
    .unwrap();
    let service = app::services::store::create(
        &mut *tx,
        &app::services::store::ServiceFields {
            name: "Checkout".into(),
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
    let incident = app::incidents::store::create_manual(
        &app.pool,
        service,
        "Checkout errors",
        "",
        app::domain::Urgency::High,
        p.admin.id,
        app.clock_now(),
    )
    .await
    .unwrap();
    (
        p,
        Fixture {
            team: team.to_string(),
            target: target.id.to_string(),
            service: service.to_string(),
            incident: incident.to_string(),
        },
    )
}

/// Fresh credentials per cell, so a call that ends sessions cannot spoil the next cell.
pub async fn creds(app: &TestApp, p: &Principals, scope: &str) -> Vec<Cred> {
    vec![
        Cred::Anonymous,
        app.session_for(p.user_in.id).await,
        app.session_for(p.user_out.id).await,
        app.session_for(p.responder.id).await,
        app.session_for(p.admin.id).await,
        app.key_for(&p.admin, &[scope]).await,
        app.key_for(&p.admin, &[other_scope(scope)]).await,
    ]
}

/// Checks one row: `expect` (one A or D per `WHO`, then keys of non-admins derived from it)
/// with `send` making the call as each caller. Returns what went wrong, labelled `label`.
pub async fn check_row<F, Fut>(
    app: &TestApp,
    p: &Principals,
    label: &str,
    expect: &str,
    scope: &str,
    send: F,
) -> Vec<String>
where
    F: Fn(Cred) -> Fut,
    Fut: Future<Output = (u16, Value)>,
{
    let mut failures = Vec::new();
    assert_eq!(expect.len(), WHO.len(), "{label}");
    let creds = creds(app, p, scope).await;
    let mut cells: Vec<(Cred, char, &str)> = creds
        .into_iter()
        .zip(expect.chars())
        .zip(WHO)
        .map(|((c, w), who)| (c, w, who))
        .collect();
    // Keys owned by non-admins: allowed exactly when the owner's session is and the
    // admin's key with the same scope is. (Only admins can hold the admin scope.)
    let key_allows = expect.as_bytes()[5] == b'A';
    if scope != "admin" {
        for (holder, column, who) in [
            (&p.responder, 3, "RESPONDER's key with scope"),
            (&p.user_in, 1, "USER in team's key with scope"),
        ] {
            let want = if key_allows && expect.as_bytes()[column] == b'A' {
                'A'
            } else {
                'D'
            };
            cells.push((app.key_for(holder, &[scope]).await, want, who));
        }
    }
    for (cred, want, who) in cells {
        let before = snapshot(app).await;
        let (status, json) = send(cred).await;
        let denied = status == 401 || status == 403;
        match want {
            'A' if denied => failures.push(format!(
                "{label} as {who}: want allowed, got {status} {json}"
            )),
            'D' if !denied => failures.push(format!(
                "{label} as {who}: want denied, got {status} {json}"
            )),
            'D' => {
                let kind = json["error"].as_str().unwrap_or("");
                if !matches!(kind, "unauthenticated" | "forbidden") {
                    failures.push(format!(
                        "{label} as {who}: denial without a JSON error: {json}"
                    ));
                }
                let after = snapshot(app).await;
                let changed: Vec<&str> = before
                    .iter()
                    .zip(&after)
                    .filter(|(b, a)| b != a)
                    .map(|(b, _)| b.0.as_str())
                    .collect();
                if !changed.is_empty() {
                    failures.push(format!("{label} as {who}: denied, yet {changed:?} changed"));
                }
            }
            _ => {}
        }
        if status >= 500 {
            failures.push(format!("{label} as {who}: server error {status} {json}"));
        }
    }
    failures
}
