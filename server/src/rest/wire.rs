//! The REST API's request and answer plumbing: JSON bodies and query strings decoded with the
//! path of a bad field, errors answered in `AppError`'s JSON (validation as 422), ETags and
//! `If-Match`, and `201 Created` with a `Location`.

use app::error::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// An `AppError` answered the REST way: validation errors are 422 (the request was
/// understood, a field is wrong), everything else as `AppError` answers it.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let invalid = matches!(self.0, AppError::Invalid { .. });
        let mut res = self.0.into_response();
        if invalid {
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The field a serde error is about: its path, or the name in "missing field `x`", or `body`.
fn field_of(path: &str, message: &str) -> String {
    if path != "." && !path.is_empty() {
        return path.to_owned();
    }
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
        .unwrap_or("body")
        .to_owned()
}

/// A JSON request body; a bad one is 422 naming the field (`steps[2].delay`).
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json"));
        if !json {
            return Err(
                AppError::invalid("content-type", "send the body as application/json").into(),
            );
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::invalid("body", "could not be read (too large?)"))?;
        decode(&bytes).map(Json)
    }
}

/// Decodes a JSON object, naming the bad field. Every request body of the API is an object:
/// serde would also read a struct from an array of its fields in order (`[null, null]`), which
/// no client means, so anything but an object is refused first.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError(AppError::invalid("body", "must be a JSON object")));
    }
    // Postgres stores no NUL character: name the field that has one (JSON can carry it only
    // as the escape `\u0000`, so the slower walk runs only when that appears).
    if bytes.windows(6).any(|w| w == b"\\u0000")
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes)
        && let Some(field) = nul_path(&value, String::new())
    {
        return Err(ApiError(AppError::invalid(
            if field.is_empty() {
                "body".to_owned()
            } else {
                field
            },
            "must not contain a NUL character (\\u0000)",
        )));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let message = e.inner().to_string();
        let field = field_of(&e.path().to_string(), &message);
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_owned();
        ApiError(AppError::invalid(field, message))
    })
}

/// The path (`steps[2].name`) of the first string or key holding a NUL character.
fn nul_path(value: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) if s.contains('\0') => Some(at),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_path(v, format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if k.contains('\0') {
                Some(here)
            } else {
                nul_path(v, here)
            }
        }),
        _ => None,
    }
}

/// Query parameters; a bad one is 422 naming it.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let raw = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(Query)
            .map_err(|e| {
                let message = e.inner().to_string();
                let field = field_of(&e.path().to_string(), &message);
                ApiError(AppError::invalid(field, message))
            })
    }
}

/// A comma-separated list parameter (`status=OPEN,ACKNOWLEDGED`), each parsed by `parse`.
pub fn list_param<T>(
    field: &str,
    raw: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
    expected: &str,
) -> ApiResult<Vec<T>> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            parse(s).ok_or_else(|| {
                ApiError(AppError::invalid(
                    field,
                    format!("{s:?} is not one of {expected}"),
                ))
            })
        })
        .collect()
}

/// An object's version as a strong ETag: a digest of its representation, so any change to
/// what a client can read changes it (a timestamp would not: two changes can share one).
pub fn etag(object: &impl serde::Serialize) -> String {
    use sha2::{Digest, Sha256};
    let bytes = serde_json::to_vec(object).unwrap_or_default();
    format!("\"{}\"", hex::encode(&Sha256::digest(&bytes)[..12]))
}

/// `Stale` (412) when the request's `If-Match` names another version than `current`; no
/// `If-Match` (or `*`) always matches.
pub fn check_if_match(headers: &HeaderMap, current: &str) -> ApiResult<()> {
    let Some(wanted) = headers.get(header::IF_MATCH) else {
        return Ok(());
    };
    let wanted = wanted.to_str().unwrap_or_default();
    let matches = wanted
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == current);
    if matches {
        Ok(())
    } else {
        Err(ApiError(AppError::Stale {
            message: format!("the object changed since it was read (now {current}); read it again"),
        }))
    }
}

/// An answer with the object's ETag.
pub fn with_etag(tag: &str, body: impl IntoResponse) -> Response {
    let mut res = body.into_response();
    if let Ok(v) = HeaderValue::from_str(tag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// `201 Created` with `Location: <location>` and the new object.
pub fn created(location: &str, body: impl IntoResponse) -> Response {
    let mut res = body.into_response();
    *res.status_mut() = StatusCode::CREATED;
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// A path id; one that is not a UUID names no object (404).
pub fn id<T: std::str::FromStr>(raw: &str, what: &str) -> ApiResult<T> {
    raw.parse()
        .map_err(|_| ApiError(AppError::NotFound { what: what.into() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Step {
        delay: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Policy {
        name: String,
        steps: Vec<Step>,
    }

    fn field(body: &str) -> String {
        match decode::<Policy>(body.as_bytes()) {
            Err(ApiError(AppError::Invalid { field, .. })) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_body_must_be_an_object() {
        // serde alone would read the array as the struct's fields in order.
        assert_eq!(field(r#"["a", []]"#), "body");
        assert_eq!(field("null"), "body");
        assert!(decode::<Policy>(br#" {"name":"a","steps":[]}"#).is_ok());
    }

    #[test]
    fn bad_bodies_name_the_field() {
        assert_eq!(field(r#"{"steps":[]}"#), "name");
        assert_eq!(
            field(r#"{"name":"a","steps":[{"delay":1},{"delay":"x"}]}"#),
            "steps[1].delay"
        );
        assert_eq!(field("not json"), "body");
    }

    #[test]
    fn a_nul_character_names_its_field() {
        assert_eq!(
            field(r#"{"name":"a","steps":[{"delay":1},{"delay":1,"x":"b\u0000"}]}"#),
            "steps[1].x"
        );
        assert_eq!(
            field(r#"{"name":"a","steps":[],"extra":{"k":["x","\u0000"]}}"#),
            "extra.k[1]"
        );
        // An escaped backslash before "u0000" is plain text.
        assert!(decode::<Policy>(br#"{"name":"a\\u0000","steps":[]}"#).is_ok());
    }

    #[test]
    fn if_match_compares_versions() {
        let mut h = HeaderMap::new();
        assert!(check_if_match(&h, "\"1\"").is_ok());
        h.insert(header::IF_MATCH, HeaderValue::from_static("\"1\""));
        assert!(check_if_match(&h, "\"1\"").is_ok());
        let stale = check_if_match(&h, "\"2\"").unwrap_err();
        assert_eq!(
            stale.into_response().status(),
            StatusCode::PRECONDITION_FAILED
        );
    }

    #[test]
    fn validation_is_422() {
        let res = ApiError(AppError::invalid("title", "is required")).into_response();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
