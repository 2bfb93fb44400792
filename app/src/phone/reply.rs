//! What an SMS reply asks for. Every page SMS carries a code per phone number: below 100 for
//! one incident, 100 and up for a bundle. `1a` acknowledges and `1c` resolves what code 1
//! names (`100a` or `100aa`: every incident of bundle 100); a bare `a` or `c` acts on the
//! latest page sent to that number. STOP and START words turn the number's SMS off and on.

/// What a reply does to the incidents it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Acknowledge,
    Resolve,
    /// Escalate now (the next step, as if the delay had passed).
    Escalate,
}

impl Action {
    pub fn past_tense(self) -> &'static str {
        match self {
            Action::Acknowledge => "Acknowledged",
            Action::Resolve => "Resolved",
            Action::Escalate => "Escalated",
        }
    }
}

/// Which pages a reply names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The code printed in a page (a single incident below 100, a bundle from 100).
    Code(u32),
    /// The latest page sent to this number.
    Latest,
}

/// A parsed reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Act { target: Target, action: Action },
    Stop,
    Start,
    Help,
    Unknown,
}

const STOP: &[&str] = &["stop", "stopall", "unsubscribe", "cancel", "end", "quit"];
const START: &[&str] = &["start", "yes", "unstop"];

fn action(word: &str) -> Option<Action> {
    Some(match word {
        "a" | "aa" | "ack" | "acknowledge" => Action::Acknowledge,
        "c" | "cc" | "close" | "resolve" | "r" => Action::Resolve,
        "e" | "escalate" => Action::Escalate,
        _ => return None,
    })
}

/// Parses a reply: case and surrounding space or quotes do not matter, and a space between
/// the code and the letter is allowed (`1 a`).
pub fn parse(body: &str) -> Reply {
    let text: String = body
        .trim()
        .trim_matches(|c| matches!(c, '\'' | '"' | '.' | '!'))
        .trim()
        .to_lowercase();
    if STOP.contains(&text.as_str()) {
        return Reply::Stop;
    }
    if START.contains(&text.as_str()) {
        return Reply::Start;
    }
    if text == "help" || text == "info" || text == "?" {
        return Reply::Help;
    }
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let rest = text[digits.len()..].trim();
    match (digits.is_empty(), action(rest)) {
        (true, Some(action)) => Reply::Act {
            target: Target::Latest,
            action,
        },
        (false, Some(action)) => match digits.parse::<u32>() {
            Ok(code) if code > 0 => Reply::Act {
                target: Target::Code(code),
                action,
            },
            _ => Reply::Unknown,
        },
        _ => Reply::Unknown,
    }
}

/// The reply-code instructions at the end of a page SMS.
pub fn instructions(code: u32, bundle: bool) -> String {
    if bundle {
        format!("Reply {code}a to ack all, {code}c to resolve all")
    } else {
        format!("Reply {code}a to ack, {code}c to resolve")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn act(target: Target, action: Action) -> Reply {
        Reply::Act { target, action }
    }

    #[test]
    fn codes_with_a_letter_name_pages() {
        use Action::*;
        use Target::*;
        for (body, want) in [
            ("1a", act(Code(1), Acknowledge)),
            ("1A", act(Code(1), Acknowledge)),
            (" 1 a ", act(Code(1), Acknowledge)),
            ("'12c'", act(Code(12), Resolve)),
            ("100a", act(Code(100), Acknowledge)),
            ("100aa", act(Code(100), Acknowledge)),
            ("100cc", act(Code(100), Resolve)),
            ("3e", act(Code(3), Escalate)),
            ("7 ack", act(Code(7), Acknowledge)),
            ("a", act(Latest, Acknowledge)),
            ("C", act(Latest, Resolve)),
            ("ack", act(Latest, Acknowledge)),
            ("close.", act(Latest, Resolve)),
        ] {
            assert_eq!(parse(body), want, "{body:?}");
        }
    }

    #[test]
    fn stop_start_help_and_noise() {
        for stop in ["STOP", "stop", " Unsubscribe ", "QUIT"] {
            assert_eq!(parse(stop), Reply::Stop, "{stop}");
        }
        for start in ["START", "unstop", "Yes"] {
            assert_eq!(parse(start), Reply::Start, "{start}");
        }
        assert_eq!(parse("help"), Reply::Help);
        for noise in [
            "",
            "0a",
            "1x",
            "hello",
            "1",
            "a1",
            "99999999999a",
            "1 a b",
            "stop now",
        ] {
            assert_eq!(parse(noise), Reply::Unknown, "{noise:?}");
        }
    }

    #[test]
    fn instructions_name_the_code() {
        assert_eq!(instructions(1, false), "Reply 1a to ack, 1c to resolve");
        assert_eq!(
            instructions(100, true),
            "Reply 100a to ack all, 100c to resolve all"
        );
    }

    mod fuzz {
        //! Property tests (the test command runs the default case count; `scripts/fuzz.sh`
        //! runs many more): any text parses without a panic, and every code with every action
        //! word reads back, whatever the case, spacing and quoting.
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_text_parses_without_a_panic(body in any::<String>()) {
                let _ = parse(&body);
            }

            #[test]
            fn a_code_and_an_action_word_always_read_back(
                code in 1u32..,
                word in prop::sample::select(vec!["a", "ack", "Acknowledge", "c", "C", "resolve", "e", "escalate"]),
                space in "[ \t]{0,3}",
                quote in prop::sample::select(vec!["", "'", "\"", "."]),
            ) {
                let body = format!("{space}{quote}{code}{space}{word}{quote}{space}");
                let action = match word.to_lowercase().as_str() {
                    "a" | "ack" | "acknowledge" => Action::Acknowledge,
                    "c" | "resolve" => Action::Resolve,
                    _ => Action::Escalate,
                };
                prop_assert_eq!(parse(&body), Reply::Act { target: Target::Code(code), action });
            }

            #[test]
            fn the_instructions_name_codes_that_parse(code in 1u32.., bundle in any::<bool>()) {
                let text = instructions(code, bundle);
                for (suffix, action) in [("a", Action::Acknowledge), ("c", Action::Resolve)] {
                    let reply = format!("{code}{suffix}");
                    prop_assert!(text.contains(&reply), "{}", text);
                    prop_assert_eq!(parse(&reply), Reply::Act { target: Target::Code(code), action });
                }
            }
        }
    }
}
