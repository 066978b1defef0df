//! Blocking keys: short strings a database indexes (one row per key and record) so that a
//! search looks up a few keys instead of scoring every record.
//!
//! A record is a candidate when it shares a key with the query; only candidates are scored.
//! The keys are chosen so that a pair scoring "possible" or better shares at least one:
//!
//! | key | what it catches |
//! | --- | --- |
//! | `k:` the non-stop words sorted | the same name, words in another order |
//! | `t:` each telling word, the telling words run together, all words run together (with and without stop words) | a missing or extra word, spacing ("Micro Soft" / "Microsoft", "Linked In" / "LinkedIn"), a domain's label |
//! | `a:` initials of the non-stop words, of their leading runs of 3 or more, of all the words as written (stop words and legal forms included), and a short telling word itself | acronyms ("IBM" / "International Business Machines", "IBM Deutschland") |
//! | `e:` each of the first two telling words of 4–10 letters, and it with one letter deleted | one typo in a short or middle-sized word (insert, delete, substitute, swap) |
//! | `p:`/`x:` first and last 5 letters of a telling word of 10 letters or more | one typo in a long word: it leaves one end intact |
//! | `w:` the first two words (stop words aside), one as written or with a letter deleted, the other as written | a typo in a common word, found among a million: see below |
//! | `d:` the registrable domain (profiles only) | the same domain whatever the names |
//!
//! The trade-off: about 16 keys per record on the labelled set, 33 at most (deletion keys
//! are most of them). Generic words never make keys (unless a name has nothing else), so
//! "Acme International Solutions" does not put every international company in one bucket;
//! the price is that two names sharing only generic words are not found, which is what the
//! scorer wants anyway. Two typos in one short word, a typo in the third telling word when
//! the first two are missing on the other side, and acronyms of inner runs of words are not
//! guaranteed a key. The accuracy test measures the share of matches that share a key.
//! Keys depend on the data tables: when a table changes, stored keys must be recomputed.
//!
//! **Pair keys.** A typo key of a single word is shared by every record holding that word:
//! at a million records "highland" and its deletions each name thousands, and a search that
//! reads a bounded number of records per key misses "Hihgland Anchor Solutions" among them
//! (measured in `benches/recall.rs`). The `w:` keys tie a typo of one of the first two words
//! to the other word as written, so the key is as rare as the pair ("Highland Anchor": a few
//! hundred records at a million), and a typo in a later word still leaves the exact pair.
//! Fillers and descriptors count here ("Northern Pier Construction"), as they are most of
//! what a common name is made of.

use super::name::Name;
use super::profile::Profile;
use super::tables::Class;

/// How many telling words get typo keys.
const TYPO_KEYED_WORDS: usize = 2;

fn push(keys: &mut Vec<String>, key: String) {
    if !keys.contains(&key) {
        keys.push(key);
    }
}

/// The blocking keys of a name (see the module documentation).
pub fn blocking_keys(name: &Name) -> Vec<String> {
    let mut keys = Vec::new();
    if name.is_empty() {
        return keys;
    }
    let tokens = name.raw_tokens();
    let mut sorted: Vec<&str> = (0..tokens.len())
        .filter(|&i| tokens[i].class != Class::Stop)
        .map(|i| name.word(i))
        .collect();
    if sorted.is_empty() {
        sorted = name.tokens().collect();
    }
    sorted.sort_unstable();
    push(&mut keys, format!("k:{}", sorted.join(" ")));

    let telling: Vec<usize> = (0..tokens.len()).filter(|&i| name.is_telling(i)).collect();
    for &i in &telling {
        push(&mut keys, format!("t:{}", name.word(i)));
    }
    if telling.len() > 1 {
        push(&mut keys, format!("t:{}", name.compact()));
    }
    if tokens.len() > 1 {
        // Spacing: "Blue Water Analytics" / "Bluewater Analytics", "Linked In" / "LinkedIn".
        push(&mut keys, format!("t:{}", concat(name, false)));
        push(&mut keys, format!("t:{}", concat(name, true)));
    }

    let initials = name.acronym();
    let n = initials.chars().count();
    if n >= 2 {
        push(&mut keys, format!("a:{initials}"));
        for len in 3..n {
            push(
                &mut keys,
                format!("a:{}", initials.chars().take(len).collect::<String>()),
            );
        }
    }
    for full in name.full_initials() {
        if full.chars().count() >= 2 {
            push(&mut keys, format!("a:{full}"));
        }
    }
    for &i in &telling {
        let word = name.word(i);
        if (2..=6).contains(&usize::from(tokens[i].chars)) && tokens[i].letters {
            push(&mut keys, format!("a:{word}"));
        }
    }

    for &i in telling
        .iter()
        .filter(|&&i| tokens[i].letters)
        .take(TYPO_KEYED_WORDS)
    {
        typo_keys(name.word(i), usize::from(tokens[i].chars), &mut keys);
    }
    pair_keys(name, &mut keys);
    keys
}

/// The `w:` keys of the first two words that are not stop words: each as written or with one
/// letter deleted, followed by the other as written. A pair with one typo shares the key made
/// from the typo'd word's deletion that undoes it (or the word itself), next to the intact word.
/// With a third word, its pairs with the first two as written too, so a name missing its
/// first or second word still shares a pair ("Highland Solutions" / "Highland Anchor
/// Solutions").
fn pair_keys(name: &Name, keys: &mut Vec<String>) {
    let tokens = name.raw_tokens();
    let content: Vec<usize> = (0..tokens.len())
        .filter(|&i| tokens[i].class != Class::Stop)
        .take(3)
        .collect();
    let [first, second, ..] = content[..] else {
        return;
    };
    for (typo, intact) in [(first, second), (second, first)] {
        let (word, other) = (name.word(typo), name.word(intact));
        push(keys, format!("w:{word} {other}"));
        if tokens[typo].letters && tokens[typo].chars >= 4 {
            for deleted in deletions(word) {
                push(keys, format!("w:{deleted} {other}"));
            }
        }
    }
    if let Some(&third) = content.get(2) {
        for earlier in [first, second] {
            push(
                keys,
                format!("w:{} {}", name.word(earlier), name.word(third)),
            );
        }
    }
}

/// The word with each of its letters deleted in turn.
fn deletions(word: &str) -> impl Iterator<Item = String> + '_ {
    word.char_indices().map(move |(skip, _)| {
        word.char_indices()
            .filter(|&(at, _)| at != skip)
            .map(|(_, c)| c)
            .collect()
    })
}

/// The words run together in order, with or without the stop words.
fn concat(name: &Name, with_stop: bool) -> String {
    (0..name.raw_tokens().len())
        .filter(|&i| with_stop || name.raw_tokens()[i].class != Class::Stop)
        .map(|i| name.word(i))
        .collect()
}

/// Deletion keys up to 10 letters and end keys from 10, so a word of 9 letters and its
/// 10-letter typo still meet.
fn typo_keys(word: &str, chars: usize, keys: &mut Vec<String>) {
    if chars < 4 {
        return;
    }
    if chars <= 10 {
        push(keys, format!("e:{word}"));
        for deleted in deletions(word) {
            push(keys, format!("e:{deleted}"));
        }
    }
    if chars >= 10 {
        push(
            keys,
            format!("p:{}", word.chars().take(5).collect::<String>()),
        );
        let tail: String = word.chars().skip(chars - 5).collect();
        push(keys, format!("x:{tail}"));
    }
}

/// The blocking keys of a profile: its name's, plus its domain and the domain's label as a
/// word (so "acme.de" meets a record named "Acme").
pub fn profile_keys(profile: &Profile) -> Vec<String> {
    let mut keys = blocking_keys(&profile.name);
    if let Some(domain) = &profile.domain {
        push(&mut keys, format!("d:{domain}"));
    }
    if let Some(label) = &profile.label {
        push(&mut keys, format!("t:{label}"));
        if (2..=6).contains(&label.chars().count()) {
            push(&mut keys, format!("a:{label}"));
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::super::name::normalize_name;
    use super::*;

    fn share(a: &str, b: &str) -> bool {
        let (ka, kb) = (
            blocking_keys(&normalize_name(a)),
            blocking_keys(&normalize_name(b)),
        );
        ka.iter().any(|k| kb.contains(k))
    }

    #[test]
    fn matching_names_share_a_key() {
        for (a, b) in [
            ("Acme Software GmbH", "Software Acme Inc"),
            ("Acme", "Acme Software Solutions"),
            ("Microsoft", "Micro Soft Corp"),
            ("IBM", "International Business Machines"),
            (
                "IBM Deutschland GmbH",
                "International Business Machines Deutschland",
            ),
            ("Siemens", "Simens"),
            ("Siemens", "Seimens"),
            ("Rheinmetall Automotive", "Rheinmetal Automotive"),
            ("Pharmaceuticalsco", "Pharmaceuticalso"),
            ("General Motors", "General Motros"),
            (
                "Highland Anchor Solutions SpA",
                "Hihgland Anchor Solutions SpA",
            ),
            (
                "Northern Pier Construction",
                "Northenr Pier Construction GmbH",
            ),
        ] {
            assert!(share(a, b), "{a} / {b}");
        }
    }

    #[test]
    fn generic_words_make_no_keys() {
        let keys = blocking_keys(&normalize_name("Acme International Solutions"));
        assert!(keys.contains(&"t:acme".to_owned()));
        assert!(
            !keys
                .iter()
                .any(|k| k == "t:international" || k == "t:solution")
        );
        assert!(!share("Acme International", "Beta International"));
        assert!(blocking_keys(&normalize_name("")).is_empty());
    }

    #[test]
    fn pair_keys_tie_a_typo_to_the_intact_word() {
        let keys = blocking_keys(&normalize_name("Hihgland Anchor Solutions SpA"));
        let record = blocking_keys(&normalize_name("Highland Anchor Solutions"));
        let shared: Vec<&String> = keys
            .iter()
            .filter(|k| k.starts_with("w:") && record.contains(k))
            .collect();
        assert!(shared.contains(&&"w:hihland anchor".to_owned()), "{keys:?}");
        assert!(shared.iter().all(|k| k.contains("anchor")), "{shared:?}");
        // A typo in a later word leaves the first two as written.
        let later = blocking_keys(&normalize_name("Meridian Forge Analytcis S.A."));
        assert!(later.contains(&"w:meridian forge".to_owned()));
        assert!(
            blocking_keys(&normalize_name("Meridian Forge Analytics"))
                .contains(&"w:meridian forge".to_owned())
        );
        // A missing first or second word leaves a pair.
        let record = blocking_keys(&normalize_name("Highland Anchor Solutions"));
        for dropped in ["Highland Solutions", "Anchor Solutions SpA"] {
            let keys = blocking_keys(&normalize_name(dropped));
            assert!(
                keys.iter()
                    .any(|k| k.starts_with("w:") && record.contains(k)),
                "{dropped}"
            );
        }
        // One word: no pair.
        assert!(
            !blocking_keys(&normalize_name("Siemens AG"))
                .iter()
                .any(|k| k.starts_with("w:"))
        );
    }

    #[test]
    fn domains_are_keys() {
        let keys = profile_keys(&Profile::new("Hewlett Packard Enterprise", Some("hpe.com")));
        assert!(keys.contains(&"d:hpe.com".to_owned()));
        assert!(keys.contains(&"a:hpe".to_owned()));
        let short = blocking_keys(&normalize_name("HPE"));
        assert!(short.contains(&"a:hpe".to_owned()));
    }
}
