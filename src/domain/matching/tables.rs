//! The curated data tables, compiled in and parsed once on first use. Each table's file
//! explains its format in its header.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::fold::words;

/// Where a legal form may stand in a name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Places {
    pub start: bool,
    pub middle: bool,
    pub end: bool,
}

#[derive(Debug)]
pub(super) struct LegalForm {
    pub words: Vec<String>,
    pub places: Places,
}

#[derive(Debug, Default)]
pub(super) struct LegalForms {
    /// Longest first, so "pty ltd" goes before "ltd".
    pub forms: Vec<LegalForm>,
    /// CJK forms that also come glued to the name ("株式会社東芝").
    pub attached: Vec<String>,
}

/// How much a word says about which company a name means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    Stop,
    Filler,
    Descriptor,
    Distinct,
}

impl Class {
    pub fn weight(self) -> f64 {
        match self {
            Class::Stop => 0.1,
            Class::Filler => 0.25,
            Class::Descriptor => 0.5,
            Class::Distinct => 1.0,
        }
    }
}

/// Lines of a table file without comments and blank lines.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn parse_legal_forms(text: &str) -> LegalForms {
    let mut merged: HashMap<Vec<String>, Places> = HashMap::new();
    let mut attached = Vec::new();
    for line in lines(text) {
        let (form, flag) = match line.split_once('|') {
            Some((form, flag)) => (form.trim(), flag.trim()),
            None => (line, "any"),
        };
        let places = match flag {
            "any" | "attached" => Places {
                start: true,
                middle: true,
                end: true,
            },
            "end" => Places {
                end: true,
                ..Places::default()
            },
            "start" => Places {
                start: true,
                ..Places::default()
            },
            "edge" => Places {
                start: true,
                end: true,
                ..Places::default()
            },
            other => panic!("legal_forms.txt: unknown place {other:?} for {form:?}"),
        };
        let form_words = words(form);
        assert!(
            !form_words.is_empty(),
            "legal_forms.txt: empty form {line:?}"
        );
        if flag == "attached" {
            attached.push(form_words.concat());
        }
        let entry = merged.entry(form_words).or_default();
        entry.start |= places.start;
        entry.middle |= places.middle;
        entry.end |= places.end;
    }
    let mut forms: Vec<LegalForm> = merged
        .into_iter()
        .map(|(words, places)| LegalForm { words, places })
        .collect();
    forms.sort_by(|a, b| {
        b.words
            .len()
            .cmp(&a.words.len())
            .then(a.words.cmp(&b.words))
    });
    attached.sort_by_key(|f| std::cmp::Reverse(f.len()));
    LegalForms { forms, attached }
}

fn parse_generic(text: &str) -> HashMap<String, Class> {
    let mut class = None;
    let mut out = HashMap::new();
    for line in lines(text) {
        match line {
            "[stop]" => class = Some(Class::Stop),
            "[filler]" => class = Some(Class::Filler),
            "[descriptor]" => class = Some(Class::Descriptor),
            word => {
                let class = class.expect("generic_words.txt: word before a section");
                for w in words(word) {
                    out.insert(w, class);
                }
            }
        }
    }
    out
}

fn parse_synonyms(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for line in lines(text) {
        let mut spellings = line.split_whitespace().map(|w| words(w).concat());
        let canonical = spellings.next().expect("a non-empty line");
        for other in spellings {
            let previous = out.insert(other.clone(), canonical.clone());
            assert!(previous.is_none(), "synonyms.txt: {other:?} listed twice");
        }
    }
    out
}

fn parse_free_mail(text: &str) -> HashSet<String> {
    lines(text).map(str::to_lowercase).collect()
}

pub(super) static LEGAL_FORMS: LazyLock<LegalForms> =
    LazyLock::new(|| parse_legal_forms(include_str!("legal_forms.txt")));

pub(super) static GENERIC: LazyLock<HashMap<String, Class>> =
    LazyLock::new(|| parse_generic(include_str!("generic_words.txt")));

pub(super) static SYNONYMS: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| parse_synonyms(include_str!("synonyms.txt")));

pub(super) static FREE_MAIL: LazyLock<HashSet<String>> =
    LazyLock::new(|| parse_free_mail(include_str!("free_mail.txt")));

/// The class of a (canonical) word.
pub(super) fn class_of(word: &str) -> Class {
    GENERIC.get(word).copied().unwrap_or(Class::Distinct)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_parse_and_are_consistent() {
        let forms = &*LEGAL_FORMS;
        assert!(forms.forms.len() > 100, "{}", forms.forms.len());
        assert!(forms.attached.iter().any(|f| f == "株式会社"));
        let find = |w: &[&str]| forms.forms.iter().find(|f| f.words == w).map(|f| f.places);
        assert_eq!(
            find(&["gmbh"]),
            Some(Places {
                start: true,
                middle: true,
                end: true
            })
        );
        assert_eq!(find(&["sp", "zoo"]).map(|p| p.middle), Some(true));
        assert_eq!(
            find(&["co"]),
            Some(Places {
                end: true,
                ..Places::default()
            })
        );
        assert_eq!(
            find(&["ab"]).map(|p| (p.start, p.middle)),
            Some((true, false))
        );
        assert!(FREE_MAIL.len() >= 60);
        assert!(FREE_MAIL.contains("gmail.com"));
        // Every synonym's canonical word is what the generic table lists, never a variant.
        for canonical in SYNONYMS.values() {
            assert!(
                !SYNONYMS.contains_key(canonical),
                "{canonical} is also a variant"
            );
        }
        for word in GENERIC.keys() {
            assert!(
                !SYNONYMS.contains_key(word),
                "generic word {word} is a variant spelling"
            );
        }
        assert_eq!(class_of("software"), Class::Descriptor);
        assert_eq!(class_of("acme"), Class::Distinct);
    }
}
