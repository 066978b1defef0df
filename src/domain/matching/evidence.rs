//! The reasons behind a score, in words a reviewer or a sales rep reads next to the match.

use super::align::PairKind;
use super::name::Name;
use super::profile::Profile;
use super::score::{DomainFact, NameComparison};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Domain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    /// The names are one once legal forms and spelling are set aside.
    SameName,
    /// How similar the names are overall.
    SimilarName,
    WordOrder,
    Typo,
    Acronym,
    /// One word on one side, several on the other ("Microsoft" / "Micro Soft").
    Spacing,
    /// One name has words the other lacks, and nothing the other lacks.
    MissingWords,
    /// Each name has words the other lacks.
    DifferentWords,
    /// Only generic words are shared.
    OnlyGenericWords,
    SameDomain,
    /// The same domain name under another ending ("acme.com" / "acme.de").
    SameDomainName,
    /// One side's domain spells the other's name ("ibm.com" / "IBM").
    DomainFitsName,
    DifferentDomain,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Domain => "domain",
        }
    }
}

impl EvidenceKind {
    /// A stable word for the JSON API.
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::SameName => "same_name",
            EvidenceKind::SimilarName => "similar_name",
            EvidenceKind::WordOrder => "word_order",
            EvidenceKind::Typo => "typo",
            EvidenceKind::Acronym => "acronym",
            EvidenceKind::Spacing => "spacing",
            EvidenceKind::MissingWords => "missing_words",
            EvidenceKind::DifferentWords => "different_words",
            EvidenceKind::OnlyGenericWords => "only_generic_words",
            EvidenceKind::SameDomain => "same_domain",
            EvidenceKind::SameDomainName => "same_domain_name",
            EvidenceKind::DomainFitsName => "domain_fits_name",
            EvidenceKind::DifferentDomain => "different_domain",
        }
    }

    /// Whether this speaks against the match.
    pub fn is_against(self) -> bool {
        matches!(
            self,
            EvidenceKind::DifferentWords
                | EvidenceKind::OnlyGenericWords
                | EvidenceKind::DifferentDomain
        )
    }
}

/// One reason, with how strongly it argues (0–1) for the match, or against it when its kind
/// says so.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub field: Field,
    pub kind: EvidenceKind,
    pub detail: String,
    pub strength: f64,
}

/// Words as the user wrote them (folded), not as synonyms spell them.
fn words(name: &Name, (start, end): (u8, u8)) -> String {
    (start..end)
        .map(|i| name.written_word(usize::from(i)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn free_words(name: &Name, used: u32) -> Vec<&str> {
    (0..name.raw_tokens().len())
        .filter(|&i| used & (1 << i) == 0)
        .map(|i| name.written_word(i))
        .collect()
}

fn name_evidence(a: &Name, b: &Name, cmp: &NameComparison, out: &mut Vec<Evidence>) {
    let mut push = |kind, detail: String, strength: f64| {
        out.push(Evidence {
            field: Field::Name,
            kind,
            detail,
            strength,
        })
    };
    if cmp.same_key {
        push(EvidenceKind::SameName, "same name".to_owned(), 1.0);
        return;
    }
    if cmp.score > 0.0 {
        push(
            EvidenceKind::SimilarName,
            format!("names {:.2} similar", cmp.score),
            cmp.score,
        );
    }
    for p in cmp.alignment.pairs() {
        let (x, y) = (words(a, p.a), words(b, p.b));
        match p.kind {
            PairKind::Exact => {}
            PairKind::Typo(_) => push(EvidenceKind::Typo, format!("typo: {x} ~ {y}"), p.quality),
            PairKind::Joined => push(
                EvidenceKind::Spacing,
                format!("spacing: {x} = {y}"),
                p.quality,
            ),
            PairKind::Acronym => {
                let (short, long) = if p.a.1 - p.a.0 == 1 && p.b.1 - p.b.0 > 1 {
                    (x, y)
                } else {
                    (y, x)
                };
                let detail = format!("acronym {} = {long}", short.to_uppercase());
                push(EvidenceKind::Acronym, detail, p.quality);
            }
        }
    }
    if cmp.reordered {
        push(
            EvidenceKind::WordOrder,
            "same words in another order".to_owned(),
            0.98,
        );
    }
    let (fa, fb) = (
        free_words(a, cmp.alignment.used_a),
        free_words(b, cmp.alignment.used_b),
    );
    if cmp.weak {
        push(
            EvidenceKind::OnlyGenericWords,
            "only generic words in common".to_owned(),
            1.0,
        );
    }
    if !fa.is_empty() && !fb.is_empty() {
        let detail = format!("different words: {} / {}", fa.join(" "), fb.join(" "));
        push(EvidenceKind::DifferentWords, detail, cmp.conflict);
    } else if !fa.is_empty() || !fb.is_empty() {
        let missing = if fa.is_empty() { fb } else { fa };
        let plural = if missing.len() > 1 { "s" } else { "" };
        let detail = format!("missing word{plural}: {}", missing.join(" "));
        push(EvidenceKind::MissingWords, detail, 1.0 - cmp.missing);
    }
}

fn domain_evidence(a: &Profile, b: &Profile, fact: DomainFact, out: &mut Vec<Evidence>) {
    let (da, db) = (
        a.domain.as_deref().unwrap_or(""),
        b.domain.as_deref().unwrap_or(""),
    );
    let (kind, detail, strength) = match fact {
        DomainFact::None => return,
        DomainFact::Same => (EvidenceKind::SameDomain, format!("same domain {da}"), 1.0),
        DomainFact::SameLabel => (
            EvidenceKind::SameDomainName,
            format!("same domain name: {da} / {db}"),
            0.5,
        ),
        DomainFact::FitsName => {
            let (domain, name) = if da.is_empty() {
                (db, a.name.key())
            } else {
                (da, b.name.key())
            };
            (
                EvidenceKind::DomainFitsName,
                format!("domain {domain} fits the name {name}"),
                0.4,
            )
        }
        DomainFact::Different => (
            EvidenceKind::DifferentDomain,
            format!("different domains: {da} / {db}"),
            0.15,
        ),
    };
    out.push(Evidence {
        field: Field::Domain,
        kind,
        detail,
        strength,
    });
}

/// The evidence for a match, strongest for it first, then what speaks against it.
pub(super) fn explain(
    a: &Profile,
    b: &Profile,
    names: &NameComparison,
    fact: DomainFact,
) -> Vec<Evidence> {
    let mut out = Vec::with_capacity(4);
    domain_evidence(a, b, fact, &mut out);
    name_evidence(&a.name, &b.name, names, &mut out);
    out.sort_by(|x, y| {
        x.kind
            .is_against()
            .cmp(&y.kind.is_against())
            .then(y.strength.total_cmp(&x.strength))
    });
    out
}
