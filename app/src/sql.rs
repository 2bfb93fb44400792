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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_literally() {
        assert_eq!(like_escape(r"50%_a\b"), r"50\%\_a\\b");
        assert_eq!(contains_pattern("  Disk_Full "), r"%disk\_full%");
    }
}
