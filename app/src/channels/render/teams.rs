//! Microsoft Teams, through a Workflows "When a Teams webhook request is received" flow: an
//! Adaptive Card (1.4) in the `{"type":"message","attachments":[…]}` wrapper that trigger
//! expects, with an Acknowledge link (signed, one click) and an Open button. Cards stay far
//! below the 28 KB limit: the title and note are clipped.

use serde_json::{Value, json};

use super::{Card, Happened, clip};

pub fn message(card: &Card, happened: &Happened, ack_url: Option<&str>) -> Value {
    let colour = match card.colour() {
        0x2e_a0_43 => "Good",
        0xd2_99_22 => "Warning",
        0x6e_76_81 => "Default",
        _ => "Attention",
    };
    let mut facts = vec![
        json!({"title": "Urgency", "value": card.urgency_word()}),
        json!({"title": "Service", "value": clip(&card.service, 200)}),
        json!({"title": "Status", "value": card.status_word()}),
    ];
    if let Some(who) = &card.held_by {
        facts.push(json!({"title": "Held by", "value": clip(who, 200)}));
    }
    let mut body = vec![
        json!({"type": "TextBlock", "text": clip(&card.headline(), 1000), "weight": "Bolder",
            "size": "Medium", "wrap": true, "color": colour}),
        json!({"type": "FactSet", "facts": facts}),
    ];
    if let Some(line) = happened.line() {
        body.push(json!({"type": "TextBlock", "text": line, "isSubtle": true, "wrap": true}));
    }
    if let Some(note) = &happened.note {
        body.push(json!({"type": "TextBlock", "text": clip(note, 3000), "wrap": true}));
    }
    let mut actions = Vec::new();
    if let (Some(url), true) = (ack_url, card.can_acknowledge()) {
        actions.push(json!({"type": "Action.OpenUrl", "title": "Acknowledge", "url": url}));
    }
    actions.push(json!({"type": "Action.OpenUrl", "title": "Open", "url": card.url}));
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "msteams": {"width": "Full"},
                "body": body,
                "actions": actions,
            },
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixture::card;
    use super::*;
    use crate::domain::Status;

    #[test]
    fn the_card_is_in_the_workflows_wrapper_with_its_links() {
        let m = message(
            &card(Status::Open),
            &Happened::default(),
            Some("https://p/ack?x"),
        );
        assert_eq!(m["type"], "message");
        let a = &m["attachments"][0];
        assert_eq!(a["contentType"], "application/vnd.microsoft.card.adaptive");
        assert_eq!(a["content"]["type"], "AdaptiveCard");
        let titles: Vec<&str> = a["content"]["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["Acknowledge", "Open"]);
        let mut big = card(Status::Resolved);
        big.title = "x".repeat(100_000);
        let h = Happened {
            note: Some("y".repeat(100_000)),
            ..Happened::default()
        };
        let m = message(&big, &h, Some("https://p/ack"));
        assert!(serde_json::to_vec(&m).unwrap().len() < 28 * 1024);
        assert_eq!(
            m["attachments"][0]["content"]["actions"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
}
