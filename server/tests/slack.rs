//! Slack (issue 18), end to end on the manual clock against a fake Slack at the HTTP boundary:
//! an incident posts Block Kit with Acknowledge/Resolve/Open to the channel; a button press,
//! signed as Slack signs it, acts as the OpsKnight user with the Slack user's email, and the
//! message is updated in place; repeats change nothing; bad, stale or missing signatures are
//! 401 and change nothing; unknown people are told to link their account; 429 waits out
//! Retry-After; an archived channel turns the destination off; slash commands; three engines
//! post each event once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::clock::Clock;
use app::domain::Role;
use common::slack::{self, CHANNEL, FakeSlack, SECRET, post_signed, press_body};
use common::{Cred, TestApp, spawn_app_with_chat};
use serde_json::{Value, json};

async fn slack_channel(app: &TestApp, admin: &Cred, service: &str) -> String {
    let (s, added) = app
        .call(
            "/api/services/channels/add",
            json!({"service_id": service, "kind": "SLACK", "target": CHANNEL,
                   "events": ["triggered", "acknowledged", "resolved", "annotated"]}),
            admin,
        )
        .await;
    assert_eq!(s, 200, "{added}");
    assert_eq!(added["secret"], Value::Null, "only webhooks have a secret");
    added["channel"]["id"].as_str().unwrap().to_owned()
}

fn buttons(body: &Value) -> Vec<String> {
    body["attachments"][0]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().unwrap().clone())
        .map(|e| e["action_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn status(app: &TestApp, incident: &str) -> String {
    sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1::uuid")
        .bind(incident)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

struct Setup {
    app: TestApp,
    fake: FakeSlack,
    admin: Cred,
    service: String,
    channel: String,
}

async fn setup() -> Setup {
    let fake = FakeSlack::start().await;
    let app = spawn_app_with_chat(fake.config()).await;
    let admin = app.admin_session().await;
    let (service, _) = app.service_with_key(&admin, "Checkout").await;
    let channel = slack_channel(&app, &admin, &service).await;
    app.add_user("ann@example.com", Role::Responder).await;
    fake.add_user("U0ANN", "ann@example.com");
    Setup {
        app,
        fake,
        admin,
        service,
        channel,
    }
}

#[tokio::test]
async fn a_button_press_acts_as_the_matched_user_and_the_message_is_updated_in_place() {
    let Setup {
        app,
        fake,
        admin,
        service,
        ..
    } = setup().await;
    let _engine = app.start_engine(None);
    let incident = app
        .create_incident(&admin, &service, "Checkout <down>")
        .await;
    let calls = fake
        .wait_for("the post", |c| {
            c.iter()
                .any(|c| c.method == "chat.postMessage" && c.answer == "ok")
        })
        .await;
    let post = calls
        .iter()
        .find(|c| c.method == "chat.postMessage")
        .unwrap();
    assert_eq!(post.body["channel"], CHANNEL);
    assert!(
        post.body["text"]
            .as_str()
            .unwrap()
            .contains("Checkout &lt;down&gt;")
            || post.body["text"]
                .as_str()
                .unwrap()
                .contains("Checkout <down>")
    );
    assert_eq!(
        buttons(&post.body),
        ["opsknight_ack", "opsknight_resolve", "opsknight_open"]
    );
    let ts = "1700000000.000001";
    let now = app.clock.now().timestamp();

    // Refused: a bad signature, a stale one, none. Nothing changes.
    let body = press_body(&fake, "U0ANN", "opsknight_ack", &incident, ts);
    for (ts_sent, secret) in [
        (now, "wrong-secret-000000"),
        (now - 301, SECRET),
        (now + 301, SECRET),
    ] {
        let res = post_signed(&app, "/api/slack/interactive", &body, ts_sent, secret).await;
        assert_eq!(res.status(), 401);
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["field"], "x-slack-signature", "{e}");
    }
    let res = app
        .http
        .post(app.url("/api/slack/interactive"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(status(&app, &incident).await, "OPEN");

    // Signed: Ann acknowledges, and the message loses its Acknowledge button.
    let started = std::time::Instant::now();
    let res = post_signed(&app, "/api/slack/interactive", &body, now, SECRET).await;
    assert_eq!(res.status(), 200);
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert_eq!(status(&app, &incident).await, "ACKNOWLEDGED");
    let via: Value = sqlx::query_scalar(
        "SELECT jsonb_build_object('via', details->>'via', 'who', (SELECT email FROM users WHERE id = actor_user_id))
         FROM incident_timeline WHERE incident_id = $1::uuid AND kind = 'ACKNOWLEDGED'",
    )
    .bind(&incident)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(via, json!({"via": "Slack", "who": "ann@example.com"}));
    app.settle().await;
    let calls = fake
        .wait_for("the update", |c| {
            c.iter()
                .any(|c| c.method == "chat.update" && c.answer == "ok")
        })
        .await;
    let update = calls.iter().find(|c| c.method == "chat.update").unwrap();
    assert_eq!(update.body["ts"], ts);
    assert_eq!(update.body["channel"], CHANNEL);
    assert_eq!(
        buttons(&update.body),
        ["opsknight_resolve", "opsknight_open"]
    );
    assert!(
        update.body["text"]
            .as_str()
            .unwrap()
            .contains("Acknowledged")
    );

    // The very same request again (a replay): refused, and nothing is said or done.
    let res = post_signed(&app, "/api/slack/interactive", &body, now, SECRET).await;
    assert_eq!(res.status(), 409);
    // A second press (Slack signs it anew): nothing changes; the presser is told so, privately.
    let res = post_signed(&app, "/api/slack/interactive", &body, now + 1, SECRET).await;
    assert_eq!(res.status(), 200);
    let told = fake.wait_responses(1).await;
    assert_eq!(told[0]["response_type"], "ephemeral");
    assert!(
        told[0]["text"].as_str().unwrap().contains("already"),
        "{told:?}"
    );
    app.settle().await;
    assert_eq!(
        fake.ok_calls("chat.update").len(),
        1,
        "a repeat press updates nothing"
    );

    // Resolve: the message is updated again, with only Open left; still one post.
    let resolve = press_body(&fake, "U0ANN", "opsknight_resolve", &incident, ts);
    let res = post_signed(&app, "/api/slack/interactive", &resolve, now + 2, SECRET).await;
    assert_eq!(res.status(), 200);
    app.settle().await;
    let calls = fake
        .wait_for("the second update", |c| {
            c.iter()
                .filter(|c| c.method == "chat.update" && c.answer == "ok")
                .count()
                == 2
        })
        .await;
    let last = calls
        .iter()
        .rev()
        .find(|c| c.method == "chat.update")
        .unwrap();
    assert_eq!(buttons(&last.body), ["opsknight_open"]);
    assert_eq!(status(&app, &incident).await, "RESOLVED");
    assert_eq!(
        fake.ok_calls("chat.postMessage").len(),
        1,
        "updated in place, never reposted"
    );
}

#[tokio::test]
async fn an_unknown_slack_user_is_told_to_link_their_account_and_nothing_changes() {
    let Setup {
        app,
        fake,
        admin,
        service,
        ..
    } = setup().await;
    let incident = app.create_incident(&admin, &service, "Disk full").await;
    let now = app.clock.now().timestamp();
    let body = press_body(&fake, "U0STRANGER", "opsknight_ack", &incident, "1.2");
    let res = post_signed(&app, "/api/slack/interactive", &body, now, SECRET).await;
    assert_eq!(res.status(), 200);
    let told = fake.wait_responses(1).await;
    assert_eq!(told[0]["response_type"], "ephemeral");
    assert!(
        told[0]["text"].as_str().unwrap().contains("not linked"),
        "{told:?}"
    );
    assert_eq!(status(&app, &incident).await, "OPEN");
    assert_eq!(app.count("chat_links").await, 0);
}

#[tokio::test]
async fn a_429_waits_out_retry_after_and_an_archived_channel_turns_the_destination_off() {
    let Setup {
        app,
        fake,
        admin,
        service,
        channel,
    } = setup().await;
    fake.script(vec![Err((429, 7))]);
    let _engine = app.start_engine(None);
    app.create_incident(&admin, &service, "First").await;
    fake.wait_for("the 429", |c| c.iter().any(|c| c.answer == "HTTP 429"))
        .await;
    app.settle().await;
    let attempts: i32 =
        sqlx::query_scalar("SELECT attempts FROM jobs WHERE kind = 'CHANNEL_DELIVERY'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(attempts, 0, "a 429 uses no attempt");
    app.advance(chrono::Duration::seconds(6)).await;
    assert!(
        fake.ok_calls("chat.postMessage").is_empty(),
        "not before Retry-After"
    );
    app.advance(chrono::Duration::seconds(2)).await;
    fake.wait_for("the post after the wait", |c| {
        c.iter()
            .any(|c| c.method == "chat.postMessage" && c.answer == "ok")
    })
    .await;

    fake.script(vec![Ok("is_archived".into())]);
    app.create_incident(&admin, &service, "Second").await;
    fake.wait_for("the refusal", |c| {
        c.iter().any(|c| c.answer == "is_archived")
    })
    .await;
    app.settle().await;
    let (s, list) = app
        .call(
            "/api/services/channels/list",
            json!({"service_id": service}),
            &admin,
        )
        .await;
    assert_eq!(s, 200);
    let c = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == json!(channel))
        .unwrap();
    assert_eq!(c["enabled"], false);
    assert!(
        c["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("is_archived"),
        "{c}"
    );
}

#[tokio::test]
async fn three_engines_post_each_event_once() {
    let Setup {
        app,
        fake,
        admin,
        service,
        ..
    } = setup().await;
    let _engines = [
        app.start_engine(None),
        app.start_engine(None),
        app.start_engine(None),
    ];
    let mut incidents = Vec::new();
    for i in 0..5 {
        incidents.push(
            app.create_incident(&admin, &service, &format!("Incident {i}"))
                .await,
        );
    }
    let (s, _) = app
        .call(
            "/api/incidents/acknowledge",
            json!({"ids": incidents}),
            &admin,
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .call(
            "/api/incidents/note",
            json!({"id": incidents[0], "note": "looking"}),
            &admin,
        )
        .await;
    assert_eq!(s, 200);
    // A busy message defers a delivery by a second of the manual clock.
    for _ in 0..5 {
        app.advance(chrono::Duration::seconds(1)).await;
    }
    let calls = fake
        .wait_for("every event", |c| {
            c.iter()
                .filter(|c| c.answer == "ok" && c.method == "chat.postMessage")
                .count()
                == 6
                && c.iter()
                    .filter(|c| c.answer == "ok" && c.method == "chat.update")
                    .count()
                    == 5
        })
        .await;
    app.settle().await;
    let posts: Vec<&slack::Call> = calls
        .iter()
        .filter(|c| c.method == "chat.postMessage" && c.answer == "ok")
        .collect();
    let top: Vec<_> = posts
        .iter()
        .filter(|c| c.body["thread_ts"].is_null())
        .collect();
    assert_eq!(top.len(), 5, "one message per incident");
    let replies: Vec<_> = posts
        .iter()
        .filter(|c| !c.body["thread_ts"].is_null())
        .collect();
    assert_eq!(replies.len(), 1, "the note is one thread reply");
    assert!(
        replies[0].body["text"]
            .as_str()
            .unwrap()
            .contains("looking")
    );
    assert_eq!(
        fake.ok_calls("chat.update").len(),
        5,
        "one update per acknowledgement"
    );
}

#[tokio::test]
async fn an_event_while_the_first_post_is_in_flight_updates_that_message_instead_of_posting_again()
{
    let Setup {
        app,
        fake,
        admin,
        service,
        ..
    } = setup().await;
    fake.slow(std::time::Duration::from_millis(600));
    let _engine = app.start_engine(None);
    let incident = app.create_incident(&admin, &service, "Slow Slack").await;
    // The triggered post is in flight (its job is running) when the acknowledgement's
    // delivery starts.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let running: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE kind = 'CHANNEL_DELIVERY' AND status = 'PROCESSING'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if running == 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the post never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let (s, _) = app
        .call(
            "/api/incidents/acknowledge",
            json!({"ids": [incident]}),
            &admin,
        )
        .await;
    assert_eq!(s, 200);
    fake.wait_for("the post", |c| {
        c.iter()
            .any(|c| c.method == "chat.postMessage" && c.answer == "ok")
    })
    .await;
    // The held-off delivery comes back a second later (of the manual clock).
    for _ in 0..3 {
        app.advance(chrono::Duration::seconds(1)).await;
    }
    fake.wait_for("the update", |c| {
        c.iter()
            .any(|c| c.method == "chat.update" && c.answer == "ok")
    })
    .await;
    app.settle().await;
    assert_eq!(
        fake.ok_calls("chat.postMessage").len(),
        1,
        "{:#?}",
        fake.calls()
    );
    assert_eq!(fake.ok_calls("chat.update").len(), 1);
}

#[tokio::test]
async fn slash_commands_act_add_notes_and_say_who_is_on_call() {
    let Setup {
        app,
        fake,
        admin,
        service,
        ..
    } = setup().await;
    let incident = app.create_incident(&admin, &service, "Disk full").await;
    let number: i64 = sqlx::query_scalar("SELECT number FROM incidents WHERE id = $1::uuid")
        .bind(&incident)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let now = app.clock.now().timestamp();
    let command = |user: &str, text: &str| {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("team_id", "T0TEAM")
            .append_pair("channel_id", CHANNEL)
            .append_pair("user_id", user)
            .append_pair("command", "/incident")
            .append_pair("text", text)
            .append_pair("response_url", &format!("{}/respond/2", fake.base))
            .finish()
    };
    let run = |user: &'static str, text: String| {
        let body = command(user, &text);
        let app = &app;
        async move {
            let res = post_signed(app, "/api/slack/commands", &body, now, SECRET).await;
            assert_eq!(res.status(), 200);
            let v: Value = res.json().await.unwrap();
            assert_eq!(v["response_type"], "ephemeral");
            v["text"].as_str().unwrap().to_owned()
        }
    };
    assert!(run("U0ANN", "help".into()).await.contains("/incident ack"));
    assert!(
        run("U0ANN", "dance".into())
            .await
            .contains("not an /incident command")
    );
    assert!(
        run("U0ANN", "ack".into())
            .await
            .contains("Say which incident")
    );
    assert!(
        run("U0ANN", "ack 99999".into())
            .await
            .contains("no incident #99999")
    );
    assert!(
        run("U0STRANGER", format!("ack {number}"))
            .await
            .contains("not linked")
    );
    assert_eq!(status(&app, &incident).await, "OPEN");
    assert_eq!(
        run("U0ANN", format!("ack {number}")).await,
        format!("Acknowledged #{number}")
    );
    assert_eq!(status(&app, &incident).await, "ACKNOWLEDGED");
    assert_eq!(
        run("U0ANN", format!("note #{number} restarted the pods")).await,
        format!("Note added to #{number}")
    );
    let note: String = sqlx::query_scalar(
        "SELECT details->>'note' FROM incident_timeline WHERE incident_id = $1::uuid AND kind = 'NOTE'",
    )
    .bind(&incident)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(note, "restarted the pods");
    // No policy on this service: nobody to name, said plainly.
    assert!(
        run("U0ANN", "who".into())
            .await
            .contains("*Checkout*: nobody is on call")
    );
    let bad = post_signed(
        &app,
        "/api/slack/commands",
        &command("U0ANN", "help"),
        now - 600,
        SECRET,
    )
    .await;
    assert_eq!(bad.status(), 401);
}

#[tokio::test]
async fn who_names_the_people_step_one_pages_now() {
    let fake = FakeSlack::start().await;
    let app = spawn_app_with_chat(fake.config()).await;
    let admin = app.admin_session().await;
    let ann = app.add_user("ann@example.com", Role::Responder).await;
    fake.add_user("U0ANN", "ann@example.com");
    let service = app
        .service_with_policy(
            &admin,
            "Payments",
            json!([{"delay_minutes": 5, "targets": [{"kind": "USER", "id": ann.id}]}]),
        )
        .await;
    slack_channel(&app, &admin, &service).await;
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("channel_id", CHANNEL)
        .append_pair("user_id", "U0ANN")
        .append_pair("command", "/incident")
        .append_pair("text", "who")
        .finish();
    let res = post_signed(
        &app,
        "/api/slack/commands",
        &body,
        app.clock.now().timestamp(),
        SECRET,
    )
    .await;
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["text"], format!("*Payments*: {}", ann.name));
}

#[tokio::test]
async fn a_test_message_reaches_the_channel_and_bad_targets_are_400s_naming_the_field() {
    let Setup {
        app,
        fake,
        admin,
        service,
        channel,
    } = setup().await;
    let _engine = app.start_engine(None);
    let (s, _) = app
        .call(
            "/api/services/channels/test",
            json!({"id": channel}),
            &admin,
        )
        .await;
    assert_eq!(s, 200);
    let calls = fake
        .wait_for("the test", |c| c.iter().any(|c| c.answer == "ok"))
        .await;
    assert!(
        calls[0].body["text"]
            .as_str()
            .unwrap()
            .contains("this channel works")
    );
    for (kind, target) in [
        ("SLACK", "#general"),
        ("SLACK", ""),
        ("DISCORD", "https://example.com/x"),
    ] {
        let (s, e) = app
            .call(
                "/api/services/channels/add",
                json!({"service_id": service, "kind": kind, "target": target, "events": ["triggered"]}),
                &admin,
            )
            .await;
        assert_eq!(s, 400, "{e}");
        assert_eq!(e["field"], "target", "{e}");
    }
    let (s, e) = app
        .call(
            "/api/services/channels/add",
            json!({"service_id": null, "kind": "SLACK", "target": CHANNEL, "events": ["triggered"]}),
            &admin,
        )
        .await;
    assert_eq!(s, 400, "{e}");
    assert_eq!(e["field"], "service_id");
}
