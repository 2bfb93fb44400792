//! The pure half of single sign-on: reading a claim (dotted paths, strings, arrays), the claim
//! rules that give a role and team memberships, and the email-domain allow-list.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::{RoleRule, TeamRule};
use crate::domain::{Role, TeamId};

/// The claim at `path`: `groups`, or a dotted path into nested objects such as Keycloak's
/// `realm_access.roles`. A top-level claim whose name contains dots wins over the path.
pub fn claim_at<'a>(claims: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(v) = claims.get(path) {
        return Some(v);
    }
    let mut parts = path.split('.');
    let mut here = claims.get(parts.next()?)?;
    for part in parts {
        here = here.as_object()?.get(part)?;
    }
    Some(here)
}

/// Whether a claim "has" `wanted`: equal to it (strings, numbers and booleans by their
/// text), or an array with such an element. Case-sensitive, as group names are.
pub fn claim_has(value: &Value, wanted: &str) -> bool {
    match value {
        Value::String(s) => s == wanted,
        Value::Bool(b) => b.to_string() == wanted,
        Value::Number(n) => n.to_string() == wanted,
        Value::Array(items) => items.iter().any(|i| !i.is_array() && claim_has(i, wanted)),
        Value::Null | Value::Object(_) => false,
    }
}

fn matches(claims: &Map<String, Value>, claim: &str, value: &str) -> bool {
    claim_at(claims, claim).is_some_and(|v| claim_has(v, value))
}

fn rank(role: Role) -> u8 {
    match role {
        Role::Admin => 3,
        Role::Responder => 2,
        Role::User => 1,
    }
}

/// The highest role any matching rule gives, or None when no rule matches.
pub fn role_from(claims: &Map<String, Value>, rules: &[RoleRule]) -> Option<Role> {
    rules
        .iter()
        .filter(|r| matches(claims, &r.claim, &r.value))
        .map(|r| r.role)
        .max_by_key(|r| rank(*r))
}

/// The teams the rules manage, and those of them the claims make the person a member of.
pub fn teams_from(
    claims: &Map<String, Value>,
    rules: &[TeamRule],
) -> (BTreeSet<TeamId>, BTreeSet<TeamId>) {
    let managed = rules.iter().map(|r| r.team_id).collect();
    let member = rules
        .iter()
        .filter(|r| matches(claims, &r.claim, &r.value))
        .map(|r| r.team_id)
        .collect();
    (managed, member)
}

/// Whether `email`'s domain is allowed: any when the list is empty, else an exact
/// (case-insensitive) match of the part after the last `@`.
pub fn domain_allowed(email: &str, allowed: &[String]) -> bool {
    if allowed.is_empty() {
        return true;
    }
    let Some((_, domain)) = email.rsplit_once('@') else {
        return false;
    };
    allowed.iter().any(|d| d.eq_ignore_ascii_case(domain))
}

/// The allowed-domain list as typed (commas or spaces between), checked and lower-cased.
pub fn parse_domains(raw: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for d in raw
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        let d = d.trim_start_matches('@').to_ascii_lowercase();
        let ok = d.len() <= 253
            && d.contains('.')
            && d.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !ok {
            return Err(format!("\"{d}\" is not a domain name like example.com"));
        }
        if !out.contains(&d) {
            out.push(d);
        }
    }
    Ok(out)
}

/// The scopes as typed, with `openid` first whether typed or not.
pub fn parse_scopes(raw: &str) -> Result<Vec<String>, String> {
    let mut out = vec!["openid".to_owned()];
    for s in raw
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if !s
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
        {
            return Err(format!("\"{s}\" is not a scope name"));
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    if out.len() > 20 {
        return Err("at most 20 scopes".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn claims_are_read_by_name_and_by_dotted_path() {
        let c = claims(
            json!({"groups": ["sre", "db"], "realm_access": {"roles": ["admin"]},
                              "a.b": "flat", "level": 3, "vip": true}),
        );
        assert!(claim_has(claim_at(&c, "groups").unwrap(), "sre"));
        assert!(!claim_has(claim_at(&c, "groups").unwrap(), "SRE"));
        assert!(claim_has(
            claim_at(&c, "realm_access.roles").unwrap(),
            "admin"
        ));
        assert_eq!(claim_at(&c, "a.b"), Some(&json!("flat")));
        assert!(claim_has(claim_at(&c, "level").unwrap(), "3"));
        assert!(claim_has(claim_at(&c, "vip").unwrap(), "true"));
        assert_eq!(claim_at(&c, "realm_access.nope"), None);
        assert!(!claim_has(&json!({"sre": true}), "sre"));
        assert!(!claim_has(&json!([["sre"]]), "sre"));
    }

    #[test]
    fn the_highest_matching_role_wins() {
        let rules = vec![
            RoleRule {
                claim: "groups".into(),
                value: "oncall".into(),
                role: Role::Responder,
            },
            RoleRule {
                claim: "groups".into(),
                value: "sre-admins".into(),
                role: Role::Admin,
            },
            RoleRule {
                claim: "groups".into(),
                value: "staff".into(),
                role: Role::User,
            },
        ];
        let c = claims(json!({"groups": ["staff", "sre-admins", "oncall"]}));
        assert_eq!(role_from(&c, &rules), Some(Role::Admin));
        let c = claims(json!({"groups": ["staff"]}));
        assert_eq!(role_from(&c, &rules), Some(Role::User));
        assert_eq!(role_from(&claims(json!({})), &rules), None);
    }

    #[test]
    fn team_rules_name_the_managed_teams_and_the_matched_ones() {
        let (a, b) = (TeamId::new(), TeamId::new());
        let rules = vec![
            TeamRule {
                claim: "groups".into(),
                value: "payments".into(),
                team_id: a,
            },
            TeamRule {
                claim: "groups".into(),
                value: "search".into(),
                team_id: b,
            },
        ];
        let (managed, member) = teams_from(&claims(json!({"groups": ["payments"]})), &rules);
        assert_eq!(managed, [a, b].into_iter().collect());
        assert_eq!(member, [a].into_iter().collect());
    }

    #[test]
    fn domains_are_checked_exactly() {
        let allowed = parse_domains("Example.com, @corp.example.org").unwrap();
        assert_eq!(allowed, vec!["example.com", "corp.example.org"]);
        assert!(domain_allowed("a@EXAMPLE.com", &allowed));
        assert!(!domain_allowed("a@evil-example.com", &allowed));
        assert!(!domain_allowed("a@example.com.evil.io", &allowed));
        assert!(domain_allowed("anyone@anywhere.io", &[]));
        assert!(parse_domains("not a domain!").is_err());
        assert!(parse_domains("localhost").is_err());
    }

    #[test]
    fn openid_is_always_the_first_scope() {
        assert_eq!(
            parse_scopes("email profile openid").unwrap(),
            vec!["openid", "email", "profile"]
        );
        assert_eq!(parse_scopes("").unwrap(), vec!["openid"]);
        assert!(parse_scopes("bad\"scope").is_err());
    }
}
