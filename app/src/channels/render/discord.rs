//! Discord: the incident as one embed, within Discord's limits (content 2,000 characters, 10
//! embeds, 6,000 characters across an embed's title, description, fields, footer and author;
//! title 256, description 4,096, field value 1,024). No mentions are ever parsed.

use serde_json::{Value, json};

use super::{Card, Happened, clip};

pub const TITLE_MAX: usize = 256;
pub const DESCRIPTION_MAX: usize = 4096;
pub const FIELD_MAX: usize = 1024;
pub const EMBED_TOTAL_MAX: usize = 6000;

pub fn message(card: &Card, happened: &Happened) -> Value {
    let mut description = String::new();
    if let Some(line) = happened.line() {
        description.push_str(&line);
    }
    if let Some(note) = &happened.note {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(note);
    }
    let mut fields = vec![
        json!({"name": "Urgency", "value": card.urgency_word(), "inline": true}),
        json!({"name": "Service", "value": clip(&card.service, FIELD_MAX), "inline": true}),
        json!({"name": "Status", "value": card.status_word(), "inline": true}),
    ];
    if let Some(who) = &card.held_by {
        fields.push(json!({"name": "Held by", "value": clip(who, FIELD_MAX), "inline": true}));
    }
    let title = clip(&card.headline(), TITLE_MAX);
    let footer = "OpsKnight";
    // What the fields and title use of the 6,000; the description gets the rest.
    let used: usize = title.chars().count()
        + footer.len()
        + fields
            .iter()
            .map(|f| {
                f["name"].as_str().map_or(0, |s| s.chars().count())
                    + f["value"].as_str().map_or(0, |s| s.chars().count())
            })
            .sum::<usize>();
    let room = EMBED_TOTAL_MAX.saturating_sub(used).min(DESCRIPTION_MAX);
    let mut embed = json!({
        "title": title,
        "url": card.url,
        "color": card.colour(),
        "fields": fields,
        "footer": {"text": footer},
    });
    if !description.is_empty() {
        embed["description"] = json!(clip(&description, room));
    }
    json!({
        "content": clip(&format!("#{} {}", card.number, card.status_word()), 2000),
        "embeds": [embed],
        "allowed_mentions": {"parse": []},
    })
}

/// Characters counted against Discord's 6,000 for one embed.
pub fn embed_size(embed: &Value) -> usize {
    let len = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    len(&embed["title"])
        + len(&embed["description"])
        + len(&embed["footer"]["text"])
        + len(&embed["author"]["name"])
        + embed["fields"].as_array().map_or(0, |fs| {
            fs.iter().map(|f| len(&f["name"]) + len(&f["value"])).sum()
        })
}

#[cfg(test)]
mod tests {
    use super::super::fixture::card;
    use super::*;
    use crate::channels::ChannelEvent;
    use crate::domain::Status;

    #[test]
    fn a_huge_incident_stays_within_every_discord_limit() {
        let mut c = card(Status::Open);
        c.title = "t".repeat(9000);
        c.service = "s".repeat(3000);
        let h = Happened {
            event: Some(ChannelEvent::Annotated),
            actor: Some("a".repeat(3000)),
            note: Some("n".repeat(9000)),
        };
        let m = message(&c, &h);
        let e = &m["embeds"][0];
        assert!(embed_size(e) <= EMBED_TOTAL_MAX, "{}", embed_size(e));
        assert!(e["title"].as_str().unwrap().chars().count() <= TITLE_MAX);
        assert!(e["description"].as_str().unwrap().chars().count() <= DESCRIPTION_MAX);
        for f in e["fields"].as_array().unwrap() {
            assert!(f["value"].as_str().unwrap().chars().count() <= FIELD_MAX);
        }
        assert!(m["content"].as_str().unwrap().chars().count() <= 2000);
        assert_eq!(m["allowed_mentions"]["parse"], json!([]));
    }
}
