//! Signed, expiring tokens that chat buttons and links carry (`Keyring::seal_token`, with a
//! purpose of their own): an *action* token names an incident and a
//! press (Mattermost buttons, whose callbacks are unsigned; the Teams acknowledge link), a
//! *link* token names a chat account to link to whoever opens it signed in.

use chrono::{DateTime, Utc};

use super::ChatProvider;
use super::render::Press;
use crate::domain::IncidentId;
use crate::error::AppError;
use crate::secrets::Keyring;

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bad {
    /// Not one of ours: forged, changed, another purpose, or garbage.
    Invalid,
    Expired,
}

impl From<Bad> for AppError {
    fn from(b: Bad) -> AppError {
        match b {
            Bad::Invalid => AppError::invalid("token", "this button or link is not valid"),
            Bad::Expired => AppError::invalid(
                "token",
                "this button or link has expired; open the incident in OpsKnight instead",
            ),
        }
    }
}

const ACTION: &str = "chat-action";
const LINK: &str = "chat-link";

fn expiry(data: &[u8]) -> i64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&data[..8]);
    i64::from_be_bytes(b)
}

/// `base64url(expiry ‖ press ‖ incident ‖ tag)`: 41 bytes, 55 characters.
pub fn action(
    keys: &Keyring,
    incident: IncidentId,
    press: Press,
    expires: DateTime<Utc>,
) -> String {
    let mut data = Vec::with_capacity(25);
    data.extend_from_slice(&expires.timestamp().to_be_bytes());
    data.push(press.byte());
    data.extend_from_slice(incident.0.as_bytes());
    keys.seal_token(ACTION, &data)
}

/// The incident and press of a valid, unexpired action token.
pub fn check_action(
    keys: &Keyring,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(IncidentId, Press), Bad> {
    let data = keys
        .open_token(ACTION, token)
        .filter(|d| d.len() == 25)
        .ok_or(Bad::Invalid)?;
    if expiry(&data) < now.timestamp() {
        return Err(Bad::Expired);
    }
    let press = Press::from_byte(data[8]).ok_or(Bad::Invalid)?;
    let id = uuid::Uuid::from_slice(&data[9..]).map_err(|_| Bad::Invalid)?;
    Ok((IncidentId(id), press))
}

/// `base64url(expiry ‖ provider ‖ external id ‖ tag)`.
pub fn link(
    keys: &Keyring,
    provider: ChatProvider,
    external: &str,
    expires: DateTime<Utc>,
) -> String {
    let mut data = Vec::with_capacity(9 + external.len());
    data.extend_from_slice(&expires.timestamp().to_be_bytes());
    data.push(provider.as_str().as_bytes()[0]);
    data.extend_from_slice(external.as_bytes());
    keys.seal_token(LINK, &data)
}

/// The chat account a valid, unexpired link token names.
pub fn check_link(
    keys: &Keyring,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(ChatProvider, String), Bad> {
    let data = keys
        .open_token(LINK, token)
        .filter(|d| d.len() > 9)
        .ok_or(Bad::Invalid)?;
    if expiry(&data) < now.timestamp() {
        return Err(Bad::Expired);
    }
    let provider = ChatProvider::ALL
        .into_iter()
        .find(|p| p.as_str().as_bytes()[0] == data[8])
        .ok_or(Bad::Invalid)?;
    let external = String::from_utf8(data[9..].to_vec()).map_err(|_| Bad::Invalid)?;
    Ok((provider, external))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn keys() -> Keyring {
        Keyring::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap()
    }

    #[test]
    fn an_action_token_names_its_incident_and_press_until_it_expires() {
        let k = keys();
        let now = Utc::now();
        let id = IncidentId::new();
        let t = action(&k, id, Press::Resolve, now + chrono::Duration::hours(1));
        assert_eq!(check_action(&k, &t, now).unwrap(), (id, Press::Resolve));
        assert!(
            check_action(&k, &t, now + chrono::Duration::hours(2)).is_err(),
            "expired"
        );
        let mut forged = URL_SAFE_NO_PAD.decode(&t).unwrap();
        forged[8] = b'a';
        assert!(
            check_action(&k, &URL_SAFE_NO_PAD.encode(forged), now).is_err(),
            "press changed"
        );
        let other = Keyring::parse("HxwdHh8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRo=").unwrap();
        assert!(
            check_action(&other, &t, now).is_err(),
            "another server's key"
        );
        assert!(check_action(&k, "garbage", now).is_err());
        // A link token is not an action token, even with the same key.
        let l = link(
            &k,
            ChatProvider::Mattermost,
            "abcdefghijklmnopqrstuvwxyz",
            now + chrono::Duration::hours(1),
        );
        assert!(check_action(&k, &l, now).is_err());
        assert_eq!(
            check_link(&k, &l, now).unwrap(),
            (
                ChatProvider::Mattermost,
                "abcdefghijklmnopqrstuvwxyz".to_owned()
            )
        );
    }
}
