//! Prospect names and websites. Prospects are "<adjective> <noun> <industry word>"
//! (196,608 combinations, each with its own website); a number is added past that. No word is
//! a legal form or "the", so every combination has its own name key.

use rand::Rng;
use rand::rngs::SmallRng;

use super::territories::DIRECT_ONLY_INDUSTRY;
use crate::domain::prospect::name_key;
use crate::domain::registration::INDUSTRIES;

/// Common first words, shared by many real companies.
const PROSPECT_A: [&str; 64] = [
    "Blue",
    "Northern",
    "Silver",
    "Bright",
    "Granite",
    "Coastal",
    "Summit",
    "Evergreen",
    "Crimson",
    "Golden",
    "Pacific",
    "Atlantic",
    "Alpine",
    "Prairie",
    "Harbor",
    "Meridian",
    "Cedar",
    "Oak",
    "Maple",
    "Pine",
    "Willow",
    "River",
    "Lake",
    "Stone",
    "Iron",
    "Copper",
    "Cobalt",
    "Amber",
    "Ivory",
    "Onyx",
    "Falcon",
    "Eagle",
    "Raven",
    "Orion",
    "Polar",
    "Solar",
    "Lunar",
    "Nova",
    "Vector",
    "Quantum",
    "Apex",
    "Pioneer",
    "Liberty",
    "Heritage",
    "Keystone",
    "Redwood",
    "Ridge",
    "Valley",
    "Highland",
    "Lakeside",
    "Westfield",
    "Eastgate",
    "Southport",
    "Northstar",
    "Brook",
    "Clear",
    "Swift",
    "True",
    "Prime",
    "Central",
    "Urban",
    "Metro",
    "Greenfield",
    "Sterling",
];

/// Second words.
const PROSPECT_B: [&str; 64] = [
    "Bridge", "Point", "Gate", "Field", "Crest", "Wave", "Path", "Stream", "Forge", "Line",
    "Light", "Bay", "Hill", "Shore", "Rock", "Wood", "Dale", "Vale", "Mark", "Star", "Arch",
    "Beacon", "Canyon", "Delta", "Echo", "Fjord", "Grove", "Haven", "Isle", "Junction", "Key",
    "Lantern", "Mill", "Nest", "Orchard", "Pillar", "Quarry", "Rail", "Sail", "Tower", "Union",
    "Vista", "Wharf", "Yard", "Anchor", "Compass", "Crown", "Fountain", "Garden", "Horizon",
    "Lodge", "Meadow", "Pier", "Plains", "Sound", "Spring", "Tide", "Trail", "Well", "Wind",
    "Frontier", "Pass", "Harvest", "Signal",
];

/// Industry words, last.
const PROSPECT_C: [&str; 48] = [
    "Logistics",
    "Analytics",
    "Foods",
    "Systems",
    "Health",
    "Energy",
    "Robotics",
    "Labs",
    "Media",
    "Software",
    "Networks",
    "Dynamics",
    "Pharma",
    "Textiles",
    "Motors",
    "Aerospace",
    "Solutions",
    "Consulting",
    "Capital",
    "Insurance",
    "Retail",
    "Brewing",
    "Industries",
    "Technologies",
    "Materials",
    "Chemicals",
    "Construction",
    "Engineering",
    "Freight",
    "Hospitality",
    "Clinics",
    "Outfitters",
    "Studios",
    "Marine",
    "Mining",
    "Paper",
    "Packaging",
    "Plastics",
    "Semiconductors",
    "Telecom",
    "Travel",
    "Ventures",
    "Water",
    "Wireless",
    "Agritech",
    "Biotech",
    "Furniture",
    "Apparel",
];

/// Brand-like first words ("Velora", "Kalix"), made of two syllables.
const BRAND_START: [&str; 32] = [
    "Ac", "Bel", "Cor", "Dav", "El", "Fen", "Gal", "Hel", "Ith", "Jor", "Kal", "Lum", "Mer", "Nor",
    "Ol", "Pra", "Quin", "Ros", "Sol", "Tor", "Ul", "Val", "Wex", "Xan", "Yor", "Zen", "Arv",
    "Bran", "Cal", "Dor", "Ev", "Fal",
];
const BRAND_END: [&str; 30] = [
    "ara", "ix", "ora", "um", "ent", "ica", "on", "ova", "yn", "is", "ar", "eon", "ium", "ex",
    "ia", "ant", "era", "ous", "ity", "o", "ane", "ell", "ence", "ada", "ion", "ique", "ani",
    "oth", "ify", "ea",
];

/// Every distinct brand word that is not a common word, a legal form or "the".
pub(super) fn brands() -> &'static [String] {
    static BRANDS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for start in BRAND_START {
            for end in BRAND_END {
                let word = format!("{start}{end}");
                let key = word.to_lowercase();
                let common = PROSPECT_A.iter().any(|a| a.eq_ignore_ascii_case(&word));
                if !common
                    && name_key(&format!("{word} {word}")) == format!("{key} {key}")
                    && seen.insert(key)
                {
                    out.push(word);
                }
            }
        }
        out
    });
    &BRANDS
}

/// Prospects are numbered in two blocks: names starting with a common word ("Blue Harbor
/// Logistics", as 40% of companies do, thousands of registrations per first word at a million)
/// and names starting with a brand word ("Velora Harbor Logistics", a few hundred each). The
/// top bit of a prospect number says which block.
const BRAND_BIT: u64 = 1 << 63;
/// Coprime to both block sizes: walks every combination once, without neighbours alike.
const STRIDE: u64 = 100_003;

/// How many prospects a block names before numbers are added.
pub(super) fn block_size(brand: bool) -> u64 {
    let firsts = if brand {
        brands().len()
    } else {
        PROSPECT_A.len()
    };
    (firsts * PROSPECT_B.len() * PROSPECT_C.len()) as u64
}

/// The `j`-th prospect of a block in walking order; past the block's size a number suffix
/// keeps names unique.
fn walk(j: u64, brand: bool) -> u64 {
    let size = block_size(brand);
    let k = j.wrapping_mul(STRIDE) % size + j / size * size;
    if brand { k | BRAND_BIT } else { k }
}

/// The prospect of the `h`-th holding registration: all different, two in five with a
/// common first word.
pub(super) fn holding_prospect(h: u64) -> u64 {
    let (round, r) = (h / 5, h % 5);
    if r < 2 {
        walk(round * 2 + r, false)
    } else {
        walk(round * 3 + r - 2, true)
    }
}

/// Any prospect (registered before, perhaps many times).
pub(super) fn random_prospect(rng: &mut SmallRng) -> u64 {
    let brand = rng.random_range(0..5) >= 2;
    let k = rng.random_range(0..block_size(brand));
    if brand { k | BRAND_BIT } else { k }
}

/// (country code, top-level domain, legal forms used there). Every legal form is one that
/// name keys drop.
pub(super) const COUNTRIES: [(&str, &str, &[&str]); 16] = [
    ("US", "com", &["Inc.", "LLC", "Corp.", "Inc"]),
    ("US", "com", &["Inc.", "LLC", ""]),
    ("GB", "co.uk", &["Ltd", "Limited", "plc"]),
    ("DE", "de", &["GmbH", "AG", "GmbH & Co. KG"]),
    ("FR", "fr", &["SAS", "SARL", "S.A."]),
    ("NL", "nl", &["B.V.", "N.V."]),
    ("SE", "se", &["AB"]),
    ("FI", "fi", &["Oy", "Oyj"]),
    ("PL", "pl", &["sp. z o.o.", "S.A."]),
    ("ES", "es", &["S.A."]),
    ("IT", "it", &["S.r.l.", "SpA"]),
    ("CA", "ca", &["Inc.", "Ltd"]),
    ("AU", "com.au", &["Pty Ltd", "Ltd"]),
    ("IE", "ie", &["Ltd", "Limited"]),
    ("DK", "dk", &["ApS", "A/S"]),
    ("NO", "no", &["AS", "ASA"]),
];

/// A prospect as partners write it (see `holding_prospect` for the numbers).
pub(super) struct Prospect {
    /// "Blue Harbor Logistics", without a legal form.
    pub(super) base: String,
    pub(super) domain: String,
    pub(super) country: usize,
    pub(super) industry: &'static str,
}

/// The prospect with this number: the same name, website, country and industry every time.
pub(super) fn prospect(number: u64) -> Prospect {
    let brand = number & BRAND_BIT != 0;
    let size = block_size(brand);
    let idx = number & !BRAND_BIT;
    let (round, idx) = (idx / size, idx % size);
    let c = (idx % PROSPECT_C.len() as u64) as usize;
    let b = ((idx / PROSPECT_C.len() as u64) % PROSPECT_B.len() as u64) as usize;
    let a = (idx / (PROSPECT_C.len() * PROSPECT_B.len()) as u64) as usize;
    let a = if brand {
        brands()[a].as_str()
    } else {
        PROSPECT_A[a]
    };
    let (b, c) = (PROSPECT_B[b], PROSPECT_C[c]);
    // A cheap mix of the number decides the country and industry, the same for every
    // registration of the prospect.
    let mix = (idx ^ (number & BRAND_BIT))
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(17);
    let country = (mix % COUNTRIES.len() as u64) as usize;
    // Never the direct-only territory's industry: partners may not register it.
    let industry = INDUSTRIES
        .iter()
        .copied()
        .filter(|i| *i != DIRECT_ONLY_INDUSTRY)
        .nth(((mix >> 8) % (INDUSTRIES.len() as u64 - 1)) as usize)
        .unwrap_or("Other");
    let tld = if mix & 0x10000 == 0 {
        COUNTRIES[country].1
    } else {
        "com"
    };
    let slug = format!("{a}-{b}-{c}").to_lowercase();
    let (base, domain) = if round == 0 {
        (format!("{a} {b} {c}"), format!("{slug}.{tld}"))
    } else {
        (
            format!("{a} {b} {c} {}", round + 1),
            format!("{slug}-{}.{tld}", round + 1),
        )
    };
    Prospect {
        base,
        domain,
        country,
        industry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::Spec;
    use crate::domain::prospect::domain_key;

    #[test]
    fn a_million_holding_registrations_fit_in_the_names() {
        let plan = Spec::new(1_000_000, 2_000, None, None, 1).unwrap().plan();
        let holding = plan.due + plan.approved + plan.pending + plan.info_requested;
        assert!(block_size(false) * 5 / 2 + block_size(true) > holding);
        assert!(brands().len() > 900, "{}", brands().len());
    }

    #[test]
    fn prospects_have_their_own_keys() {
        let mut names = std::collections::HashSet::new();
        let mut domains = std::collections::HashSet::new();
        // Past the wrap-around of the common block (its 196,608 names are used up by the
        // 491,520th holding registration).
        for h in (0..600_000).step_by(7) {
            let p = prospect(holding_prospect(h));
            let key = name_key(&format!("{} GmbH & Co. KG", p.base));
            assert_eq!(key, name_key(&p.base), "{}", p.base);
            assert!(names.insert(key), "{}", p.base);
            assert!(
                domains.insert(domain_key(&p.domain).unwrap()),
                "{}",
                p.domain
            );
        }
    }
}
