//! Which webhook URLs are accepted: absolute http(s) URLs with a host, no
//! credentials, no fragment, at most 2,000 characters; loopback, private,
//! link-local, multicast and unspecified addresses (also inside IPv6: mapped,
//! NAT64 and 6to4 forms) and `localhost` only when allowed,
//! so a webhook cannot be aimed at the server's own network. A host name
//! that resolves to such an address is not caught here (see the README).

use crate::error::{AppError, AppResult};
use std::net::IpAddr;
use url::{Host, Url};

const MAX_URL_CHARS: usize = 2_000;

pub fn check_url(text: &str, allow_private: bool) -> AppResult<Url> {
    let bad = |message: &str| AppError::bad_input("url", message.to_owned());
    if text.chars().count() > MAX_URL_CHARS {
        return Err(bad("at most 2,000 characters"));
    }
    let url = Url::parse(text.trim()).map_err(|e| bad(&format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("only http and https URLs receive webhooks"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("credentials do not belong in a webhook URL"));
    }
    if url.fragment().is_some() {
        return Err(bad("a webhook URL has no #fragment"));
    }
    let private = match url.host() {
        None => return Err(bad("the URL has no host")),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => is_private(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_private(IpAddr::V6(ip)),
    };
    if private && !allow_private {
        return Err(bad(
            "loopback, private and link-local addresses are refused (see --webhook-allow-private)",
        ));
    }
    Ok(url)
}

fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6.is_multicast()
                || embedded_v4(v6).is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

/// The IPv4 address an IPv6 address carries, in the forms that reach it:
/// IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64
/// (`64:ff9b::a.b.c.d` and the local-use `64:ff9b:1::/48`) and 6to4
/// (`2002:aabb:ccdd::`).
fn embedded_v4(v6: std::net::Ipv6Addr) -> Option<std::net::Ipv4Addr> {
    let s = v6.segments();
    let low = |hi: u16, lo: u16| {
        std::net::Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)
    };
    if let Some(v4) = v6.to_ipv4() {
        return Some(v4);
    }
    if (s[0] == 0x64 && s[1] == 0xff9b) && (s[2..6].iter().all(|x| *x == 0) || s[2] == 1) {
        return Some(low(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return Some(low(s[1], s[2]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_public_http_url() {
        for bad in [
            "not a url",
            "ftp://example.com/hook",
            "https://user:pw@example.com/hook",
            "https://example.com/hook#x",
            "http://127.0.0.1:9000/hook",
            "http://localhost/hook",
            "http://10.1.2.3/hook",
            "http://169.254.169.254/latest",
            "http://[::1]/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://100.64.0.1/hook",
            "http://[64:ff9b::7f00:1]/",
            "http://[64:ff9b:1::a00:1]/",
            "http://[2002:7f00:1::]/",
            "http://[2002:a9fe:a9fe::1]/",
            "http://[::127.0.0.1]/",
            "http://224.0.0.1/",
            "http://239.255.255.250/",
            "http://[ff02::1]/",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad} was accepted");
        }
        assert!(check_url("https://hooks.example.com/jg", false).is_ok());
        // Public addresses in the same forms still pass.
        assert!(check_url("http://[64:ff9b::808:808]/", false).is_ok());
        assert!(check_url("http://[2002:808:808::]/", false).is_ok());
        assert!(check_url("http://8.8.8.8/", false).is_ok());
        assert!(check_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(check_url("ftp://127.0.0.1/hook", true).is_err());
    }
}
