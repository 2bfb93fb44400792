//! Phone paging (SMS and voice): the page SMS's text and length rules, what a reply asks for,
//! TwiML for calls, and the SQL for reply codes.

#[cfg(feature = "ssr")]
pub mod act;
pub mod reply;
pub mod sms_text;
#[cfg(feature = "ssr")]
pub mod store;
pub mod twiml;

use crate::notifications::message::PageFacts;

/// What sending to a phone returns: the provider's id, or why not.
#[cfg(feature = "ssr")]
pub type PhoneFuture<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<String, crate::mail::SendError>> + Send + 'a>,
>;

/// Reaches an E.164 number outside paging (verification codes): one text message, or one
/// call that speaks the given TwiML. Each returns the provider's id. The server crate
/// implements it over its phone provider.
#[cfg(feature = "ssr")]
pub trait PhoneSender: Send + Sync + std::fmt::Debug {
    fn send_text<'a>(&'a self, to: &'a str, body: &'a str) -> PhoneFuture<'a>;
    fn call<'a>(&'a self, to: &'a str, twiml: &'a str) -> PhoneFuture<'a>;
}

/// The phone provider in use now: the settings an admin saved, else the environment's. The
/// server crate implements it, rebuilding its clients when the saved settings change.
#[cfg(feature = "ssr")]
pub trait PhoneSource: Send + Sync + std::fmt::Debug {
    /// What reaches phones with the settings in use now; `None` when no provider is set up.
    fn sender(&self) -> SenderFuture<'_>;
    /// The provider the environment configures, if any (shown in Settings).
    fn environment(&self) -> Option<crate::settings::phone::PhoneSettings>;
}

/// What `PhoneSource::sender` returns.
#[cfg(feature = "ssr")]
pub type SenderFuture<'a> = std::pin::Pin<
    Box<
        dyn std::future::Future<
                Output = Result<Option<std::sync::Arc<dyn PhoneSender>>, crate::error::AppError>,
            > + Send
            + 'a,
    >,
>;

/// At most this many segments per page SMS.
pub const MAX_SEGMENTS: usize = 2;

/// The page SMS: number, urgency, service, the summary (shortened to fit two segments), a
/// link, and the reply code's instructions when there is a code.
pub fn page_sms(facts: &PageFacts, link: &str, code: Option<u32>) -> String {
    let head = format!(
        "OpsKnight #{} {} {}: ",
        facts.number,
        facts.urgency.as_str(),
        facts.service
    );
    let tail = match code {
        Some(code) => format!("\n{link}\n{}", reply::instructions(code, false)),
        None => format!("\n{link}"),
    };
    sms_text::fit(&head, &facts.title, &tail, MAX_SEGMENTS)
}

/// The bundle SMS: how many new incidents on which service(s), their numbers and titles
/// (shortened to fit two segments), a link to the phone app, and the bundle's reply code,
/// which covers `covered` open incidents at this number.
pub fn bundle_sms(pages: &[&PageFacts], link: &str, code: Option<(u32, usize)>) -> String {
    let mut services: Vec<&str> = pages.iter().map(|f| f.service.as_str()).collect();
    services.sort_unstable();
    services.dedup();
    let on = match services.as_slice() {
        [one] => (*one).to_owned(),
        many => format!("{} services", many.len()),
    };
    let high = pages
        .iter()
        .any(|f| f.urgency == crate::domain::Urgency::High);
    let head = format!(
        "OpsKnight: {} new {}incidents on {on}: ",
        pages.len(),
        if high { "HIGH " } else { "" }
    );
    let list = pages
        .iter()
        .map(|f| format!("#{} {}", f.number, f.title.trim()))
        .collect::<Vec<_>>()
        .join("; ");
    let tail = match code {
        Some((code, covered)) => {
            format!("\n{link}\nReply {code}a to ack all {covered}, {code}c to resolve all")
        }
        None => format!("\n{link}"),
    };
    sms_text::fit(&head, &list, &tail, MAX_SEGMENTS)
}

/// What a call carrying `total` pages says before its menu: the count, then the first five
/// of `shown`.
pub fn bundle_speech(shown: &[PageFacts], total: usize) -> String {
    let mut out = format!("This is OpsKnight with {total} pages.");
    for f in shown.iter().take(5) {
        out.push_str(&format!(
            " Incident {}, on {}: {}.",
            f.number,
            f.service,
            f.title.trim().trim_end_matches('.')
        ));
    }
    let said = shown.len().min(5);
    if total > said {
        out.push_str(&format!(" And {} more.", total - said));
    }
    out
}

/// What a page call says before its menu.
pub fn page_speech(facts: &PageFacts) -> String {
    format!(
        "This is OpsKnight with a {} urgency page. Incident {}, on {}: {}.",
        facts.urgency.as_str().to_lowercase(),
        facts.number,
        facts.service,
        facts.title.trim().trim_end_matches('.')
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{IncidentId, Urgency};

    #[test]
    fn a_bundle_sms_counts_lists_and_keeps_its_code() {
        let facts = |number: i64, service: &str| PageFacts {
            incident: IncidentId::new(),
            number,
            title: format!("Checkout error rate above 5% on shard {number}"),
            urgency: Urgency::High,
            service: service.into(),
            to: "+14155550123".into(),
        };
        let many: Vec<PageFacts> = (2..=50).map(|n| facts(n, "Checkout API")).collect();
        let refs: Vec<&PageFacts> = many.iter().collect();
        let sms = bundle_sms(&refs, "https://ok.example.com/m", Some((100, 50)));
        assert!(
            sms.starts_with("OpsKnight: 49 new HIGH incidents on Checkout API: #2 Checkout"),
            "{sms}"
        );
        assert!(
            sms.ends_with("Reply 100a to ack all 50, 100c to resolve all"),
            "{sms}"
        );
        assert!(sms_text::measure(&sms).segments <= MAX_SEGMENTS, "{sms}");
        let two = [facts(3, "A"), facts(4, "B")];
        let sms = bundle_sms(&[&two[0], &two[1]], "l", None);
        assert!(sms.contains("2 new HIGH incidents on 2 services"), "{sms}");
    }

    #[test]
    fn a_page_sms_fits_two_segments_and_keeps_its_code() {
        let facts = PageFacts {
            incident: IncidentId::new(),
            number: 41,
            title: "Disk full on db-1 ".repeat(40),
            urgency: Urgency::High,
            service: "Checkout API".into(),
            to: "+14155550123".into(),
        };
        let sms = page_sms(&facts, "https://ok.example.com/m/incidents/x", Some(1));
        assert!(
            sms.starts_with("OpsKnight #41 HIGH Checkout API: Disk full"),
            "{sms}"
        );
        assert!(sms.ends_with("Reply 1a to ack, 1c to resolve"), "{sms}");
        assert!(sms_text::measure(&sms).segments <= MAX_SEGMENTS, "{sms}");
    }
}
