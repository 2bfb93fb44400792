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

/// A subscriber in `state` (CONFIRMED ones with an unsubscribe nonce), straight into the table.
pub async fn subscriber(s: &Paging, email: &str, state: &str) {
    sqlx::query(
        "INSERT INTO status_subscribers (id, email, state, unsubscribe_nonce, created_at, updated_at,
                                         confirmed_at)
         VALUES ($1, $2, $3, CASE WHEN $3 = 'CONFIRMED' THEN $4 END, $5, $5, $5)",
    )
    .bind(uuid::Uuid::new_v4())
    .bind(email)
    .bind(state)
    .bind(&[7u8; 16][..])
    .bind(s.app.clock_now())
    .execute(&s.app.pool)
    .await
    .unwrap();
}

/// The status emails (to, raw message) the sink got so far, waiting until `to` has `n`.
pub async fn mails_to(s: &Paging, got: &mut Vec<(String, String)>, to: &str, n: usize) {
    let count = |m: &Vec<(String, String)>| m.iter().filter(|(t, _)| t.contains(to)).count();
    let all = super::wait_until(
        "status emails",
        || {
            got.extend(s.sink.take_new());
            got.clone()
        },
        |m| count(m) >= n,
    )
    .await;
    *got = all;
}

/// How many STATUS_EMAIL jobs of payload kind `kind` there are (in `status`, if given).
pub async fn status_jobs(s: &Paging, kind: &str, status: Option<&str>) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE kind = 'STATUS_EMAIL' AND payload->>'kind' = $1
           AND ($2::text IS NULL OR status = $2)",
    )
    .bind(kind)
    .bind(status)
    .fetch_one(&s.app.pool)
    .await
    .unwrap()
}
