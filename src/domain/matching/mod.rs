//! Prospect matching: is this company one a record already holds, however the partner or
//! the rep spelled it? Pure functions; the database stores what they compute.
//!
//! # Design
//!
//! 1. **Normalise once per record.** [`normalize_name`] folds Unicode (NFKD, marks dropped,
//!    ß/ł/ø/æ/þ… spelled out, Cyrillic, Greek and CJK kept as letters), lower-cases, turns
//!    `&`/`+` into "and", joins single letters ("I.B.M." → "ibm"), drops a leading "The"
//!    and the legal forms of many countries wherever they stand, stacked or not ("Holding
//!    AG & Co. KG"), and makes plurals and abbreviations of generic words one spelling. A
//!    name is never stripped to nothing. [`normalize_domain`] reduces a website to its
//!    registrable domain (Public Suffix List), [`email_domain`] does the same for a contact
//!    address unless it is a free-mail provider. A [`Profile`] holds both.
//! 2. **Weigh the words.** Each word has a class from a curated table: a telling word weighs
//!    1.0, a word describing the business ("software", "bank") 0.5, interchangeable
//!    corporate words, places and common adjectives ("solutions", "group", "europe",
//!    "american", "general") 0.25, connectors 0.1. A name made only of generic words
//!    ("General Motors") weighs its words in full.
//! 3. **Pair the words** of two names: the same word, one word against several
//!    ("Microsoft" / "Micro Soft"), an acronym against a run of words ("IBM" /
//!    "International Business Machines", "P&G" / "Procter & Gamble", "CSC" / "Computer
//!    Sciences Corporation" counting the legal form), a typo (edit distance 1 from 4
//!    letters, with the first letter right below 6; 2 from 10 letters; words compared as
//!    written too, so "Netwoeks" meets "Networks"). Digits never count as typos.
//! 4. **Score** = paired weight, times each pairing's certainty, over all the weight of
//!    both names (a weighted Dice coefficient), so a missing word costs what it weighs and
//!    word order costs 2%. An acronym is only 85% certain (75% for two letters): alone it
//!    makes a possible duplicate, never the same prospect. When both names have words the
//!    other lacks they disagree, and the score keeps 40% when telling words differ ("Acme
//!    2000" / "Acme 3000"), 70% when descriptors do ("Acme Software" / "Acme Foods"), 85%
//!    when fillers do. Names that share only generic words score at most 0.3 ("American
//!    Airlines" / "American Express", "General Motors" / "General Mills").
//! 5. **Domains**: the same registrable domain makes the pair the same prospect (0.95 or
//!    more); the same domain name under another ending halves the distance to 1; a domain
//!    that spells the other side's name (or its initials) takes 40% off it; two different
//!    domains keep 85% of the name's score (country sites differ too).
//! 6. **Verdict** by [`Thresholds`]: same prospect at 0.90, possible duplicate at 0.70.
//!    Each [`Match`] carries its [`Evidence`]: which field matched and how, with strengths.
//!
//! Candidate search: [`blocking_keys`] / [`profile_keys`] give the strings to index so that
//! a query is only scored against records sharing a key (see `blocking.rs` for the recall
//! trade-off). Scoring allocates nothing but the evidence of a match: one comparison is a
//! few microseconds, well within a 25 ms lock check of a few hundred candidates.
//!
//! The curated tables are data files beside this module, compiled in: `legal_forms.txt`,
//! `generic_words.txt`, `synonyms.txt`, `free_mail.txt`. The labelled set the defaults are
//! measured on is `tests/data/matching/pairs.csv`; its test prints precision and recall
//! against an exact-name baseline (`cargo test --lib domain::matching -- --nocapture`).

mod align;
mod blocking;
mod distance;
mod domain;
mod evidence;
mod fold;
mod name;
mod profile;
mod score;
mod tables;

#[cfg(test)]
mod accuracy;

pub use blocking::{blocking_keys, profile_keys};
pub use domain::{email_domain, is_free_mail, normalize_domain};
pub use evidence::{Evidence, EvidenceKind, Field};
pub use name::{Name, normalize_name};
pub use profile::Profile;
pub use score::{Match, Thresholds, Verdict, score, score_with, similarity};

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str, domain: Option<&str>) -> Profile {
        Profile::new(name, domain)
    }

    fn verdict(a: &str, b: &str) -> Option<Verdict> {
        score(&p(a, None), &p(b, None)).map(|m| m.verdict)
    }

    fn has(m: &Match, kind: EvidenceKind) -> bool {
        m.evidence.iter().any(|e| e.kind == kind)
    }

    #[test]
    fn same_name_through_legal_forms_and_spelling() {
        assert_eq!(verdict("ACME Inc.", "Acme GmbH"), Some(Verdict::Same));
        assert_eq!(
            verdict("Müller & Söhne GmbH", "Muller and Sohne"),
            Some(Verdict::Same)
        );
        assert_eq!(
            verdict("Łódź Café sp. z o.o.", "Lodz Cafe S.A."),
            Some(Verdict::Same)
        );
        let m = score(&p("ACME Inc.", None), &p("Acme GmbH", None)).unwrap();
        assert_eq!(m.score, 1.0);
        assert!(has(&m, EvidenceKind::SameName));
    }

    #[test]
    fn typos_word_order_and_missing_words() {
        let m = score(&p("Siemens AG", None), &p("Siemans", None)).unwrap();
        assert!(has(&m, EvidenceKind::Typo), "{m:?}");
        let m = score(&p("Acme Software", None), &p("Software Acme", None)).unwrap();
        assert_eq!(m.verdict, Verdict::Same);
        assert!(has(&m, EvidenceKind::WordOrder));
        let m = score(
            &p("Acme Software", None),
            &p("Acme Software Solutions", None),
        )
        .unwrap();
        assert!(has(&m, EvidenceKind::MissingWords));
        assert_eq!(m.verdict, Verdict::Same);
        assert!(verdict("Microsoft", "Micro Soft").is_some());
    }

    #[test]
    fn acronyms() {
        let m = score(
            &p("IBM", None),
            &p("International Business Machines Corp", None),
        );
        let m = m.expect("IBM");
        let acronym = m
            .evidence
            .iter()
            .find(|e| e.kind == EvidenceKind::Acronym)
            .unwrap();
        assert_eq!(
            acronym.detail,
            "acronym IBM = international business machines"
        );
        assert!(verdict("HP Inc.", "Hewlett-Packard").is_some());
        assert!(verdict("P&G", "Procter & Gamble").is_some());
    }

    #[test]
    fn hard_negatives() {
        for (a, b) in [
            ("American Airlines", "American Express"),
            ("General Motors", "General Mills"),
            ("Acme Software", "Acme Foods"),
            ("Bank of America", "Bank of Ireland"),
            ("Deutsche Bank", "Deutsche Telekom"),
            ("Acme International", "Beta International"),
            ("Acme 2000", "Acme 3000"),
        ] {
            assert_eq!(verdict(a, b), None, "{a} / {b}");
        }
    }

    #[test]
    fn domains_decide_and_explain() {
        let m = score(
            &p("Acme", Some("https://eu.acme.co.uk")),
            &p("ACME Ltd", Some("acme.co.uk")),
        );
        let m = m.unwrap();
        assert_eq!(m.verdict, Verdict::Same);
        assert_eq!(m.evidence[0].kind, EvidenceKind::SameDomain);
        assert_eq!(m.evidence[0].field, Field::Domain);
        // A different name on the same domain is still the same company.
        let m = score(
            &p("Instagram", Some("fb.com")),
            &p("Meta Platforms", Some("www.fb.com")),
        );
        assert_eq!(m.map(|m| m.verdict), Some(Verdict::Same));
        // A free-mail address says nothing.
        let m = score(
            &p("Alpha", Some("a@gmail.com")),
            &p("Beta", Some("b@gmail.com")),
        );
        assert!(m.is_none());
        // The domain spells the other side's name: not enough alone, but it adds up.
        assert!(score(&p("IBM", None), &p("Big Blue", Some("ibm.com"))).is_none());
        let m = score(
            &p("Northwind", None),
            &p("Northwind Traders", Some("northwind.com")),
        );
        let m = m.unwrap();
        assert!(has(&m, EvidenceKind::DomainFitsName), "{m:?}");
        assert!(has(&m, EvidenceKind::MissingWords), "{m:?}");
    }

    #[test]
    fn evidence_reads_as_written() {
        let details = |a: Profile, b: Profile| -> Vec<String> {
            let m = score(&a, &b).expect("a match");
            m.evidence.into_iter().map(|e| e.detail).collect()
        };
        let d = details(
            p("Acme Softwre Solutions", Some("jo@acme.de")),
            p("Software Acme GmbH", Some("acme.com")),
        );
        assert_eq!(
            d,
            [
                "same words in another order",
                "missing word: solutions",
                "typo: softwre ~ software",
                "names 0.87 similar",
                "same domain name: acme.de / acme.com",
            ]
        );
        let d = details(p("Microsoft", None), p("Micro Soft Europe", None));
        assert_eq!(
            d,
            [
                "spacing: microsoft = micro soft",
                "missing word: europe",
                "names 0.88 similar"
            ]
        );
        let d = details(p("Acme", Some("acme.com")), p("Beta", Some("www.acme.com")));
        assert_eq!(d, ["same domain acme.com", "different words: acme / beta"]);
    }

    #[test]
    fn thresholds_are_settings() {
        let (a, b) = (p("Acme", None), p("Acme Foods", None));
        let strict = Thresholds {
            same: 0.99,
            possible: 0.95,
        };
        assert!(score_with(&a, &b, &strict).is_none());
        let loose = Thresholds {
            same: 0.5,
            possible: 0.1,
        };
        assert_eq!(
            score_with(&a, &b, &loose).map(|m| m.verdict),
            Some(Verdict::Same)
        );
    }

    #[test]
    fn scoring_is_fast() {
        let query = p("Acme Software Solutions GmbH", Some("acme.de"));
        let names = [
            "Acme Softwre",
            "Software Acme Inc",
            "IBM",
            "Siemens AG",
            "Acme Foods",
        ];
        let candidates: Vec<Profile> = (0..200)
            .map(|i| p(&format!("{} {i}", names[i % names.len()]), None))
            .collect();
        let start = std::time::Instant::now();
        for _ in 0..10 {
            for c in &candidates {
                std::hint::black_box(score(&query, c));
            }
        }
        // 2,000 scores; the lock check's budget is 25 ms for a few hundred.
        let elapsed = start.elapsed();
        println!("2,000 scores in {elapsed:?} (unoptimised test build)");
        assert!(elapsed.as_millis() < 250, "{elapsed:?}");
    }

    #[test]
    fn long_names_are_cut_not_crashed_on() {
        let long: String = (0..40).map(|i| format!("word{i} ")).collect();
        let name = normalize_name(&long);
        assert_eq!(name.tokens().count(), 32);
        let m = score(&p(&long, None), &p(&long, None)).unwrap();
        assert_eq!(m.verdict, Verdict::Same);
        let other: String = (0..40).map(|i| format!("word{} ", i + 1)).collect();
        let s = similarity(&p(&long, None), &p(&other, None));
        assert!((0.0..=1.0).contains(&s), "{s}");
        assert!(!blocking_keys(&name).is_empty());
    }
}
