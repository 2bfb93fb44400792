//! What a chat message says about an incident (`Card`: number, urgency, service, summary,
//! status, who holds it, a link) and one pure renderer per chat that turns it into that chat's
//! wire format within its limits. The delivery runner reads the incident as it is now, so an
//! updated message always shows the latest state.

pub mod discord;
pub mod mattermost;
pub mod slack;
pub mod teams;
pub mod telegram;

use crate::domain::{IncidentId, Status, Urgency};

use super::ChannelEvent;

/// What a chat button asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Press {
    Acknowledge,
    Resolve,
}

impl Press {
    /// The phone's action of the same meaning (one transition code path for every surface).
    pub fn action(self) -> crate::phone::reply::Action {
        match self {
            Press::Acknowledge => crate::phone::reply::Action::Acknowledge,
            Press::Resolve => crate::phone::reply::Action::Resolve,
        }
    }

    /// The channel event a press that changed something is.
    pub fn event(self) -> ChannelEvent {
        match self {
            Press::Acknowledge => ChannelEvent::Acknowledged,
            Press::Resolve => ChannelEvent::Resolved,
        }
    }

    pub fn byte(self) -> u8 {
        match self {
            Press::Acknowledge => b'a',
            Press::Resolve => b'r',
        }
    }

    pub fn from_byte(b: u8) -> Option<Press> {
        match b {
            b'a' => Some(Press::Acknowledge),
            b'r' => Some(Press::Resolve),
            _ => None,
        }
    }
}

/// An incident as a chat message shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub incident_id: IncidentId,
    pub number: i64,
    pub title: String,
    pub status: Status,
    pub urgency: Urgency,
    pub service: String,
    /// The person assigned, else the people the last step paged.
    pub held_by: Option<String>,
    /// The incident's page in OpsKnight.
    pub url: String,
}

/// What just happened, for the line under the card and for notes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Happened {
    /// None: a test message.
    pub event: Option<ChannelEvent>,
    /// Who did it (a person's name), if a person did.
    pub actor: Option<String>,
    /// A note's text (`annotated`).
    pub note: Option<String>,
}

impl Card {
    /// `Triggered`, `Acknowledged`, …: the status as people say it.
    pub fn status_word(&self) -> &'static str {
        match self.status {
            Status::Open => "Triggered",
            Status::Acknowledged => "Acknowledged",
            Status::Snoozed => "Snoozed",
            Status::Suppressed => "Suppressed",
            Status::Resolved => "Resolved",
        }
    }

    pub fn urgency_word(&self) -> &'static str {
        match self.urgency {
            Urgency::High => "High urgency",
            Urgency::Medium => "Medium urgency",
            Urgency::Low => "Low urgency",
        }
    }

    /// Whether Acknowledge still does something.
    pub fn can_acknowledge(&self) -> bool {
        matches!(self.status, Status::Open | Status::Snoozed)
    }

    pub fn can_resolve(&self) -> bool {
        !matches!(self.status, Status::Resolved)
    }

    /// The colour of the status: red while nobody has it, amber once someone does, green
    /// when resolved (grey for low urgency that nobody has yet).
    pub fn colour(&self) -> u32 {
        match (self.status, self.urgency) {
            (Status::Resolved, _) => 0x2e_a0_43,
            (Status::Acknowledged | Status::Snoozed, _) => 0xd2_99_22,
            (_, Urgency::Low) => 0x6e_76_81,
            _ => 0xd1_24_2f,
        }
    }

    /// `#42 Disk full on db-1`
    pub fn headline(&self) -> String {
        format!("#{} {}", self.number, self.title)
    }

    /// `High urgency · checkout · Acknowledged · held by Ann Lee`
    pub fn facts(&self) -> String {
        let mut out = format!(
            "{} · {} · {}",
            self.urgency_word(),
            self.service,
            self.status_word()
        );
        if let Some(who) = &self.held_by {
            out.push_str(" · held by ");
            out.push_str(who);
        }
        out
    }
}

impl Happened {
    /// `Acknowledged by Ann Lee`, or None when there is nothing to add to the card.
    pub fn line(&self) -> Option<String> {
        let event = self.event?;
        let what = match event {
            ChannelEvent::Triggered => "Triggered",
            ChannelEvent::Acknowledged => "Acknowledged",
            ChannelEvent::Resolved => "Resolved",
            ChannelEvent::Reassigned => "Reassigned",
            ChannelEvent::Escalated => "Escalated",
            ChannelEvent::Annotated => "Note added",
        };
        Some(match &self.actor {
            Some(who) => format!("{what} by {who}"),
            None => what.to_owned(),
        })
    }
}

/// The first `max` characters of `text`, with `…` when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The same for a byte budget (Telegram's and ntfy's limits are bytes), on a char boundary.
pub fn clip_bytes(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
pub(crate) mod fixture {
    use super::*;

    pub fn card(status: Status) -> Card {
        Card {
            incident_id: IncidentId(uuid::Uuid::from_u128(
                0x0123_4567_89ab_cdef_0123_4567_89ab_cdef,
            )),
            number: 42,
            title: "Disk <full> & slow on db-1".into(),
            status,
            urgency: Urgency::High,
            service: "checkout".into(),
            held_by: Some("Ann Lee".into()),
            url: "https://pager.example.com/incidents/01234567-89ab-cdef-0123-456789abcdef".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_within_the_limit_and_on_char_boundaries() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
        let cut = clip_bytes("ééééé", 6);
        assert!(cut.len() <= 6, "{cut}");
        assert_eq!(cut, "é…");
    }

    #[test]
    fn the_card_says_status_urgency_and_holder() {
        let c = fixture::card(Status::Acknowledged);
        assert_eq!(
            c.facts(),
            "High urgency · checkout · Acknowledged · held by Ann Lee"
        );
        assert!(!c.can_acknowledge() && c.can_resolve());
        let h = Happened {
            event: Some(ChannelEvent::Acknowledged),
            actor: Some("Ann Lee".into()),
            note: None,
        };
        assert_eq!(h.line().as_deref(), Some("Acknowledged by Ann Lee"));
    }
}
