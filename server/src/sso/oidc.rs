//! The OpenID Connect protocol, as a relying party: discovery and the JWKS (cached per issuer,
//! the JWKS fetched again when a token names a key it lacks: the provider rotated), the
//! authorization URL with `state`, `nonce` and PKCE (S256), and the code exchange whose ID
//! token is checked (signature, issuer, audience, expiry on the injected clock, nonce) before
//! userinfo's claims are merged in.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use app::sso::Refusal;
use app::sso::config::Effective;
use app::sso::signin::Identity;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJsonWebKeySet, CoreProviderMetadata,
};
use openidconnect::{
    AccessToken, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    RequestTokenError, Scope, SignatureVerificationError, TokenResponse,
};
use serde_json::{Map, Value};

/// How long discovery is trusted before it is read again.
const METADATA_TTL: Duration = Duration::from_secs(3600);
/// The least time between two JWKS fetches for unknown keys (a flood of forged tokens must
/// not become a flood of requests to the provider).
const JWKS_REFETCH_MIN: Duration = Duration::from_secs(5);

/// A provider's discovery document, its JWKS, and when each was read.
struct Provider {
    metadata: CoreProviderMetadata,
    end_session: Option<String>,
    read_at: Instant,
    /// When the JWKS was last read again for a key it lacked.
    refetched_at: Option<Instant>,
}

static CACHE: LazyLock<Mutex<HashMap<String, Arc<Provider>>>> = LazyLock::new(Default::default);

fn cached(issuer: &str) -> Option<Arc<Provider>> {
    CACHE.lock().ok()?.get(issuer).cloned()
}

fn remember(issuer: &str, p: Arc<Provider>) {
    if let Ok(mut c) = CACHE.lock() {
        c.insert(issuer.to_owned(), p);
    }
}

/// The HTTP client for the provider: no redirects followed, bounded waits.
fn http() -> Result<&'static reqwest::Client, Refusal> {
    static CLIENT: LazyLock<Result<reqwest::Client, String>> = LazyLock::new(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())
    });
    CLIENT.as_ref().map_err(|e| {
        tracing::error!(error = %e, "sso: HTTP client");
        Refusal::Internal
    })
}

fn unreachable(what: &str, e: impl std::fmt::Display) -> Refusal {
    tracing::warn!(error = %e, "sso: {what}");
    Refusal::ProviderUnreachable
}

/// Reads discovery (checking the document names this issuer exactly) and the JWKS.
async fn discover(issuer: &str) -> Result<Arc<Provider>, Refusal> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let res = http()?
        .get(&url)
        .send()
        .await
        .map_err(|e| unreachable("discovery", e))?;
    if !res.status().is_success() {
        return Err(unreachable(
            "discovery",
            format!("{url} answered {}", res.status()),
        ));
    }
    let body = res.bytes().await.map_err(|e| unreachable("discovery", e))?;
    let metadata: CoreProviderMetadata =
        serde_json::from_slice(&body).map_err(|e| unreachable("discovery document", e))?;
    if metadata.issuer().as_str() != issuer {
        return Err(unreachable(
            "discovery",
            format!(
                "the document names issuer {} instead of {issuer}",
                metadata.issuer().as_str()
            ),
        ));
    }
    #[derive(serde::Deserialize)]
    struct Extra {
        end_session_endpoint: Option<String>,
    }
    let end_session = serde_json::from_slice::<Extra>(&body)
        .ok()
        .and_then(|e| e.end_session_endpoint);
    let jwks = CoreJsonWebKeySet::fetch_async(metadata.jwks_uri(), http()?)
        .await
        .map_err(|e| unreachable("JWKS", e))?;
    let p = Arc::new(Provider {
        metadata: metadata.set_jwks(jwks),
        end_session,
        read_at: Instant::now(),
        refetched_at: None,
    });
    remember(issuer, p.clone());
    Ok(p)
}

/// The provider, from the cache while fresh.
async fn provider(issuer: &str) -> Result<Arc<Provider>, Refusal> {
    match cached(issuer) {
        Some(p) if p.read_at.elapsed() < METADATA_TTL => Ok(p),
        _ => discover(issuer).await,
    }
}

/// The JWKS read again (the provider rotated its keys), unless an unknown key already made
/// us read it moments ago.
async fn refresh_jwks(issuer: &str, p: &Provider) -> Result<Option<Arc<Provider>>, Refusal> {
    if p.refetched_at
        .is_some_and(|at| at.elapsed() < JWKS_REFETCH_MIN)
    {
        return Ok(None);
    }
    let jwks = CoreJsonWebKeySet::fetch_async(p.metadata.jwks_uri(), http()?)
        .await
        .map_err(|e| unreachable("JWKS", e))?;
    let fresh = Arc::new(Provider {
        metadata: p.metadata.clone().set_jwks(jwks),
        end_session: p.end_session.clone(),
        read_at: p.read_at,
        refetched_at: Some(Instant::now()),
    });
    remember(issuer, fresh.clone());
    Ok(Some(fresh))
}

fn redirect_url(public_url: &str) -> Result<RedirectUrl, Refusal> {
    RedirectUrl::new(format!("{public_url}{}", app::sso::CALLBACK_PATH)).map_err(|e| {
        tracing::error!(error = %e, "sso: the public URL does not make a redirect URI");
        Refusal::NotConfigured
    })
}

/// A redirect to the provider: the URL, and the state, nonce and PKCE verifier to keep.
pub struct Begun {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Starts a sign-in: where to send the browser.
pub async fn begin(cfg: &Effective, public_url: &str) -> Result<Begun, Refusal> {
    let p = provider(&cfg.issuer).await?;
    let client = CoreClient::from_provider_metadata(
        p.metadata.clone(),
        ClientId::new(cfg.client_id.clone()),
        Some(ClientSecret::new(cfg.client_secret.clone())),
    )
    .set_redirect_uri(redirect_url(public_url)?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for s in cfg.scopes.iter().filter(|s| *s != "openid") {
        req = req.add_scope(Scope::new(s.clone()));
    }
    let (url, state, nonce) = req.url();
    Ok(Begun {
        url: url.to_string(),
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
    })
}

/// Why a token was refused, for the audit log.
fn token_refusal(e: &ClaimsVerificationError) -> (Refusal, String) {
    tracing::warn!(error = %e, "sso: ID token refused");
    (Refusal::TokenInvalid, e.to_string())
}

/// The code exchanged at the token endpoint, the ID token checked, userinfo merged in.
pub async fn finish(
    cfg: &Effective,
    public_url: &str,
    code: String,
    pending: &app::sso::store::Pending,
    now: DateTime<Utc>,
) -> Result<Identity, (Refusal, String)> {
    let plain = |r: Refusal| (r, String::new());
    let mut p = provider(&cfg.issuer).await.map_err(plain)?;
    let client = CoreClient::from_provider_metadata(
        p.metadata.clone(),
        ClientId::new(cfg.client_id.clone()),
        Some(ClientSecret::new(cfg.client_secret.clone())),
    )
    .set_redirect_uri(redirect_url(public_url).map_err(plain)?);
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| (unreachable("token endpoint", e), String::new()))?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
        .request_async(http().map_err(plain)?)
        .await
        .map_err(|e| match e {
            RequestTokenError::ServerResponse(r) => {
                let detail = format!(
                    "{:?}: {}",
                    r.error(),
                    r.error_description().cloned().unwrap_or_default()
                );
                tracing::warn!(%detail, "sso: the token endpoint refused the code");
                (Refusal::CodeRejected, detail)
            }
            RequestTokenError::Parse(e, _) => {
                (Refusal::TokenInvalid, format!("token response: {e}"))
            }
            other => (unreachable("token endpoint", other), String::new()),
        })?;
    let id_token = token.id_token().ok_or_else(|| {
        (
            Refusal::TokenInvalid,
            "no id_token in the token response".to_owned(),
        )
    })?;
    let nonce = Nonce::new(pending.nonce.clone());
    let verify = |p: &Provider| {
        let c = CoreClient::from_provider_metadata(
            p.metadata.clone(),
            ClientId::new(cfg.client_id.clone()),
            Some(ClientSecret::new(cfg.client_secret.clone())),
        );
        let verifier = c.id_token_verifier().set_time_fn(move || now);
        id_token
            .claims(&verifier, &nonce)
            .map(|c| c.subject().as_str().to_owned())
    };
    let subject = match verify(&p) {
        Ok(s) => s,
        Err(ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        )) => {
            // A key we have not seen: the provider may have rotated. Read the JWKS once more.
            match refresh_jwks(&cfg.issuer, &p).await.map_err(plain)? {
                Some(fresh) => {
                    p = fresh;
                    verify(&p).map_err(|e| token_refusal(&e))?
                }
                None => return Err((Refusal::TokenInvalid, "signed by an unknown key".into())),
            }
        }
        Err(e) => return Err(token_refusal(&e)),
    };
    let raw = id_token.to_string();
    let mut claims =
        payload(&raw).ok_or_else(|| (Refusal::TokenInvalid, "unreadable payload".into()))?;
    if let Some(url) = p.metadata.userinfo_endpoint() {
        let info = userinfo(url.as_str(), token.access_token())
            .await
            .map_err(plain)?;
        if info.get("sub").and_then(Value::as_str) != Some(subject.as_str()) {
            return Err((
                Refusal::TokenInvalid,
                "userinfo names another subject".into(),
            ));
        }
        for (k, v) in info {
            if !matches!(k.as_str(), "sub" | "iss" | "aud" | "nonce" | "exp" | "iat") {
                claims.insert(k, v);
            }
        }
    }
    Ok(Identity {
        issuer: cfg.issuer.clone(),
        subject,
        claims,
        id_token: raw,
    })
}

/// The claims of a (verified) compact JWS, as JSON.
fn payload(jws: &str) -> Option<Map<String, Value>> {
    let part = jws.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
}

/// The userinfo endpoint's claims (a JSON answer; a signed one is not read).
async fn userinfo(url: &str, token: &AccessToken) -> Result<Map<String, Value>, Refusal> {
    let res = http()?
        .get(url)
        .bearer_auth(token.secret())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| unreachable("userinfo", e))?;
    if !res.status().is_success() {
        return Err(unreachable(
            "userinfo",
            format!("answered {}", res.status()),
        ));
    }
    res.json().await.map_err(|e| unreachable("userinfo", e))
}

/// The provider's logout URL for RP-initiated logout, when it has one.
pub async fn end_session_url(
    cfg: &Effective,
    id_token: &str,
    post_logout: &str,
    state: &str,
) -> Option<String> {
    let p = provider(&cfg.issuer).await.ok()?;
    let mut url = url::Url::parse(p.end_session.as_deref()?).ok()?;
    url.query_pairs_mut()
        .append_pair("id_token_hint", id_token)
        .append_pair("post_logout_redirect_uri", post_logout)
        .append_pair("client_id", &cfg.client_id)
        .append_pair("state", state);
    Some(url.to_string())
}

/// Forgets every cached provider (tests; an admin changing the issuer needs nothing: the
/// cache is keyed by issuer).
pub fn forget_all() {
    if let Ok(mut c) = CACHE.lock() {
        c.clear();
    }
}
