//! Escalation steps run in batches (issue 17): a batch gives every step the outcome its own
//! job would have had, a storm of due steps is run in a few transactions with every page
//! written once, and one step that fails does not hold back the others.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::escalation::Position;
use app::domain::{IncidentId, Role, Transition};
use app::lifecycle::step::StepOutcome;
use app::lifecycle::steps::{DueStep, Locking, run_steps};
use common::{SmtpSink, TestApp, spawn_app};
use serde_json::json;

fn due(incident: IncidentId, generation: i64, step: i32) -> DueStep {
    DueStep {
        incident,
        generation,
        at: Position { step, loop_no: 0 },
    }
}

async fn incident(app: &TestApp, cred: &common::Cred, service: &str, title: &str) -> IncidentId {
    app.create_incident(cred, service, title)
        .await
        .parse()
        .unwrap()
}

async fn count(app: &TestApp, sql: &str, incident: IncidentId) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(incident)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The details of the incident's one ESCALATED timeline entry.
async fn escalated(app: &TestApp, incident: IncidentId) -> serde_json::Value {
    sqlx::query_scalar(
        "SELECT details FROM incident_timeline WHERE incident_id = $1 AND kind = 'ESCALATED'",
    )
    .bind(incident)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_batch_gives_each_step_the_outcome_its_own_job_would_have() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let alice = app.add_user("alice@example.com", Role::Responder).await;
    let bob = app.add_user("bob@example.com", Role::Responder).await;
    let paged = app
        .service_with_policy(
            &admin,
            "Checkout",
            json!([{"delay_minutes": 5, "targets": [{"kind": "USER", "id": alice.id}]},
                   {"delay_minutes": 5, "targets": [{"kind": "USER", "id": bob.id}]}]),
        )
        .await;
    let (s, bare) = app
        .call(
            "/api/services/create",
            json!({"name": "No policy", "description": "", "team_id": null,
                "urgency_rule": "SEVERITY", "ack_timeout_secs": null}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{bare}");
    let first = incident(&app, &admin, &paged, "first").await;
    let second = incident(&app, &admin, &paged, "second").await;
    let acked = incident(&app, &admin, &paged, "acked").await;
    let ended = incident(&app, &admin, &paged, "past the last step").await;
    let orphan = incident(&app, &admin, bare["id"].as_str().unwrap(), "no policy").await;
    let now = app.clock_now();
    // Acknowledged: its generation moved on, so its step-1 job is stale.
    assert!(
        app::lifecycle::transition::by_person(
            &app.pool,
            acked,
            Transition::Acknowledge,
            alice.id,
            None,
            now
        )
        .await
        .unwrap()
    );
    sqlx::query("DELETE FROM jobs WHERE kind = 'ESCALATION'")
        .execute(&app.pool)
        .await
        .unwrap();

    let batch = [
        due(first, 0, 0),
        due(second, 0, 0),
        due(acked, 0, 0),
        due(ended, 0, 7),
        due(orphan, 0, 0),
        due(second, 3, 0),
    ];
    let mut tx = app.pool.begin().await.unwrap();
    let outcomes = run_steps(&mut tx, &batch, Locking::Wait, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let alice_paged = StepOutcome::Paged {
        users: vec![alice.id],
        unreachable: vec![],
    };
    assert_eq!(
        outcomes,
        [
            alice_paged.clone(),
            alice_paged,
            StepOutcome::Stale,
            StepOutcome::Nobody,
            StepOutcome::NoPolicy,
            StepOutcome::Stale,
        ]
    );

    let pages = "SELECT count(*) FROM notifications WHERE incident_id = $1";
    let entries =
        "SELECT count(*) FROM incident_timeline WHERE incident_id = $1 AND kind = 'ESCALATED'";
    let next = "SELECT count(*) FROM jobs WHERE incident_id = $1 AND kind = 'ESCALATION'
                AND payload->>'action' = 'step' AND payload->>'step' = '1' AND payload->>'generation' = '0'";
    for (id, want_pages, want_entries, want_next) in [
        (first, 1, 1, 1),
        (second, 1, 1, 1),
        (acked, 0, 0, 0),
        (ended, 0, 1, 0),
        (orphan, 0, 1, 0),
    ] {
        assert_eq!(count(&app, pages, id).await, want_pages, "pages of {id}");
        assert_eq!(
            count(&app, entries, id).await,
            want_entries,
            "entries of {id}"
        );
        assert_eq!(count(&app, next, id).await, want_next, "next steps of {id}");
    }
    let details = escalated(&app, first).await;
    assert_eq!(details["paged"], json!(["alice"]), "{details}");
    assert_eq!(details["held_by"], json!(["alice"]), "{details}");
    let ended_details = escalated(&app, ended).await;
    assert!(
        ended_details["message"]
            .as_str()
            .unwrap()
            .contains("no such step"),
        "{ended_details}"
    );
    let holders: Vec<app::domain::UserId> =
        sqlx::query_scalar("SELECT paged_user_ids FROM incidents WHERE id = $1")
            .bind(second)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(holders, [alice.id]);

    // Run again (a retried batch): the outbox's unique key writes no second page.
    let mut tx = app.pool.begin().await.unwrap();
    run_steps(&mut tx, &batch[..2], Locking::Wait, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count(&app, pages, first).await, 1);
    assert_eq!(count(&app, pages, second).await, 1);
}

/// Opens `n` incidents on a service whose policy emails alice, with no engine running.
async fn due_steps(app: &TestApp, n: usize) -> Vec<IncidentId> {
    let admin = app.admin_session().await;
    let alice = app.add_user("alice@example.com", Role::Responder).await;
    let service = app
        .service_with_policy(
            &admin,
            "Storm",
            json!([{"delay_minutes": 60, "targets": [{"kind": "USER", "id": alice.id}]}]),
        )
        .await;
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        ids.push(incident(app, &admin, &service, &format!("storm {i}")).await);
    }
    ids
}

#[tokio::test]
async fn a_storm_of_due_steps_runs_in_a_few_transactions_and_pages_everyone_once() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let ids = due_steps(&app, 150).await;
    let engine = app.start_engine(Some(sink.mailer()));
    app.settle().await;
    sink.wait_for(150).await;
    let per_incident: Vec<i64> = sqlx::query_scalar(
        "SELECT count(n.id) FROM unnest($1::uuid[]) AS i(id)
         LEFT JOIN notifications n ON n.incident_id = i.id AND n.status = 'SENT' GROUP BY i.id",
    )
    .bind(&ids)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(per_incident, vec![1; 150]);
    assert_eq!(sink.messages().len(), 150);
    // Jobs completed in one transaction share its id (xmin): a few batches, not 150 commits.
    let transactions: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT xmin::text) FROM jobs WHERE kind = 'ESCALATION' AND status = 'COMPLETED'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(
        transactions <= 10,
        "{transactions} transactions for 150 steps"
    );
    engine.stop().await;
}

#[tokio::test]
async fn a_step_that_fails_does_not_hold_back_the_rest_of_its_batch() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let ids = due_steps(&app, 6).await;
    let poisoned = ids[3];
    // Writing this incident's escalation entry fails, as a bad row or a bug would.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF NEW.incident_id = '{poisoned}' AND NEW.kind = 'ESCALATED' THEN
             RAISE EXCEPTION 'poisoned step';
           END IF;
           RETURN NEW;
         END $$;
         CREATE TRIGGER poison BEFORE INSERT ON incident_timeline
         FOR EACH ROW EXECUTE FUNCTION poison();"
    )))
    .execute(&app.pool)
    .await
    .unwrap();
    let engine = app.start_engine(Some(sink.mailer()));
    sink.wait_for(5).await;
    // The poisoned job failed on its own (and waits to retry); the others paged once each.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let failed: Option<String> = sqlx::query_scalar(
            "SELECT last_error FROM jobs WHERE incident_id = $1 AND kind = 'ESCALATION' AND status = 'FAILED'",
        )
        .bind(poisoned)
        .fetch_optional(&app.pool)
        .await
        .unwrap()
        .flatten();
        if failed.is_some() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the poisoned job never failed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    for id in &ids {
        let pages = count(
            &app,
            "SELECT count(*) FROM notifications WHERE incident_id = $1",
            *id,
        )
        .await;
        assert_eq!(pages, i64::from(*id != poisoned), "pages of {id}");
    }
    engine.abort();
    assert_eq!(sink.messages().len(), 5);
}

#[tokio::test]
async fn a_batch_skips_an_incident_another_transaction_holds_and_pages_the_rest() {
    let app = spawn_app().await;
    let ids = due_steps(&app, 3).await;
    sqlx::query("DELETE FROM jobs WHERE kind = 'ESCALATION'")
        .execute(&app.pool)
        .await
        .unwrap();
    // Another change (an ingest batch appending alerts, say) holds the second incident.
    let mut other = app.pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE")
        .bind(ids[1])
        .execute(&mut *other)
        .await
        .unwrap();
    let batch: Vec<DueStep> = ids.iter().map(|id| due(*id, 0, 0)).collect();
    let mut tx = app.pool.begin().await.unwrap();
    let outcomes = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        run_steps(&mut tx, &batch, Locking::SkipLocked, app.clock_now()),
    )
    .await
    .expect("the batch waited for the held row")
    .unwrap();
    tx.commit().await.unwrap();
    other.rollback().await.unwrap();
    assert!(
        matches!(outcomes[0], StepOutcome::Paged { .. }),
        "{outcomes:?}"
    );
    assert_eq!(outcomes[1], StepOutcome::Busy);
    assert!(
        matches!(outcomes[2], StepOutcome::Paged { .. }),
        "{outcomes:?}"
    );
    for (id, want) in [(ids[0], 1), (ids[1], 0), (ids[2], 1)] {
        let pages = count(
            &app,
            "SELECT count(*) FROM notifications WHERE incident_id = $1",
            id,
        )
        .await;
        assert_eq!(pages, want, "pages of {id}");
    }
}

#[tokio::test]
async fn the_engine_runs_a_busy_step_on_its_own_once_its_incident_is_free() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let ids = due_steps(&app, 3).await;
    let mut other = app.pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE")
        .bind(ids[1])
        .execute(&mut *other)
        .await
        .unwrap();
    let engine = app.start_engine(Some(sink.mailer()));
    // The batch pages the two free incidents without waiting for the held one.
    sink.wait_for(2).await;
    let pages = "SELECT count(*) FROM notifications WHERE incident_id = $1";
    assert_eq!(count(&app, pages, ids[1]).await, 0);
    other.rollback().await.unwrap();
    app.settle().await;
    sink.wait_for(3).await;
    for id in &ids {
        assert_eq!(count(&app, pages, *id).await, 1, "pages of {id}");
    }
    engine.stop().await;
}
