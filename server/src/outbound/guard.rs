//! The SSRF guard for requests to user-given URLs: an HTTP client whose resolver refuses a
//! name when any of its addresses is internal (app::domain::egress) and hands the connector
//! only the addresses it checked (so DNS cannot change between check and connect), a check of
//! IP-literal hosts (reqwest never resolves those), no redirects, and no proxy.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use app::domain::egress::{self, AllowList, Internal};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// A request refused before connecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub host: String,
    pub address: IpAddr,
    pub why: Internal,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host == self.address.to_string() {
            write!(f, "refused: {} is {}", self.host, self.why)
        } else {
            write!(
                f,
                "refused: {} resolves to {}, {}",
                self.host, self.address, self.why
            )
        }
    }
}

impl std::error::Error for Refused {}

struct GuardedResolver {
    allow: AllowList,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            for a in &addrs {
                if let Err(why) = egress::check(a.ip(), &allow) {
                    return Err(Box::new(Refused {
                        host: host.clone(),
                        address: a.ip(),
                        why,
                    })
                        as Box<dyn std::error::Error + Send + Sync>);
                }
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Checks a URL's host when it is an IP literal (names are checked by the resolver).
pub fn check_literal(url: &reqwest::Url, allow: &AllowList) -> Result<(), Refused> {
    let address = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        _ => return Ok(()),
    };
    egress::check(address, allow).map_err(|why| Refused {
        host: address.to_string(),
        address,
        why,
    })
}

/// The guard's refusal inside a request error, if that is what failed it.
pub fn refusal(err: &reqwest::Error) -> Option<Refused> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(r) = e.downcast_ref::<Refused>() {
            return Some(r.clone());
        }
        source = e.source();
    }
    None
}

/// A client for user-given URLs: guarded resolver, no redirects, no proxy; each request sets
/// its own timeout. (No fallback client on error: an unguarded one must never be used.)
pub fn client(allow: AllowList) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver { allow }))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("OpsKnight/", env!("CARGO_PKG_VERSION")))
        .build()
}
