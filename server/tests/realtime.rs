//! The live streams over real HTTP and a real Postgres: changes reach SSE clients through
//! LISTEN/NOTIFY, each viewer sees only what they may, and `Last-Event-ID` resumes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::Duration;

use app::domain::Role;
use common::{Cred, SmtpSink, TestApp, spawn_app};
use serde_json::{Value, json};

/// A minimal SSE reader over a streaming response.
struct Sse {
    res: reqwest::Response,
    buf: String,
}

#[derive(Debug, Default, Clone)]
struct Message {
    id: String,
    event: String,
    data: String,
}

impl Sse {
    async fn open(app: &TestApp, path: &str, cred: &Cred, last_event_id: Option<&str>) -> Sse {
        let mut req = app.http.get(app.url(path));
        if let Cred::Cookie(c) = cred {
            req = req.header("cookie", c);
        }
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Sse {
            res,
            buf: String::new(),
        }
    }

    /// The next message that has an event name (comments and the retry hint are skipped).
    /// Fails the test after 10 s: a bound, not a synchronisation.
    async fn next(&mut self) -> Message {
        tokio::time::timeout(Duration::from_secs(10), self.read())
            .await
            .expect("no SSE message within 10 s")
    }

    /// Asserts that no named message arrives within `wait` (a bounded wait for silence).
    async fn quiet(&mut self, wait: Duration) {
        if let Ok(m) = tokio::time::timeout(wait, self.read()).await {
            panic!("expected nothing on this stream, got {m:?}");
        }
    }

    /// Reads until a message with an event name is complete. A cancelled read loses nothing:
    /// a block leaves the buffer only once it is whole.
    async fn read(&mut self) -> Message {
        {
            loop {
                while let Some(end) = self.buf.find("\n\n") {
                    let block: String = self.buf.drain(..end + 2).collect();
                    let mut m = Message::default();
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("id:") {
                            m.id = v.trim().to_owned();
                        } else if let Some(v) = line.strip_prefix("event:") {
                            m.event = v.trim().to_owned();
                        } else if let Some(v) = line.strip_prefix("data:") {
                            m.data.push_str(v.trim_start());
                        }
                    }
                    if !m.event.is_empty() {
                        return m;
                    }
                }
                let chunk = self.res.chunk().await.unwrap().expect("stream ended");
                self.buf.push_str(std::str::from_utf8(&chunk).unwrap());
            }
        }
    }

    /// The next `incidents` update, parsed.
    async fn update(&mut self) -> (String, app::incidents::LiveUpdate) {
        let m = self.next().await;
        assert_eq!(m.event, "incidents", "{m:?}");
        (m.id, serde_json::from_str(&m.data).unwrap())
    }
}

struct Setup {
    app: TestApp,
    admin: Cred,
    service: String,
    key: String,
}

async fn setup() -> Setup {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let (service, key) = app.service_with_key(&admin, "Payments").await;
    Setup {
        service,
        key,
        app,
        admin,
    }
}

impl Setup {
    async fn send(&self, action: &str, dedup: &str) {
        self.app.enqueue(&self.key, action, dedup, "critical").await;
    }
}

#[tokio::test]
async fn incident_changes_reach_every_viewer_with_counters_and_a_resume_replays_what_was_missed() {
    let s = setup().await;
    // Anonymous: 401 naming the cookie, as JSON.
    let res = s.app.get_as("/api/realtime/stream", &Cred::Anonymous).await;
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["field"], "cookie");

    let viewer = s.app.add_user("viewer@example.com", Role::User).await;
    let viewer = s.app.session_for(viewer.id).await;
    let mut a = Sse::open(&s.app, "/api/realtime/stream", &s.admin, None).await;
    let mut b = Sse::open(&s.app, "/api/realtime/stream", &viewer, None).await;

    s.send("trigger", "db-1").await;
    let (first_id, up) = a.update().await;
    assert_eq!(up.incidents.len(), 1);
    assert_eq!(up.incidents[0].title, "db-1 is down");
    assert_eq!(up.incidents[0].status, app::domain::Status::Open);
    assert_eq!(up.incidents[0].service_name, "Payments");
    assert_eq!(
        (
            up.counters.open,
            up.counters.high_open,
            up.counters.unassigned
        ),
        (1, 1, 1)
    );
    let (_, up_b) = b.update().await;
    assert_eq!(up_b, up, "every viewer gets the same update");

    // A person acknowledges through the API: the stream says so.
    let id = up.incidents[0].id;
    let (st, _) = s
        .app
        .call("/api/incidents/acknowledge", json!({"ids": [id]}), &s.admin)
        .await;
    assert_eq!(st, 200);
    let (second_id, up) = a.update().await;
    assert_eq!(up.incidents[0].status, app::domain::Status::Acknowledged);
    assert_eq!((up.counters.open, up.counters.acknowledged), (0, 1));

    // Resolve by event while a third client is away; it resumes after `first_id`.
    s.send("resolve", "db-1").await;
    let (third_id, up) = a.update().await;
    assert_eq!(up.incidents[0].status, app::domain::Status::Resolved);
    assert_eq!(up.counters.resolved_24h, 1);
    let mut c = Sse::open(&s.app, "/api/realtime/stream", &viewer, Some(&first_id)).await;
    assert_eq!(c.update().await.0, second_id);
    assert_eq!(c.update().await.0, third_id);
    // An id this instance never issued: reload.
    let mut d = Sse::open(&s.app, "/api/realtime/stream", &viewer, Some("0badc0de-7")).await;
    assert_eq!(d.next().await.event, "reset");
}

#[tokio::test]
async fn the_event_log_streams_inbound_events_to_those_who_wire_integrations() {
    let s = setup().await;
    let user = s.app.add_user("user@example.com", Role::User).await;
    let user = s.app.session_for(user.id).await;
    let res = s.app.get_as("/api/events/stream", &user).await;
    assert_eq!(res.status(), 403);
    let mut log = Sse::open(&s.app, "/api/events/stream", &s.admin, None).await;
    s.send("trigger", "web-1").await;
    s.send("acknowledge", "nothing-open").await;
    let mut seen: Vec<app::incidents::EventDigest> = vec![];
    while seen.len() < 2 {
        let m = log.next().await;
        assert_eq!(m.event, "event");
        seen.extend(serde_json::from_str::<Vec<app::incidents::EventDigest>>(&m.data).unwrap());
    }
    assert_eq!(seen[0].dedup_key, "web-1");
    assert_eq!(seen[0].summary, "web-1 is down");
    assert_eq!(seen[0].service_id.to_string(), s.service);
    assert!(seen[0].incident_id.is_some());
    assert_eq!(seen[1].action, app::incidents::EventAction::Acknowledge);
    assert_eq!(
        seen[1].incident_id, None,
        "an ack for no open incident touches none"
    );
}

impl Setup {
    /// Gives the service a one-step policy paging `user`.
    async fn page_only(&self, user: &app::users::UserSummary) {
        let (st, p) = self
            .app
            .call(
                "/api/policies/create",
                json!({"name": format!("For {}", user.name), "description": "", "repeat_count": 0,
                       "steps": [{"delay_minutes": 5, "targets": [{"kind": "USER", "id": user.id}]}]}),
                &self.admin,
            )
            .await;
        assert_eq!(st, 200, "{p}");
        let (st, b) = self
            .app
            .call(
                "/api/services/update",
                json!({"id": self.service, "name": "Payments", "description": "", "team_id": null,
                       "urgency_rule": "SEVERITY", "ack_timeout_secs": null, "escalation_policy_id": p["id"]}),
                &self.admin,
            )
            .await;
        assert_eq!(st, 200, "{b}");
    }
}

#[tokio::test]
async fn each_person_hears_only_their_own_pages() {
    let s = setup().await;
    let sink = SmtpSink::start().await;
    let mailer = opsknight_server::notify::email::SmtpMailer::from_url(
        &sink.url(),
        "OpsKnight <pager@example.com>",
    )
    .unwrap();
    let _engine = s.app.start_engine(Some(std::sync::Arc::new(mailer)));
    let alice = s.app.add_user("alice@example.com", Role::Responder).await;
    let bob = s.app.add_user("bob@example.com", Role::Responder).await;
    let mut a = Sse::open(
        &s.app,
        "/api/notifications/stream",
        &s.app.session_for(alice.id).await,
        None,
    )
    .await;
    let mut b = Sse::open(
        &s.app,
        "/api/notifications/stream",
        &s.app.session_for(bob.id).await,
        None,
    )
    .await;

    s.page_only(&alice).await;
    s.send("trigger", "for-alice").await;
    let m = a.next().await;
    assert_eq!(m.event, "notification");
    let n: app::notifications::PageNotice = serde_json::from_str(&m.data).unwrap();
    assert_eq!(
        (n.user_id, n.title.as_str()),
        (alice.id, "for-alice is down")
    );
    assert_eq!(n.status, app::notifications::DeliveryStatus::Sent);
    assert_eq!(sink.wait_for(1).await.len(), 1);

    // Then bob is paged: the first notice on his stream is his own, not alice's.
    s.page_only(&bob).await;
    s.send("trigger", "for-bob").await;
    let n: app::notifications::PageNotice = serde_json::from_str(&b.next().await.data).unwrap();
    assert_eq!((n.user_id, n.title.as_str()), (bob.id, "for-bob is down"));
    assert_eq!(sink.wait_for(2).await.len(), 2);
    // And bob's page does not reach alice's stream (the leak checked the other way).
    a.quiet(Duration::from_millis(500)).await;
}

#[tokio::test]
async fn a_lost_listen_connection_tells_clients_to_reload_and_listening_resumes() {
    let s = setup().await;
    let mut a = Sse::open(&s.app, "/api/realtime/stream", &s.admin, None).await;
    let killed = s.app.drop_listen_connections("opsknight_incidents").await;
    assert_eq!(killed, 1);
    // Changes made while it was down are unknown: the client is told to reload.
    assert_eq!(a.next().await.event, "reset");
    // And it listens again.
    s.send("trigger", "after-reconnect").await;
    let (_, up) = a.update().await;
    assert_eq!(up.incidents[0].title, "after-reconnect is down");
}
