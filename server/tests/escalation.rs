//! The escalation engine end to end: a real Postgres, the manual clock, and a real SMTP
//! server process. Every step asserts exactly who was emailed since the last step, so an
//! unexpected or duplicate page fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::sync::Arc;

use app::domain::Role;
use chrono::Duration;
use common::{Cred, SmtpSink, TestApp, spawn_app};
use opsknight_server::engine::EngineHandle;
use serde_json::{Value, json};

struct Paging {
    app: TestApp,
    sink: SmtpSink,
    admin: Cred,
    service: String,
    key: String,
    /// alice, bob (team member), carol (team lead), dave.
    ids: std::collections::HashMap<&'static str, String>,
    team: String,
}

async fn setup() -> Paging {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let admin = app.admin_session().await;
    let mut ids = std::collections::HashMap::new();
    for name in ["alice", "bob", "carol", "dave"] {
        let u = app
            .add_user(&format!("{name}@example.com"), Role::Responder)
            .await;
        ids.insert(name, u.id.to_string());
    }
    let (s, team) = app
        .call(
            "/api/teams/create",
            json!({"name": "Ops", "description": ""}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{team}");
    let team = team["id"].as_str().unwrap().to_owned();
    for (who, lead) in [("bob", false), ("carol", true)] {
        let (s, b) = app
            .call(
                "/api/teams/set-member",
                json!({"team_id": team, "user_id": ids[who], "role": "MEMBER", "is_lead": lead}),
                &admin,
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
    let (s, svc) = app
        .call(
            "/api/services/create",
            json!({"name": "Payments", "description": "", "team_id": null,
            "urgency_rule": "SEVERITY", "ack_timeout_secs": null}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{svc}");
    let (s, i) = app
        .call(
            "/api/integrations/create",
            json!({"service_id": svc["id"], "kind": "events_v2",
            "name": "main", "rate_limit_per_min": 100000}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{i}");
    Paging {
        service: svc["id"].as_str().unwrap().to_owned(),
        key: i["routing_key"].as_str().unwrap().to_owned(),
        app,
        sink,
        admin,
        ids,
        team,
    }
}

impl Paging {
    /// Creates a policy and gives it to the service, optionally with an ack timeout.
    async fn policy(&self, repeat: i32, steps: Value, ack_timeout_secs: Option<i32>) -> String {
        let (s, p) = self
            .app
            .call(
                "/api/policies/create",
                json!({"name": "Primary", "description": "", "repeat_count": repeat, "steps": steps}),
                &self.admin,
            )
            .await;
        assert_eq!(s, 200, "{p}");
        let (s, b) = self
            .app
            .call(
                "/api/services/update",
                json!({"id": self.service, "name": "Payments",
                "description": "", "team_id": null, "urgency_rule": "SEVERITY",
                "ack_timeout_secs": ack_timeout_secs, "escalation_policy_id": p["id"]}),
                &self.admin,
            )
            .await;
        assert_eq!(s, 200, "{b}");
        p["id"].as_str().unwrap().to_owned()
    }

    fn three_steps(&self) -> Value {
        json!([
            {"delay_minutes": 5, "targets": [{"kind": "USER", "id": self.ids["alice"]}]},
            {"delay_minutes": 10, "targets": [{"kind": "TEAM_LEAD", "id": self.team}]},
            {"delay_minutes": 15, "targets": [{"kind": "TEAM", "id": self.team},
                                               {"kind": "USER", "id": self.ids["dave"]}]},
        ])
    }

    fn engine(&self) -> EngineHandle {
        self.app.start_engine(Some(self.sink.mailer()))
    }

    async fn trigger(&self, dedup: &str) -> String {
        let res = self
            .app
            .http
            .post(self.app.url("/v2/enqueue"))
            .json(&json!({"routing_key": self.key, "event_action": "trigger", "dedup_key": dedup,
                "payload": {"summary": format!("Disk full on {dedup}"), "source": "db-1", "severity": "critical"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
        sqlx::query_scalar::<_, uuid::Uuid>("SELECT id FROM incidents WHERE dedup_key = $1")
            .bind(dedup)
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
            .to_string()
    }

    /// Recipients (local parts) of the mail that arrived since the last call, sorted.
    fn new_mail(&self) -> Vec<String> {
        self.sink
            .take_new()
            .into_iter()
            .map(|(to, _)| to.split('@').next().unwrap().to_owned())
            .collect()
    }

    async fn status(&self, incident: &str) -> String {
        sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1::uuid")
            .bind(incident)
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_three_step_policy_with_one_repeat_pages_exactly_who_it_should_then_stops() {
    let p = setup().await;
    p.policy(1, p.three_steps(), None).await;
    let _engine = p.engine();
    let incident = p.trigger("db-1").await;
    p.app.settle().await;
    // Step 1 at once.
    let first = p.sink.take_new();
    assert_eq!(first.len(), 1, "{first:?}");
    let (to, text) = &first[0];
    assert_eq!(to, "alice@example.com");
    assert!(text.contains("Subject: [HIGH] #"), "{text}");
    assert!(text.contains("Disk full on db-1"));
    assert!(text.contains("Service: Payments"));
    assert!(text.contains(&format!("/incidents/{incident}")));
    assert!(text.contains("/ack?token="));
    assert!(text.contains("Content-Type: text/html"));
    // Nothing happens before the delay is up.
    p.app.advance(Duration::minutes(4)).await;
    assert_eq!(p.new_mail(), Vec::<String>::new());
    // Step 2 (team lead) after 5 minutes, step 3 (team + dave) 10 minutes later.
    p.app.advance(Duration::minutes(1)).await;
    assert_eq!(p.new_mail(), ["carol"]);
    p.app.advance(Duration::minutes(10)).await;
    assert_eq!(p.new_mail(), ["bob", "carol", "dave"]);
    // The repeat: the same three steps once more.
    p.app.advance(Duration::minutes(15)).await;
    assert_eq!(p.new_mail(), ["alice"]);
    p.app.advance(Duration::minutes(5)).await;
    assert_eq!(p.new_mail(), ["carol"]);
    p.app.advance(Duration::minutes(10)).await;
    assert_eq!(p.new_mail(), ["bob", "carol", "dave"]);
    // Then it stops, however long nobody answers.
    for _ in 0..4 {
        p.app.advance(Duration::minutes(30)).await;
    }
    assert_eq!(p.new_mail(), Vec::<String>::new());
    assert_eq!(p.status(&incident).await, "OPEN");
    let sent: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE status = 'SENT'")
        .fetch_one(&p.app.pool)
        .await
        .unwrap();
    assert_eq!(sent, 10);
    // The timeline records each step.
    let steps: Vec<Value> = sqlx::query_scalar(
        "SELECT details FROM incident_timeline WHERE kind = 'ESCALATED' ORDER BY id",
    )
    .fetch_all(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(steps.len(), 6);
    assert_eq!(steps[2]["paged"], json!(["bob", "carol", "dave"]));
    assert_eq!(steps[5]["pass"], 2);
}

#[tokio::test]
async fn acknowledging_through_the_email_link_stops_escalation() {
    let p = setup().await;
    p.policy(1, p.three_steps(), None).await;
    let _engine = p.engine();
    let incident = p.trigger("db-2").await;
    p.app.settle().await;
    let mail = p.sink.take_new();
    assert_eq!(mail.len(), 1);
    p.app.advance(Duration::minutes(5)).await;
    assert_eq!(p.new_mail(), ["carol"]);
    // The link in alice's email: GET shows a confirm page and changes nothing.
    let link = common::link_in(&mail[0].1, "ack");
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let page = p.app.http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(p.status(&incident).await, "OPEN");
    let (s, info) = p
        .app
        .call(
            "/api/ack-link/info",
            json!({"token": token}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!(s, 200, "{info}");
    assert_eq!(info["user_name"], "alice");
    // A tampered token is refused and names the field.
    let mut bad = token.clone();
    bad.replace_range(0..1, if bad.starts_with('A') { "B" } else { "A" });
    let (s, e) = p
        .app
        .call(
            "/api/ack-link/confirm",
            json!({"token": bad}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("token")), "{e}");
    // The POST acknowledges, as alice.
    let (s, done) = p
        .app
        .call(
            "/api/ack-link/confirm",
            json!({"token": token}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!((s, done), (200, json!(true)));
    assert_eq!(p.status(&incident).await, "ACKNOWLEDGED");
    let actor: String = sqlx::query_scalar(
        "SELECT u.name FROM incident_timeline t JOIN users u ON u.id = t.actor_user_id WHERE t.kind = 'ACKNOWLEDGED'",
    )
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(actor, "alice");
    // A second click changes nothing.
    let (_, again) = p
        .app
        .call(
            "/api/ack-link/confirm",
            json!({"token": token}),
            &Cred::Anonymous,
        )
        .await;
    assert_eq!(again, json!(false));
    // No more pages, ever.
    for _ in 0..6 {
        p.app.advance(Duration::minutes(20)).await;
    }
    assert_eq!(p.new_mail(), Vec::<String>::new());
    let cancelled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE kind = 'ESCALATION' AND status = 'CANCELLED'",
    )
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(cancelled, 1, "the pending step 3 was cancelled");
}

#[tokio::test]
async fn snooze_pauses_and_the_end_of_the_snooze_escalates_again_from_step_one() {
    let p = setup().await;
    p.policy(0, p.three_steps(), None).await;
    let _engine = p.engine();
    let incident = p.trigger("db-3").await;
    p.app.settle().await;
    assert_eq!(p.new_mail(), ["alice"]);
    let carol = p.app.session_for(p.ids["carol"].parse().unwrap()).await;
    let (s, b) = p
        .app
        .call(
            "/api/incidents/snooze",
            json!({"ids": [incident], "minutes": 30}),
            &carol,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    p.app.settle().await;
    // Step 2 would have fired at +5 min; snoozed, nothing does.
    p.app.advance(Duration::minutes(29)).await;
    assert_eq!(p.new_mail(), Vec::<String>::new());
    assert_eq!(p.status(&incident).await, "SNOOZED");
    // At the snooze's end: OPEN again, step 1 again.
    p.app.advance(Duration::minutes(1)).await;
    assert_eq!(p.status(&incident).await, "OPEN");
    assert_eq!(p.new_mail(), ["alice"]);
    p.app.advance(Duration::minutes(5)).await;
    assert_eq!(p.new_mail(), ["carol"]);
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT kind FROM incident_timeline WHERE kind IN ('SNOOZED', 'UNSNOOZED') ORDER BY id",
    )
    .fetch_all(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(kinds, ["SNOOZED", "UNSNOOZED"]);
}

#[tokio::test]
async fn an_acknowledgement_that_times_out_reopens_and_escalates_again() {
    let p = setup().await;
    p.policy(0, p.three_steps(), Some(600)).await;
    let _engine = p.engine();
    let incident = p.trigger("db-4").await;
    p.app.settle().await;
    assert_eq!(p.new_mail(), ["alice"]);
    let alice = p.app.session_for(p.ids["alice"].parse().unwrap()).await;
    let (s, _) = p
        .app
        .call(
            "/api/incidents/acknowledge",
            json!({"ids": [incident]}),
            &alice,
        )
        .await;
    assert_eq!(s, 200);
    p.app.advance(Duration::minutes(9)).await;
    assert_eq!(p.status(&incident).await, "ACKNOWLEDGED");
    assert_eq!(p.new_mail(), Vec::<String>::new());
    p.app.advance(Duration::minutes(1)).await;
    assert_eq!(p.status(&incident).await, "OPEN");
    assert_eq!(p.new_mail(), ["alice"]);
    let why: Value =
        sqlx::query_scalar("SELECT details FROM incident_timeline WHERE kind = 'UNACKNOWLEDGED'")
            .fetch_one(&p.app.pool)
            .await
            .unwrap();
    assert_eq!(why["reason"], "acknowledgement timed out");
    // A resolve before the timeout leaves nothing to re-open.
    let (s, _) = p
        .app
        .call("/api/incidents/resolve", json!({"ids": [incident]}), &alice)
        .await;
    assert_eq!(s, 200);
    p.app.advance(Duration::hours(2)).await;
    assert_eq!(p.new_mail(), Vec::<String>::new());
}

#[tokio::test]
async fn a_stale_job_from_an_old_generation_pages_nobody() {
    let p = setup().await;
    p.policy(0, p.three_steps(), None).await;
    let _engine = p.engine();
    let incident = p.trigger("db-5").await;
    p.app.settle().await;
    assert_eq!(p.new_mail(), ["alice"]);
    // Acknowledge, resolve, reopen: the incident is OPEN again, in generation 3, and its
    // new escalation pages alice again from step 1.
    let alice = p.app.session_for(p.ids["alice"].parse().unwrap()).await;
    for action in ["acknowledge", "resolve", "reopen"] {
        let (s, b) = p
            .app
            .call(
                &format!("/api/incidents/{action}"),
                json!({"ids": [incident]}),
                &alice,
            )
            .await;
        assert_eq!(s, 200, "{action}: {b}");
    }
    p.app.settle().await;
    assert_eq!(p.new_mail(), ["alice"]);
    // A job still carrying generation 0 (say, replayed from a backlog) for step 2.
    let now = p.app.clock_now();
    sqlx::query(
        "INSERT INTO jobs (kind, incident_id, payload, run_at, created_at, updated_at)
         VALUES ('ESCALATION', $1::uuid, $2, $3, $3, $3)",
    )
    .bind(&incident)
    .bind(json!({"action": "step", "generation": 0, "step": 1, "loop_no": 0}))
    .bind(now)
    .execute(&p.app.pool)
    .await
    .unwrap();
    sqlx::query("SELECT pg_notify('opsknight_jobs', '')")
        .execute(&p.app.pool)
        .await
        .unwrap();
    p.app.settle().await;
    assert_eq!(p.new_mail(), Vec::<String>::new());
    let (status, gen_now): (String, i64) =
        sqlx::query_as("SELECT status, generation FROM incidents WHERE id = $1::uuid")
            .bind(&incident)
            .fetch_one(&p.app.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), gen_now), ("OPEN", 3));
    let done: String = sqlx::query_scalar(
        "SELECT status FROM jobs WHERE payload->>'generation' = '0' AND payload->>'step' = '1'
         ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(done, "COMPLETED");
}

#[tokio::test]
async fn three_engines_on_one_database_deliver_every_page_exactly_once() {
    let p = setup().await;
    p.policy(
        0,
        json!([{"delay_minutes": 60, "targets": [{"kind": "USER", "id": p.ids["alice"]},
                                                {"kind": "USER", "id": p.ids["dave"]}]}]),
        None,
    )
    .await;
    let engines = [p.engine(), p.engine(), p.engine()];
    let sends = (0..200).map(|i| {
        let body = json!({"routing_key": p.key, "event_action": "trigger", "dedup_key": format!("k{i}"),
            "payload": {"summary": format!("incident {i}"), "source": "x", "severity": "critical"}});
        let req = p.app.http.post(p.app.url("/v2/enqueue")).json(&body);
        async move { req.send().await.unwrap().status().as_u16() }
    });
    let codes = futures_join(sends).await;
    assert!(codes.iter().all(|c| *c == 202));
    p.app.settle().await;
    let mail = p.sink.take_new();
    assert_eq!(mail.len(), 400);
    let mut seen = std::collections::HashSet::new();
    for (to, text) in &mail {
        let subject = text.lines().find(|l| l.starts_with("Subject: ")).unwrap();
        assert!(
            seen.insert((to.clone(), subject.to_owned())),
            "duplicate: {to} {subject}"
        );
    }
    let per_user: Vec<i64> = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE status = 'SENT' GROUP BY user_id",
    )
    .fetch_all(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(per_user, [200, 200]);
    // Exactly once and shared: every engine took part of the work.
    let claimed: Vec<u64> = engines.iter().map(|e| e.claimed()).collect();
    assert!(
        claimed.iter().all(|n| *n > 0),
        "jobs claimed per engine: {claimed:?}"
    );
    assert!(claimed.iter().sum::<u64>() >= 600, "{claimed:?}");
    for e in engines {
        e.stop().await;
    }
}

async fn futures_join<F: std::future::Future<Output = u16> + Send + 'static>(
    futs: impl Iterator<Item = F>,
) -> Vec<u16> {
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn pages_are_retried_while_the_mail_server_refuses_and_delivered_once_it_is_back() {
    let mut p = setup().await;
    p.policy(
        0,
        json!([{"delay_minutes": 60, "targets": [{"kind": "USER", "id": p.ids["alice"]}]}]),
        None,
    )
    .await;
    let _engine = p.engine();
    p.sink.stop();
    p.trigger("db-6").await;
    p.app.settle().await;
    let (status, attempts, error): (String, i32, Option<String>) =
        sqlx::query_as("SELECT status, attempts, last_error FROM notifications")
            .fetch_one(&p.app.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("PENDING", 1));
    assert!(error.unwrap().contains("smtp"));
    // Two more refused attempts, each after its backoff (10 s, then 20 s, ± 20 %): well
    // inside the 60 s lease, so only the retry's own wake-up can run them.
    for n in 2..=3 {
        p.app.advance(Duration::seconds(25)).await;
        let attempts: i32 = sqlx::query_scalar("SELECT attempts FROM notifications")
            .fetch_one(&p.app.pool)
            .await
            .unwrap();
        assert_eq!(attempts, n);
    }
    let job: (String, i32) =
        sqlx::query_as("SELECT status, attempts FROM jobs WHERE kind = 'NOTIFICATION'")
            .fetch_one(&p.app.pool)
            .await
            .unwrap();
    assert_eq!(job, ("FAILED".to_owned(), 3));
    // The admin queue view and /metrics show the failing job and its error.
    let (s, o) = p.app.call("/api/jobs/overview", json!({}), &p.admin).await;
    assert_eq!(s, 200, "{o}");
    assert_eq!(o["failed"].as_array().unwrap().len(), 1);
    assert!(
        o["failed"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("smtp")
    );
    let metrics = p.app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(r#"opsknight_jobs{kind="NOTIFICATION",status="FAILED"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains("opsknight_jobs_oldest_due_seconds 0.000"),
        "{metrics}"
    );
    // Only failed or pending jobs can be retried or cancelled.
    let done: i64 = sqlx::query_scalar("SELECT id FROM jobs WHERE status = 'COMPLETED' LIMIT 1")
        .fetch_one(&p.app.pool)
        .await
        .unwrap();
    let (s, _) = p
        .app
        .call("/api/jobs/cancel", json!({"id": done}), &p.admin)
        .await;
    assert_eq!(s, 409);
    p.sink.restart().await;
    p.app.advance(Duration::seconds(50)).await;
    assert_eq!(p.new_mail(), ["alice"]);
    let (status, attempts): (String, i32) =
        sqlx::query_as("SELECT status, attempts FROM notifications")
            .fetch_one(&p.app.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("SENT", 4));
    // The timeline keeps why the earlier tries failed.
    let sent: serde_json::Value = sqlx::query_scalar(
        "SELECT details FROM incident_timeline WHERE kind = 'NOTIFIED' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(
        (sent["outcome"].as_str(), sent["attempts"].as_i64()),
        (Some("sent"), Some(4)),
        "{sent}"
    );
    assert!(
        sent["retried_after"]
            .as_str()
            .unwrap_or("")
            .contains("smtp"),
        "{sent}"
    );
    p.app.advance(Duration::minutes(30)).await;
    assert_eq!(p.new_mail(), Vec::<String>::new());
}

/// A mailer that never answers: the engine using it is "mid-send" until it is killed.
#[derive(Debug)]
struct Hang;

impl app::mail::Mailer for Hang {
    fn send(
        &self,
        _: app::mail::Mail,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<(), app::mail::SendError>> + Send + '_>,
    > {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn a_send_cut_off_by_a_crash_is_not_resent_and_the_timeline_says_so() {
    let p = setup().await;
    p.policy(
        0,
        json!([{"delay_minutes": 60, "targets": [{"kind": "USER", "id": p.ids["alice"]}]}]),
        None,
    )
    .await;
    let doomed = p.app.start_engine(Some(Arc::new(Hang)));
    let incident = p.trigger("db-7").await;
    // Wait (bounded) until the send is in flight: the row is SENDING.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let s: Option<String> = sqlx::query_scalar("SELECT status FROM notifications")
            .fetch_optional(&p.app.pool)
            .await
            .unwrap();
        if s.as_deref() == Some("SENDING") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never reached SENDING"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    doomed.abort();
    // Another instance takes over once the lease runs out.
    let _engine = p.engine();
    p.app.advance(Duration::seconds(61)).await;
    assert_eq!(p.new_mail(), Vec::<String>::new());
    let status: String = sqlx::query_scalar("SELECT status FROM notifications")
        .fetch_one(&p.app.pool)
        .await
        .unwrap();
    assert_eq!(status, "UNKNOWN");
    let entry: Value = sqlx::query_scalar(
        "SELECT details FROM incident_timeline WHERE incident_id = $1::uuid AND kind = 'NOTIFIED'",
    )
    .bind(&incident)
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert_eq!(entry["outcome"], "interrupted");
    p.app.advance(Duration::minutes(30)).await;
    assert_eq!(p.new_mail(), Vec::<String>::new());
}

#[tokio::test]
async fn policies_validate_name_fields_and_cannot_be_deleted_while_used() {
    let p = setup().await;
    let bad = [
        (json!([]), "steps"),
        (
            json!([{"delay_minutes": 0, "targets": [{"kind": "USER", "id": p.ids["alice"]}]}]),
            "steps[0].delay_minutes",
        ),
        (
            json!([{"delay_minutes": 5, "targets": []}]),
            "steps[0].targets",
        ),
        (
            json!([{"delay_minutes": 5, "targets": [{"kind": "USER", "id": p.ids["alice"]}]},
                {"delay_minutes": 5, "targets": [{"kind": "TEAM", "id": p.ids["alice"]}]}]),
            "steps[1].targets[0].id",
        ),
    ];
    for (steps, field) in bad {
        let (s, e) = p
            .app
            .call(
                "/api/policies/create",
                json!({"name": "X", "description": "", "repeat_count": 0, "steps": steps}),
                &p.admin,
            )
            .await;
        assert_eq!((s, e["field"].as_str()), (400, Some(field)), "{e}");
    }
    let (s, e) = p
        .app
        .call(
            "/api/policies/create",
            json!({"name": "X", "description": "", "repeat_count": 10,
            "steps": [{"delay_minutes": 5, "targets": [{"kind": "USER", "id": p.ids["alice"]}]}]}),
            &p.admin,
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("repeat_count")));
    assert_eq!(p.app.count("escalation_policies").await, 0);
    let id = p.policy(2, p.three_steps(), None).await;
    let (s, e) = p
        .app
        .call("/api/policies/delete", json!({"id": id}), &p.admin)
        .await;
    assert_eq!(s, 409, "{e}");
    assert!(e["message"].as_str().unwrap().contains("Payments"));
    // The preview resolves each step to people now.
    let (s, prev) = p
        .app
        .call("/api/policies/preview", json!({"id": id}), &p.admin)
        .await;
    assert_eq!(s, 200, "{prev}");
    let names = |i: usize| -> Vec<String> {
        prev[i]["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(0), ["alice"]);
    assert_eq!(names(1), ["carol"]);
    assert_eq!(names(2), ["bob", "carol", "dave"]);
    // Reorder by saving the steps in another order; then free the policy and delete it.
    let (s, got) = p
        .app
        .call(
            "/api/policies/update",
            json!({"id": id, "name": "Primary", "description": "",
            "repeat_count": 0, "steps": [p.three_steps()[2].clone(), p.three_steps()[0].clone()]}),
            &p.admin,
        )
        .await;
    assert_eq!(s, 200, "{got}");
    assert_eq!(got["steps"].as_array().unwrap().len(), 2);
    assert_eq!(got["steps"][1]["targets"][0]["name"], "alice");
    p.app.call("/api/services/update", json!({"id": p.service, "name": "Payments", "description": "",
        "team_id": null, "urgency_rule": "SEVERITY", "ack_timeout_secs": null, "escalation_policy_id": null}), &p.admin)
        .await;
    let (s, _) = p
        .app
        .call("/api/policies/delete", json!({"id": id}), &p.admin)
        .await;
    assert_eq!(s, 200);
    assert_eq!(p.app.count("escalation_steps").await, 0);
}

#[tokio::test]
async fn a_job_that_keeps_failing_backs_off_gives_up_visibly_and_can_be_retried() {
    let p = setup().await;
    p.policy(0, p.three_steps(), None).await;
    let _engine = p.engine();
    let incident = p.trigger("db-8").await;
    p.app.settle().await;
    assert_eq!(p.new_mail(), ["alice"]);
    // A job the engine cannot run (an unknown action), allowed three attempts.
    let now = p.app.clock_now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO jobs (kind, incident_id, payload, run_at, max_attempts, created_at, updated_at)
         VALUES ('ESCALATION', $1::uuid, '{\"action\": \"bogus\"}', $2, 3, $2, $2) RETURNING id",
    )
    .bind(&incident)
    .bind(now)
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    sqlx::query("SELECT pg_notify('opsknight_jobs', '')")
        .execute(&p.app.pool)
        .await
        .unwrap();
    p.app.settle().await;
    let state = || async {
        sqlx::query_as::<_, (String, i32, chrono::DateTime<chrono::Utc>)>(
            "SELECT status, attempts, run_at FROM jobs WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&p.app.pool)
        .await
        .unwrap()
    };
    let (status, attempts, run_at) = state().await;
    assert_eq!((status.as_str(), attempts), ("FAILED", 1));
    // The first retry waits 10 s ± 20 %; the second 20 s ± 20 %.
    let wait = (run_at - p.app.clock_now()).num_milliseconds();
    assert!((8_000..=12_000).contains(&wait), "{wait}");
    p.app.advance(Duration::seconds(12)).await;
    let (_, attempts, run_at) = state().await;
    assert_eq!(attempts, 2);
    let wait = (run_at - p.app.clock_now()).num_milliseconds();
    assert!((16_000..=24_000).contains(&wait), "{wait}");
    p.app.advance(Duration::seconds(24)).await;
    let (status, attempts, _) = state().await;
    assert_eq!((status.as_str(), attempts), ("FAILED", 3));
    // Given up: written on the incident, where responders look.
    let note: Value = sqlx::query_scalar(
        "SELECT details FROM incident_timeline WHERE kind = 'ESCALATED' AND details ? 'message'
         ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&p.app.pool)
    .await
    .unwrap();
    assert!(
        note["message"].as_str().unwrap().contains("failed 3 times"),
        "{note}"
    );
    // No further attempt however long we wait; an admin retry runs it again at once.
    p.app.advance(Duration::minutes(10)).await;
    assert_eq!(state().await.1, 3);
    let (s, _) = p
        .app
        .call("/api/jobs/retry", json!({"id": id}), &p.admin)
        .await;
    assert_eq!(s, 200);
    p.app.settle().await;
    let (status, attempts, _) = state().await;
    assert_eq!((status.as_str(), attempts), ("FAILED", 1));
    let (s, _) = p
        .app
        .call("/api/jobs/cancel", json!({"id": id}), &p.admin)
        .await;
    assert_eq!(s, 200);
    assert_eq!(state().await.0, "CANCELLED");
    // Meanwhile the real escalation went on: step 2 at +5 min happened during the waits.
    assert_eq!(p.new_mail(), ["carol"]);
}

#[tokio::test]
async fn a_lost_listen_connection_makes_the_engine_read_the_queue_again() {
    let p = setup().await;
    let _engine = p.engine();
    // The engine is idle and asleep (waiting on the clock and on LISTEN) until the next
    // hourly task.
    p.app.settle().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while p.app.clock.sleepers() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the engine never went to sleep"
        );
        tokio::task::yield_now().await;
    }
    // A due job whose NOTIFY never reached the engine (sent while its LISTEN connection was
    // down): inserted without one.
    let now = p.app.clock_now();
    sqlx::query(
        "INSERT INTO jobs (kind, payload, run_at, created_at, updated_at, task_key)
         VALUES ('SCHEDULED_TASK', '{\"task\":\"rollup\"}', $1, $1, $1, 'rollup-lost-notify')",
    )
    .bind(now)
    .execute(&p.app.pool)
    .await
    .unwrap();
    // The engine's LISTEN connection drops (a Postgres restart, a proxy timeout).
    let killed = p.app.drop_listen_connections("opsknight_jobs").await;
    assert_eq!(killed, 1, "one engine, one LISTEN connection");
    // Reconnected, the engine looks at the queue and runs the job (a silent reconnect would
    // leave it waiting for the next NOTIFY, and settle() would give up after 30 s).
    p.app.settle().await;
    let status: String =
        sqlx::query_scalar("SELECT status FROM jobs WHERE task_key = 'rollup-lost-notify'")
            .fetch_one(&p.app.pool)
            .await
            .unwrap();
    assert_eq!(status, "COMPLETED");
}
