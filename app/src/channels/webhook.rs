//! Standard Webhooks v1 signing: `whsec_` secrets, the `webhook-signature` header
//! (`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the secret's decoded
//! bytes), and the receiver's check (used by tests and by anyone verifying our deliveries).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

const PREFIX: &str = "whsec_";

/// A fresh secret: `whsec_` + base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    format!("{PREFIX}{}", STANDARD.encode(key))
}

/// The key bytes of a `whsec_…` secret.
fn key(secret: &str) -> Result<Vec<u8>, String> {
    let b64 = secret.strip_prefix(PREFIX).unwrap_or(secret);
    STANDARD
        .decode(b64)
        .map_err(|_| "the webhook secret is not whsec_ followed by base64".to_owned())
}

/// The HMAC over `{id}.{timestamp}.{body}`, keyed with the secret's bytes.
fn mac(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> Result<Hmac<Sha256>, String> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .map_err(|_| "the webhook secret is empty".to_owned())?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Ok(mac)
}

/// The `webhook-signature` header value for one attempt.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, String> {
    let mac = mac(&key(secret)?, id, timestamp, body)?;
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// A receiver's check: one of the space-separated `v1,` signatures matches, and the
/// timestamp is within `tolerance_secs` of `now` (either way).
pub fn verify(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
    header: &str,
    now: i64,
    tolerance_secs: i64,
) -> bool {
    if (now - timestamp).abs() > tolerance_secs || id.contains('.') {
        return false;
    }
    let Ok(key) = key(secret) else { return false };
    header.split(' ').any(|candidate| {
        let Some(sig) = candidate.strip_prefix("v1,") else {
            return false;
        };
        let Ok(sig) = STANDARD.decode(sig) else {
            return false;
        };
        mac(&key, id, timestamp, body).is_ok_and(|m| m.verify_slice(&sig).is_ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // The Standard Webhooks specification's example.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn the_specifications_vector_signs_and_verifies() {
        assert_eq!(sign(SECRET, ID, TS, BODY).unwrap(), SIGNATURE);
        assert!(verify(SECRET, ID, TS, BODY, SIGNATURE, TS + 10, 300));
        // Several signatures (a rotation): any one matching is enough.
        let both = format!("v1,AAAA {SIGNATURE}");
        assert!(verify(SECRET, ID, TS, BODY, &both, TS, 300));
    }

    #[test]
    fn a_changed_body_id_timestamp_or_secret_and_a_stale_attempt_are_refused() {
        assert!(!verify(
            SECRET,
            ID,
            TS,
            br#"{"test": 1}"#,
            SIGNATURE,
            TS,
            300
        ));
        assert!(!verify(SECRET, "msg_other", TS, BODY, SIGNATURE, TS, 300));
        assert!(!verify(SECRET, ID, TS + 1, BODY, SIGNATURE, TS + 1, 300));
        assert!(!verify(&new_secret(), ID, TS, BODY, SIGNATURE, TS, 300));
        assert!(!verify(SECRET, ID, TS, BODY, SIGNATURE, TS + 301, 300));
        assert!(!verify(SECRET, ID, TS, BODY, SIGNATURE, TS - 301, 300));
        assert!(!verify(SECRET, ID, TS, BODY, "", TS, 300));
    }

    #[test]
    fn new_secrets_are_32_random_bytes() {
        let a = new_secret();
        assert!(a.starts_with("whsec_"));
        assert_eq!(key(&a).unwrap().len(), 32);
        assert_ne!(a, new_secret());
    }
}
