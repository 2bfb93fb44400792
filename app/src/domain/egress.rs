//! Where outbound requests to user-given URLs may go (the SSRF guard's rules): which addresses
//! are internal (loopback, private, link-local, shared, multicast, reserved, cloud metadata,
//! IPv4 inside IPv6), and the admin's allow-list of CIDRs for internal targets. Pure: the
//! server's resolver applies it to every address a name resolves to, and to IP literals.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Internal {
    Unspecified,
    Loopback,
    Private,
    SharedCgnat,
    LinkLocal,
    CloudMetadata,
    Multicast,
    Reserved,
    Documentation,
}

impl fmt::Display for Internal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unspecified => "an unspecified address",
            Self::Loopback => "a loopback address",
            Self::Private => "a private address",
            Self::SharedCgnat => "a shared (CGNAT) address",
            Self::LinkLocal => "a link-local address",
            Self::CloudMetadata => "a cloud metadata address",
            Self::Multicast => "a multicast address",
            Self::Reserved => "a reserved address",
            Self::Documentation => "a documentation or benchmarking address",
        })
    }
}

/// A CIDR block, IPv4 or IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, unmap(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    /// `10.0.0.0/8`, `fd00::/8`, or a bare address (a block of one).
    fn from_str(s: &str) -> Result<Cidr, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = addr
            .parse()
            .map_err(|_| format!("{s:?} is not an IP address or CIDR block"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix must be 0 to {max}"))?,
        };
        Ok(Cidr { net, prefix })
    }
}

/// Internal targets an admin allowed (empty: none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList(Vec<Cidr>);

impl AllowList {
    /// A comma-separated list of CIDR blocks; blank means none.
    pub fn parse(s: &str) -> Result<AllowList, String> {
        s.split(',')
            .filter(|p| !p.trim().is_empty())
            .map(Cidr::from_str)
            .collect::<Result<Vec<_>, _>>()
            .map(AllowList)
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }
}

/// IPv4 carried inside IPv6 (`::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`) as the IPv4 address.
fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None if v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0] => {
                let [.., a, b, c, d] = v6.octets();
                IpAddr::V4(Ipv4Addr::new(a, b, c, d))
            }
            None => ip,
        },
        v4 => v4,
    }
}

fn v4_internal(ip: Ipv4Addr) -> Option<Internal> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        _ if ip == Ipv4Addr::new(169, 254, 169, 254) || ip == Ipv4Addr::new(100, 100, 100, 200) => {
            Internal::CloudMetadata
        }
        (0, _, _) => Internal::Unspecified,
        (127, _, _) => Internal::Loopback,
        (10, _, _) | (192, 168, _) => Internal::Private,
        (172, 16..=31, _) => Internal::Private,
        (100, 64..=127, _) => Internal::SharedCgnat,
        (169, 254, _) => Internal::LinkLocal,
        (192, 0, 0) | (240..=255, _, _) => Internal::Reserved,
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) | (198, 18..=19, _) => Internal::Documentation,
        (224..=239, _, _) => Internal::Multicast,
        _ => return None,
    })
}

fn v6_internal(ip: Ipv6Addr) -> Option<Internal> {
    let first = ip.segments()[0];
    Some(match () {
        _ if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) => Internal::CloudMetadata,
        _ if ip.is_unspecified() => Internal::Unspecified,
        _ if ip.is_loopback() => Internal::Loopback,
        _ if first & 0xfe00 == 0xfc00 => Internal::Private,
        _ if first & 0xffc0 == 0xfe80 => Internal::LinkLocal,
        _ if first & 0xff00 == 0xff00 => Internal::Multicast,
        _ => return None,
    })
}

/// Why `ip` is internal, if it is (IPv4 inside IPv6 is judged as the IPv4 address).
pub fn internal(ip: IpAddr) -> Option<Internal> {
    match unmap(ip) {
        IpAddr::V4(v4) => v4_internal(v4),
        IpAddr::V6(v6) => v6_internal(v6),
    }
}

/// Whether a request may go to `ip`: public, or internal but allow-listed.
pub fn check(ip: IpAddr, allow: &AllowList) -> Result<(), Internal> {
    match internal(ip) {
        Some(why) if !allow.allows(ip) => Err(why),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_issues_cases_and_every_listed_range_are_internal() {
        for (addr, why) in [
            ("127.0.0.1", Internal::Loopback),
            ("::1", Internal::Loopback),
            ("169.254.169.254", Internal::CloudMetadata),
            ("100.100.100.200", Internal::CloudMetadata),
            ("fd00:ec2::254", Internal::CloudMetadata),
            ("::ffff:10.0.0.1", Internal::Private),
            ("::ffff:127.0.0.1", Internal::Loopback),
            ("64:ff9b::a9fe:a9fe", Internal::CloudMetadata),
            ("100.64.0.1", Internal::SharedCgnat),
            ("100.127.255.255", Internal::SharedCgnat),
            ("0.0.0.0", Internal::Unspecified),
            ("::", Internal::Unspecified),
            ("10.1.2.3", Internal::Private),
            ("172.16.0.1", Internal::Private),
            ("172.31.255.255", Internal::Private),
            ("192.168.1.1", Internal::Private),
            ("169.254.1.1", Internal::LinkLocal),
            ("192.0.0.8", Internal::Reserved),
            ("192.0.2.1", Internal::Documentation),
            ("198.18.0.1", Internal::Documentation),
            ("198.51.100.7", Internal::Documentation),
            ("203.0.113.9", Internal::Documentation),
            ("224.0.0.1", Internal::Multicast),
            ("240.0.0.1", Internal::Reserved),
            ("255.255.255.255", Internal::Reserved),
            ("fc00::1", Internal::Private),
            ("fdff::1", Internal::Private),
            ("fe80::1", Internal::LinkLocal),
            ("ff02::1", Internal::Multicast),
        ] {
            assert_eq!(internal(ip(addr)), Some(why), "{addr}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for addr in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.0.1.1",
            "198.20.0.1",
            "223.255.255.255",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(internal(ip(addr)), None, "{addr}");
            assert_eq!(check(ip(addr), &AllowList::default()), Ok(()));
        }
    }

    #[test]
    fn an_allow_list_opens_exactly_its_blocks() {
        let allow = AllowList::parse("10.20.0.0/16, 127.0.0.1, fd12::/16").unwrap();
        assert_eq!(check(ip("10.20.3.4"), &allow), Ok(()));
        assert_eq!(check(ip("::ffff:10.20.3.4"), &allow), Ok(()));
        assert_eq!(check(ip("10.21.0.1"), &allow), Err(Internal::Private));
        assert_eq!(check(ip("127.0.0.1"), &allow), Ok(()));
        assert_eq!(check(ip("127.0.0.2"), &allow), Err(Internal::Loopback));
        assert_eq!(check(ip("fd12::5"), &allow), Ok(()));
        assert_eq!(check(ip("fd13::5"), &allow), Err(Internal::Private));
        assert_eq!(AllowList::parse(" ").unwrap(), AllowList::default());
        assert!(
            AllowList::parse("0.0.0.0/0")
                .unwrap()
                .allows(ip("10.0.0.1"))
        );
        for bad in ["10.0.0.0/33", "fd00::/129", "ten.0.0.0/8", "10.0.0.0/x"] {
            assert!(AllowList::parse(bad).is_err(), "{bad}");
        }
    }
}
