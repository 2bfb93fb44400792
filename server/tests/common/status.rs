//! The status page's test helpers: a component for a service, a second (quiet) service, public
//! GETs, form posts, and reading subscriber emails off the SMTP sink.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

use super::paging::Paging;

pub async fn component(s: &Paging, service: &str, name: &str, group: &str) -> String {
    let (st, id) = s
        .app
        .call(
            "/api/status/components/save",
            json!({"component": {"service_id": service, "display_name": name,
                                 "group_name": group, "position": 0, "override_status": ""}}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200, "{id}");
    id.as_str().unwrap().to_owned()
}

pub async fn get_json(s: &Paging, path: &str) -> Value {
    let res = s.app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

pub async fn text(s: &Paging, path: &str) -> String {
    let res = s.app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

/// A second service, not paging anyone.
pub async fn quiet_service(s: &Paging, name: &str) -> String {
    let (st, svc) = s
        .app
        .call(
            "/api/services/create",
            json!({"name": name, "description": "", "team_id": null,
                   "urgency_rule": "SEVERITY", "ack_timeout_secs": null}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200, "{svc}");
    svc["id"].as_str().unwrap().to_owned()
}

pub fn is_time(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok())
}

/// The first link in `mail` that starts with `prefix`.
pub fn link(mail: &str, prefix: &str) -> String {
    let start = mail
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {mail}"));
    mail[start..]
        .split(|c: char| c.is_whitespace() || c == '>')
        .next()
        .unwrap()
        .to_owned()
}

pub async fn wait_mail(s: &Paging, to: &str) -> String {
    let mut got = Vec::new();
    super::wait_until(
        "a status email",
        || {
            got.extend(s.sink.take_new());
            got.clone()
        },
        |m| m.iter().any(|(t, _)| t.contains(to)),
    )
    .await
    .into_iter()
    .find(|(t, _)| t.contains(to))
    .unwrap()
    .1
}

pub async fn form(s: &Paging, path: &str, body: &[(&str, &str)]) -> (u16, String) {
    let res = s
        .app
        .http
        .post(s.app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(body).unwrap())
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

pub async fn state_of(s: &Paging, email: &str) -> String {
    sqlx::query_scalar("SELECT state FROM status_subscribers WHERE email = $1")
        .bind(email)
        .fetch_one(&s.app.pool)
        .await
        .unwrap()
}

