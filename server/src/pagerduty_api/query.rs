//! Query strings the PagerDuty way: repeated `key[]=a&key[]=b` (or percent-encoded
//! `key%5B%5D`, or plain `key`) is one multi-valued key; booleans are `true`/`false`; times are
//! ISO 8601 (a zone-less time or a bare date is UTC).

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::error::{PdError, PdResult};

/// The decoded query: `(key without its [..] suffix, value)` in order.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Decodes a raw query (`None`: no query at all).
    pub fn parse(raw: Option<&str>) -> Params {
        let pairs = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .map(|(k, v)| {
                let key = match k.find('[') {
                    Some(i) => k[..i].to_owned(),
                    None => k.into_owned(),
                };
                (key, v.into_owned())
            })
            .collect();
        Params { pairs }
    }

    /// The last value given for `key`, if any (blank counts as absent).
    pub fn one(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }

    /// Every non-blank value given for `key`, in order.
    pub fn many(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect()
    }

    /// `true`/`false` (any case); absent is `false`.
    pub fn flag(&self, key: &str) -> PdResult<bool> {
        match self.one(key) {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(PdError::invalid(format!(
                "{key} must be true or false, not {v:?}"
            ))),
        }
    }

    /// An ISO 8601 time, or 400 naming `key`.
    pub fn time(&self, key: &str) -> PdResult<Option<DateTime<Utc>>> {
        self.one(key)
            .map(|v| {
                parse_time(v).ok_or_else(|| {
                    PdError::invalid(format!(
                        "{key} must be an ISO 8601 date and time, not {v:?}"
                    ))
                })
            })
            .transpose()
    }

    /// The ids given for `key`. Malformed ids name nothing: they are dropped, and
    /// `IdFilter::nothing` says the filter can match no object.
    pub fn ids<T: FromStr>(&self, key: &str) -> IdFilter<T> {
        let raw = self.many(key);
        let ids: Vec<T> = raw.iter().filter_map(|v| v.parse().ok()).collect();
        IdFilter {
            given: !raw.is_empty(),
            ids,
        }
    }
}

/// A set filter on ids (`service_ids[]`): empty when not given.
#[derive(Debug, Clone)]
pub struct IdFilter<T> {
    pub given: bool,
    pub ids: Vec<T>,
}

impl<T: PartialEq> IdFilter<T> {
    /// Whether `id` passes (everything passes when the filter was not given).
    pub fn allows(&self, id: &T) -> bool {
        !self.given || self.ids.contains(id)
    }

    /// Whether `id` passes when an object may have no id (`None` never passes a given filter).
    pub fn allows_opt(&self, id: Option<&T>) -> bool {
        !self.given || id.is_some_and(|i| self.ids.contains(i))
    }

    /// Given, but no id in it could name anything.
    pub fn nothing(&self) -> bool {
        self.given && self.ids.is_empty()
    }
}

/// ISO 8601: RFC 3339 with a zone, a zone-less date and time (UTC), or a date (UTC midnight).
pub fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.to_utc());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(raw, fmt) {
            return Some(t.to_utc());
        }
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(raw, fmt) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_plain_and_percent_encoded_keys_are_one_key() {
        let p = Params::parse(Some(
            "statuses[]=triggered&statuses%5B%5D=acknowledged&statuses=resolved&limit=5&x[0]=1",
        ));
        assert_eq!(
            p.many("statuses"),
            ["triggered", "acknowledged", "resolved"]
        );
        assert_eq!(p.one("limit"), Some("5"));
        assert_eq!(p.one("x"), Some("1"));
        assert_eq!(p.one("nope"), None);
    }

    #[test]
    fn flags_are_true_or_false() {
        let p = Params::parse(Some("total=TRUE&earliest=false&bad=yes"));
        assert_eq!(p.flag("total"), Ok(true));
        assert_eq!(p.flag("earliest"), Ok(false));
        assert_eq!(p.flag("absent"), Ok(false));
        assert!(p.flag("bad").is_err());
    }

    #[test]
    fn times_take_the_iso_forms_clients_send() {
        let want: DateTime<Utc> = "2026-03-08T06:30:00Z".parse().unwrap_or_default();
        for raw in [
            "2026-03-08T06:30:00Z",
            "2026-03-08T07:30:00+01:00",
            "2026-03-08T07:30:00+0100",
            "2026-03-08T06:30:00",
            "2026-03-08T06:30",
        ] {
            assert_eq!(parse_time(raw), Some(want), "{raw}");
        }
        assert_eq!(
            parse_time("2026-03-08").map(|t| t.to_rfc3339()),
            Some("2026-03-08T00:00:00+00:00".into())
        );
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn id_filters_drop_malformed_ids() {
        let p = Params::parse(Some("ids[]=nope"));
        let f = p.ids::<uuid::Uuid>("ids");
        assert!(f.nothing());
        let none = p.ids::<uuid::Uuid>("other");
        assert!(none.allows(&uuid::Uuid::nil()) && !none.nothing());
    }
}
