//! Classic pagination: `limit` (default 25, at most 100), `offset` and `total=true` in;
//! `limit` and `offset` echoed, `more` always present and `total` null unless asked for out.
//! `offset + limit` beyond 10000 is 400, as at PagerDuty.

use serde_json::{Map, Value, json};

use super::error::{PdError, PdResult};
use super::query::Params;

pub const DEFAULT_LIMIT: usize = 25;
pub const MAX_LIMIT: usize = 100;
/// The furthest `offset + limit` may reach.
pub const MAX_REACH: usize = 10_000;

/// One request's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub limit: usize,
    pub offset: usize,
    /// `total=true`: count every match.
    pub total: bool,
}

impl Paging {
    /// Reads `limit`, `offset` and `total`. A limit above 100 is taken as 100 (and echoed so).
    pub fn parse(q: &Params) -> PdResult<Paging> {
        let number = |key: &str| -> PdResult<Option<usize>> {
            q.one(key)
                .map(|v| {
                    v.parse::<usize>().map_err(|_| {
                        PdError::invalid(format!("{key} must be a non-negative integer"))
                    })
                })
                .transpose()
        };
        let limit = match number("limit")? {
            None => DEFAULT_LIMIT,
            Some(0) => return Err(PdError::invalid("limit must be at least 1")),
            Some(l) => l.min(MAX_LIMIT),
        };
        let offset = number("offset")?.unwrap_or(0);
        if offset.saturating_add(limit) > MAX_REACH {
            return Err(PdError::invalid(format!(
                "Offset must be less than or equal to {} (offset + limit may not exceed {MAX_REACH})",
                MAX_REACH - limit
            )));
        }
        Ok(Paging {
            limit,
            offset,
            total: q.flag("total")?,
        })
    }

    /// How many matches in order are needed to answer: the page and one more (for `more`),
    /// or all of them for `total`.
    pub fn need(&self) -> Option<usize> {
        (!self.total).then_some(self.offset + self.limit + 1)
    }

    /// This page of `all` (every match so far, in order; complete when `complete`), wrapped
    /// under `key` with the paging fields.
    pub fn answer(&self, key: &str, all: Vec<Value>, complete: bool) -> Value {
        let seen = all.len();
        let more = seen > self.offset + self.limit;
        let page: Vec<Value> = all.into_iter().skip(self.offset).take(self.limit).collect();
        let total = (self.total && complete).then_some(seen);
        self.body(key, page, more, total)
    }

    /// A page already cut, with whether more follow and the total (when counted).
    pub fn body(&self, key: &str, page: Vec<Value>, more: bool, total: Option<usize>) -> Value {
        let mut body = Map::new();
        body.insert(key.to_owned(), Value::Array(page));
        body.insert("limit".into(), json!(self.limit));
        body.insert("offset".into(), json!(self.offset));
        body.insert("more".into(), json!(more));
        body.insert(
            "total".into(),
            match total {
                Some(t) if self.total => json!(t),
                _ => Value::Null,
            },
        );
        Value::Object(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paging(q: &str) -> PdResult<Paging> {
        Paging::parse(&Params::parse(Some(q)))
    }

    #[test]
    fn defaults_caps_and_the_reach_limit() {
        assert_eq!(
            paging(""),
            Ok(Paging {
                limit: 25,
                offset: 0,
                total: false
            })
        );
        assert_eq!(paging("limit=500").map(|p| p.limit), Ok(100));
        assert!(paging("limit=0").is_err());
        assert!(paging("limit=x").is_err());
        assert!(paging("offset=-1").is_err());
        assert!(paging("offset=9900&limit=100").is_ok());
        assert_eq!(
            paging("offset=9901&limit=100").map_err(|e| e.status.as_u16()),
            Err(400)
        );
    }

    #[test]
    fn pages_echo_and_say_whether_more_follow() {
        let all: Vec<Value> = (0..7).map(|i| json!(i)).collect();
        let p = paging("limit=3&offset=3").unwrap_or(Paging {
            limit: 0,
            offset: 0,
            total: false,
        });
        let body = p.answer("things", all.clone(), true);
        assert_eq!(
            body,
            json!({"things":[3,4,5],"limit":3,"offset":3,"more":true,"total":null})
        );
        let last = Paging { offset: 6, ..p }.answer("things", all.clone(), true);
        assert_eq!(last["more"], false);
        let counted = Paging { total: true, ..p }.answer("things", all, true);
        assert_eq!(counted["total"], 7);
    }
}
