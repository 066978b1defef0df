//! Prospect identity: the keys two registrations of one company share however the partner
//! spelled it. The exact keys are what the database's uniqueness rule holds a prospect by;
//! the matching engine (`domain::matching`) finds the differently spelled duplicates.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Legal-form words dropped from the end of a name ("Acme Holding GmbH & Co. KG" → "acme
/// holding"), after punctuation is gone and words are lower case.
const LEGAL_FORMS: &[&[&str]] = &[
    &["inc"],
    &["incorporated"],
    &["corp"],
    &["corporation"],
    &["co"],
    &["company"],
    &["llc"],
    &["l", "l", "c"],
    &["llp"],
    &["lp"],
    &["ltd"],
    &["limited"],
    &["plc"],
    &["gmbh"],
    &["ag"],
    &["kg"],
    &["ohg"],
    &["ug"],
    &["se"],
    &["sa"],
    &["s", "a"],
    &["sas"],
    &["sarl"],
    &["spa"],
    &["srl"],
    &["s", "r", "l"],
    &["bv"],
    &["b", "v"],
    &["nv"],
    &["n", "v"],
    &["oy"],
    &["oyj"],
    &["ab"],
    &["as"],
    &["asa"],
    &["aps"],
    &["pty"],
    &["sp", "z", "o", "o"],
    &["s", "r", "o"],
    &["sro"],
    &["ooo"],
    &["oao"],
    &["kk"],
    &["bhd"],
    &["sdn", "bhd"],
    &["pte"],
    &["holding"],
    &["holdings"],
    &["group"],
    &["and"],
];

/// Lower case, diacritics folded, `&`/`+` as "and", punctuation as spaces.
fn words(name: &str) -> Vec<String> {
    let folded: String = name
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ß' => 's',
            'ł' => 'l',
            'ø' => 'o',
            'æ' => 'a',
            _ => c,
        })
        .collect();
    folded
        .replace(['&', '+'], " and ")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The name key: "The ACME, Inc." and "acme" share it. Never empty for a non-empty name: if
/// stripping would leave nothing, the words stay.
pub fn name_key(name: &str) -> String {
    let mut w = words(name);
    if w.len() > 1 && w[0] == "the" {
        w.remove(0);
    }
    loop {
        let stripped = LEGAL_FORMS.iter().find(|form| {
            form.len() < w.len()
                && w[w.len() - form.len()..]
                    .iter()
                    .zip(form.iter())
                    .all(|(a, b)| a == b)
        });
        match stripped {
            Some(form) => w.truncate(w.len() - form.len()),
            None => break,
        }
    }
    w.join(" ")
}

/// The domain key of a website or email address: scheme, `www.`, port, path and case do not
/// matter. `None` when there is no plausible host.
pub fn domain_key(website: &str) -> Option<String> {
    let text = website.trim().to_lowercase();
    let text = text.rsplit_once('@').map_or(text.as_str(), |(_, d)| d);
    let text = text.split_once("://").map_or(text, |(_, rest)| rest);
    let host = text.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or("").trim_end_matches('.');
    let host = host
        .strip_prefix("www.")
        .or_else(|| host.strip_prefix("m."))
        .unwrap_or(host);
    let valid = host.contains('.')
        && !host.starts_with('.')
        && !host.contains("..")
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    valid.then(|| host.to_owned())
}

/// Free-mail domains: a contact's address there says nothing about the company.
const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "proton.me",
    "protonmail.com",
    "yandex.ru",
    "mail.ru",
    "qq.com",
    "163.com",
];

pub fn is_free_mail(domain: &str) -> bool {
    FREE_MAIL.contains(&domain)
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
        assert_eq!(name_key("Müller & Söhne GmbH"), "muller and sohne");
        assert_eq!(name_key("Łódź Café sp. z o.o."), "lodz cafe");
        assert_eq!(name_key("Große Werke AG"), "grose werke");
    }

    #[test]
    fn a_name_is_never_stripped_to_nothing() {
        assert_eq!(name_key("The Company"), "company");
        assert_eq!(name_key("Holding AG"), "holding");
        assert_eq!(name_key("Inc"), "inc");
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
        assert!(is_free_mail("gmail.com"));
    }
}
