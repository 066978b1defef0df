//! Websites and email addresses reduced to the domain a company registered.

use super::tables::FREE_MAIL;

/// The registrable domain of a website, URL or bare host: scheme, user info, `www.`/`m.`,
/// port, path, query, fragment, case and a trailing dot do not matter, and subdomains go
/// (`https://eu.Acme.co.uk:8443/about` → `acme.co.uk`, by the Public Suffix List compiled
/// into the `psl` crate). Internationalised hosts come back in their ASCII (punycode) form.
/// `None` when there is no plausible host: no dot, an IP address, a bare public suffix.
pub fn normalize_domain(raw: &str) -> Option<String> {
    let text = raw.trim();
    let rest = text.split_once("://").map_or(text, |(_, rest)| rest);
    let rest = rest.trim_start_matches('/');
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = host.split(':').next().unwrap_or("").trim_end_matches('.');
    if host.is_empty() || !host.contains('.') || host.contains(char::is_whitespace) {
        return None;
    }
    // The URL parser does the IDNA mapping and lower-casing, and rejects what cannot be a host.
    let parsed = url::Url::parse(&format!("http://{host}/")).ok()?;
    let ascii = match parsed.host()? {
        url::Host::Domain(domain) => domain.to_owned(),
        url::Host::Ipv4(_) | url::Host::Ipv6(_) => return None,
    };
    if ascii.starts_with('.') || ascii.contains("..") || !ascii.contains('.') {
        return None;
    }
    let registrable = psl::domain_str(&ascii)?;
    // An unlisted last label counts as a suffix: "acme.internal" is still a domain.
    Some(registrable.to_owned())
}

/// The company domain of a contact's email address: `None` for a free-mail provider (a
/// Gmail address says nothing about the company) and for anything that is not an address.
pub fn email_domain(address: &str) -> Option<String> {
    let (_, host) = address.trim().rsplit_once('@')?;
    let domain = normalize_domain(host.trim_end_matches(['>', ')', ']']))?;
    (!is_free_mail(&domain)).then_some(domain)
}

/// Whether a registrable domain belongs to a free-mail provider (curated in free_mail.txt).
pub fn is_free_mail(domain: &str) -> bool {
    FREE_MAIL.contains(domain)
}

/// The registrable domain without its public suffix, hyphens dropped ("acme-tools.co.uk" →
/// "acmetools"): what a company's name often is.
pub(super) fn label(domain: &str) -> Option<String> {
    let suffix = psl::suffix_str(domain)?;
    let label = domain.strip_suffix(suffix)?.strip_suffix('.')?;
    let label: String = label.chars().filter(|c| *c != '-').collect();
    (!label.is_empty()).then_some(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websites_reduce_to_the_registrable_domain() {
        for site in [
            "https://www.Acme.com/about",
            "acme.com",
            "http://acme.com:8080",
            "ACME.COM.",
            "m.acme.com",
            "https://user:pw@shop.eu.acme.com/x?y=1#z",
            "  www.acme.com  ",
            "//acme.com/path",
        ] {
            assert_eq!(
                normalize_domain(site).as_deref(),
                Some("acme.com"),
                "{site}"
            );
        }
        assert_eq!(
            normalize_domain("eu.acme.co.uk").as_deref(),
            Some("acme.co.uk")
        );
        assert_eq!(
            normalize_domain("www.acme.com.br").as_deref(),
            Some("acme.com.br")
        );
        assert_eq!(
            normalize_domain("shop.acme.co.jp").as_deref(),
            Some("acme.co.jp")
        );
        assert_eq!(
            normalize_domain("acme.com.au").as_deref(),
            Some("acme.com.au")
        );
        assert_eq!(
            normalize_domain("Müller.de").as_deref(),
            Some("xn--mller-kva.de")
        );
        assert_eq!(
            normalize_domain("acme.internal").as_deref(),
            Some("acme.internal")
        );
    }

    #[test]
    fn what_is_not_a_host_has_no_domain() {
        for text in [
            "",
            "not a site",
            "localhost",
            "10.0.0.1",
            "http://[::1]/",
            "co.uk",
            "a..b",
        ] {
            assert_eq!(normalize_domain(text), None, "{text}");
        }
    }

    #[test]
    fn email_domains_but_not_free_mail() {
        assert_eq!(
            email_domain("Pat <pat@Sales.Acme.de>").as_deref(),
            Some("acme.de")
        );
        assert_eq!(
            email_domain("pat@sales.acme.de").as_deref(),
            Some("acme.de")
        );
        assert_eq!(
            email_domain("pat@ACME.co.uk").as_deref(),
            Some("acme.co.uk")
        );
        for free in [
            "pat@gmail.com",
            "x@mail.yahoo.co.uk",
            "a@web.de",
            "b@mail.ru",
            "c@qq.com",
        ] {
            assert_eq!(email_domain(free), None, "{free}");
        }
        assert_eq!(email_domain("no address"), None);
        assert!(is_free_mail("outlook.com"));
        assert!(!is_free_mail("acme.com"));
    }

    #[test]
    fn labels_drop_the_suffix() {
        assert_eq!(label("acme.co.uk").as_deref(), Some("acme"));
        assert_eq!(label("acme-tools.com").as_deref(), Some("acmetools"));
    }
}
