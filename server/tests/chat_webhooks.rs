//! Discord, Microsoft Teams and Mattermost channels (issue 18), against fakes that check what
//! the real ones check: Discord embeds within limits, its 429 `retry_after` and
//! `X-RateLimit-*` waited out, a 404 turning the destination off; the Teams Workflows card
//! with a signed acknowledge link that acts as whoever opens it signed in; Mattermost buttons
//! whose signed context token is checked (forged: 401, nothing changes), an unlinked presser
//! linking their account, and the post redrawn.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::Role;
use common::chatfakes::{Fakes, mattermost_press};
use common::{Cred, TestApp, spawn_app};
use serde_json::{Value, json};

async fn add(app: &TestApp, admin: &Cred, service: &str, kind: &str, target: &str) -> String {
    let (s, added) = app
        .call(
            "/api/services/channels/add",
            json!({"service_id": service, "kind": kind, "target": target,
                   "events": ["triggered", "acknowledged", "resolved", "annotated"]}),
            admin,
        )
        .await;
    assert_eq!(s, 200, "{added}");
    added["channel"]["id"].as_str().unwrap().to_owned()
}

async fn status(app: &TestApp, incident: &str) -> String {
    sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1::uuid")
        .bind(incident)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn channel(app: &TestApp, admin: &Cred, service: &str, id: &str) -> Value {
    let (_, list) = app
        .call(
            "/api/services/channels/list",
            json!({"service_id": service}),
            admin,
        )
        .await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == json!(id))
        .unwrap()
        .clone()
}

#[tokio::test]
async fn discord_gets_embeds_within_its_limits_waits_when_told_and_a_404_turns_it_off() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let fakes = Fakes::start().await;
    let (service, _) = app.service_with_key(&admin, "Checkout").await;
    let id = add(&app, &admin, &service, "DISCORD", &fakes.discord_url()).await;
    let _engine = app.start_engine(None);

    let huge = "x".repeat(600);
    let incident = app.create_incident(&admin, &service, &huge).await;
    let got = fakes.wait_for(1).await;
    assert_eq!(got[0].verdict, Ok(()), "{:#?}", got[0]);
    let embed = &got[0].body["embeds"][0];
    assert!(embed["title"].as_str().unwrap().starts_with('#'));
    assert!(embed["url"].as_str().unwrap().ends_with(&incident));
    assert_eq!(got[0].body["allowed_mentions"]["parse"], json!([]));

    // A 429 with a float retry_after: nothing before it, then the same event.
    fakes.script(vec![(
        429,
        vec![("retry-after", "2".into())],
        r#"{"message":"You are being rate limited.","retry_after":1.5,"global":false}"#.into(),
    )]);
    let (s, _) = app
        .call(
            "/api/incidents/acknowledge",
            json!({"ids": [incident]}),
            &admin,
        )
        .await;
    assert_eq!(s, 200);
    fakes.wait_for(2).await;
    app.settle().await;
    app.advance(chrono::Duration::milliseconds(1000)).await;
    assert_eq!(fakes.got().len(), 2, "not before retry_after");
    app.advance(chrono::Duration::milliseconds(600)).await;
    let got = fakes.wait_for(3).await;
    assert_eq!(got[2].verdict, Ok(()));
    assert!(
        got[2].body["content"]
            .as_str()
            .unwrap()
            .contains("Acknowledged")
    );

    // The bucket is empty: the next delivery waits for its reset.
    fakes.discord_headers(vec![
        ("x-ratelimit-limit", "5".into()),
        ("x-ratelimit-remaining", "0".into()),
        ("x-ratelimit-reset-after", "3.0".into()),
        ("x-ratelimit-bucket", "abcd".into()),
    ]);
    let (s, _) = app
        .call(
            "/api/incidents/note",
            json!({"id": incident, "note": "one"}),
            &admin,
        )
        .await;
    assert_eq!(s, 200);
    fakes.wait_for(4).await;
    app.settle().await;
    fakes.discord_headers(vec![]);
    let (s, _) = app
        .call(
            "/api/incidents/note",
            json!({"id": incident, "note": "two"}),
            &admin,
        )
        .await;
    assert_eq!(s, 200);
    app.settle().await;
    assert_eq!(fakes.got().len(), 4, "held off until the bucket resets");
    app.advance(chrono::Duration::seconds(3)).await;
    let got = fakes.wait_for(5).await;
    assert!(
        got[4].body["embeds"][0]["description"]
            .as_str()
            .unwrap()
            .contains("two")
    );

    // 404: the webhook was deleted; the destination turns off and says so.
    fakes.script(vec![(
        404,
        vec![],
        r#"{"message":"Unknown Webhook","code":10015}"#.into(),
    )]);
    let (s, _) = app
        .call("/api/incidents/resolve", json!({"ids": [incident]}), &admin)
        .await;
    assert_eq!(s, 200);
    fakes.wait_for(6).await;
    app.settle().await;
    let c = channel(&app, &admin, &service, &id).await;
    assert_eq!(c["enabled"], false);
    assert!(
        c["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("Discord answered 404"),
        "{c}"
    );
}

#[tokio::test]
async fn teams_gets_a_workflows_card_whose_acknowledge_link_acts_as_whoever_opens_it() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let fakes = Fakes::start().await;
    let (service, _) = app.service_with_key(&admin, "Checkout").await;
    add(&app, &admin, &service, "TEAMS", &fakes.teams_url()).await;
    let _engine = app.start_engine(None);
    let incident = app
        .create_incident(&admin, &service, "Checkout is down")
        .await;
    let got = fakes.wait_for(1).await;
    assert_eq!(got[0].verdict, Ok(()), "{:#?}", got[0]);
    let actions = got[0].body["attachments"][0]["content"]["actions"]
        .as_array()
        .unwrap()
        .clone();
    let ack = actions
        .iter()
        .find(|a| a["title"] == "Acknowledge")
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let open = actions.iter().find(|a| a["title"] == "Open").unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(open.ends_with(&format!("/incidents/{incident}")));
    let token = ack.split("token=").nth(1).unwrap().to_owned();
    assert!(ack.starts_with(&format!("{}/ack/chat?token=", app.base)));

    // The link's page needs a session; anonymous visitors go to sign in and come back.
    let (s, location) = app
        .page(&format!("/ack/chat?token={token}"), &Cred::Anonymous)
        .await;
    assert_eq!(s, 303);
    assert!(
        location
            .unwrap()
            .starts_with("/login?next=/ack/chat%3Ftoken%3D")
    );

    let bob = app.add_user("bob@example.com", Role::Responder).await;
    let bob_cred = app.session_for(bob.id).await;
    let mut forged = token.clone();
    forged.replace_range(0..1, if forged.starts_with('A') { "B" } else { "A" });
    let (s, e) = app
        .call("/api/chat/ack", json!({"token": forged}), &bob_cred)
        .await;
    assert_eq!((s, e["field"].as_str()), (400, Some("token")), "{e}");
    assert_eq!(status(&app, &incident).await, "OPEN");

    let (s, info) = app
        .call("/api/chat/ack-info", json!({"token": token}), &bob_cred)
        .await;
    assert_eq!(s, 200, "{info}");
    assert_eq!(info["title"], "Checkout is down");
    let (s, text) = app
        .call("/api/chat/ack", json!({"token": token}), &bob_cred)
        .await;
    assert_eq!(s, 200, "{text}");
    assert!(text.as_str().unwrap().starts_with("Acknowledged #"));
    assert_eq!(status(&app, &incident).await, "ACKNOWLEDGED");
    let who: (String, String) = sqlx::query_as(
        "SELECT details->>'via', (SELECT email FROM users WHERE id = actor_user_id)
         FROM incident_timeline WHERE incident_id = $1::uuid AND kind = 'ACKNOWLEDGED'",
    )
    .bind(&incident)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(who, ("Microsoft Teams".into(), "bob@example.com".into()));
    // A second click: nothing changes, and it says so.
    let (s, text) = app
        .call("/api/chat/ack", json!({"token": token}), &bob_cred)
        .await;
    assert_eq!(s, 200);
    assert!(text.as_str().unwrap().contains("already"), "{text}");
}

#[tokio::test]
async fn mattermost_buttons_carry_a_signed_token_and_act_as_the_linked_user() {
    let app = spawn_app().await;
    let admin = app.admin_session().await;
    let fakes = Fakes::start().await;
    let (service, _) = app.service_with_key(&admin, "Checkout").await;
    add(
        &app,
        &admin,
        &service,
        "MATTERMOST",
        &fakes.mattermost_url(),
    )
    .await;
    let _engine = app.start_engine(None);
    let incident = app.create_incident(&admin, &service, "Queue backlog").await;
    let got = fakes.wait_for(1).await;
    assert_eq!(got[0].verdict, Ok(()), "{:#?}", got[0]);
    let post = got[0].body.clone();
    let names: Vec<&str> = post["attachments"][0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acknowledge", "Resolve"]);
    assert_eq!(
        post["attachments"][0]["actions"][0]["integration"]["url"],
        format!("{}/api/mattermost/actions", app.base)
    );

    // A forged or missing token: 401, nothing changes.
    let mut forged = post.clone();
    forged["attachments"][0]["actions"][0]["integration"]["context"]["token"] = json!("AAAA");
    let (s, _) = mattermost_press(&forged, 0, "mmuser1").await;
    assert_eq!(s, 401);
    forged["attachments"][0]["actions"][0]["integration"]["context"] = json!({});
    let (s, _) = mattermost_press(&forged, 0, "mmuser1").await;
    assert_eq!(s, 401);
    assert_eq!(status(&app, &incident).await, "OPEN");

    // An unlinked presser is given a link; opened signed in, it links them.
    let (s, answer) = mattermost_press(&post, 0, "mmuser1").await;
    assert_eq!(s, 200);
    let text = answer["ephemeral_text"].as_str().unwrap();
    assert!(text.contains("not linked"), "{text}");
    assert_eq!(status(&app, &incident).await, "OPEN");
    let link_token = text
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches(',')
        .to_owned();
    let carol = app.add_user("carol@example.com", Role::Responder).await;
    let carol_cred = app.session_for(carol.id).await;
    let (s, info) = app
        .call(
            "/api/chat/link-info",
            json!({"token": link_token}),
            &carol_cred,
        )
        .await;
    assert_eq!(s, 200, "{info}");
    assert_eq!(
        info,
        json!({"provider": "MATTERMOST", "external_id": "mmuser1"})
    );
    let (s, _) = app
        .call("/api/chat/link", json!({"token": link_token}), &carol_cred)
        .await;
    assert_eq!(s, 200);

    let (s, answer) = mattermost_press(&post, 0, "mmuser1").await;
    assert_eq!(s, 200, "{answer}");
    assert_eq!(status(&app, &incident).await, "ACKNOWLEDGED");
    let redrawn = &answer["update"]["props"]["attachments"][0];
    let names: Vec<&str> = redrawn["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Resolve"], "{answer}");
    assert!(
        redrawn["text"]
            .as_str()
            .unwrap()
            .contains("Acknowledged by"),
        "{answer}"
    );
    // Pressing Acknowledge again changes nothing and says so.
    let (_, again) = mattermost_press(&post, 0, "mmuser1").await;
    assert!(
        again["ephemeral_text"]
            .as_str()
            .unwrap()
            .contains("already"),
        "{again}"
    );
    // Resolve from the redrawn post.
    let (s, _) = mattermost_press(&json!({"attachments": [redrawn]}), 0, "mmuser1").await;
    assert_eq!(s, 200);
    assert_eq!(status(&app, &incident).await, "RESOLVED");

    // Thirty-one days on, the original buttons have expired.
    app.clock.advance(chrono::Duration::days(31));
    let (s, old) = mattermost_press(&post, 1, "mmuser1").await;
    assert_eq!(s, 200);
    assert!(
        old["ephemeral_text"].as_str().unwrap().contains("expired"),
        "{old}"
    );
}
