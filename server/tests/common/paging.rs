//! A service that pages for real: alice at step 1, bob at step 2, `delay` minutes apart, an
//! Events v2 routing key, and an engine sending through a real SMTP server.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use app::domain::Role;
use serde_json::json;

use super::{Cred, SmtpSink, TestApp, spawn_app};

pub struct Paging {
    pub app: TestApp,
    pub sink: SmtpSink,
    pub admin: Cred,
    pub service: String,
    pub key: String,
    _engine: opsknight_server::engine::EngineHandle,
}

/// The app and its paging service; steps `delay_minutes` apart.
pub async fn alice_then_bob(delay_minutes: i64) -> Paging {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let admin = app.admin_session().await;
    let alice = app.add_user("alice@example.com", Role::Responder).await;
    let bob = app.add_user("bob@example.com", Role::Responder).await;
    let service = app
        .service_with_policy(
            &admin,
            "Payments",
            json!([
                {"delay_minutes": delay_minutes, "targets": [{"kind": "USER", "id": alice.id}]},
                {"delay_minutes": delay_minutes, "targets": [{"kind": "USER", "id": bob.id}]},
            ]),
        )
        .await;
    let (s, i) = app
        .call(
            "/api/integrations/create",
            json!({"service_id": service, "kind": "events_v2",
            "name": "main", "rate_limit_per_min": null}),
            &admin,
        )
        .await;
    assert_eq!(s, 200, "{i}");
    let engine = app.start_engine(Some(sink.mailer()));
    Paging {
        key: i["routing_key"].as_str().unwrap().to_owned(),
        app,
        sink,
        admin,
        service,
        _engine: engine,
    }
}

impl Paging {
    /// Recipients (local parts) of the mail since the last call, sorted.
    pub fn mail(&self) -> Vec<String> {
        let mut to: Vec<String> = self
            .sink
            .take_new()
            .into_iter()
            .map(|(to, _)| to.split('@').next().unwrap().to_owned())
            .collect();
        to.sort();
        to
    }
}
