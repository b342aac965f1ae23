//! The source address of a request: the peer's, or — when the peer is a configured trusted
//! proxy — the nearest address before it in `X-Forwarded-For`.

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// Where a request came from, as text (`"unknown"` when the server was started without the
/// peer's address, as in a test that calls the router directly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAddress(pub String);

impl FromRequestParts<AppState> for SourceAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        Ok(SourceAddress(
            source(peer, &forwarded, &state.config.trusted_proxies)
                .map(|ip| ip.to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

/// The peer, unless it is a trusted proxy: then the right-most address in `forwarded` that is
/// not a trusted proxy itself (what a client writes at the left is not believed).
fn source(peer: Option<IpAddr>, forwarded: &str, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let mut last = peer;
    for hop in forwarded.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => last = ip,
            Ok(ip) => return Some(ip),
            Err(_) => return Some(last),
        }
    }
    Some(last)
}

#[cfg(test)]
mod tests {
    use super::source;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy = ip("10.0.0.5");
        let trusted = [proxy];
        // Not through the proxy: the header is ignored.
        assert_eq!(
            source(Some(ip("192.0.2.7")), "198.51.100.1", &trusted),
            Some(ip("192.0.2.7"))
        );
        // Through the proxy: the address it saw, not what the client wrote before it.
        assert_eq!(
            source(Some(proxy), "6.6.6.6, 198.51.100.1", &trusted),
            Some(ip("198.51.100.1"))
        );
        // The proxy without the header, or with garbage: the proxy itself.
        assert_eq!(source(Some(proxy), "", &trusted), Some(proxy));
        assert_eq!(source(Some(proxy), "nonsense", &trusted), Some(proxy));
        assert_eq!(source(None, "198.51.100.1", &trusted), None);
    }
}
