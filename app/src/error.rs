//! AppError: the one error type of the app crate. It crosses the wire as JSON and maps to an HTTP status.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// Every failure a server function, store or handler can report to a caller.
///
/// Serialised as `{"error":"<kind>", ...}` so scripts can branch on `error` and show `message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum AppError {
    /// Bad input: `field` names the offending field (a JSON path like `email` or `steps[2].delay`).
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The caller is not signed in (or the credential is invalid). `field` names the
    /// credential that failed (`authorization` for an API key, `cookie` for a session).
    #[error("{message}")]
    Unauthenticated {
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        field: Option<String>,
    },
    /// Signed in, but the role or scope does not allow this. `field` is `authorization` when
    /// the API key's scopes are what is missing.
    #[error("forbidden: {message}")]
    Forbidden {
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        field: Option<String>,
    },
    #[error("{what} not found")]
    NotFound { what: String },
    /// The request conflicts with current state (duplicate, already done, wrong state).
    #[error("conflict: {message}")]
    Conflict { message: String },
    /// A conditional write whose precondition (`If-Match`) no longer holds: the object changed
    /// since it was read. Read it again and retry.
    #[error("precondition failed: {message}")]
    Stale { message: String },
    #[error("rate limited; retry after {retry_after_secs}s")]
    RateLimited { retry_after_secs: u64 },
    /// The database or another dependency is unavailable. Safe to retry.
    #[error("service unavailable: {message}")]
    Unavailable { message: String },
    /// Anything else. `message` is the cause, logged on the server; the client is sent a
    /// generic message naming the request id instead (see `public_internal`).
    #[error("internal error")]
    Internal {
        #[serde(serialize_with = "public_internal")]
        message: String,
    },
    /// The request could not be decoded or the server function call itself failed.
    #[error("bad request: {message}")]
    BadRequest { message: String },
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A value read from the database that this code does not know: an error naming the
    /// column, never a silent default. `parsed` is the value's parse.
    pub fn column<T>(column: &str, raw: &str, parsed: Option<T>) -> Result<T, AppError> {
        parsed.ok_or_else(|| Self::Internal {
            message: format!("database column {column} holds {raw:?}, which is not a known value"),
        })
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::Unauthenticated {
            message: message.into(),
            field: None,
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden {
            message: message.into(),
            field: None,
        }
    }

    /// The same error, naming the input it is about.
    pub fn on_field(mut self, name: &str) -> Self {
        match &mut self {
            Self::Unauthenticated { field, .. } | Self::Forbidden { field, .. } => {
                *field = Some(name.to_owned())
            }
            Self::Invalid { field, .. } => *field = name.to_owned(),
            _ => {}
        }
        self
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
        }
    }

    /// The HTTP status this error is answered with.
    /// Seconds a client should wait before retrying a 503 (the database or a provider is
    /// briefly away): sent as `Retry-After`.
    pub const UNAVAILABLE_RETRY_SECS: u64 = 5;

    /// The `Retry-After` this error's answer carries, if any: a rate limit's wait, or
    /// `UNAVAILABLE_RETRY_SECS` for a 503.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            Self::Unavailable { .. } => Some(Self::UNAVAILABLE_RETRY_SECS),
            _ => None,
        }
    }

    pub fn status_code(&self) -> u16 {
        match self {
            Self::Invalid { .. } | Self::BadRequest { .. } => 400,
            Self::Unauthenticated { .. } => 401,
            Self::Forbidden { .. } => 403,
            Self::NotFound { .. } => 404,
            Self::Conflict { .. } => 409,
            Self::Stale { .. } => 412,
            Self::RateLimited { .. } => 429,
            Self::Unavailable { .. } => 503,
            Self::Internal { .. } => 500,
        }
    }

    /// The field this error names, if it is a validation error.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            Self::Unauthenticated { field, .. } | Self::Forbidden { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// A message fit to show a user: the error's own message, capitalised. Internal details
    /// never leave the server.
    pub fn user_message(&self) -> String {
        let message = match self {
            Self::Invalid { message, .. }
            | Self::Unauthenticated { message, .. }
            | Self::Forbidden { message, .. }
            | Self::Conflict { message }
            | Self::Stale { message }
            | Self::Unavailable { message }
            | Self::BadRequest { message } => message.clone(),
            Self::NotFound { what } => format!("{what} not found"),
            Self::RateLimited { retry_after_secs } => format!(
                "too many attempts; try again in {} minute(s)",
                retry_after_secs.div_ceil(60)
            ),
            Self::Internal { .. } => {
                "something went wrong on the server; it has been logged".into()
            }
        };
        capitalize(&message)
    }
}

/// "must be…" → "Must be…": API messages read after a field name; the UI shows them alone.
fn capitalize(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What the client is told of an internal error: that it happened and which request it was,
/// never the cause.
pub const INTERNAL_MESSAGE: &str = "something went wrong on the server; it has been logged";

/// Serialises an internal error's cause as the generic message, with the request id when the
/// error is answered inside a request: the cause stays in the server's log.
fn public_internal<S: serde::Serializer>(_cause: &str, s: S) -> Result<S::Ok, S::Error> {
    #[cfg(feature = "ssr")]
    if let Some(id) = crate::request::current() {
        return s.serialize_str(&format!("{INTERNAL_MESSAGE} (request {id})"));
    }
    s.serialize_str(INTERNAL_MESSAGE)
}

impl AppError {
    /// Logs the cause of an internal error before it is answered (the answer hides it); other
    /// errors are the caller's and are not logged.
    pub fn log_if_internal(&self) {
        #[cfg(feature = "ssr")]
        if let Self::Internal { message } = self {
            tracing::error!(cause = %message, "internal error answered");
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn ser(&self) -> server_fn::Bytes {
        use server_fn::Encodes;
        self.log_if_internal();
        JsonEncoding::encode(self).unwrap_or_else(|_| {
            server_fn::Bytes::from_static(
                br#"{"error":"internal","message":"something went wrong on the server"}"#,
            )
        })
    }

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m)
            | ServerFnErrorErr::Deserialization(m)
            | ServerFnErrorErr::MissingArg(m) => Self::BadRequest { message: m },
            ServerFnErrorErr::Request(m) => Self::Unavailable { message: m },
            other => Self::BadRequest {
                message: other.to_string(),
            },
        }
    }
}

/// Any error as an HTTP answer: its status, its JSON body, and `Retry-After` when it has one.
/// An internal error's cause is logged here and the body names only the request.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        use axum::http::{HeaderValue, StatusCode, header};
        self.log_if_internal();
        let status =
            StatusCode::from_u16(self.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = axum::response::Response::new(axum::body::Body::from(body));
        *res.status_mut() = status;
        let headers = res.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(secs) = self.retry_after() {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

/// `NotFound { what }` unless the statement touched a row (an UPDATE or DELETE by id).
#[cfg(feature = "ssr")]
pub fn found(done: sqlx::postgres::PgQueryResult, what: &str) -> Result<(), AppError> {
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound { what: what.into() });
    }
    Ok(())
}

/// Does this database error mean the database is away or out of resources (no connection, a
/// restart, a terminated backend, a connection exception; class 53: disk full, out of memory,
/// too many connections), so the same work is worth retrying soon?
#[cfg(feature = "ssr")]
pub fn database_unavailable(err: &sqlx::Error) -> bool {
    matches!(
        err,
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
    ) || err
        .as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| {
            c.starts_with("08")
                || c.starts_with("53")
                || matches!(c.as_ref(), "57P01" | "57P02" | "57P03")
        })
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    /// Database errors: a named constraint becomes a clear user error, the rest are logged and hidden.
    fn from(err: sqlx::Error) -> Self {
        if let Some(db) = err.as_database_error()
            && let Some(constraint) = db.constraint()
            && let Some(mapped) = crate::constraints::user_error(constraint)
        {
            return mapped;
        }
        // A NUL character (JSON's \u0000) in a text or jsonb value: Postgres cannot store it.
        if let Some(db) = err.as_database_error()
            && matches!(db.code().as_deref(), Some("22021" | "22P05"))
        {
            return Self::invalid(
                "body",
                "contains a character that cannot be stored (a NUL, \\u0000)",
            );
        }
        match err {
            _ if database_unavailable(&err) => {
                tracing::error!(error = %err, "database unavailable");
                Self::Unavailable {
                    message: "the database is unavailable".into(),
                }
            }
            other => {
                tracing::error!(error = %other, "database error");
                Self::Internal {
                    message: "database error".into(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_serialises_with_field_name() {
        let json =
            serde_json::to_value(AppError::invalid("email", "must be an email address")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error":"invalid","field":"email","message":"must be an email address"})
        );
    }

    #[test]
    fn user_messages_carry_the_reason_capitalised() {
        let e = AppError::unauthenticated("incorrect email or password");
        assert_eq!(e.user_message(), "Incorrect email or password");
        assert_eq!(
            AppError::invalid("f", "must be set").user_message(),
            "Must be set"
        );
        assert_eq!(
            AppError::RateLimited {
                retry_after_secs: 61
            }
            .user_message(),
            "Too many attempts; try again in 2 minute(s)"
        );
        let internal = AppError::Internal {
            message: "db password wrong".into(),
        };
        assert!(!internal.user_message().contains("db password"));
    }

    #[test]
    fn internal_causes_never_serialise() {
        let e = AppError::Internal {
            message: "password authentication failed for user opsknight".into(),
        };
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["error"], "internal");
        assert_eq!(json["message"], INTERNAL_MESSAGE);
        let sent = String::from_utf8(e.ser().to_vec()).unwrap();
        assert!(!sent.contains("password"), "{sent}");
    }

    #[cfg(feature = "ssr")]
    #[tokio::test]
    async fn internal_answers_name_the_request() {
        let e = AppError::Internal {
            message: "secret cause".into(),
        };
        let json = crate::request::scope("req-abcdef12".into(), async move {
            serde_json::to_value(&e).unwrap()
        })
        .await;
        assert_eq!(
            json["message"],
            format!("{INTERNAL_MESSAGE} (request req-abcdef12)")
        );
    }

    #[test]
    fn decoding_failures_are_bad_requests() {
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Args("missing field".into()));
        assert_eq!(e.status_code(), 400);
    }
}
