//! One list per enum: every Rust list of stored values equals the database CHECK constraint
//! that guards its column, and every CHECK constraint that lists values is covered here, so a
//! value added on one side only fails this test. (Unknown values read back are errors naming
//! the column: see `AppError::column`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::collections::BTreeSet;

use common::spawn_app;

/// The quoted literals in a constraint's definition: `'EMAIL'::text` → `EMAIL`.
fn literals(def: &str) -> BTreeSet<String> {
    def.split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn set<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> BTreeSet<String> {
    all.iter().map(|v| name(*v).to_owned()).collect()
}

#[tokio::test]
async fn every_enum_list_equals_its_check_constraint_and_every_list_constraint_is_covered() {
    use app::channels::{ChannelEvent, ChannelKind, ChatProvider, DeliveryStatus};
    use app::domain::escalation::TargetKind;
    use app::domain::schedule::{OverrideKind, RotationUnit};
    use app::domain::{ContactKind, Role, Status, Urgency};
    use app::heartbeats::HeartbeatState;
    use app::postmortems::{ActionKind, ActionStatus, PmStatus};
    use app::statuspage::{ComponentStatus, Impact, IncidentStatus, SubscriberState};
    let app = spawn_app().await;
    let contact = set(&ContactKind::ALL, ContactKind::as_str);
    let lists: Vec<(&str, BTreeSet<String>)> = vec![
        ("users_role_check", set(&Role::ALL, Role::as_str)),
        (
            "users_status_check",
            set(&app::users::UserStatus::ALL, app::users::UserStatus::as_str),
        ),
        (
            "jobs_kind_check",
            set(&app::jobs::JobKind::ALL, app::jobs::JobKind::as_str),
        ),
        (
            "jobs_status_check",
            set(&app::jobs::JobStatus::ALL, app::jobs::JobStatus::as_str),
        ),
        (
            "team_members_role_check",
            set(&app::teams::TeamRole::ALL, app::teams::TeamRole::as_str),
        ),
        ("contact_methods_kind_check", contact.clone()),
        ("notifications_channel_check", contact.clone()),
        ("escalation_steps_channels_check", contact),
        (
            "user_tokens_purpose_check",
            set(
                &app::users::tokens::Purpose::ALL,
                app::users::tokens::Purpose::as_str,
            ),
        ),
        (
            "services_urgency_rule_check",
            set(
                &app::services::UrgencyRule::ALL,
                app::services::UrgencyRule::as_str,
            ),
        ),
        (
            "integrations_kind_check",
            set(
                &app::services::IntegrationKind::ALL,
                app::services::IntegrationKind::as_str,
            ),
        ),
        ("incidents_status_check", set(&Status::ALL, Status::as_str)),
        (
            "incidents_urgency_check",
            set(&Urgency::ALL, Urgency::as_str),
        ),
        (
            "incidents_priority_check",
            app::incidents::PRIORITIES
                .iter()
                .map(|p| (*p).to_owned())
                .collect(),
        ),
        (
            "sla_targets_urgency_check",
            set(&Urgency::ALL, Urgency::as_str),
        ),
        (
            "sla_targets_priority_check",
            app::incidents::PRIORITIES
                .iter()
                .map(|p| (*p).to_owned())
                .collect(),
        ),
        (
            "analytics_daily_urgency_check",
            set(&Urgency::ALL, Urgency::as_str),
        ),
        (
            // The rollup stores "no priority" as ''.
            "analytics_daily_priority_check",
            std::iter::once(String::new())
                .chain(app::incidents::PRIORITIES.iter().map(|p| (*p).to_owned()))
                .collect(),
        ),
        (
            "analytics_daily_noise_by_what_check",
            app::analytics::NOISE_BY
                .iter()
                .map(|p| (*p).to_owned())
                .collect(),
        ),
        (
            "incident_timeline_kind_check",
            app::incidents::describe::KINDS
                .iter()
                .map(|k| (*k).to_owned())
                .collect(),
        ),
        (
            "escalation_targets_target_kind_check",
            set(&TargetKind::ALL, TargetKind::as_str),
        ),
        (
            "notifications_status_check",
            set(
                &app::notifications::DeliveryStatus::ALL,
                app::notifications::DeliveryStatus::as_str,
            ),
        ),
        (
            "schedule_layers_rotation_unit_check",
            set(&RotationUnit::ALL, RotationUnit::as_str),
        ),
        (
            "schedule_overrides_kind_check",
            set(&OverrideKind::ALL, OverrideKind::as_str),
        ),
        (
            "service_channels_kind_check",
            set(&ChannelKind::ALL, ChannelKind::as_str),
        ),
        (
            "service_channels_events_check",
            set(&ChannelEvent::ALL, ChannelEvent::as_str),
        ),
        ("channel_deliveries_event_check", {
            let mut events = set(&ChannelEvent::ALL, ChannelEvent::as_str);
            events.insert("test".to_owned());
            events
        }),
        (
            "channel_deliveries_status_check",
            set(&DeliveryStatus::ALL, DeliveryStatus::as_str),
        ),
        (
            "chat_links_provider_check",
            set(&ChatProvider::ALL, ChatProvider::as_str),
        ),
        (
            "chat_link_codes_provider_check",
            set(&ChatProvider::ALL, ChatProvider::as_str),
        ),
        (
            "heartbeat_monitors_state_check",
            set(&HeartbeatState::ALL, HeartbeatState::as_str),
        ),
        (
            "postmortems_status_check",
            set(&PmStatus::ALL, PmStatus::as_str),
        ),
        (
            "postmortem_actions_kind_check",
            set(&ActionKind::ALL, ActionKind::as_str),
        ),
        (
            "postmortem_actions_status_check",
            set(&ActionStatus::ALL, ActionStatus::as_str),
        ),
        (
            "status_components_override_status_check",
            set(ComponentStatus::ALL, ComponentStatus::as_str),
        ),
        (
            "status_components_notified_status_check",
            set(ComponentStatus::ALL, ComponentStatus::as_str),
        ),
        (
            "status_incidents_status_check",
            set(IncidentStatus::ALL, IncidentStatus::as_str),
        ),
        (
            "status_incident_updates_status_check",
            set(IncidentStatus::ALL, IncidentStatus::as_str),
        ),
        (
            "status_incidents_impact_check",
            set(Impact::ALL, Impact::as_str),
        ),
        (
            "status_subscribers_state_check",
            set(SubscriberState::ALL, SubscriberState::as_str),
        ),
    ];
    let mut failures = Vec::new();
    for (name, want) in &lists {
        let def: Option<String> = sqlx::query_scalar(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1",
        )
        .bind(name)
        .fetch_optional(&app.pool)
        .await
        .unwrap();
        match def {
            None => failures.push(format!("{name}: no such constraint")),
            Some(def) if literals(&def) != *want => {
                failures.push(format!("{name}: database {def}, Rust {want:?}"))
            }
            Some(_) => {}
        }
    }
    // Shape checks pair a kind with the columns it needs: the kinds they name are known ones.
    let shapes = [
        (
            "escalation_targets_shape_check",
            set(&TargetKind::ALL, TargetKind::as_str),
        ),
        (
            "schedule_overrides_shape_check",
            set(&OverrideKind::ALL, OverrideKind::as_str),
        ),
        (
            "heartbeat_monitors_deadline_check",
            set(&HeartbeatState::ALL, HeartbeatState::as_str),
        ),
    ];
    for (name, known) in &shapes {
        let def: String = sqlx::query_scalar(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1",
        )
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        let named = literals(&def);
        if named.is_empty() || !named.is_subset(known) {
            failures.push(format!("{name}: names {named:?}, Rust knows {known:?}"));
        }
    }
    // Every constraint that lists allowed values (`= ANY (ARRAY[…])` or `<@ ARRAY[…]`).
    let listing: Vec<String> = sqlx::query_scalar(
        "SELECT conname::text FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
         WHERE n.nspname = 'public' AND contype = 'c'
           AND pg_get_constraintdef(c.oid) ~ '(ANY|<@) \\(?ARRAY\\['
         ORDER BY 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let covered: BTreeSet<&str> = lists.iter().chain(&shapes).map(|(n, _)| *n).collect();
    for name in &listing {
        if !covered.contains(name.as_str()) {
            failures.push(format!(
                "{name}: a value list with no Rust list compared here"
            ));
        }
    }
    assert!(listing.len() >= lists.len(), "{listing:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Drops a CHECK constraint and writes a value no Rust list knows (an older or newer build's).
async fn corrupt(app: &common::TestApp, table: &str, constraint: &str, set: &str) {
    for q in [
        format!("ALTER TABLE {table} DROP CONSTRAINT {constraint}"),
        format!("UPDATE {table} SET {set}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(q))
            .execute(&app.pool)
            .await
            .unwrap();
    }
}

fn names(err: app::error::AppError, column: &str) {
    assert!(format!("{err:?}").contains(column), "{column}: {err:?}");
}

#[tokio::test]
async fn unknown_values_read_back_are_errors_naming_the_column_never_a_default() {
    use app::domain::{ServiceId, TeamId};
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (service, key) = app.service_with_key(&admin, "Checkout").await;
    let (s, heartbeat) = app
        .call(
            "/api/heartbeats/create",
            serde_json::json!({"service_id": service, "name": "backup", "period_secs": 60,
                "grace_secs": 60}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{heartbeat}");
    let service: ServiceId = service.parse().unwrap();
    let bob = app
        .add_user("bob@example.com", app::domain::Role::Responder)
        .await;
    let mut tx = app.pool.begin().await.unwrap();
    let team: TeamId = app::teams::store::create(&mut *tx, "Payments", "", app.clock_now())
        .await
        .unwrap();
    app::teams::store::set_member(
        &mut tx,
        team,
        bob.id,
        app::teams::TeamRole::Member,
        false,
        app.clock_now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let incident: app::domain::IncidentId = app
        .create_incident(&admin, &service.to_string(), "Disk full")
        .await
        .parse()
        .unwrap();

    corrupt(
        &app,
        "team_members",
        "team_members_role_check",
        "role = 'BOSS'",
    )
    .await;
    names(
        app::teams::store::members(&app.pool, team)
            .await
            .unwrap_err(),
        "team_members.role",
    );
    corrupt(
        &app,
        "incidents",
        "incidents_status_check",
        "status = 'LIMBO'",
    )
    .await;
    names(
        app::notifications::store::ack_link_info(&app.pool, incident, bob.id)
            .await
            .unwrap_err(),
        "incidents.status",
    );
    // A person's transition on it is refused naming the column (it was a 404 before).
    names(
        app::lifecycle::transition::by_person(
            &app.pool,
            incident,
            app::domain::Transition::Acknowledge,
            bob.id,
            None,
            app.clock_now(),
        )
        .await
        .unwrap_err(),
        "incidents.status",
    );
    corrupt(
        &app,
        "services",
        "services_urgency_rule_check",
        "urgency_rule = 'SOMETIMES'",
    )
    .await;
    names(
        app::services::store::list(&app.pool).await.unwrap_err(),
        "services.urgency_rule",
    );
    // An event for that service is refused with a 503 the sender retries, not guessed at,
    // and the answer carries no internals.
    let res = app
        .http
        .post(app.url("/v2/enqueue"))
        .json(
            &serde_json::json!({"routing_key": key, "event_action": "trigger", "dedup_key": "x",
            "payload": {"summary": "x", "source": "x", "severity": "critical"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(
        res.headers()["retry-after"],
        "5",
        "a 503 says when to retry"
    );
    let body = res.text().await.unwrap();
    assert!(
        !body.contains("SOMETIMES") && !body.contains("urgency_rule"),
        "{body}"
    );
    corrupt(
        &app,
        "integrations",
        "integrations_kind_check",
        "kind = 'carrier'",
    )
    .await;
    names(
        app::services::store::integrations(&app.pool, service)
            .await
            .unwrap_err(),
        "integrations.kind",
    );
    // The deadline's shape check names the states too.
    sqlx::query("ALTER TABLE heartbeat_monitors DROP CONSTRAINT heartbeat_monitors_deadline_check")
        .execute(&app.pool)
        .await
        .unwrap();
    corrupt(
        &app,
        "heartbeat_monitors",
        "heartbeat_monitors_state_check",
        "state = 'ASLEEP'",
    )
    .await;
    names(
        app::heartbeats::store::list(&app.pool).await.unwrap_err(),
        "heartbeat_monitors.state",
    );
}

/// On-call health's SQL list of interrupting kinds is `ContactKind::interrupts`, and every
/// kind it names is one the outbox's channel CHECK allows.
#[test]
fn the_interrupting_kinds_in_sql_are_the_rust_list() {
    use app::domain::ContactKind;
    let rust: BTreeSet<&str> = ContactKind::ALL
        .into_iter()
        .filter(|k| k.interrupts())
        .map(ContactKind::as_str)
        .collect();
    let sql: BTreeSet<&str> = app::health::store::INTERRUPTING.into_iter().collect();
    assert_eq!(rust, sql);
    assert!(!rust.contains("EMAIL"));
}
