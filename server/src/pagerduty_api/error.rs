//! PagerDuty's error envelope `{"error":{"message","code","errors":[]}}`, always JSON, and the
//! extractors whose rejections answer in it: the caller, path ids and JSON bodies.

use app::auth::caller::Caller;
use app::error::AppError;
use app::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// PagerDuty's error codes (`14-Errors.md`).
pub mod code {
    pub const INTERNAL: u32 = 2000;
    pub const INVALID_INPUT: u32 = 2001;
    pub const AUTHENTICATION: u32 = 2006;
    pub const ACCESS_DENIED: u32 = 2010;
    pub const RATE_LIMITED: u32 = 2020;
    pub const NOT_FOUND: u32 = 2100;
    pub const MISSING_ABILITY: u32 = 2014;
}

/// One error answer: HTTP status, PagerDuty code, message and details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdError {
    pub status: StatusCode,
    pub code: u32,
    pub message: String,
    pub errors: Vec<String>,
    pub retry_after: Option<u64>,
}

pub type PdResult<T> = Result<T, PdError>;

impl PdError {
    pub fn new(status: StatusCode, code: u32, message: &str, errors: Vec<String>) -> Self {
        PdError {
            status,
            code,
            message: message.to_owned(),
            errors,
            retry_after: None,
        }
    }

    /// 400 Invalid Input Provided, with one detail.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            code::INVALID_INPUT,
            "Invalid Input Provided",
            vec![detail.into()],
        )
    }

    /// 404 Not Found for `what` (an unknown or malformed id, or no such path).
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            code::NOT_FOUND,
            "Not Found",
            vec![format!("{what} not found")],
        )
    }
}

impl From<AppError> for PdError {
    fn from(e: AppError) -> Self {
        e.log_if_internal();
        let detail = e.user_message();
        match &e {
            AppError::Invalid { field, message } => PdError::invalid(format!("{field} {message}")),
            AppError::BadRequest { .. } | AppError::Conflict { .. } | AppError::Stale { .. } => {
                PdError::invalid(detail)
            }
            AppError::Unauthenticated { .. } => PdError::new(
                StatusCode::UNAUTHORIZED,
                code::AUTHENTICATION,
                "Authentication failed",
                vec![detail],
            ),
            AppError::Forbidden { .. } => PdError::new(
                StatusCode::FORBIDDEN,
                code::ACCESS_DENIED,
                "Access Denied",
                vec![detail],
            ),
            AppError::NotFound { what } => PdError::not_found(what),
            AppError::RateLimited { retry_after_secs } => PdError {
                retry_after: Some(*retry_after_secs),
                ..PdError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    code::RATE_LIMITED,
                    "Rate Limit Exceeded",
                    vec![detail],
                )
            },
            AppError::Unavailable { .. } => PdError {
                retry_after: e.retry_after(),
                ..PdError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    code::INTERNAL,
                    "Service Unavailable",
                    vec![detail],
                )
            },
            AppError::Internal { .. } => PdError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                code::INTERNAL,
                "Internal Server Error",
                vec![app::error::INTERNAL_MESSAGE.to_owned()],
            ),
        }
    }
}

impl IntoResponse for PdError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {
            "message": self.message, "code": self.code, "errors": self.errors,
        }});
        let mut res = (self.status, axum::Json(body)).into_response();
        let headers = res.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
            headers.insert("ratelimit-reset", HeaderValue::from(secs));
        }
        res
    }
}

/// The authenticated caller (`Token token=<key>` or `Bearer <key>`); 401 in the envelope.
pub struct Pd(pub Caller);

impl FromRequestParts<AppState> for Pd {
    type Rejection = PdError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> PdResult<Self> {
        Caller::from_request_parts(parts, state)
            .await
            .map(Pd)
            .map_err(PdError::from)
    }
}

/// The path's one parameter (an id), as text; parse it with `refs::parse_id`.
pub struct Id(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = PdError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> PdResult<Self> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| Id(id))
            .map_err(|_| PdError::not_found("resource"))
    }
}

/// The path's two parameters (an id and a sub-resource's id).
pub struct Ids(pub String, pub String);

impl<S: Send + Sync> FromRequestParts<S> for Ids {
    type Rejection = PdError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> PdResult<Self> {
        Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map(|Path((a, b))| Ids(a, b))
            .map_err(|_| PdError::not_found("resource"))
    }
}

/// A JSON body (`Content-Type: application/json`); a bad one is 400 in the envelope.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = PdError;

    async fn from_request(req: Request, state: &S) -> PdResult<Self> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.trim_start().starts_with("application/json"));
        if !json {
            return Err(PdError::invalid("Content-Type must be application/json"));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| PdError::invalid("the body could not be read (too large?)"))?;
        decode(&bytes).map(Body)
    }
}

/// An optional JSON body: none when the request has no body.
pub struct MaybeBody<T>(pub Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for MaybeBody<T> {
    type Rejection = PdError;

    async fn from_request(req: Request, state: &S) -> PdResult<Self> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| PdError::invalid("the body could not be read (too large?)"))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(MaybeBody(None));
        }
        decode(&bytes).map(|v| MaybeBody(Some(v)))
    }
}

/// Decodes a JSON body; errors name the path of the bad field.
fn decode<T: DeserializeOwned>(bytes: &[u8]) -> PdResult<T> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let message = message.split(" at line ").next().unwrap_or(&message);
        if path == "." || path.is_empty() {
            PdError::invalid(message.to_owned())
        } else {
            PdError::invalid(format!("{path}: {message}"))
        }
    })
}

/// 204 No Content (deletes and membership changes).
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_errors_map_to_pagerduty_statuses_and_codes() {
        let cases = [
            (
                AppError::invalid("limit", "too big"),
                400,
                code::INVALID_INPUT,
            ),
            (AppError::unauthenticated("no"), 401, code::AUTHENTICATION),
            (AppError::forbidden("no"), 403, code::ACCESS_DENIED),
            (
                AppError::NotFound { what: "x".into() },
                404,
                code::NOT_FOUND,
            ),
            (AppError::conflict("in use"), 400, code::INVALID_INPUT),
        ];
        for (e, status, c) in cases {
            let pd = PdError::from(e);
            assert_eq!((pd.status.as_u16(), pd.code), (status, c));
            assert_eq!(pd.errors.len(), 1);
        }
    }

    #[test]
    fn every_error_is_json() {
        let res = PdError::not_found("incident").into_response();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(res.headers()[header::CONTENT_TYPE], "application/json");
    }
}
