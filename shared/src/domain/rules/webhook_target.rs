//! Where a webhook may be sent: HTTPS to a public address. A rule must not turn the reactor
//! into a proxy into our own network (the instance metadata address, a database on a private
//! subnet, a service on loopback), so the URL is checked when the rule is saved, and the
//! adapter checks every address the name resolves to again when it sends (DNS can change).
//!
//! The dev host and tests receive webhooks on loopback over plain HTTP: an explicit switch in
//! configuration (`WEBHOOK_ALLOW_LOOPBACK_HTTP=true`) allows exactly that, nothing wider.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The longest webhook URL a rule may hold.
pub const MAX_URL_CHARS: usize = 2000;

/// Which webhook targets are allowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookTargets {
    /// Loopback addresses (and `localhost`), over http or https: the dev host's receivers.
    pub allow_loopback_http: bool,
}

impl WebhookTargets {
    /// Public HTTPS targets only: what a deployed desk allows.
    pub const STRICT: Self = Self {
        allow_loopback_http: false,
    };

    /// Checks a webhook URL without resolving it: the scheme, and the host when it is an IP
    /// literal or a loopback name. Returns the reason it is refused.
    pub fn check_url(&self, url: &str) -> Result<(), String> {
        if url.chars().count() > MAX_URL_CHARS || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("must be a URL of at most {MAX_URL_CHARS} characters"));
        }
        let parsed = reqwest::Url::parse(url).map_err(|_| "must be an https URL".to_owned())?;
        let host = parsed.host_str().unwrap_or_default();
        let literal = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
            .parse::<IpAddr>()
            .ok();
        let loopback_name = {
            let name = host.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        };
        let loopback = loopback_name || literal.is_some_and(is_loopback);
        match parsed.scheme() {
            "https" => {}
            "http" if self.allow_loopback_http && loopback => {}
            _ => return Err("must be an https URL".into()),
        }
        if host.is_empty() {
            return Err("must name a host".into());
        }
        if loopback_name && !self.allow_loopback_http {
            return Err("must not point at this machine (localhost)".into());
        }
        if let Some(ip) = literal
            && !self.allows(ip)
        {
            return Err(format!("must not point at a {} address", kind_of(ip)));
        }
        Ok(())
    }

    /// Whether a webhook may connect to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        is_public(ip) || (self.allow_loopback_http && is_loopback(ip))
    }
}

/// Whether `ip` is an ordinary internet address: not loopback, private (RFC 1918, RFC 4193),
/// link-local (which holds the instance metadata address), shared (CGNAT), unspecified,
/// multicast or reserved, in IPv4 or any IPv6 form that carries an IPv4 address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => public_v4(v4),
            None => public_v6(v6),
        },
    }
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || embedded_v4(v6).is_some_and(|v4| v4.is_loopback()),
    }
}

fn kind_of(ip: IpAddr) -> &'static str {
    if is_loopback(ip) {
        "loopback"
    } else {
        "private, link-local or reserved"
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0 // "this network", including 0.0.0.0
        || a == 10
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || a == 127
        || (a == 169 && b == 254) // link-local, the metadata address 169.254.169.254
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 168)
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 224) // multicast, reserved, broadcast
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (first & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated, still routed by some)
        || (first & 0xff00) == 0xff00) // multicast
}

/// The IPv4 address an IPv6 address stands for: mapped (`::ffff:a.b.c.d`), compatible
/// (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) and 6to4 (`2002:aabb:ccdd::`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(tail),
        [0, 0, 0, 0, 0, 0, _, _] if !ip.is_loopback() && !ip.is_unspecified() => Some(tail),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(tail),
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: WebhookTargets = WebhookTargets {
        allow_loopback_http: false,
    };
    const DEV: WebhookTargets = WebhookTargets {
        allow_loopback_http: true,
    };

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:c0a8:0101::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn urls_are_https_to_public_hosts_unless_the_dev_switch_allows_loopback() {
        STRICT.check_url("https://hooks.example.com/x?y=1").unwrap();
        STRICT.check_url("https://93.184.216.34:8443/x").unwrap();
        for refused in [
            "http://hooks.example.com/x",
            "ftp://hooks.example.com/x",
            "https://localhost/x",
            "https://LOCALHOST./x",
            "https://app.localhost/x",
            "https://127.0.0.1/x",
            "https://0x7f.1/x",
            "https://2130706433/x",
            "https://[::1]/x",
            "https://[::ffff:169.254.169.254]/latest/meta-data",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.1/x",
            "https://[fd00::1]/x",
            "https://[fe80::1]/x",
            "https://100.64.1.1/x",
            "https://0.0.0.0/x",
            "https:// hooks.example.com",
            "not a url",
        ] {
            assert!(STRICT.check_url(refused).is_err(), "{refused}");
        }
        DEV.check_url("http://127.0.0.1:8080/hook").unwrap();
        DEV.check_url("http://localhost:8080/hook").unwrap();
        DEV.check_url("http://[::1]:8080/hook").unwrap();
        // The switch is for loopback only: private networks stay closed, plain http elsewhere too.
        assert!(DEV.check_url("http://10.0.0.1/hook").is_err());
        assert!(DEV.check_url("http://hooks.example.com/hook").is_err());
        assert!(DEV.check_url("https://169.254.169.254/").is_err());
    }
}
