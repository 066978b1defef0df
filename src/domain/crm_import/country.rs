//! Countries as CRMs write them: an ISO code, the ISO short name in either order ("Congo,
//! The Democratic Republic of the"), a common English name ("UK", "Holland") or the local one
//! ("Deutschland"), with or without accents. The portal stores the ISO 3166-1 alpha-2 code.

use std::collections::HashMap;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::domain::registration::countries;

/// A country name reduced for comparison: letters and digits, lower case, accents and a
/// leading "the" dropped.
fn country_key(text: &str) -> String {
    let key: String = text
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    match key.strip_prefix("the") {
        Some(rest) if rest.len() > 3 => rest.to_owned(),
        _ => key,
    }
}

/// Names CRMs commonly use besides the ISO short names.
const COUNTRY_ALIASES: &[(&str, &str)] = &[
    ("USA", "US"),
    ("U.S.A.", "US"),
    ("United States of America", "US"),
    ("America", "US"),
    ("UK", "GB"),
    ("Great Britain", "GB"),
    ("Britain", "GB"),
    ("England", "GB"),
    ("Scotland", "GB"),
    ("Wales", "GB"),
    ("Northern Ireland", "GB"),
    ("Russia", "RU"),
    ("Czech Republic", "CZ"),
    ("Turkey", "TR"),
    ("Korea", "KR"),
    ("Republic of Korea", "KR"),
    ("Korea, Republic of", "KR"),
    ("Viet Nam", "VN"),
    ("Ivory Coast", "CI"),
    ("Holland", "NL"),
    ("UAE", "AE"),
    ("Macedonia", "MK"),
    ("Swaziland", "SZ"),
    ("Cape Verde", "CV"),
    ("Brunei", "BN"),
    ("Vatican", "VA"),
    ("Vatican City", "VA"),
    ("Palestine", "PS"),
    ("Deutschland", "DE"),
    ("Österreich", "AT"),
    ("Schweiz", "CH"),
    ("Suisse", "CH"),
    ("España", "ES"),
    ("Italia", "IT"),
    ("Nederland", "NL"),
    ("Sverige", "SE"),
    ("Norge", "NO"),
    ("Danmark", "DK"),
    ("Suomi", "FI"),
    ("Polska", "PL"),
    ("Brasil", "BR"),
    ("México", "MX"),
];

fn country_names() -> &'static HashMap<String, &'static str> {
    static NAMES: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut map = HashMap::new();
        for (code, name) in countries() {
            map.insert(country_key(name), code);
            // "Congo, The Democratic Republic of the" is also written the other way round.
            if let Some((head, tail)) = name.split_once(", ") {
                map.insert(country_key(&format!("{tail} {head}")), code);
            }
        }
        for (alias, code) in COUNTRY_ALIASES {
            map.insert(country_key(alias), *code);
        }
        map
    })
}

/// The ISO 3166-1 alpha-2 code of a country given by its code or its name.
pub fn country_code(text: &str) -> Option<&'static str> {
    let text = text.trim();
    if text.len() == 2 {
        let upper = text.to_ascii_uppercase();
        if let Some((code, _)) = countries().find(|(c, _)| *c == upper) {
            return Some(code);
        }
    }
    country_names().get(&country_key(text)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_by_code_name_or_common_alias() {
        assert_eq!(country_code("de"), Some("DE"));
        assert_eq!(country_code("Germany"), Some("DE"));
        assert_eq!(country_code("  united kingdom "), Some("GB"));
        assert_eq!(country_code("UK"), Some("GB"));
        assert_eq!(country_code("USA"), Some("US"));
        assert_eq!(country_code("United States of America"), Some("US"));
        assert_eq!(country_code("Côte d'Ivoire"), Some("CI"));
        assert_eq!(country_code("Cote d'Ivoire"), Some("CI"));
        assert_eq!(country_code("The Netherlands"), Some("NL"));
        assert_eq!(country_code("Democratic Republic of the Congo"), Some("CD"));
        assert_eq!(country_code("Türkiye"), Some("TR"));
        assert_eq!(country_code("Turkey"), Some("TR"));
        assert_eq!(country_code("Deutschland"), Some("DE"));
        assert_eq!(country_code("XX"), None);
        assert_eq!(country_code("Germny"), None);
        assert_eq!(country_code("Atlantis"), None);
    }
}
