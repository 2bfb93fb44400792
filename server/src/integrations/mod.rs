//! Alert sources. Each file is a pure `parse` from a request body (and headers) to normalised
//! events, tested on real-format fixtures; nothing here touches the database.

pub mod alertmanager;
pub mod cloudwatch;
pub mod datadog;
pub mod grafana;
pub mod pagerduty;
pub mod webhook;

/// Why a payload was refused: one message per problem, naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub Vec<String>);

impl Invalid {
    pub fn one(message: impl Into<String>) -> Self {
        Invalid(vec![message.into()])
    }
}

/// The receivers' parsers by integration kind, for the event-rule test panel.
#[derive(Debug)]
pub struct Receivers;

impl app::rules::EventFormats for Receivers {
    fn parse(
        &self,
        format: &str,
        body: &[u8],
    ) -> Result<Vec<app::incidents::InboundEvent>, Vec<String>> {
        let events = match format {
            "events_v2" => pagerduty::parse_event(body).map(|e| vec![e]),
            "prometheus" => alertmanager::parse(body),
            "grafana" => grafana::parse(body),
            "datadog" => datadog::parse(body),
            "webhook" => webhook::parse(body),
            other => Err(Invalid::one(format!("{other:?} is not a format"))),
        };
        events.map_err(|e| e.0)
    }
}

/// Whole-word match of a resolve word: "upstream_down" and "backup" are not recoveries.
pub fn has_word(text: &str, words: &[&str]) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| words.iter().any(|x| w.eq_ignore_ascii_case(x)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_words_match_whole_words_only() {
        let ok = ["ok", "resolved", "recovered"];
        assert!(has_word("Resolved", &ok));
        assert!(has_word("state: OK.", &ok));
        assert!(!has_word("upstream_down", &["up"]));
        assert!(!has_word("backup", &["up"]));
        assert!(has_word("is up", &["up"]));
        assert!(!has_word("broken", &ok));
    }
}
