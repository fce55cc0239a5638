//! Who is on the other end of a request: the client address (behind a gateway, the one it
//! reports) and the browser, for the sign-in log, the throttle and the sessions page.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use http::{header, Extensions, HeaderMap};

/// The longest User-Agent kept: enough for any real browser, bounded against abuse.
const MAX_USER_AGENT_BYTES: usize = 512;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Client {
    pub address: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl Client {
    /// `trust_forwarded_for` takes the address from `X-Forwarded-For`: only behind a gateway
    /// that adds it, otherwise anyone could claim any address. The last entry is the one the
    /// gateway added (the address it saw); entries before it are whatever the client sent.
    pub fn from_request(
        headers: &HeaderMap,
        extensions: &Extensions,
        trust_forwarded_for: bool,
    ) -> Self {
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| truncate(ua.trim(), MAX_USER_AGENT_BYTES).to_owned())
            .filter(|ua| !ua.is_empty());
        Self {
            address: client_address(headers, extensions, trust_forwarded_for),
            user_agent,
        }
    }

    /// The client as rate limits and lockouts count it (see [`rate_limit_key`]).
    pub fn rate_limit_key(&self) -> String {
        rate_limit_key(self.address)
    }

    /// The client of the request a server function is serving.
    pub fn of_current_request(trust_forwarded_for: bool) -> Self {
        leptos::prelude::use_context::<http::request::Parts>()
            .map(|parts| Self::from_request(&parts.headers, &parts.extensions, trust_forwarded_for))
            .unwrap_or_default()
    }

    /// "Chrome · Windows 10", "Safari · iPhone", or a plain fallback, in Korean where the
    /// parser knows nothing.
    pub fn browser_label(&self) -> String {
        let parsed = self
            .user_agent
            .as_deref()
            .and_then(|ua| woothee::parser::Parser::new().parse(ua));
        let known = |value: &str| !value.is_empty() && value != woothee::woothee::VALUE_UNKNOWN;
        let parts: Vec<&str> = parsed
            .map(|p| [p.name, p.os].into_iter().filter(|v| known(v)).collect())
            .unwrap_or_default();
        if parts.is_empty() {
            "알 수 없는 브라우저".to_owned()
        } else {
            parts.join(" · ")
        }
    }
}

/// An address as gateways write it: `203.0.113.7`, `2001:db8::1`, or with a port
/// (`203.0.113.7:5123`, `[2001:db8::1]:5123`), as Azure's Application Gateway does.
fn parse_address(text: &str) -> Option<IpAddr> {
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

fn truncate(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(user_agent: &str) -> Client {
        Client {
            address: None,
            user_agent: Some(user_agent.to_owned()),
        }
    }

    #[test]
    fn browsers_are_named_with_their_system() {
        let chrome = client("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36");
        assert_eq!(chrome.browser_label(), "Chrome · Windows 10");
        let iphone = client("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1");
        assert_eq!(iphone.browser_label(), "Safari · iPhone");
        assert_eq!(client("curl/8.5.0").browser_label(), "HTTP Library");
        assert_eq!(Client::default().browser_label(), "알 수 없는 브라우저");
        assert_eq!(client("\u{0}\u{0}").browser_label(), "알 수 없는 브라우저");
    }

    fn forwarded_for(value: &str, trusted: bool) -> Option<IpAddr> {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        let mut extensions = Extensions::new();
        extensions.insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 4000))));
        Client::from_request(&headers, &extensions, trusted).address
    }

    #[test]
    fn the_forwarded_address_counts_only_when_trusted() {
        assert_eq!(
            forwarded_for("203.0.113.7", true),
            Some([203, 0, 113, 7].into())
        );
        assert_eq!(
            forwarded_for("203.0.113.7", false),
            Some([10, 0, 0, 1].into())
        );
    }

    #[test]
    fn the_gateway_entry_is_the_last_so_a_client_cannot_pick_its_address() {
        // The client sent "1.2.3.4"; the gateway appended what it saw.
        assert_eq!(
            forwarded_for("1.2.3.4, 203.0.113.7", true),
            Some([203, 0, 113, 7].into())
        );
        assert_eq!(
            forwarded_for("1.2.3.4,203.0.113.7:5123", true),
            Some([203, 0, 113, 7].into())
        );
        assert_eq!(
            forwarded_for("[2001:db8::1]:443", true),
            Some("2001:db8::1".parse().unwrap())
        );
        // Garbage from the gateway: the peer address, never a guess.
        assert_eq!(forwarded_for("nonsense", true), Some([10, 0, 0, 1].into()));
    }

    #[test]
    fn long_user_agents_are_cut_at_a_character_boundary() {
        let mut headers = HeaderMap::new();
        headers.insert(header::USER_AGENT, "a".repeat(2000).parse().unwrap());
        let cut = Client::from_request(&headers, &Extensions::new(), false);
        assert_eq!(
            cut.user_agent.map(|ua| ua.len()),
            Some(MAX_USER_AGENT_BYTES)
        );
        assert_eq!(truncate("가나다", 4), "가");
    }
}

/// The client's address: the peer's, or behind a trusted gateway the last `X-Forwarded-For`
/// entry (see [`Client::from_request`]).
pub fn client_address(
    headers: &HeaderMap,
    extensions: &Extensions,
    trust_forwarded_for: bool,
) -> Option<IpAddr> {
    let forwarded = trust_forwarded_for
        .then(|| {
            headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|last| parse_address(last.trim()))
        })
        .flatten();
    forwarded.or_else(|| {
        extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
    })
}

/// An address as rate limits and lockouts count it: an IPv4 address as it is, an IPv6 one by
/// its /64 network (one subscriber usually holds a whole /64 and could otherwise walk through
/// it, a new address per attempt).
pub fn rate_limit_key(address: Option<IpAddr>) -> String {
    match address.map(|a| a.to_canonical()) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        None => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod rate_limit_tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_by_their_64_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(rate_limit_key(Some(a)), rate_limit_key(Some(b)));
        assert_ne!(rate_limit_key(Some(a)), rate_limit_key(Some(other)));
        assert_eq!(
            rate_limit_key(Some("203.0.113.7".parse().unwrap())),
            "203.0.113.7"
        );
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(rate_limit_key(Some(mapped)), "203.0.113.7");
        assert_eq!(rate_limit_key(None), "unknown");
    }
}
