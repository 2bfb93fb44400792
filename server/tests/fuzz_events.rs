//! Property test of `POST /v2/enqueue` through the real router and a real database: any body,
//! from raw bytes to near-valid Events v2 JSON, is answered 202, 400 (JSON naming what is
//! wrong), 413 or 429, never a 5xx and never a hang. The test command runs proptest's default
//! case count; `scripts/fuzz.sh` sets PROPTEST_CASES much higher.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

/// Bodies close to valid Events v2 events: every field present, absent, or of a wrong type.
fn event(key: String) -> impl Strategy<Value = Vec<u8>> {
    let text = || {
        prop_oneof![
            Just(Value::Null),
            any::<String>().prop_map(Value::from),
            "[a-z0-9 -]{0,40}".prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            Just(json!({"nested": [1, "x"]})),
        ]
    };
    let routing = prop_oneof![Just(Value::from(key)), text()];
    let action = prop_oneof![
        prop::sample::select(vec!["trigger", "acknowledge", "resolve"]).prop_map(Value::from),
        text(),
    ];
    let severity = prop_oneof![
        prop::sample::select(vec!["critical", "error", "warning", "info"]).prop_map(Value::from),
        text(),
    ];
    let event = (routing, action, text(), text(), text(), severity, text()).prop_map(
        |(routing_key, event_action, dedup_key, summary, source, severity, details)| {
            let mut v = json!({"routing_key": routing_key, "event_action": event_action,
                "dedup_key": dedup_key,
                "payload": {"summary": summary, "source": source, "severity": severity,
                            "custom_details": details}});
            // Drop nulls, so "missing" is tried as well as "wrong".
            if let Some(o) = v.as_object_mut() {
                o.retain(|_, x| !x.is_null());
            }
            if let Some(p) = v.get_mut("payload").and_then(Value::as_object_mut) {
                p.retain(|_, x| !x.is_null());
            }
            serde_json::to_vec(&v).unwrap()
        },
    );
    prop_oneof![
        3 => event,
        1 => prop::collection::vec(any::<u8>(), 0..512),
        1 => any::<String>().prop_map(String::into_bytes),
    ]
}

#[test]
fn any_body_gets_a_clean_answer_never_a_5xx() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (app, key) = rt.block_on(async {
        let app = common::spawn_app().await;
        let admin = app.admin_session().await;
        let (_, key) = app.service_with_key(&admin, "Fuzzed").await;
        (app, key)
    });
    let mut runner = TestRunner::new(Config::default());
    let seen = std::sync::Mutex::new(std::collections::BTreeMap::<u16, u32>::new());
    runner
        .run(&event(key), |body| {
            let (status, text) = rt.block_on(async {
                let res = tokio::time::timeout(
                    std::time::Duration::from_secs(10),
                    app.http
                        .post(app.url("/v2/enqueue"))
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send(),
                )
                .await
                .expect("an answer within 10 s")
                .unwrap();
                (res.status().as_u16(), res.text().await.unwrap())
            });
            *seen.lock().unwrap().entry(status).or_default() += 1;
            prop_assert!(
                matches!(status, 202 | 400 | 413 | 429),
                "{} for {:?}: {}",
                status,
                String::from_utf8_lossy(&body),
                text
            );
            if status == 400 {
                let v: Value = serde_json::from_str(&text)
                    .map_err(|e| TestCaseError::fail(format!("400 without JSON ({e}): {text}")))?;
                prop_assert!(
                    v.get("errors").is_some() || v.get("field").is_some(),
                    "{}",
                    text
                );
            }
            Ok(())
        })
        .unwrap();
    // The generator reaches both sides: accepted events and refused ones.
    let seen = seen.into_inner().unwrap();
    assert!(
        seen.contains_key(&202) && seen.contains_key(&400),
        "{seen:?}"
    );
}
