//! Outbound webhooks as the Standard Webhooks specification (standardwebhooks.com) has them,
//! so a receiver can verify them with any of its libraries: which changes are events, how a
//! message is signed, when a failed delivery is tried again, when an endpoint that keeps
//! failing is turned off, and which addresses Truce refuses to call.

// `core::net`: addresses are values here; nothing is resolved or connected.
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{NaiveDateTime, TimeDelta};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::errors::FieldErrors;
use super::lifecycle::EventKind;

/// Every event type an endpoint can listen for, with what it means to an admin.
pub const EVENT_TYPES: &[(&str, &str)] = &[
    (
        "registration.submitted",
        "A partner submitted a registration for review",
    ),
    (
        "registration.queued",
        "A registration waits behind an earlier claim on its prospect",
    ),
    (
        "registration.declined",
        "A registration was declined: the prospect is already held",
    ),
    (
        "registration.approved",
        "A registration was approved (or reinstated by a ruling)",
    ),
    ("registration.rejected", "A registration was rejected"),
    (
        "registration.withdrawn",
        "A partner withdrew a registration",
    ),
    (
        "registration.renewed",
        "A renewal was approved: the protection window is longer",
    ),
    (
        "registration.expired",
        "An approved registration's protection window ended",
    ),
    ("registration.closed_won", "A deal was closed as won"),
    ("registration.closed_lost", "A deal was closed as lost"),
    (
        "registration.overturned",
        "A dispute ruling ended a registration",
    ),
    ("dispute.raised", "A dispute was raised"),
    ("dispute.ruled", "The channel team ruled on a dispute"),
    (
        "account.reserved",
        "A CRM account became reserved for direct sales",
    ),
];

/// The event type of a registration's lifecycle event, if it is one endpoints can hear.
pub fn of_registration(kind: EventKind) -> Option<&'static str> {
    Some(match kind {
        EventKind::Submitted => "registration.submitted",
        EventKind::Queued => "registration.queued",
        EventKind::Declined => "registration.declined",
        EventKind::Approved | EventKind::Reinstated => "registration.approved",
        EventKind::Rejected => "registration.rejected",
        EventKind::Withdrawn => "registration.withdrawn",
        EventKind::RenewalApproved => "registration.renewed",
        EventKind::Expired => "registration.expired",
        EventKind::ClosedWon => "registration.closed_won",
        EventKind::ClosedLost => "registration.closed_lost",
        EventKind::Overturned => "registration.overturned",
        _ => return None,
    })
}

pub fn is_event_type(code: &str) -> bool {
    EVENT_TYPES.iter().any(|(t, _)| *t == code)
}

/// An endpoint's fields as an admin typed them, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointFields {
    pub url: String,
    pub description: String,
    /// Known types, in the order of [`EVENT_TYPES`].
    pub event_types: Vec<String>,
}

impl EndpointFields {
    /// "URL (type, type)", as the audit log records an endpoint.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.url, self.event_types.join(", "))
    }

    /// As stored: space-separated.
    pub fn event_types_stored(&self) -> String {
        self.event_types.join(" ")
    }
}

const MAX_URL: usize = 2000;
const MAX_DESCRIPTION: usize = 200;

/// Checks an endpoint's form. Whether its address is private is asked separately
/// ([`refused_address`]), by the caller that can resolve the host name.
pub fn validate_endpoint(
    url: &str,
    description: &str,
    event_types: &[String],
) -> Result<EndpointFields, FieldErrors> {
    let mut errors = FieldErrors::new();
    let url = url.trim();
    if url.is_empty() {
        errors.add(
            "url",
            "Enter the address Truce should send events to, for example https://crm.example.com/truce-events.",
        );
    } else if url.len() > MAX_URL {
        errors.add("url", "Keep the address under 2,000 characters.");
    } else {
        match url::Url::parse(url) {
            Err(_) => errors.add(
                "url",
                "This is not a web address; it should look like https://crm.example.com/truce-events.",
            ),
            Ok(parsed) if !matches!(parsed.scheme(), "https" | "http") => {
                errors.add("url", "The address must start with https:// (or http://).")
            }
            Ok(parsed) if parsed.host_str().is_none_or(str::is_empty) => {
                errors.add("url", "The address needs a host name.")
            }
            Ok(parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
                errors.add(
                    "url",
                    "Leave the user name and password out of the address: receivers check the signature instead.",
                )
            }
            Ok(_) => {}
        }
    }
    let description = description.trim();
    if description.chars().count() > MAX_DESCRIPTION {
        errors.add("description", "Keep the description to 200 characters.");
    }
    let chosen: Vec<String> = EVENT_TYPES
        .iter()
        .map(|(t, _)| *t)
        .filter(|t| event_types.iter().any(|c| c == t))
        .map(str::to_owned)
        .collect();
    if event_types.iter().any(|t| !is_event_type(t)) {
        errors.add("event_types", "Choose event types from the list.");
    } else if chosen.is_empty() {
        errors.add(
            "event_types",
            "Choose at least one event type to send to this endpoint.",
        );
    }
    errors.into_result(EndpointFields {
        url: url.to_owned(),
        description: description.to_owned(),
        event_types: chosen,
    })
}

/// Why Truce will not call this address, or `None` when it may: loopback, private,
/// link-local, shared (carrier-grade NAT), unspecified, multicast and broadcast addresses
/// reach the server's own network, not a CRM on the internet (server-side request forgery).
pub fn refused_address(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => refused_v4(v4),
            None => refused_v6(v6),
        },
    }
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        Some("a private network address")
    } else if ip.is_link_local() {
        Some("a link-local address")
    } else if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() || a == 0 {
        Some("not a host's address")
    } else {
        None
    }
}

fn refused_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("a loopback address")
    } else if first & 0xfe00 == 0xfc00 {
        Some("a private network address")
    } else if first & 0xffc0 == 0xfe80 {
        Some("a link-local address")
    } else if ip.is_unspecified() || ip.is_multicast() {
        Some("not a host's address")
    } else {
        None
    }
}

/// The prefix of a Standard Webhooks secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A signing secret as it is shown once to the admin: `whsec_` and 24 random bytes.
pub fn secret_text(bytes: &[u8; 24]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The key bytes of a secret written as [`secret_text`] does.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret))
        .ok()
}

/// One signature: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`.
pub fn signature(key: &[u8], msg_id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(format!("{msg_id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header: one signature per valid key, space-separated (during a
/// rotation's overlap both the new and the previous secret sign).
pub fn signature_header(keys: &[Vec<u8>], msg_id: &str, timestamp: i64, body: &str) -> String {
    keys.iter()
        .map(|k| signature(k, msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// How long the previous secret still signs after a rotation.
pub const ROTATION_OVERLAP: TimeDelta = TimeDelta::hours(24);

/// An endpoint failing this long without a success is turned off and the admins are told.
pub const DISABLE_AFTER: TimeDelta = TimeDelta::days(3);

pub fn should_disable(failing_since: NaiveDateTime, now: NaiveDateTime) -> bool {
    now - failing_since >= DISABLE_AFTER
}

/// Delay before the next attempt after `attempts` failures: 5 s, 10 s, 20 s, ... up to an
/// hour, stretched by up to a quarter by `jitter` in `[0, 1)` so that the events of an
/// endpoint that was down do not all come back at once.
pub fn retry_delay(attempts: i32, jitter: f64) -> TimeDelta {
    super::delivery::backoff(TimeDelta::seconds(5), TimeDelta::hours(1), attempts, jitter)
}

/// A 2xx answer is a delivery; anything else (a redirect included: none is followed) is
/// tried again.
pub fn is_delivered(status: u16) -> bool {
    (200..300).contains(&status)
}

/// How long the delivery log keeps an attempt, and Truce a delivered event.
pub const LOG_KEPT: TimeDelta = TimeDelta::days(30);

/// The first bytes of an answer kept in the delivery log.
pub const EXCERPT_BYTES: usize = 500;

/// The start of an answer as text, cut at a character boundary.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_BYTES)]);
    text.trim_end_matches('\u{FFFD}').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn signs_as_the_standard_webhooks_reference_libraries_do() {
        // The test vector of the specification's reference libraries.
        let key = secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            signature(
                &key,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                r#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_rotation_sends_one_signature_per_secret() {
        let header = signature_header(&[b"new".to_vec(), b"old".to_vec()], "msg_1", 1, "{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], signature(b"new", "msg_1", 1, "{}"));
        assert_eq!(parts[1], signature(b"old", "msg_1", 1, "{}"));
        assert_ne!(parts[0], parts[1]);
    }

    #[test]
    fn secrets_round_trip() {
        let text = secret_text(&[7u8; 24]);
        assert!(text.starts_with("whsec_"));
        assert_eq!(secret_key(&text).unwrap(), vec![7u8; 24]);
    }

    #[test]
    fn private_and_local_addresses_are_refused() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            let ip: IpAddr = refused.parse().unwrap();
            assert!(refused_address(ip).is_some(), "{refused} is refused");
        }
        for allowed in ["93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700::1"] {
            let ip: IpAddr = allowed.parse().unwrap();
            assert_eq!(refused_address(ip), None, "{allowed} is allowed");
        }
    }

    #[test]
    fn endpoints_need_a_web_address_and_an_event_type() {
        let types = vec!["registration.approved".to_owned()];
        let ok = validate_endpoint(" https://crm.example.com/hook ", "CRM", &types).unwrap();
        assert_eq!(ok.url, "https://crm.example.com/hook");
        assert_eq!(ok.event_types_stored(), "registration.approved");

        let e = validate_endpoint("ftp://crm.example.com", "", &types).unwrap_err();
        assert!(e.get("url").unwrap().contains("https://"));
        let e = validate_endpoint("https://user:pw@crm.example.com", "", &types).unwrap_err();
        assert!(e.get("url").unwrap().contains("password"));
        let e = validate_endpoint("not a url", "", &[]).unwrap_err();
        assert!(e.get("url").is_some());
        assert!(e.get("event_types").unwrap().contains("at least one"));
        let e =
            validate_endpoint("https://a.example", "", &["registration.nope".into()]).unwrap_err();
        assert!(e.get("event_types").is_some());
    }

    #[test]
    fn chosen_types_keep_the_lists_order() {
        let chosen = vec![
            "dispute.raised".to_owned(),
            "registration.submitted".to_owned(),
        ];
        let ok = validate_endpoint("https://a.example", "", &chosen).unwrap();
        assert_eq!(ok.event_types, ["registration.submitted", "dispute.raised"]);
    }

    #[test]
    fn lifecycle_events_map_to_types_endpoints_can_choose() {
        for kind in [
            EventKind::Submitted,
            EventKind::Approved,
            EventKind::Expired,
            EventKind::ClosedWon,
            EventKind::Overturned,
        ] {
            assert!(is_event_type(of_registration(kind).unwrap()));
        }
        assert_eq!(of_registration(EventKind::ReminderSent), None);
    }

    #[test]
    fn retries_back_off_from_five_seconds_to_an_hour() {
        assert_eq!(retry_delay(1, 0.0), TimeDelta::seconds(5));
        assert_eq!(retry_delay(2, 0.0), TimeDelta::seconds(10));
        assert_eq!(retry_delay(50, 0.0), TimeDelta::hours(1));
        assert!(retry_delay(1, 0.99) > TimeDelta::seconds(6));
    }

    #[test]
    fn an_endpoint_is_turned_off_after_three_days_of_failures() {
        let since = at("2026-12-01 10:00");
        assert!(!should_disable(since, at("2026-12-04 09:59")));
        assert!(should_disable(since, at("2026-12-04 10:00")));
    }

    #[test]
    fn only_2xx_is_a_delivery_and_excerpts_are_cut_at_a_character() {
        assert!(is_delivered(204));
        assert!(!is_delivered(302));
        assert!(!is_delivered(500));
        let long = "é".repeat(400);
        let cut = excerpt(long.as_bytes());
        assert!(cut.len() <= EXCERPT_BYTES);
        assert!(cut.chars().all(|c| c == 'é'));
    }
}
