//! Small SQL helpers every store shares.

/// `raw` with LIKE's wildcards (`%`, `_`) and escape character (`\`) escaped, so it matches
/// literally inside a LIKE pattern.
pub fn like_escape(raw: &str) -> String {
    raw.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A LIKE pattern matching any text that contains `query` (trimmed, lower-cased).
pub fn contains_pattern(query: &str) -> String {
    format!("%{}%", like_escape(&query.trim().to_lowercase()))
}

/// One keyset page from `rows` fetched with `LIMIT limit + 1`: the first `limit` rows, and
/// the cursor of the next page (`key` of the last row kept) when there was one more.
pub fn keyset_page<T>(
    mut rows: Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> i64,
) -> (Vec<T>, Option<i64>) {
    let limit = usize::try_from(limit).unwrap_or(0);
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more { rows.last().map(key) } else { None };
    (rows, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_literally() {
        assert_eq!(like_escape(r"50%_a\b"), r"50\%\_a\\b");
        assert_eq!(contains_pattern("  Disk_Full "), r"%disk\_full%");
    }

    #[test]
    fn a_keyset_page_keeps_limit_rows_and_points_past_the_last_when_there_are_more() {
        assert_eq!(keyset_page(vec![9, 8, 7], 2, |r| *r), (vec![9, 8], Some(8)));
        assert_eq!(keyset_page(vec![9, 8], 2, |r| *r), (vec![9, 8], None));
        assert_eq!(keyset_page(Vec::<i64>::new(), 2, |r| *r), (vec![], None));
    }
}
