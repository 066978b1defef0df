//! What is known about one prospect record, normalised once so it can be scored against
//! many others cheaply.

use super::domain::{email_domain, is_free_mail, label, normalize_domain};
use super::name::{Name, normalize_name};

/// A record's normalised name and company domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: Name,
    /// Registrable domain, never a free-mail one.
    pub domain: Option<String>,
    /// The domain without its public suffix ("acme" for "acme.co.uk"), precomputed.
    pub(super) label: Option<String>,
}

impl Profile {
    /// From what a user typed: a company name and a website, URL or contact email address
    /// (an address at a free-mail provider, or a free-mail provider given as the website,
    /// adds no domain).
    pub fn new(name: &str, website_or_email: Option<&str>) -> Profile {
        let domain = website_or_email.and_then(|text| {
            if text.contains('@') && !text.contains("://") {
                email_domain(text)
            } else {
                normalize_domain(text)
            }
        });
        Profile::from_parts(normalize_name(name), domain)
    }

    /// From a name already normalised and a domain already reduced by `normalize_domain`
    /// (for instance both read back from the database).
    pub fn from_parts(name: Name, domain: Option<String>) -> Profile {
        let domain = domain.filter(|d| !is_free_mail(d));
        let label = domain.as_deref().and_then(label);
        Profile {
            name,
            domain,
            label,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_from_websites_and_emails() {
        let p = Profile::new("Acme GmbH", Some("https://www.acme.de/kontakt"));
        assert_eq!(p.name.key(), "acme");
        assert_eq!(p.domain.as_deref(), Some("acme.de"));
        assert_eq!(p.label.as_deref(), Some("acme"));
        let p = Profile::new("Acme", Some("jo@eu.acme.co.uk"));
        assert_eq!(p.domain.as_deref(), Some("acme.co.uk"));
        assert_eq!(Profile::new("Acme", Some("jo@gmail.com")).domain, None);
        assert_eq!(Profile::new("Acme", Some("gmail.com")).domain, None);
        assert_eq!(Profile::new("Acme", Some("")).domain, None);
        assert_eq!(Profile::new("Acme", None).domain, None);
    }
}
