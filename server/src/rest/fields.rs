//! What the resource handlers share beyond `wire`: an explicit `null` told from an absent
//! field in a PATCH body, an op's field renamed to the REST body's path, and one item of a
//! list read by id (404 when it is not there).

use app::error::AppError;
use serde::Deserialize;

use super::wire::{ApiError, ApiResult};

/// `Some(None)` for an explicit null, `None` (with `#[serde(default)]`) when absent.
pub fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The error with an op's field name (`from`) replaced by the REST body's (`to`).
pub fn rename(e: AppError, names: &[(&str, &str)]) -> AppError {
    match e {
        AppError::Invalid { field, message } => {
            let field = names
                .iter()
                .find(|(from, _)| *from == field)
                .map_or(field, |(_, to)| (*to).to_owned());
            AppError::Invalid { field, message }
        }
        other => other,
    }
}

/// The first item of `items` that `is` picks, or 404 naming `what`.
pub fn one<T>(items: Vec<T>, what: &str, is: impl Fn(&T) -> bool) -> ApiResult<T> {
    items
        .into_iter()
        .find(|i| is(i))
        .ok_or_else(|| ApiError(AppError::NotFound { what: what.into() }))
}
