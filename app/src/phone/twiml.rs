//! TwiML for page calls: the page is read, then one `<Gather numDigits="1">` takes the answer
//! (4 acknowledge, 6 resolve, 5 escalate now, `*` repeat). A call reaching voicemail gets
//! the message without the menu. Replies to inbound SMS are `<Message>`s.

use crate::notifications::message::escape_html as escape;

/// The menu keys.
pub const KEY_ACK: char = '4';
pub const KEY_ESCALATE: char = '5';
pub const KEY_RESOLVE: char = '6';
pub const KEY_REPEAT: char = '*';

/// The content type Twilio expects.
pub const CONTENT_TYPE: &str = "application/xml; charset=utf-8";

fn response(inner: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>{inner}</Response>")
}

fn say(text: &str) -> String {
    format!("<Say>{}</Say>", escape(text))
}

/// The menu as spoken words.
fn menu(bundle: bool) -> String {
    let all = if bundle { " all" } else { "" };
    format!(
        "Press {KEY_ACK} to acknowledge{all}. Press {KEY_RESOLVE} to resolve{all}. \
         Press {KEY_ESCALATE} to escalate now. Press star to repeat this message."
    )
}

/// The call's first answer: the page, then the menu inside a Gather posting to `action`. A
/// caller who presses nothing hears it once more, then the call ends.
pub fn page(message: &str, bundle: bool, action: &str) -> String {
    let gather = format!(
        "<Gather input=\"dtmf\" numDigits=\"1\" timeout=\"10\" action=\"{}\" method=\"POST\">{}{}</Gather>",
        escape(action),
        say(message),
        say(&menu(bundle)),
    );
    response(&format!(
        "{gather}{}<Hangup/>",
        say("No key was pressed. Goodbye.")
    ))
}

/// For an answering machine: the message twice, no menu.
pub fn voicemail(message: &str) -> String {
    response(&format!(
        "<Pause length=\"1\"/>{}{}<Hangup/>",
        say(message),
        say(message)
    ))
}

/// After a key press that did something: say what, then hang up.
pub fn done(text: &str) -> String {
    response(&format!("{}{}<Hangup/>", say(text), say("Goodbye.")))
}

/// After an unknown key: say so and offer the menu again.
pub fn again(bundle: bool, action: &str) -> String {
    let gather = format!(
        "<Gather input=\"dtmf\" numDigits=\"1\" timeout=\"10\" action=\"{}\" method=\"POST\">{}{}</Gather>",
        escape(action),
        say("Sorry, I did not understand that."),
        say(&menu(bundle)),
    );
    response(&format!("{gather}<Hangup/>"))
}

/// A verification call: the code, slowly, three times.
pub fn code(code: &str) -> String {
    let spaced: String = code
        .chars()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let line = say(&format!("Your OpsKnight verification code is {spaced}."));
    response(&format!(
        "{line}<Pause length=\"1\"/>{line}<Pause length=\"1\"/>{line}<Hangup/>"
    ))
}

/// A reply to an inbound SMS (`None`: say nothing).
pub fn message(text: Option<&str>) -> String {
    match text {
        Some(t) => response(&format!("<Message>{}</Message>", escape(t))),
        None => response(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_reads_the_message_inside_one_single_digit_gather() {
        let t = page(
            "Incident 41 <db> & co",
            false,
            "https://ok.example/api/twilio/voice?n=7&x=1",
        );
        assert!(t.starts_with("<?xml"));
        assert!(t.contains("<Gather input=\"dtmf\" numDigits=\"1\""));
        assert!(t.contains("action=\"https://ok.example/api/twilio/voice?n=7&amp;x=1\""));
        assert!(t.contains("Incident 41 &lt;db&gt; &amp; co"));
        assert!(t.contains("Press 4 to acknowledge. Press 6 to resolve."));
        assert_eq!(t.matches("<Gather").count(), 1);
        assert!(t.ends_with("<Hangup/></Response>"));
        assert!(page("x", true, "a").contains("Press 4 to acknowledge all"));
    }

    #[test]
    fn voicemail_has_no_menu_and_replies_escape_text() {
        let v = voicemail("Incident 41");
        assert!(!v.contains("Gather"));
        assert_eq!(v.matches("Incident 41").count(), 2);
        assert_eq!(
            message(Some("Acknowledged #41 <x>")),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>Acknowledged #41 &lt;x&gt;</Message></Response>"
        );
        assert!(message(None).ends_with("<Response></Response>"));
        assert!(code("123456").contains("1, 2, 3, 4, 5, 6"));
    }
}
