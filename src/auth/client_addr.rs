//! The client's address, for the per-address sign-in limits. Behind a reverse proxy every
//! connection comes from the proxy, so the limit would count all clients as one; the proxy
//! names the client in `X-Forwarded-For`. That header is believed only from the proxies the
//! operator listed (`TRUCE_TRUSTED_PROXIES`): from anyone else it is a client's own claim,
//! and believing it would let a guesser pick a fresh address for every attempt.

use std::net::IpAddr;

use actix_web::{HttpRequest, web};

/// The operator's trusted proxies as app data of their own, for what runs below the app
/// state (the role guard, which gives every signed-in request its client address for the
/// audit log).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpAddr>);

/// [`of`] with the proxies the app was started with (none when it was built without them).
pub fn of_request(req: &HttpRequest) -> Option<IpAddr> {
    let trusted = req.app_data::<web::Data<TrustedProxies>>();
    of(req, trusted.map_or(&[][..], |t| t.0.as_slice()))
}

/// The client address of a request: the peer, or, when the peer is a trusted proxy, the
/// nearest address in `X-Forwarded-For` that is not one of the trusted proxies.
pub fn of(req: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    Some(client(peer, &forwarded.join(","), trusted))
}

/// Walks the chain from the nearest hop outwards. Each trusted proxy appended the address
/// it saw; the first one not trusted is the client. A hop that does not parse ends the walk
/// at the last trusted proxy: what lies beyond it cannot be relied on.
pub fn client(peer: IpAddr, forwarded_for: &str, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut nearest = peer;
    for hop in forwarded_for
        .rsplit(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        let Ok(addr) = hop.parse::<IpAddr>() else {
            return nearest;
        };
        if !trusted.contains(&addr) {
            return addr;
        }
        nearest = addr;
    }
    nearest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let proxy = ip("10.0.0.2");
        let trusted = [proxy];
        // Straight from a client: its own header is ignored.
        assert_eq!(
            client(ip("203.0.113.9"), "198.51.100.1", &trusted),
            ip("203.0.113.9")
        );
        // Through the proxy: the address the proxy saw.
        assert_eq!(client(proxy, "198.51.100.1", &trusted), ip("198.51.100.1"));
        // A client that sends its own header through the proxy cannot choose its address:
        // the proxy appended the real one last.
        assert_eq!(
            client(proxy, "1.2.3.4, 198.51.100.1", &trusted),
            ip("198.51.100.1")
        );
        // Two trusted proxies in a row.
        let two = [proxy, ip("10.0.0.3")];
        assert_eq!(
            client(proxy, "198.51.100.1, 10.0.0.3", &two),
            ip("198.51.100.1")
        );
        // No header, or garbage: the proxy itself (all such clients share its budget).
        assert_eq!(client(proxy, "", &trusted), proxy);
        assert_eq!(client(proxy, "unknown", &trusted), proxy);
        // No trusted proxies: the peer, always.
        assert_eq!(client(proxy, "198.51.100.1", &[]), proxy);
    }
}
