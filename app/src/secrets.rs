//! The server's keyring: AES-256-GCM for secrets at rest (SMTP passwords) and HMAC-SHA256
//! for signed links and tokens, under keys from the environment. The first key encrypts and signs;
//! every listed key decrypts and verifies, so keys rotate by prepending a new one.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// One or more 32-byte keys, newest first.
#[derive(Clone)]
pub struct Keyring {
    keys: Vec<[u8; 32]>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keyring({} keys)", self.keys.len())
    }
}

impl Keyring {
    /// From a comma-separated list of base64 keys (newest first). Errors say which entry is
    /// wrong, never what it holds.
    pub fn parse(list: &str) -> Result<Keyring, String> {
        let mut keys = Vec::new();
        for (i, raw) in list.split(',').map(str::trim).enumerate() {
            if raw.is_empty() {
                continue;
            }
            let bytes = STANDARD
                .decode(raw)
                .map_err(|_| format!("key {} is not base64", i + 1))?;
            let key: [u8; 32] = bytes
                .try_into()
                .map_err(|_| format!("key {} must be 32 bytes (44 base64 characters)", i + 1))?;
            keys.push(key);
        }
        if keys.is_empty() {
            return Err("no key given".into());
        }
        Ok(Keyring { keys })
    }

    /// A fresh random key, base64-encoded (for the generated key file).
    pub fn generate() -> String {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        STANDARD.encode(key)
    }

    /// A short public id of a key, so a ciphertext names the key that made it.
    fn key_id(key: &[u8; 32]) -> String {
        hex::encode(&Sha256::digest(key)[..4])
    }

    /// `v1:<key id>:<base64 nonce‖ciphertext>` under the newest key.
    pub fn encrypt(&self, plain: &str) -> String {
        let key = &self.keys[0];
        let cipher = Aes256Gcm::new(key.into());
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        // Encrypting into a Vec cannot fail for inputs this small.
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("v1:{}:{}", Self::key_id(key), STANDARD.encode(out))
    }

    /// Decrypts with whichever listed key made the ciphertext.
    pub fn decrypt(&self, sealed: &str) -> Result<String, String> {
        let mut parts = sealed.splitn(3, ':');
        let (Some("v1"), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err("not an encrypted value".into());
        };
        let key = self
            .keys
            .iter()
            .find(|k| Self::key_id(k) == id)
            .ok_or("encrypted under a key that is no longer configured")?;
        let bytes = STANDARD
            .decode(body)
            .map_err(|_| "corrupt encrypted value")?;
        if bytes.len() < 12 {
            return Err("corrupt encrypted value".into());
        }
        let (nonce, ct) = bytes.split_at(12);
        let plain = Aes256Gcm::new(key.into())
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| "encrypted value does not verify")?;
        String::from_utf8(plain).map_err(|_| "corrupt encrypted value".into())
    }

    fn mac(key: &[u8; 32], purpose: &str, data: &[u8]) -> [u8; 32] {
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
            return [0; 32];
        };
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// An HMAC of `data` for `purpose`, under the newest key.
    pub fn sign(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        Self::mac(&self.keys[0], purpose, data)
    }

    /// Whether `tag` (possibly truncated, at least 16 bytes) signs `data` under any key.
    pub fn verify(&self, purpose: &str, data: &[u8], tag: &[u8]) -> bool {
        tag.len() >= 16
            && self.keys.iter().any(|k| {
                let full = Self::mac(k, purpose, data);
                constant_time_eq(&full[..tag.len().min(32)], tag)
            })
    }

    /// A signed token for links and buttons: `base64url(data ‖ tag[..16])`, the tag the HMAC of
    /// `data` for `purpose` (acknowledge links, chat buttons, chat account links).
    pub fn seal_token(&self, purpose: &str, data: &[u8]) -> String {
        let mut out = data.to_vec();
        out.extend_from_slice(&self.sign(purpose, data)[..TOKEN_TAG]);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The data of a token `seal_token` made for `purpose` under any key, or None (forged,
    /// changed, another purpose, not a token).
    pub fn open_token(&self, purpose: &str, token: &str) -> Option<Vec<u8>> {
        let raw = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
        if raw.len() <= TOKEN_TAG {
            return None;
        }
        let (data, tag) = raw.split_at(raw.len() - TOKEN_TAG);
        self.verify(purpose, data, tag).then(|| data.to_vec())
    }
}

/// Bytes of HMAC a token carries.
const TOKEN_TAG: usize = 16;

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypts_with_newest_and_decrypts_with_any() {
        let old = Keyring::generate();
        let new = Keyring::generate();
        let before = Keyring::parse(&old).unwrap();
        let sealed = before.encrypt("hunter2");
        assert!(!sealed.contains("hunter2"));
        let rotated = Keyring::parse(&format!("{new}, {old}")).unwrap();
        assert_eq!(rotated.decrypt(&sealed).unwrap(), "hunter2");
        let resealed = rotated.encrypt("hunter2");
        assert_ne!(resealed.split(':').nth(1), sealed.split(':').nth(1));
        assert!(before.decrypt(&resealed).is_err());
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push('A');
        assert!(before.decrypt(&tampered).is_err() || tampered == sealed);
    }

    #[test]
    fn signatures_verify_across_rotation_and_not_across_purpose() {
        let old = Keyring::generate();
        let a = Keyring::parse(&old).unwrap();
        let tag = a.sign("ack", b"data");
        let b = Keyring::parse(&format!("{},{old}", Keyring::generate())).unwrap();
        assert!(b.verify("ack", b"data", &tag[..16]));
        assert!(!b.verify("other", b"data", &tag[..16]));
        assert!(!b.verify("ack", b"data!", &tag[..16]));
        assert!(!b.verify("ack", b"data", &tag[..8]));
    }

    #[test]
    fn bad_key_lists_name_the_entry() {
        assert!(Keyring::parse("").is_err());
        assert_eq!(Keyring::parse("abc").unwrap_err(), "key 1 is not base64");
        let short = STANDARD.encode([1u8; 16]);
        assert!(Keyring::parse(&short).unwrap_err().contains("32 bytes"));
    }
}
