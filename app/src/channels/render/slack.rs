//! Slack Block Kit: the incident as a coloured attachment (headline, facts, what happened)
//! with Acknowledge, Resolve and Open buttons while they still do something; a note as a
//! thread reply. Limits: section text 3,000, button text 75, `value` 2,000, `action_id` 255.

use serde_json::{Value, json};

use super::{Card, Happened, clip};

/// `action_id` of the Acknowledge button; its `value` is the incident id.
pub const ACK: &str = "opsknight_ack";
pub const RESOLVE: &str = "opsknight_resolve";
pub const OPEN: &str = "opsknight_open";

/// Slack's mrkdwn needs `&`, `<` and `>` escaped (they delimit links and mentions).
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The body of `chat.postMessage` / `chat.update`, without `channel` and `ts`.
pub fn message(card: &Card, happened: &Happened) -> Value {
    let headline = clip(&escape(&card.headline()), 2900);
    let mut blocks = vec![
        json!({"type": "section", "text": {"type": "mrkdwn",
            "text": format!("*<{}|{}>*", card.url, headline)}}),
        json!({"type": "context", "elements": [{"type": "mrkdwn",
            "text": clip(&escape(&card.facts()), 2900)}]}),
    ];
    if let Some(line) = happened.line() {
        blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn",
            "text": clip(&escape(&line), 2900)}]}));
    }
    let id = card.incident_id.0.to_string();
    let mut buttons = Vec::new();
    if card.can_acknowledge() {
        buttons.push(
            json!({"type": "button", "action_id": ACK, "value": id, "style": "primary",
            "text": {"type": "plain_text", "text": "Acknowledge"}}),
        );
    }
    if card.can_resolve() {
        buttons.push(
            json!({"type": "button", "action_id": RESOLVE, "value": id, "style": "danger",
            "text": {"type": "plain_text", "text": "Resolve"}}),
        );
    }
    buttons.push(json!({"type": "button", "action_id": OPEN, "url": card.url,
        "text": {"type": "plain_text", "text": "Open"}}));
    blocks.push(json!({"type": "actions", "block_id": "opsknight_incident", "elements": buttons}));
    json!({
        "text": clip(&format!("{} — {}", card.headline(), card.facts()), 3000),
        "attachments": [{"color": format!("#{:06x}", card.colour()), "blocks": blocks}],
    })
}

/// A thread reply: a note, or what happened when the original message cannot be updated.
pub fn reply(card: &Card, happened: &Happened) -> Value {
    let text = match (happened.line(), &happened.note) {
        (Some(line), Some(note)) => format!("{}: {}", escape(&line), escape(note)),
        (Some(line), None) => escape(&line),
        (None, _) => escape(&card.headline()),
    };
    json!({"text": clip(&text, 3000)})
}

#[cfg(test)]
mod tests {
    use super::super::fixture::card;
    use super::*;
    use crate::channels::ChannelEvent;
    use crate::domain::Status;

    fn action_ids(v: &Value) -> Vec<String> {
        v["attachments"][0]["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["type"] == "actions")
            .flat_map(|b| b["elements"].as_array().unwrap().clone())
            .map(|e| e["action_id"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn buttons_follow_the_status_and_text_is_escaped() {
        let open = message(&card(Status::Open), &Happened::default());
        assert_eq!(action_ids(&open), [ACK, RESOLVE, OPEN]);
        let text = open["attachments"][0]["blocks"][0]["text"]["text"]
            .as_str()
            .unwrap();
        assert!(text.contains("Disk &lt;full&gt; &amp; slow"), "{text}");
        assert_eq!(open["attachments"][0]["color"], "#d1242f");
        let acked = message(&card(Status::Acknowledged), &Happened::default());
        assert_eq!(action_ids(&acked), [RESOLVE, OPEN]);
        let done = message(&card(Status::Resolved), &Happened::default());
        assert_eq!(action_ids(&done), [OPEN]);
        assert_eq!(done["attachments"][0]["color"], "#2ea043");
    }

    #[test]
    fn a_long_title_stays_within_slack_limits() {
        let mut c = card(Status::Open);
        c.title = "x".repeat(10_000);
        let m = message(&c, &Happened::default());
        assert!(m["text"].as_str().unwrap().chars().count() <= 3000);
        for b in m["attachments"][0]["blocks"].as_array().unwrap() {
            if let Some(t) = b["text"]["text"].as_str() {
                assert!(t.chars().count() <= 3000);
            }
        }
    }

    #[test]
    fn a_note_replies_in_the_thread_with_who_wrote_it() {
        let h = Happened {
            event: Some(ChannelEvent::Annotated),
            actor: Some("Ann".into()),
            note: Some("restarted <db>".into()),
        };
        assert_eq!(
            reply(&card(Status::Open), &h)["text"],
            "Note added by Ann: restarted &lt;db&gt;"
        );
    }
}
