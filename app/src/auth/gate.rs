//! Which pages need what. The server's page gate redirects anonymous visitors to sign in and
//! answers 403 on admin pages; the authz matrix test checks every route has a row here.

/// Who may open a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAccess {
    /// Sign-in, setup and one-time-link pages.
    Public,
    /// Any signed-in user.
    SignedIn,
    /// ADMIN only; others get the page's "admins only" message with status 403.
    Admin,
}

/// Every page route of the router (`{name}` matches one path segment).
pub const PAGES: &[(&str, PageAccess)] = &[
    ("/setup", PageAccess::Public),
    ("/login", PageAccess::Public),
    ("/m/login", PageAccess::Public),
    ("/forgot", PageAccess::Public),
    ("/reset", PageAccess::Public),
    ("/invite", PageAccess::Public),
    // The signed token in the query is the credential.
    ("/ack", PageAccess::Public),
    // Chat buttons' links: they act as, or link to, whoever is signed in.
    ("/ack/chat", PageAccess::SignedIn),
    ("/link-chat", PageAccess::SignedIn),
    ("/", PageAccess::SignedIn),
    ("/incidents", PageAccess::SignedIn),
    ("/incidents/{id}", PageAccess::SignedIn),
    ("/events", PageAccess::SignedIn),
    ("/services", PageAccess::SignedIn),
    ("/services/{id}", PageAccess::SignedIn),
    ("/services/{id}/rules", PageAccess::SignedIn),
    ("/rules", PageAccess::SignedIn),
    ("/maintenance", PageAccess::SignedIn),
    ("/analytics", PageAccess::SignedIn),
    ("/oncall-health", PageAccess::SignedIn),
    ("/postmortems", PageAccess::SignedIn),
    ("/postmortems/{id}", PageAccess::SignedIn),
    ("/heartbeats", PageAccess::SignedIn),
    ("/policies", PageAccess::SignedIn),
    ("/policies/{id}", PageAccess::SignedIn),
    ("/schedules", PageAccess::SignedIn),
    ("/schedules/{id}", PageAccess::SignedIn),
    ("/bench/schedules", PageAccess::SignedIn),
    ("/teams", PageAccess::SignedIn),
    ("/teams/{id}", PageAccess::SignedIn),
    ("/users", PageAccess::SignedIn),
    ("/profile", PageAccess::SignedIn),
    ("/audit", PageAccess::Admin),
    ("/jobs", PageAccess::Admin),
    ("/settings", PageAccess::Admin),
    ("/settings/status", PageAccess::Admin),
    ("/m", PageAccess::SignedIn),
    ("/m/incidents/{id}", PageAccess::SignedIn),
    ("/m/oncall", PageAccess::SignedIn),
    ("/m/shifts", PageAccess::SignedIn),
    ("/m/profile", PageAccess::SignedIn),
    ("/m/health", PageAccess::SignedIn),
];

/// Whether `path` matches the route `pattern`.
pub fn matches(pattern: &str, path: &str) -> bool {
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let mut pat = pattern.split('/');
    let mut got = path.split('/');
    loop {
        match (pat.next(), got.next()) {
            (None, None) => return true,
            (Some(p), Some(g)) if p.starts_with('{') && !g.is_empty() => {}
            (Some(p), Some(g)) if p == g => {}
            _ => return false,
        }
    }
}

/// The access a page path needs, or `None` when it is not a page (assets, API, 404s).
pub fn page_access(path: &str) -> Option<PageAccess> {
    PAGES
        .iter()
        .find(|(pattern, _)| matches(pattern, path))
        .map(|(_, access)| *access)
}

/// Where an anonymous visitor of `path` signs in, coming back afterwards.
pub fn login_redirect(path_and_query: &str) -> String {
    let login = if path_and_query == "/m" || path_and_query.starts_with("/m/") {
        "/m/login"
    } else {
        "/login"
    };
    let mut encoded = String::with_capacity(path_and_query.len());
    for b in path_and_query.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                encoded.push(b as char)
            }
            _ => encoded.push_str(&format!("%{b:02X}")),
        }
    }
    format!("{login}?next={encoded}")
}

/// A safe place to go after signing in: a local path only (never `//host` or a URL).
pub fn safe_next(next: Option<&str>, fallback: &'static str) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => fallback.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_segments_and_params() {
        assert_eq!(page_access("/"), Some(PageAccess::SignedIn));
        assert_eq!(page_access("/teams/0f3c"), Some(PageAccess::SignedIn));
        assert_eq!(page_access("/audit/"), Some(PageAccess::Admin));
        assert_eq!(page_access("/pkg/opsknight.wasm"), None);
        assert_eq!(page_access("/teams/a/b"), None);
        assert_eq!(page_access("/login"), Some(PageAccess::Public));
    }

    #[test]
    fn redirects_keep_the_destination_and_refuse_offsite_next() {
        assert_eq!(login_redirect("/teams?x=1"), "/login?next=/teams%3Fx%3D1");
        assert_eq!(login_redirect("/m/oncall"), "/m/login?next=/m/oncall");
        assert_eq!(safe_next(Some("//evil.example"), "/"), "/");
        assert_eq!(safe_next(Some("https://evil.example"), "/"), "/");
        assert_eq!(safe_next(Some("/teams"), "/"), "/teams");
        assert_eq!(safe_next(None, "/m"), "/m");
    }
}
