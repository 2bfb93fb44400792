//! Session tokens and cookies: a random token goes in the cookie, only its SHA-256 is stored.
//! Also the request facts (cookie, client IP, https) that server functions need.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use leptos::prelude::use_context;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::SESSION_COOKIE;

/// A fresh 256-bit token, base64url.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The `Set-Cookie` value for a new session.
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that deletes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

/// A cookie's value from a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// What a server function knows about the request it serves.
#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    pub session_token: Option<String>,
    /// The raw `Authorization` header, when sent. When present it is the only credential
    /// considered: a request never falls back from a bad key to the cookie.
    pub authorization: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub https: bool,
}

/// A request extension the server's own TLS listener adds: the request came over https.
#[derive(Debug, Clone, Copy)]
pub struct OverTls;

/// Reads the request parts Leptos provides to server functions.
pub fn request_info() -> RequestInfo {
    use_context::<http::request::Parts>()
        .map(|parts| RequestInfo::from_parts(&parts.headers, &parts.uri, &parts.extensions))
        .unwrap_or_default()
}

impl RequestInfo {
    /// The request facts from raw parts (for axum middleware, which has no Leptos context).
    pub fn from_parts(
        headers: &http::HeaderMap,
        uri: &http::Uri,
        extensions: &http::Extensions,
    ) -> RequestInfo {
        let header =
            |name: http::header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        RequestInfo {
            session_token: header(http::header::COOKIE)
                .and_then(|c| cookie_value(c, SESSION_COOKIE))
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
            authorization: header(http::header::AUTHORIZATION).map(str::to_owned),
            ip: extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ci| ci.0.ip().to_string()),
            user_agent: header(http::header::USER_AGENT).map(|ua| ua.chars().take(300).collect()),
            https: uri.scheme_str() == Some("https")
                || extensions.get::<OverTls>().is_some()
                || header(http::HeaderName::from_static("x-forwarded-proto")) == Some("https"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_over_https() {
        let c = session_cookie("tok", 60, true);
        assert_eq!(
            c,
            "ok_session=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert!(!session_cookie("tok", 60, false).contains("Secure"));
        assert_eq!(
            cookie_value("a=1; ok_session=xyz; b=2", SESSION_COOKIE),
            Some("xyz")
        );
        assert_eq!(cookie_value("a=1", SESSION_COOKIE), None);
    }
}
