//! Mattermost: the incident as a Slack-style attachment with interactive buttons. Each
//! button's `integration.url` is our callback and its `context` carries a token we signed
//! (Mattermost does not sign callbacks); the callback answers with `update` to change the post.

use serde_json::{Value, json};

use super::{Card, Happened, clip};

/// One button: Mattermost's action `id` (letters and digits only), its label, and the signed
/// token its callback will carry.
pub struct Button {
    pub id: &'static str,
    pub name: &'static str,
    pub token: String,
}

/// The attachment (without buttons when `buttons` is empty), for an incoming webhook body or a
/// callback's `update.props`.
pub fn attachment(card: &Card, happened: &Happened, callback: &str, buttons: &[Button]) -> Value {
    let mut text = card.facts();
    if let Some(line) = happened.line() {
        text.push_str("\n_");
        text.push_str(&line);
        text.push('_');
    }
    if let Some(note) = &happened.note {
        text.push('\n');
        text.push_str(&clip(note, 3000));
    }
    let actions: Vec<Value> = buttons
        .iter()
        .map(|b| {
            json!({"id": b.id, "name": b.name, "type": "button",
                "style": if b.id == "ack" { "primary" } else { "danger" },
                "integration": {"url": callback, "context": {"token": b.token}}})
        })
        .collect();
    json!({
        "fallback": clip(&format!("{} — {}", card.headline(), card.facts()), 1000),
        "color": format!("#{:06x}", card.colour()),
        "title": clip(&card.headline(), 1000),
        "title_link": card.url,
        "text": text,
        "actions": actions,
    })
}

/// The incoming webhook body.
pub fn message(card: &Card, happened: &Happened, callback: &str, buttons: &[Button]) -> Value {
    json!({
        "username": "OpsKnight",
        "attachments": [attachment(card, happened, callback, buttons)],
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixture::card;
    use super::*;
    use crate::domain::Status;

    #[test]
    fn buttons_carry_our_callback_and_their_token() {
        let b = [Button {
            id: "ack",
            name: "Acknowledge",
            token: "t1".into(),
        }];
        let m = message(
            &card(Status::Open),
            &Happened::default(),
            "https://p/cb",
            &b,
        );
        let a = &m["attachments"][0]["actions"][0];
        assert_eq!(a["integration"]["url"], "https://p/cb");
        assert_eq!(a["integration"]["context"]["token"], "t1");
        assert_eq!(m["attachments"][0]["title_link"], card(Status::Open).url);
    }
}
