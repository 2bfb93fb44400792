//! First-run setup: creating the first admin with the one-time code the server logs at startup.

use serde::{Deserialize, Serialize};

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod store;

/// Whether the instance still needs its first admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupState {
    pub needs_setup: bool,
}

/// Alphabet of setup codes: no 0/O, 1/I/L look-alikes.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const CODE_LEN: usize = 12;

/// Canonical form of a typed code: upper-case, without dashes or spaces.
pub fn normalize_code(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn normalizes_codes() {
        assert_eq!(super::normalize_code(" abcd-efgh jkmn "), "ABCDEFGHJKMN");
    }
}
