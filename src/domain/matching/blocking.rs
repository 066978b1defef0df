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
    keys
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
        for (skip, _) in word.char_indices() {
            let deleted: String = word
                .char_indices()
                .filter(|&(at, _)| at != skip)
                .map(|(_, c)| c)
                .collect();
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
    fn domains_are_keys() {
        let keys = profile_keys(&Profile::new("Hewlett Packard Enterprise", Some("hpe.com")));
        assert!(keys.contains(&"d:hpe.com".to_owned()));
        assert!(keys.contains(&"a:hpe".to_owned()));
        let short = blocking_keys(&normalize_name("HPE"));
        assert!(short.contains(&"a:hpe".to_owned()));
    }
}
