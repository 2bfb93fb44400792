//! Status page email subscribers: double opt-in, single-use tokens, one-click unsubscribe, and
//! the sign-up rate limits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::paging::alice_then_bob;
use common::status::{form, link, state_of, text, wait_mail};
use serde_json::json;

#[tokio::test]
async fn subscribers_opt_in_twice_and_unsubscribe_in_one_click_with_single_use_tokens() {
    let s = alice_then_bob(30).await;
    let (st, first) = form(&s, "/status/subscribe", &[("email", "Carol@Example.com")]).await;
    assert_eq!(st, 200, "{first}");
    s.app.settle().await;
    let mail = wait_mail(&s, "carol@example.com").await;
    let confirm = link(&mail, &format!("{}/status/confirm?token=", s.app.base));
    let token = confirm.split("token=").nth(1).unwrap().to_owned();
    assert_eq!(state_of(&s, "carol@example.com").await, "PENDING");

    // Opening the link (as a scanner would) only shows a button.
    let page = s.app.get(&confirm.replace(&s.app.base, "")).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Confirm subscription"));
    assert_eq!(state_of(&s, "carol@example.com").await, "PENDING");
    let (st, _) = form(&s, "/status/confirm", &[("token", &token)]).await;
    assert_eq!(st, 200);
    assert_eq!(state_of(&s, "carol@example.com").await, "CONFIRMED");
    let (st, _) = form(&s, "/status/confirm", &[("token", &token)]).await;
    assert_eq!(st, 404, "a confirmation token works once");

    // The same answer for a confirmed address, and no email.
    let (st, again) = form(&s, "/status/subscribe", &[("email", "carol@example.com")]).await;
    assert_eq!((st, &again), (200, &first));
    s.app.settle().await;
    assert!(s.sink.take_new().is_empty());
    let (st, _) = form(&s, "/status/subscribe", &[("email", "not an email")]).await;
    assert_eq!(st, 400);

    // An update reaches the subscriber through the job queue, with one-click unsubscribe.
    let (st, inc) = s
        .app
        .call(
            "/api/status/incidents/create",
            json!({"incident": {"name": "Checkout errors", "impact": "major",
                   "status": "investigating", "body": "Looking into it.", "component_ids": []}}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200, "{inc}");
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'STATUS_EMAIL'")
        .fetch_one(&s.app.pool)
        .await
        .unwrap();
    assert_eq!(jobs, 2, "the confirmation and one update");
    s.app.settle().await;
    let mail = wait_mail(&s, "carol@example.com").await;
    assert!(mail.contains("Looking into it."), "{mail}");
    assert!(
        mail.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{mail}"
    );
    let header = mail
        .lines()
        .find_map(|l| l.strip_prefix("List-Unsubscribe: <"))
        .unwrap()
        .trim_end_matches('>')
        .to_owned();
    let one_click = header.replace(&s.app.base, "");
    let res = s
        .app
        .http
        .post(s.app.url(&one_click))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(state_of(&s, "carol@example.com").await, "UNSUBSCRIBED");
    let res = s
        .app
        .http
        .post(s.app.url(&one_click))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "an unsubscribe link works once");

    // Nothing more is sent to them.
    let id = inc.as_str().unwrap();
    let (st, _) = s
        .app
        .call(
            "/api/status/incidents/update",
            json!({"id": id, "status": "resolved", "body": "Fixed."}),
            &s.admin,
        )
        .await;
    assert_eq!(st, 200);
    s.app.settle().await;
    assert!(s.sink.take_new().is_empty());
    let feed = text(&s, "/status/history.rss").await;
    assert!(feed.contains("[Resolved] Checkout errors"), "{feed}");
}

#[tokio::test]
async fn sign_ups_are_rate_limited_per_address_and_per_client() {
    let s = alice_then_bob(30).await;
    for _ in 0..3 {
        let (st, _) = form(&s, "/status/subscribe", &[("email", "dan@example.com")]).await;
        assert_eq!(st, 200);
    }
    // A fourth for the same address: the same answer, but no fourth email.
    let (st, _) = form(&s, "/status/subscribe", &[("email", "dan@example.com")]).await;
    assert_eq!(st, 200);
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'STATUS_EMAIL'")
        .fetch_one(&s.app.pool)
        .await
        .unwrap();
    assert_eq!(jobs, 3);
    for n in 0..6 {
        let (st, _) = form(
            &s,
            "/status/subscribe",
            &[("email", &format!("e{n}@example.com"))],
        )
        .await;
        assert_eq!(st, 200, "sign-up {n}");
    }
    let (st, body) = form(&s, "/status/subscribe", &[("email", "late@example.com")]).await;
    assert_eq!(st, 429, "{body}");
    // Ten minutes later the client may sign up again.
    s.app.advance(chrono::Duration::minutes(11)).await;
    let (st, _) = form(&s, "/status/subscribe", &[("email", "late@example.com")]).await;
    assert_eq!(st, 200);
}
