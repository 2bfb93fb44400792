//! Personal chat and push contact methods (issue 18): a Slack DM, ntfy and Pushover, paged
//! by a policy step like SMS, against fakes that check what the real services check. ntfy's
//! Acknowledge action posts our signed token and acknowledges; Pushover's emergency page
//! carries retry, expire and our callback, whose token and receipt are checked (forged: 401,
//! nothing changes); an incident acknowledged elsewhere cancels the receipt.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::sync::Arc;

use app::domain::Role;
use common::pushfakes::{NTFY_TOKEN, PUSHOVER_TOKEN, PushFakes};
use common::slack::FakeSlack;
use common::{Cred, TestApp, spawn_app_with_chat};
use opsknight_server::chat::config::PushoverConfig;
use serde_json::{Value, json};

struct Setup {
    app: TestApp,
    slack: FakeSlack,
    push: PushFakes,
    admin: Cred,
    ann: app::users::UserSummary,
    ann_cred: Cred,
}

async fn setup() -> Setup {
    let slack = FakeSlack::start().await;
    let push = PushFakes::start().await;
    let mut chat = slack.config();
    chat.pushover = Some(Arc::new(PushoverConfig {
        token: PUSHOVER_TOKEN.into(),
        api_url: push.base.clone(),
    }));
    let app = spawn_app_with_chat(chat).await;
    let admin = app.admin_session().await;
    let ann = app.add_user("ann@example.com", Role::Responder).await;
    slack.add_user("U0ANN0001", "ann@example.com");
    let ann_cred = app.session_for(ann.id).await;
    Setup {
        app,
        slack,
        push,
        admin,
        ann,
        ann_cred,
    }
}

async fn add_method(app: &TestApp, cred: &Cred, body: Value) -> (u16, Value) {
    app.call("/api/profile/contact-methods/add", body, cred)
        .await
}

async fn status(app: &TestApp, incident: &str) -> String {
    sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1::uuid")
        .bind(incident)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn paged_by(
    app: &TestApp,
    admin: &Cred,
    ann: &app::users::UserSummary,
    kind: &str,
) -> String {
    app.service_with_policy(admin, &format!("Svc {kind}"),
        json!([{"delay_minutes": 5, "targets": [{"kind": "USER", "id": ann.id}], "channels": [kind]}]))
        .await
}

#[tokio::test]
async fn bad_addresses_are_400s_naming_the_field_and_nothing_is_written() {
    let Setup { app, ann_cred, .. } = setup().await;
    for (body, field) in [
        (
            json!({"kind": "SLACK", "address": "C0123ABCDEF", "label": "x"}),
            "address",
        ),
        (
            json!({"kind": "NTFY", "address": "https://ntfy.sh/", "label": "x"}),
            "address",
        ),
        (
            json!({"kind": "NTFY", "address": "https://ntfy.sh/t", "label": "x", "secret": "a b"}),
            "secret",
        ),
        (
            json!({"kind": "PUSHOVER", "address": "short", "label": "x"}),
            "address",
        ),
        (
            json!({"kind": "SLACK", "address": "U0123ABCDEF", "label": "x", "secret": "tk_1"}),
            "secret",
        ),
        (
            json!({"kind": "TELEGRAM", "address": "1", "label": "x"}),
            "kind",
        ),
    ] {
        let (s, e) = add_method(&app, &ann_cred, body).await;
        assert_eq!((s, e["field"].as_str()), (400, Some(field)), "{e}");
    }
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM contact_methods WHERE kind <> 'EMAIL'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn a_slack_dm_page_has_buttons_that_act_as_the_person() {
    let Setup {
        app,
        slack,
        admin,
        ann,
        ann_cred,
        ..
    } = setup().await;
    let (s, m) = add_method(
        &app,
        &ann_cred,
        json!({"kind": "SLACK", "address": "U0ANN0001", "label": "Slack"}),
    )
    .await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(m["verified"], true);
    let service = paged_by(&app, &admin, &ann, "SLACK").await;
    let _engine = app.start_engine(None);
    let incident = app.create_incident(&admin, &service, "Disk full").await;
    let calls = slack
        .wait_for("the DM", |c| {
            c.iter()
                .any(|c| c.method == "chat.postMessage" && c.answer == "ok")
        })
        .await;
    let dm = calls.iter().find(|c| c.answer == "ok").unwrap();
    assert_eq!(dm.body["channel"], "U0ANN0001");
    app.settle().await;
    let provider_id: String =
        sqlx::query_scalar("SELECT provider_id FROM notifications WHERE channel = 'SLACK'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        provider_id, "D0ANN0001:1700000000.000001",
        "the DM channel and ts are kept"
    );
    let body = common::slack::press_body(
        &slack,
        "U0ANN0001",
        "opsknight_ack",
        &incident,
        "1700000000.000001",
    );
    use app::clock::Clock;
    let res = common::slack::post_signed(
        &app,
        "/api/slack/interactive",
        &body,
        app.clock.now().timestamp(),
        common::slack::SECRET,
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(status(&app, &incident).await, "ACKNOWLEDGED");
}

#[tokio::test]
async fn an_ntfy_page_has_an_acknowledge_action_that_acknowledges() {
    let Setup {
        app,
        push,
        admin,
        ann,
        ann_cred,
        ..
    } = setup().await;
    let topic = format!("{}/protected-ann", push.base);
    let (s, m) = add_method(
        &app,
        &ann_cred,
        json!({"kind": "NTFY", "address": topic, "label": "Phone", "secret": NTFY_TOKEN}),
    )
    .await;
    assert_eq!(s, 200, "{m}");
    let sealed: String =
        sqlx::query_scalar("SELECT secret FROM contact_methods WHERE kind = 'NTFY'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(
        sealed.starts_with("v1:") && !sealed.contains(NTFY_TOKEN),
        "sealed at rest"
    );
    let service = paged_by(&app, &admin, &ann, "NTFY").await;
    let _engine = app.start_engine(None);
    let incident = app.create_incident(&admin, &service, "Queue stuck").await;
    let got = push.wait_for("the publish", |g| !g.is_empty()).await;
    assert_eq!(got[0].verdict, Ok(()), "{:#?}", got[0]);
    let msg = &got[0].body;
    assert_eq!(msg["topic"], "protected-ann");
    assert_eq!(msg["priority"], 5, "high urgency is max priority");
    assert!(msg["click"].as_str().unwrap().ends_with(&incident));
    let action = &msg["actions"][0];
    assert_eq!(
        (action["action"].as_str(), action["label"].as_str()),
        (Some("http"), Some("Acknowledge"))
    );
    assert_eq!(status(&app, &incident).await, "OPEN");
    // The phone's ntfy app runs the action: a POST of the body to the URL.
    let res = reqwest::Client::new()
        .post(action["url"].as_str().unwrap())
        .header("content-type", "application/json")
        .body(action["body"].as_str().unwrap().to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(status(&app, &incident).await, "ACKNOWLEDGED");
}

#[tokio::test]
async fn a_pushover_emergency_is_acknowledged_by_its_callback_and_cancelled_when_acked_elsewhere() {
    let Setup {
        app,
        push,
        admin,
        ann,
        ann_cred,
        ..
    } = setup().await;
    let key = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";
    let (s, m) = add_method(
        &app,
        &ann_cred,
        json!({"kind": "PUSHOVER", "address": key, "label": "Pushover"}),
    )
    .await;
    assert_eq!(s, 200, "{m}");
    let service = paged_by(&app, &admin, &ann, "PUSHOVER").await;
    let _engine = app.start_engine(None);
    let first = app.create_incident(&admin, &service, "Payments down").await;
    let got = push.wait_for("the emergency", |g| !g.is_empty()).await;
    assert_eq!(got[0].verdict, Ok(()), "{:#?}", got[0]);
    let p = &got[0].body;
    assert_eq!(
        (
            p["priority"].as_str(),
            p["retry"].as_str(),
            p["expire"].as_str()
        ),
        (Some("2"), Some("60"), Some("3600"))
    );
    assert_eq!(p["user"], key);
    let callback = p["callback"].as_str().unwrap().to_owned();
    assert!(callback.starts_with(&format!("{}/api/pushover/callback/", app.base)));
    app.settle().await;
    let receipt: String =
        sqlx::query_scalar("SELECT provider_id FROM notifications WHERE channel = 'PUSHOVER'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let post = |url: String, receipt: String| async move {
        reqwest::Client::new()
            .post(url)
            .form(&[
                ("receipt", receipt.as_str()),
                ("acknowledged", "1"),
                ("acknowledged_at", "1700000000"),
                ("acknowledged_by", "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"),
                ("acknowledged_by_device", "iphone"),
            ])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    // Forged token, or another receipt: 401, nothing changes.
    let forged = format!(
        "{}/api/pushover/callback/AAAA{}",
        app.base,
        &callback[callback.len() - 10..]
    );
    assert_eq!(post(forged, receipt.clone()).await, 401);
    assert_eq!(
        post(callback.clone(), "rcpt99999999999999999999999999".into()).await,
        401
    );
    assert_eq!(status(&app, &first).await, "OPEN");
    assert_eq!(post(callback.clone(), receipt.clone()).await, 200);
    assert_eq!(status(&app, &first).await, "ACKNOWLEDGED");
    let via: String = sqlx::query_scalar("SELECT details->>'via' FROM incident_timeline WHERE incident_id = $1::uuid AND kind = 'ACKNOWLEDGED'")
        .bind(&first)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(via, "Pushover");

    // A second emergency, acknowledged in the web app: its receipt is cancelled.
    let second = app
        .create_incident(&admin, &service, "Payments down again")
        .await;
    push.wait_for("the second emergency", |g| {
        g.iter().filter(|g| g.path == "/1/messages.json").count() == 2
    })
    .await;
    app.settle().await;
    let receipt2: String = sqlx::query_scalar(
        "SELECT provider_id FROM notifications WHERE channel = 'PUSHOVER' AND incident_id = $1::uuid",
    )
    .bind(&second)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let (s, _) = app
        .call(
            "/api/incidents/acknowledge",
            json!({"ids": [second]}),
            &admin,
        )
        .await;
    assert_eq!(s, 200);
    let got = push
        .wait_for("the cancel", |g| {
            g.iter().any(|g| g.path.contains("/cancel.json"))
        })
        .await;
    let cancels: Vec<_> = got
        .iter()
        .filter(|g| g.path.contains("/cancel.json"))
        .collect();
    assert_eq!(
        cancels[0].path,
        format!("/1/receipts/{receipt2}/cancel.json")
    );
    assert_eq!(cancels[0].verdict, Ok(()));
    app.settle().await;
    assert_eq!(
        push.got()
            .iter()
            .filter(|g| g.path.contains("/cancel.json"))
            .count(),
        1,
        "only the receipt of the incident acknowledged elsewhere; the first was acknowledged on the phone (and was resolved by nobody)"
    );
}
