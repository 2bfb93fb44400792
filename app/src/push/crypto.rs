//! Web Push cryptography: VAPID keys with their ES256 JWT (RFC 8292), and the `aes128gcm`
//! payload encryption of RFC 8291 / RFC 8188, with its inverse (what a browser does; the
//! tests' push endpoint uses it). One record, no padding: a page is far below 4 KiB.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hkdf::Hkdf;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use sha2::Sha256;

/// The record size written in the header (RFC 8188); ours is a single record.
const RECORD_SIZE: u32 = 4096;
/// Largest plaintext we encrypt: one record minus the tag and the delimiter.
pub const MAX_PLAINTEXT: usize = RECORD_SIZE as usize - 16 - 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CryptoError(pub String);

fn err(m: impl Into<String>) -> CryptoError {
    CryptoError(m.into())
}

pub fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

/// base64url, with or without padding (browsers differ).
pub fn unb64(text: &str) -> Result<Vec<u8>, CryptoError> {
    B64.decode(text.trim().trim_end_matches('='))
        .map_err(|_| err("not base64url"))
}

/// A subscription's public key (`keys.p256dh`): an uncompressed P-256 point.
pub fn parse_p256dh(text: &str) -> Result<PublicKey, CryptoError> {
    PublicKey::from_sec1_bytes(&unb64(text)?).map_err(|_| err("not a P-256 public key"))
}

/// A subscription's auth secret (`keys.auth`): 16 bytes.
pub fn parse_auth(text: &str) -> Result<[u8; 16], CryptoError> {
    unb64(text)?
        .try_into()
        .map_err(|_| err("must be 16 bytes, base64url"))
}

fn point(key: &PublicKey) -> Vec<u8> {
    key.to_encoded_point(false).as_bytes().to_vec()
}

/// A P-256 key pair: the server's VAPID key, or (in tests) a device's.
#[derive(Clone)]
pub struct KeyPair(SecretKey);

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("KeyPair").field(&self.public_b64()).finish()
    }
}

impl KeyPair {
    pub fn generate() -> KeyPair {
        KeyPair(SecretKey::random(&mut rand::rngs::OsRng))
    }

    /// From the 32-byte private scalar.
    pub fn from_bytes(bytes: &[u8]) -> Result<KeyPair, CryptoError> {
        SecretKey::from_slice(bytes)
            .map(KeyPair)
            .map_err(|_| err("not a P-256 private key"))
    }

    pub fn secret_bytes(&self) -> Vec<u8> {
        self.0.to_bytes().to_vec()
    }

    /// The public key as browsers take it (`applicationServerKey`): base64url of the point.
    pub fn public_b64(&self) -> String {
        b64(&point(&self.0.public_key()))
    }

    /// A VAPID JWT for a push service's origin (`aud`), valid until `exp` (Unix seconds).
    pub fn jwt(&self, audience: &str, subject: &str, exp: i64) -> String {
        let header = b64(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = b64(
            serde_json::json!({"aud": audience, "exp": exp, "sub": subject})
                .to_string()
                .as_bytes(),
        );
        let signing_input = format!("{header}.{claims}");
        let signature: Signature = SigningKey::from(&self.0).sign(signing_input.as_bytes());
        format!("{signing_input}.{}", b64(&signature.to_bytes()))
    }

    /// The `Authorization` header for a push to a push service at `audience` (the
    /// endpoint's origin, like `https://fcm.googleapis.com`).
    pub fn authorization(&self, audience: &str, subject: &str, exp: i64) -> String {
        format!(
            "vapid t={}, k={}",
            self.jwt(audience, subject, exp),
            self.public_b64()
        )
    }
}

/// Checks a VAPID JWT's ES256 signature against a base64url public key; returns its claims.
pub fn verify_jwt(public_b64: &str, jwt: &str) -> Result<serde_json::Value, CryptoError> {
    let key = VerifyingKey::from_sec1_bytes(&unb64(public_b64)?).map_err(|_| err("bad key"))?;
    let (input, sig) = jwt.rsplit_once('.').ok_or_else(|| err("not a JWT"))?;
    let sig = Signature::from_slice(&unb64(sig)?).map_err(|_| err("bad signature"))?;
    key.verify(input.as_bytes(), &sig)
        .map_err(|_| err("signature does not verify"))?;
    let claims = input.split('.').nth(1).ok_or_else(|| err("not a JWT"))?;
    serde_json::from_slice(&unb64(claims)?).map_err(|_| err("claims are not JSON"))
}

/// The content encryption key and nonce for one message (RFC 8291 section 3.4, RFC 8188).
fn keys(
    ecdh_secret: &[u8],
    auth: &[u8],
    ua_public: &[u8],
    as_public: &[u8],
    salt: &[u8],
) -> Result<([u8; 16], [u8; 12]), CryptoError> {
    let mut info = Vec::with_capacity(14 + 65 + 65);
    info.extend_from_slice(b"WebPush: info\0");
    info.extend_from_slice(ua_public);
    info.extend_from_slice(as_public);
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(auth), ecdh_secret)
        .expand(&info, &mut ikm)
        .map_err(|_| err("hkdf"))?;
    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let (mut cek, mut nonce) = ([0u8; 16], [0u8; 12]);
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .map_err(|_| err("hkdf"))?;
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|_| err("hkdf"))?;
    Ok((cek, nonce))
}

/// Encrypts `plaintext` for a subscription, with a fresh ephemeral key and salt.
pub fn encrypt(
    ua_public: &PublicKey,
    auth: &[u8; 16],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let mut salt = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut salt);
    encrypt_with(
        ua_public,
        auth,
        plaintext,
        &SecretKey::random(&mut rand::rngs::OsRng),
        &salt,
    )
}

/// `encrypt` with a given ephemeral key and salt (the RFC's example fixes both).
pub fn encrypt_with(
    ua_public: &PublicKey,
    auth: &[u8; 16],
    plaintext: &[u8],
    as_secret: &SecretKey,
    salt: &[u8; 16],
) -> Result<Vec<u8>, CryptoError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(err("payload too large for one record"));
    }
    let as_public = point(&as_secret.public_key());
    let shared = p256::ecdh::diffie_hellman(as_secret.to_nonzero_scalar(), ua_public.as_affine());
    let (cek, nonce) = keys(
        shared.raw_secret_bytes(),
        auth,
        &point(ua_public),
        &as_public,
        salt,
    )?;
    let mut record = Vec::with_capacity(plaintext.len() + 1);
    record.extend_from_slice(plaintext);
    record.push(2); // the last (and only) record's delimiter
    let sealed = Aes128Gcm::new(&cek.into())
        .encrypt(Nonce::from_slice(&nonce), record.as_slice())
        .map_err(|_| err("encryption failed"))?;
    let mut body = Vec::with_capacity(16 + 4 + 1 + as_public.len() + sealed.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(as_public.len() as u8);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&sealed);
    Ok(body)
}

/// The receiving side: decrypts an `aes128gcm` body with the device's key pair.
pub fn decrypt(device: &KeyPair, auth: &[u8; 16], body: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let ua_secret = &device.0;
    let short = || err("body too short");
    let salt = body.get(..16).ok_or_else(short)?;
    let idlen = usize::from(*body.get(20).ok_or_else(short)?);
    let as_public_bytes = body.get(21..21 + idlen).ok_or_else(short)?;
    let as_public = PublicKey::from_sec1_bytes(as_public_bytes).map_err(|_| err("bad key id"))?;
    let shared = p256::ecdh::diffie_hellman(ua_secret.to_nonzero_scalar(), as_public.as_affine());
    let ua_public = point(&ua_secret.public_key());
    let (cek, nonce) = keys(
        shared.raw_secret_bytes(),
        auth,
        &ua_public,
        as_public_bytes,
        salt,
    )?;
    let mut plain = Aes128Gcm::new(&cek.into())
        .decrypt(Nonce::from_slice(&nonce), &body[21 + idlen..])
        .map_err(|_| err("decryption failed"))?;
    // Strip padding back to the delimiter (2: last record).
    while plain.last() == Some(&0) {
        plain.pop();
    }
    match plain.pop() {
        Some(2) => Ok(plain),
        _ => Err(err("missing record delimiter")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8291, Appendix A.
    const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    const UA_PUBLIC: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const BODY: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";
    const PLAINTEXT: &[u8] = b"When I grow up, I want to be a watermelon";

    #[test]
    fn encryption_reproduces_the_rfc_8291_example_and_decrypts_back() {
        let as_secret = SecretKey::from_slice(&unb64(AS_PRIVATE).unwrap()).unwrap();
        let salt: [u8; 16] = unb64(SALT).unwrap().try_into().unwrap();
        let ua = parse_p256dh(UA_PUBLIC).unwrap();
        let auth = parse_auth(AUTH).unwrap();
        let body = encrypt_with(&ua, &auth, PLAINTEXT, &as_secret, &salt).unwrap();
        assert_eq!(b64(&body), BODY);
        let ua_secret = KeyPair::from_bytes(&unb64(UA_PRIVATE).unwrap()).unwrap();
        assert_eq!(decrypt(&ua_secret, &auth, &body).unwrap(), PLAINTEXT);
        // A fresh key and salt each time, and still decryptable; a wrong auth secret is not.
        let fresh = encrypt(&ua, &auth, PLAINTEXT).unwrap();
        assert_ne!(fresh, body);
        assert_eq!(decrypt(&ua_secret, &auth, &fresh).unwrap(), PLAINTEXT);
        assert!(decrypt(&ua_secret, &[0; 16], &fresh).is_err());
    }

    #[test]
    fn vapid_jwts_verify_with_the_public_key_and_not_another() {
        let key = KeyPair::generate();
        let again = KeyPair::from_bytes(&key.secret_bytes()).unwrap();
        assert_eq!(again.public_b64(), key.public_b64());
        let auth = key.authorization(
            "https://push.example.net",
            "mailto:ops@example.com",
            1_800_000_000,
        );
        let (t, k) = auth
            .strip_prefix("vapid t=")
            .and_then(|r| r.split_once(", k="))
            .unwrap();
        assert_eq!(k, key.public_b64());
        let claims = verify_jwt(k, t).unwrap();
        assert_eq!(claims["aud"], "https://push.example.net");
        assert_eq!(claims["exp"], 1_800_000_000);
        assert!(verify_jwt(&KeyPair::generate().public_b64(), t).is_err());
        assert_eq!(unb64(k).unwrap().len(), 65);
        assert!(parse_auth("AAAA").is_err());
        assert!(parse_p256dh("AAAA").is_err());
    }
}
