//! Prospect identity: the exact keys two records of one company share however it was
//! spelled. The database holds at most one holding registration per key (the unique indexes
//! behind first-valid-wins), and the sales lock check, the partner's availability check and
//! the reviewer's evidence find records by the same keys.
//!
//! The keys are the matching engine's normal forms (`domain::matching`): its legal-form
//! table, Unicode folding, synonyms, Public Suffix List and free-mail list. This module has
//! no rules of its own on purpose: two normalisers drift apart, and then the lock check and
//! the unique index disagree about who a prospect is. When the engine's normal forms change,
//! `db::models::prospect_identity::VERSION` goes up and the stored keys are recomputed.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::matching::{email_domain, normalize_domain, normalize_name};

/// The name key: "The ACME, Inc." and "acme" share it. Empty only for a name without a
/// letter or digit.
pub fn name_key(name: &str) -> String {
    normalize_name(name).key().to_owned()
}

/// The domain key of a website (or URL, or bare host): its registrable domain
/// ("https://eu.Acme.co.uk/about" is "acme.co.uk"). `None` when there is no plausible host,
/// or the host is a free-mail provider's: a Gmail address identifies nobody.
pub fn domain_key(website: &str) -> Option<String> {
    let domain = if website.contains('@') && !website.contains("://") {
        email_domain(website)?
    } else {
        normalize_domain(website)?
    };
    (!super::matching::is_free_mail(&domain)).then_some(domain)
}

/// The keys of a prospect as a partner describes it: its name, and its website or else the
/// contact's email domain (unless free mail).
pub fn keys(company_name: &str, website: &str, contact_email: &str) -> (String, Option<String>) {
    let contact = contact_email
        .contains('@')
        .then(|| email_domain(contact_email))
        .flatten();
    (name_key(company_name), domain_key(website).or(contact))
}

/// A registration holding a prospect, as [`shared_holders`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct Holder<'a> {
    pub id: &'a str,
    /// When it was approved; `None` while in review.
    pub approved_at: Option<NaiveDateTime>,
    pub submitted_at: NaiveDateTime,
    pub name_key: &'a str,
    pub domain_key: Option<&'a str>,
}

/// Who keeps a prospect that several holders turn out to share (after the keys changed):
/// first valid registration wins, so an approved holder before one in review, the earlier
/// approval first, then the earlier submission. Returns `(gives way, keeps)` index pairs:
/// each holder sharing a key with one ranked before it, and that one.
pub fn shared_holders(holders: &[Holder]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..holders.len()).collect();
    order.sort_by_key(|&i| {
        let h = &holders[i];
        (h.approved_at.is_none(), h.approved_at, h.submitted_at, h.id)
    });
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut domains: HashMap<&str, usize> = HashMap::new();
    let mut out = Vec::new();
    for i in order {
        let h = &holders[i];
        let keeper = names
            .get(h.name_key)
            .or_else(|| h.domain_key.and_then(|d| domains.get(d)))
            .copied();
        match keeper {
            Some(k) => out.push((i, k)),
            None => {
                names.insert(h.name_key, i);
                if let Some(d) = h.domain_key {
                    domains.insert(d, i);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_company_share_a_name_key() {
        for name in [
            "ACME Inc.",
            "Acme Corporation",
            "The Acme Company",
            "acme, LLC",
            "Acme GmbH & Co. KG",
            "ACME   ltd",
        ] {
            assert_eq!(name_key(name), "acme", "{name}");
        }
        assert_eq!(name_key("Łódź Café sp. z o.o."), "lodz cafe");
        assert_eq!(name_key("Große Werke AG"), name_key("Grosse Werke GmbH"));
        assert_eq!(name_key("!!!"), "");
    }

    /// The keys the unique index holds are the engine's: what the lock check calls one
    /// prospect, the database does too.
    #[test]
    fn the_exact_keys_are_the_matching_engines() {
        for name in [
            "Acme Holding AG & Co. KG",
            "Acme Group",
            "Müller & Söhne GmbH",
            "Acme Intl. Technologies",
        ] {
            assert_eq!(name_key(name), normalize_name(name).key(), "{name}");
        }
        // "Holding" and "Group" are words of the name, not legal forms.
        assert_ne!(name_key("Acme Holding"), name_key("Acme"));
        assert_eq!(
            domain_key("https://eu.acme.co.uk/about"),
            domain_key("acme.co.uk")
        );
        assert_eq!(domain_key("shop.acme.com").as_deref(), Some("acme.com"));
    }

    #[test]
    fn websites_and_emails_reduce_to_one_domain() {
        for site in [
            "https://www.Acme.com/about",
            "acme.com",
            "http://acme.com:8080",
            "ACME.COM.",
            "pat@acme.com",
            "m.acme.com",
        ] {
            assert_eq!(domain_key(site).as_deref(), Some("acme.com"), "{site}");
        }
        assert_eq!(domain_key("not a site"), None);
        assert_eq!(domain_key(""), None);
        assert_eq!(domain_key("gmail.com"), None);
        assert_eq!(domain_key("https://mail.yahoo.co.uk"), None);
    }

    #[test]
    fn the_contact_stands_in_for_a_missing_website_unless_free_mail() {
        assert_eq!(
            keys("Acme GmbH", "", "jo@sales.acme.de"),
            ("acme".into(), Some("acme.de".into()))
        );
        assert_eq!(keys("Acme", "", "jo@web.de"), ("acme".into(), None));
        assert_eq!(keys("Acme", "", "jo@yahoo.co.uk"), ("acme".into(), None));
        assert_eq!(
            keys("Acme", "acme.com", "jo@other.example"),
            ("acme".into(), Some("acme.com".into()))
        );
    }

    #[test]
    fn the_earlier_approval_then_the_earlier_submission_keeps_a_shared_prospect() {
        let at = |d: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, 11, d)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap()
        };
        let holder = |id, approved, submitted, name, domain| Holder {
            id,
            approved_at: approved,
            submitted_at: submitted,
            name_key: name,
            domain_key: domain,
        };
        let holders = [
            // Submitted first but still in review: an approval outranks it.
            holder("a", None, at(1), "acme technology", None),
            holder("b", Some(at(9)), at(3), "acme technology", Some("acme.com")),
            holder("c", Some(at(5)), at(4), "acme tech", Some("acme.com")),
            // Shares nothing with the others.
            holder("d", None, at(2), "beta", Some("beta.com")),
            // Pending ones among themselves: the earlier submission.
            holder("e", None, at(7), "gamma", None),
            holder("f", None, at(6), "gamma", None),
        ];
        let mut pairs: Vec<(&str, &str)> = shared_holders(&holders)
            .into_iter()
            .map(|(loser, keeper)| (holders[loser].id, holders[keeper].id))
            .collect();
        pairs.sort();
        // c was approved before b and takes acme.com, so b gives way to c. b then holds
        // nothing, and a shares no key with c: a stands.
        assert_eq!(pairs, [("b", "c"), ("e", "f")]);
        assert!(shared_holders(&holders[3..4]).is_empty());
    }
}
