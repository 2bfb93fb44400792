//! Slack's v0 request signature: `v0=` + hex HMAC-SHA256, keyed with the signing secret, of
//! `v0:<X-Slack-Request-Timestamp>:<raw body>`; refused when the timestamp is more than five
//! minutes from now either way. Checked in constant time, before the body is parsed.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a request's timestamp may be from now.
pub const WINDOW_SECS: i64 = 300;

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bad {
    Missing,
    Stale,
    Mismatch,
}

impl Bad {
    pub fn message(self) -> &'static str {
        match self {
            Bad::Missing => "X-Slack-Signature and X-Slack-Request-Timestamp are required",
            Bad::Stale => "X-Slack-Request-Timestamp is more than five minutes from now",
            Bad::Mismatch => "X-Slack-Signature does not match",
        }
    }
}

/// None only for a key HMAC refuses, which cannot happen (it takes keys of any length).
fn mac(secret: &str, timestamp: &str, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    Some(mac)
}

/// The `X-Slack-Signature` Slack would send.
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let tag = mac(secret, timestamp, body).map(|m| m.finalize().into_bytes().to_vec());
    format!("v0={}", hex::encode(tag.unwrap_or_default()))
}

/// Checks a request's signature and timestamp against `now` (unix seconds).
pub fn verify(
    secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), Bad> {
    let (Some(ts), Some(sig)) = (timestamp, signature) else {
        return Err(Bad::Missing);
    };
    let at: i64 = ts.trim().parse().map_err(|_| Bad::Missing)?;
    if (now - at).abs() > WINDOW_SECS {
        return Err(Bad::Stale);
    }
    let tag = sig
        .strip_prefix("v0=")
        .and_then(|h| hex::decode(h).ok())
        .ok_or(Bad::Mismatch)?;
    mac(secret, ts.trim(), body)
        .ok_or(Bad::Mismatch)?
        .verify_slice(&tag)
        .map_err(|_| Bad::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TS: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIG: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    #[test]
    fn slacks_known_answer_vector() {
        assert_eq!(sign(SECRET, TS, BODY.as_bytes()), SIG);
        assert_eq!(
            verify(
                SECRET,
                Some(TS),
                Some(SIG),
                BODY.as_bytes(),
                1531420618 + 299
            ),
            Ok(())
        );
    }

    #[test]
    fn wrong_stale_or_missing_signatures_are_refused() {
        let now = 1531420618;
        let b = BODY.as_bytes();
        assert_eq!(
            verify(SECRET, Some(TS), Some(SIG), b"token=x", now),
            Err(Bad::Mismatch)
        );
        assert_eq!(
            verify("other", Some(TS), Some(SIG), b, now),
            Err(Bad::Mismatch)
        );
        assert_eq!(
            verify(SECRET, Some(TS), Some(SIG), b, now + 301),
            Err(Bad::Stale)
        );
        assert_eq!(
            verify(SECRET, Some(TS), Some(SIG), b, now - 301),
            Err(Bad::Stale)
        );
        assert_eq!(verify(SECRET, None, Some(SIG), b, now), Err(Bad::Missing));
        assert_eq!(verify(SECRET, Some(TS), None, b, now), Err(Bad::Missing));
        assert_eq!(
            verify(SECRET, Some(TS), Some("v1=00"), b, now),
            Err(Bad::Mismatch)
        );
    }
}
