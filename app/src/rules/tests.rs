//! Rule evaluation on a table of events × rules (every operator, time conditions across DST),
//! save-time refusals, and properties: the first enabled match wins, and a drop is final.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::eval::{Compiled, evaluate};
use super::parse::parse_rules;
use super::*;
use crate::domain::Severity;
use crate::error::AppError;
use crate::incidents::{EventAction, InboundEvent};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn compiled(rules: Value, global: bool) -> Compiled {
    Compiled::new(parse_rules("rules", &rules, global).unwrap()).unwrap()
}

fn alert(labels: Value, summary: &str, severity: Severity) -> InboundEvent {
    InboundEvent {
        action: EventAction::Trigger,
        dedup_key: Some("k".into()),
        summary: summary.into(),
        source: "prometheus".into(),
        severity,
        payload: json!({"labels": labels, "annotations": {"summary": summary}}),
    }
}

fn events_v2(details: Value, severity: &str) -> InboundEvent {
    InboundEvent {
        action: EventAction::Trigger,
        dedup_key: None,
        summary: "CPU high on web-3".into(),
        source: "web-3".into(),
        severity: Severity::parse(severity).unwrap(),
        payload: json!({"routing_key": "r", "event_action": "trigger", "payload": {
            "summary": "CPU high on web-3", "source": "web-3", "severity": severity,
            "custom_details": details}}),
    }
}

fn rule(name: &str, when: Value, then: Value) -> Value {
    json!({"name": name, "when": when, "then": then})
}

/// Which rule of `rules` (1-based) applies to `ev` at `now`, if any.
fn which(rules: &Compiled, ev: &InboundEvent, now: &str) -> Option<usize> {
    rules.first_match(ev, at(now)).map(|(i, _)| i + 1)
}

#[test]
fn every_operator_on_a_table_of_events() {
    let t = |field: &str, op: &str, value: Value| json!({"field": field, "op": op, "value": value});
    let rules = compiled(
        json!([
            rule(
                "staging",
                t("custom_details.env", "equals", json!("staging")),
                json!({"drop": true})
            ),
            rule(
                "disk",
                t("summary", "contains", json!("disk")),
                json!({"urgency": "LOW"})
            ),
            rule(
                "regex",
                t("labels.alertname", "matches", json!("^Kube(Pod|Node)")),
                json!({"priority": "P2"})
            ),
            rule(
                "has-team",
                json!({"field": "labels.team", "op": "exists"}),
                json!({"note": "team"})
            ),
            rule(
                "hot",
                t("custom_details.temp", "gt", json!(90)),
                json!({"suppress": true})
            ),
            rule(
                "cool",
                t("custom_details.temp", "lte", json!("10")),
                json!({"suppress": true})
            ),
            rule(
                "warm",
                json!({"all": [t("custom_details.temp", "gte", json!(50)),
                                        t("custom_details.temp", "lt", json!(60))]}),
                json!({"note": "warm"})
            ),
            rule(
                "list",
                t("custom_details.tags", "contains", json!("pci")),
                json!({"priority": "P1"})
            ),
            rule(
                "sev",
                json!({"any": [t("payload.severity", "equals", json!("info")),
                                       t("severity", "equals", json!("warning"))]}),
                json!({"urgency": "LOW"})
            ),
            rule(
                "not-prod",
                json!({"not": t("custom_details.env", "equals", json!("prod"))}),
                json!({"note": "np"})
            ),
        ]),
        false,
    );
    let now = "2026-03-10T12:00:00Z";
    let cases: Vec<(InboundEvent, Option<usize>)> = vec![
        (events_v2(json!({"env": "staging"}), "critical"), Some(1)),
        (
            alert(
                json!({"alertname": "X"}),
                "disk 91% full",
                Severity::Critical,
            ),
            Some(2),
        ),
        (
            alert(
                json!({"alertname": "Disk"}),
                "Disk full",
                Severity::Critical,
            ),
            Some(10),
        ),
        (
            alert(
                json!({"alertname": "KubePodCrashLooping"}),
                "crash",
                Severity::Error,
            ),
            Some(3),
        ),
        (
            alert(json!({"alertname": "MyKubePod"}), "crash", Severity::Error),
            Some(10),
        ),
        (
            alert(
                json!({"alertname": "A", "team": "db"}),
                "x",
                Severity::Error,
            ),
            Some(4),
        ),
        (
            events_v2(json!({"env": "prod", "temp": 91}), "critical"),
            Some(5),
        ),
        (
            events_v2(json!({"env": "prod", "temp": "90"}), "critical"),
            None,
        ),
        (
            events_v2(json!({"env": "prod", "temp": "9.5"}), "critical"),
            Some(6),
        ),
        (
            events_v2(json!({"env": "prod", "temp": 55}), "critical"),
            Some(7),
        ),
        (
            events_v2(json!({"env": "prod", "temp": 60}), "critical"),
            None,
        ),
        (
            events_v2(json!({"env": "prod", "temp": "hot"}), "critical"),
            None,
        ),
        (
            events_v2(json!({"env": "prod", "tags": ["web", "pci"]}), "critical"),
            Some(8),
        ),
        (
            events_v2(json!({"env": "prod", "tags": ["pcix"]}), "critical"),
            None,
        ),
        (events_v2(json!({"env": "prod"}), "info"), Some(9)),
        (events_v2(json!({"env": "prod"}), "warning"), Some(9)),
        (events_v2(json!({"env": "prod"}), "error"), None),
    ];
    for (i, (ev, want)) in cases.iter().enumerate() {
        assert_eq!(which(&rules, ev, now), *want, "case {i}: {}", ev.payload);
    }
}

#[test]
fn time_conditions_follow_each_zone_across_dst() {
    let rules = compiled(
        json!([
            rule(
                "berlin office",
                json!({"time": {"zone": "Europe/Berlin",
                "days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "17:00"}}),
                json!({"urgency": "HIGH"})
            ),
            rule(
                "ny night",
                json!({"time": {"zone": "America/New_York", "days": [],
                "from": "22:00", "to": "06:00"}}),
                json!({"urgency": "LOW"})
            ),
        ]),
        false,
    );
    let ev = alert(json!({}), "x", Severity::Error);
    // Berlin moves to summer time on 29 March 2026; New York moved on 8 March.
    let table = [
        ("2026-03-27T08:30:00Z", Some(1)), // Fri 09:30 CET
        ("2026-03-27T16:30:00Z", None),    // Fri 17:30 CET, 12:30 EDT
        ("2026-03-30T07:30:00Z", Some(1)), // Mon 09:30 CEST
        ("2026-03-30T15:30:00Z", None),    // Mon 17:30 CEST, 11:30 EDT
        ("2026-03-07T03:30:00Z", Some(2)), // Fri 22:30 EST
        ("2026-03-09T02:30:00Z", Some(2)), // Sun 22:30 EDT (UTC-4 now)
        ("2026-03-09T10:30:00Z", Some(1)), // Mon 11:30 CET, 06:30 EDT (the night is over)
    ];
    for (now, want) in table {
        assert_eq!(which(&rules, &ev, now), want, "{now}");
    }
}

#[test]
fn the_global_rules_run_first_and_the_service_wins_where_both_act() {
    let global = compiled(
        json!([rule(
            "key",
            json!({"field": "labels.alertname", "op": "exists"}),
            json!({"dedup_key": "{{labels.alertname}}/{{labels.cluster}}", "urgency": "HIGH",
                   "note": "grouped"})
        )]),
        true,
    );
    let service = compiled(
        json!([rule(
            "low",
            json!({}),
            json!({"urgency": "LOW", "suppress": true})
        )]),
        false,
    );
    let ev = alert(
        json!({"alertname": "DiskFull", "cluster": "eu-1"}),
        "x",
        Severity::Critical,
    );
    let out = evaluate(&global, &service, &ev, at("2026-03-10T12:00:00Z"));
    assert_eq!(out.dedup_key.as_deref(), Some("DiskFull/eu-1"));
    assert_eq!(out.urgency, Some(Urgency::Low));
    assert!(out.suppress);
    assert_eq!(out.notes, vec!["grouped".to_owned()]);
    assert_eq!(out.matched.len(), 2);

    let dropping = compiled(json!([rule("all", json!({}), json!({"drop": true}))]), true);
    let out = evaluate(&dropping, &service, &ev, at("2026-03-10T12:00:00Z"));
    assert!(
        out.drop && !out.suppress,
        "a global drop ends evaluation: {out:?}"
    );
}

fn refusal(rules: Value, global: bool) -> (String, String) {
    match parse_rules("rules", &rules, global) {
        Err(AppError::Invalid { field, message }) => (field, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn bad_rules_are_refused_at_save_naming_the_place() {
    let t = |v: Value| json!([rule("r", v, json!({"drop": true}))]);
    let catastrophic =
        t(json!({"field": "summary", "op": "matches", "value": "((a{100}){100}){100}"}));
    let (field, message) = refusal(catastrophic, false);
    assert_eq!(field, "rules[0].when.value");
    assert!(message.contains("too costly"), "{message}");
    let cases = [
        (
            t(json!({"field": "summary", "op": "matches", "value": "(unclosed"})),
            "rules[0].when.value",
        ),
        (
            t(json!({"field": "summary", "op": "near", "value": "x"})),
            "rules[0].when.op",
        ),
        (
            t(json!({"field": "summary", "op": "gt", "value": "ten"})),
            "rules[0].when.value",
        ),
        (
            t(json!({"field": "summary", "op": "equals"})),
            "rules[0].when.value",
        ),
        (
            t(json!({"field": "a..b", "op": "exists"})),
            "rules[0].when.field",
        ),
        (
            t(json!({"all": [{"any": [{"nope": 1}]}]})),
            "rules[0].when.all[0].any[0]",
        ),
        (
            t(
                json!({"time": {"zone": "Europe/Berlin", "days": ["mon"], "from": "9:00", "to": "17:00"}}),
            ),
            "rules[0].when.time.from",
        ),
        (
            json!([rule("r", json!({}), json!({"drop": true, "note": "x"}))]),
            "rules[0].then.drop",
        ),
        (json!([rule("r", json!({}), json!({}))]), "rules[0].then"),
        (
            json!([rule("r", json!({}), json!({"urgency": "LOUD"}))]),
            "rules[0].then.urgency",
        ),
        (
            json!([rule("r", json!({}), json!({"priority": "P9"}))]),
            "rules[0].then.priority",
        ),
        (
            json!([rule("r", json!({}), json!({"dedup_key": "{{labels.a"}))]),
            "rules[0].then.dedup_key",
        ),
        (
            json!([rule(
                "r",
                json!({}),
                json!({"route_to": "00000000-0000-0000-0000-000000000001"})
            )]),
            "rules[0].then.route_to",
        ),
        (
            json!([{"name": "", "then": {"drop": true}}]),
            "rules[0].name",
        ),
        (json!({"name": "x"}), "rules"),
    ];
    for (rules, want) in cases {
        assert_eq!(refusal(rules.clone(), false).0, want, "{rules}");
    }
    // Deep nesting is refused.
    let mut deep = json!({"field": "summary", "op": "exists"});
    for _ in 0..10 {
        deep = json!({"not": deep});
    }
    assert!(refusal(t(deep), false).1.contains("nest"));
}

#[test]
fn rules_survive_the_round_trip_through_their_stored_form() {
    let src = json!([
        rule("a", json!({"all": [{"field": "summary", "op": "contains", "value": "x"},
            {"not": {"field": "labels.t", "op": "exists"}},
            {"time": {"zone": "UTC", "days": ["sat"], "from": "00:00", "to": "24:00"}}]}),
            json!({"suppress": true, "priority": "P3", "dedup_key": "{{labels.a}}"})),
        {"name": "b", "enabled": false, "when": {"any": []}, "then": {"drop": true}},
    ]);
    let rules = parse_rules("rules", &src, false).unwrap();
    let again = parse_rules("rules", &rules_json(&rules), false).unwrap();
    assert_eq!(rules, again);
}

fn arb_rules() -> impl Strategy<Value = Vec<(u8, bool, bool)>> {
    // (the label value the rule tests for, enabled, drops)
    prop::collection::vec((0u8..4, any::<bool>(), any::<bool>()), 0..12)
}

proptest! {
    /// The rule that applies is the first enabled one whose condition holds; a drop takes the
    /// event whatever comes after it.
    #[test]
    fn the_first_enabled_match_applies(spec in arb_rules(), label in 0u8..4) {
        let src: Vec<Value> = spec.iter().enumerate().map(|(i, (v, enabled, drop))| json!({
            "name": format!("r{i}"), "enabled": enabled,
            "when": {"field": "labels.n", "op": "equals", "value": v.to_string()},
            "then": if *drop { json!({"drop": true}) } else { json!({"note": format!("r{i}")}) },
        })).collect();
        let rules = compiled(Value::Array(src), false);
        let none = compiled(json!([]), true);
        let ev = alert(json!({"n": label.to_string()}), "x", Severity::Error);
        let out = evaluate(&none, &rules, &ev, at("2026-03-10T12:00:00Z"));
        let first = spec.iter().position(|(v, enabled, _)| *enabled && *v == label);
        prop_assert_eq!(out.matched.first().map(|m| m.position - 1), first);
        prop_assert_eq!(out.drop, first.is_some_and(|i| spec[i].2));
        prop_assert!(out.matched.len() <= 1);
    }
}
