//! Telegram: the incident as an HTML message (`sendMessage` / `editMessageText`) with an
//! inline keyboard. `callback_data` is at most 64 bytes: `a:` or `r:` and the incident id's 32
//! hex digits (34 bytes). Text is at most 4,096 characters.

use serde_json::{Value, json};

pub use super::Press;
use super::{Card, Happened, clip};
use crate::domain::IncidentId;

/// Telegram's limit on `callback_data`, in bytes.
pub const CALLBACK_MAX: usize = 64;

pub fn callback_data(press: Press, incident: IncidentId) -> String {
    let tag = match press {
        Press::Acknowledge => 'a',
        Press::Resolve => 'r',
    };
    format!("{tag}:{}", incident.0.simple())
}

/// The press and incident a button's `callback_data` names (None for anything else).
pub fn parse_callback(data: &str) -> Option<(Press, IncidentId)> {
    let (tag, id) = data.split_once(':')?;
    let press = match tag {
        "a" => Press::Acknowledge,
        "r" => Press::Resolve,
        _ => return None,
    };
    Some((press, IncidentId(uuid::Uuid::try_parse(id).ok()?)))
}

/// HTML parse mode needs `&`, `<` and `>` escaped.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The text and keyboard of the incident's message (add `chat_id`, and `message_id` to edit).
pub fn message(card: &Card, happened: &Happened) -> Value {
    let mut text = format!(
        "<b>{}</b>\n{}",
        escape(&clip(&card.headline(), 1000)),
        escape(&card.facts())
    );
    if let Some(line) = happened.line() {
        text.push_str(&format!("\n<i>{}</i>", escape(&line)));
    }
    if let Some(note) = &happened.note {
        text.push_str(&format!("\n{}", escape(&clip(note, 2500))));
    }
    let mut row = Vec::new();
    if card.can_acknowledge() {
        row.push(json!({"text": "Acknowledge",
            "callback_data": callback_data(Press::Acknowledge, card.incident_id)}));
    }
    if card.can_resolve() {
        row.push(json!({"text": "Resolve",
            "callback_data": callback_data(Press::Resolve, card.incident_id)}));
    }
    let mut keyboard = Vec::new();
    if !row.is_empty() {
        keyboard.push(row);
    }
    // Telegram refuses URL buttons to hosts it cannot reach (localhost), so Open is a link in
    // the text as well as a button.
    text.push_str(&format!(
        "\n<a href=\"{}\">Open in OpsKnight</a>",
        escape(&card.url)
    ));
    keyboard.push(vec![json!({"text": "Open", "url": card.url})]);
    json!({
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": true},
        "reply_markup": {"inline_keyboard": keyboard},
    })
}

/// A reply to the incident's message: what happened, and a note's text.
pub fn reply(card: &Card, happened: &Happened) -> Value {
    let mut text = match happened.line() {
        Some(line) => format!("<i>{}</i>", escape(&line)),
        None => format!("<b>{}</b>", escape(&clip(&card.headline(), 1000))),
    };
    if let Some(note) = &happened.note {
        text.push('\n');
        text.push_str(&escape(&clip(note, 3500)));
    }
    json!({"text": text, "parse_mode": "HTML"})
}

#[cfg(test)]
mod tests {
    use super::super::fixture::card;
    use super::*;
    use crate::domain::Status;

    #[test]
    fn callback_data_fits_in_64_bytes_and_parses_back() {
        let c = card(Status::Open);
        for press in [Press::Acknowledge, Press::Resolve] {
            let data = callback_data(press, c.incident_id);
            assert!(data.len() <= CALLBACK_MAX, "{data}");
            assert_eq!(parse_callback(&data), Some((press, c.incident_id)));
        }
        assert_eq!(parse_callback("x:1234"), None);
        assert_eq!(parse_callback("a:not-a-uuid"), None);
    }

    #[test]
    fn the_keyboard_follows_the_status_and_the_text_is_escaped() {
        let m = message(&card(Status::Open), &Happened::default());
        assert_eq!(
            m["reply_markup"]["inline_keyboard"][0]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert!(
            m["text"]
                .as_str()
                .unwrap()
                .contains("Disk &lt;full&gt; &amp; slow")
        );
        let done = message(&card(Status::Resolved), &Happened::default());
        let rows = done["reply_markup"]["inline_keyboard"].as_array().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0][0]["text"], "Open");
        let mut long = card(Status::Open);
        long.title = "é".repeat(5000);
        let h = Happened {
            note: Some("n".repeat(5000)),
            ..Happened::default()
        };
        assert!(message(&long, &h)["text"].as_str().unwrap().chars().count() <= 4096);
    }
}
