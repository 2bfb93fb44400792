//! SMS length rules: GSM-7 (160 septets in one segment, 153 per part of a longer message; the
//! extension characters `^{}\[~]|€` take two septets) or, when any character is outside GSM-7,
//! UCS-2 for the whole message (70 UTF-16 units, 67 per part). `fit` shortens the summary of a
//! page so the whole text stays within a number of segments.

/// How a message is encoded on the air.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

/// The size of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub encoding: Encoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2).
    pub units: usize,
    pub segments: usize,
}

/// GSM 03.38 basic character set.
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table (an escape plus the character: two septets each).
const EXTENSION: &str = "^{}\\[~]|€\u{0C}";

/// Septets a character takes in GSM-7, or `None` when GSM-7 cannot carry it.
fn septets(c: char) -> Option<usize> {
    if BASIC.contains(c) {
        Some(1)
    } else if EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Segments needed for `units` in an encoding.
pub fn segments(encoding: Encoding, units: usize) -> usize {
    let (single, part) = match encoding {
        Encoding::Gsm7 => (160, 153),
        Encoding::Ucs2 => (70, 67),
    };
    if units <= single {
        1
    } else {
        units.div_ceil(part)
    }
}

/// The encoding, length and segment count of a message.
pub fn measure(text: &str) -> Size {
    let gsm: Option<usize> = text.chars().map(septets).sum();
    let (encoding, units) = match gsm {
        Some(n) => (Encoding::Gsm7, n),
        None => (Encoding::Ucs2, text.encode_utf16().count()),
    };
    Size {
        encoding,
        units,
        segments: segments(encoding, units),
    }
}

/// `head + summary + tail`, with the summary shortened (ending in "...") until the whole text
/// fits in `max_segments`. When even an empty summary does not fit, the tail is dropped too.
pub fn fit(head: &str, summary: &str, tail: &str, max_segments: usize) -> String {
    let compose = |kept: usize| -> String {
        let mut s = String::with_capacity(head.len() + summary.len() + tail.len());
        s.push_str(head);
        if kept >= summary.chars().count() {
            s.push_str(summary);
        } else {
            s.extend(summary.chars().take(kept));
            s.push_str("...");
        }
        s.push_str(tail);
        s
    };
    let all = summary.chars().count();
    let fits = |kept: usize| measure(&compose(kept)).segments <= max_segments;
    if fits(all) {
        return compose(all);
    }
    if !fits(0) {
        return head.to_owned();
    }
    // Fewer characters never need more segments (GSM-7 holds more than UCS-2), so the
    // largest fitting length is found by bisection.
    let (mut lo, mut hi) = (0, all);
    while lo + 1 < hi {
        let mid = (lo + hi) / 2;
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    compose(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gsm7_single_and_multipart_limits() {
        assert_eq!(measure(&"a".repeat(160)).segments, 1);
        assert_eq!(measure(&"a".repeat(161)).segments, 2);
        assert_eq!(measure(&"a".repeat(306)).segments, 2);
        assert_eq!(measure(&"a".repeat(307)).segments, 3);
        assert_eq!(measure("a").encoding, Encoding::Gsm7);
    }

    #[test]
    fn extension_characters_take_two_septets() {
        let m = measure(&"{".repeat(80));
        assert_eq!((m.encoding, m.units, m.segments), (Encoding::Gsm7, 160, 1));
        assert_eq!(measure(&format!("{}€", "a".repeat(159))).segments, 2);
        assert_eq!(measure("£¥èÄ§¿").encoding, Encoding::Gsm7);
    }

    #[test]
    fn one_character_outside_gsm7_makes_the_whole_message_ucs2() {
        let m = measure(&format!("{}…", "a".repeat(69)));
        assert_eq!((m.encoding, m.units, m.segments), (Encoding::Ucs2, 70, 1));
        assert_eq!(measure(&format!("{}…", "a".repeat(70))).segments, 2);
        assert_eq!(measure(&format!("{}…", "a".repeat(133))).segments, 2);
        assert_eq!(measure(&format!("{}…", "a".repeat(134))).segments, 3);
        // A character outside the BMP is two UTF-16 units.
        assert_eq!(measure("🔥").units, 2);
        assert_eq!(measure("ç").encoding, Encoding::Ucs2);
    }

    #[test]
    fn fit_keeps_short_text_whole_and_trims_long_summaries_to_two_segments() {
        assert_eq!(
            fit("#1 ", "disk full", " reply 1a", 2),
            "#1 disk full reply 1a"
        );
        let long = "x".repeat(1000);
        let s = fit(
            "OpsKnight #41 HIGH Checkout: ",
            &long,
            "\nReply 1a ack, 1c resolve",
            2,
        );
        assert_eq!(measure(&s).segments, 2);
        assert!(s.ends_with("...\nReply 1a ack, 1c resolve"), "{s}");
        // One more character would not fit.
        assert!(measure(&s).units > 306 - 4, "{}", measure(&s).units);
        // UCS-2: the budget is 134 units.
        let s = fit("#1 ", &"ж".repeat(300), " 1a", 2);
        let m = measure(&s);
        assert_eq!((m.encoding, m.segments), (Encoding::Ucs2, 2));
        assert!(m.units > 120, "{}", m.units);
    }

    #[test]
    fn fit_drops_the_summary_before_the_tail_and_the_tail_before_the_head() {
        let head = "h".repeat(299);
        assert_eq!(fit(&head, "summary", "tail", 2), format!("{head}...tail"));
        let head = "h".repeat(310);
        assert_eq!(fit(&head, "summary", "tail", 2), head);
    }
}
