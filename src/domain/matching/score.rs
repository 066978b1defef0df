//! Scoring two profiles: how likely they are one prospect, and why.

use super::align::{Alignment, PairKind, align};
use super::evidence::{Evidence, explain};
use super::name::Name;
use super::profile::Profile;

/// Where the verdicts start. Defaults measured on the labelled set
/// (tests/data/matching/pairs.csv); meant to become settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// At or above: the same prospect. The default, 0.90, is reached by the same name once
    /// legal forms and spelling are set aside, the same words in another order, the same
    /// registrable domain, or names that differ by little: one typo in a word of 8 letters
    /// or more, a missing filler word next to two other words ("Acme Software" / "Acme
    /// Software Solutions"). A typo in a shorter word, an acronym, or a filler word missing
    /// next to a single word ("Acme" / "Acme Europe") stays a possible duplicate.
    pub same: f64,
    /// At or above: a possible duplicate, shown to the reviewer and the rep with the
    /// evidence. The default, 0.70, takes in typos in short words, acronyms, a missing word
    /// that describes the business ("Acme" / "Acme Foods"), and keeps out a missing telling
    /// word ("Northwind" / "Northwind Traders" scores 0.67 unless a domain helps), names
    /// whose words differ ("Acme Software" / "Acme Foods") and names that share only
    /// generic words ("American Airlines" / "American Express").
    pub possible: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            same: 0.90,
            possible: 0.70,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Same,
    Possible,
}

/// A pair at or above the "possible" threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// 0–1.
    pub score: f64,
    pub verdict: Verdict,
    /// What matched and how strongly, strongest argument first; arguments against are
    /// marked (`EvidenceKind::is_against`).
    pub evidence: Vec<Evidence>,
}

/// How two names compare, kept for the evidence.
pub(super) struct NameComparison {
    pub score: f64,
    pub alignment: Alignment,
    pub same_key: bool,
    /// Both sides have words the other lacks: the weight of the lighter side's heaviest.
    pub conflict: f64,
    /// Only generic words were paired.
    pub weak: bool,
    pub reordered: bool,
    /// The share of its name's weight the words of one side that found no pair make up,
    /// the larger of the two sides.
    pub missing: f64,
}

/// How much a missing or conflicting word costs, by its weight: a conflict between two
/// telling words (1.0) keeps 40% of the score, between descriptors 70%, fillers 85%.
const CONFLICT_COST: f64 = 0.6;
/// The most a pair sharing only generic words can score.
const WEAK_CAP: f64 = 0.3;
/// Same words in another order.
const REORDER_FACTOR: f64 = 0.98;

fn range_weight(name: &Name, (start, end): (u8, u8)) -> f64 {
    (start..end).map(|i| name.weight(usize::from(i))).sum()
}

fn range_telling(name: &Name, (start, end): (u8, u8)) -> bool {
    (start..end).any(|i| name.is_telling(usize::from(i)))
}

/// Whether the words paired one to one (exactly or with a typo) stand in another order.
fn reordered(a: &Name, al: &Alignment) -> bool {
    let mut last_b = None;
    for i in 0..a.raw_tokens().len() {
        let single = al.pairs().find(|p| {
            usize::from(p.a.0) == i && matches!(p.kind, PairKind::Exact | PairKind::Typo(_))
        });
        if let Some(p) = single {
            if last_b.is_some_and(|last| p.b.0 < last) {
                return true;
            }
            last_b = Some(p.b.0);
        }
    }
    false
}

/// The weight of the words of `name` no pair took.
fn free_weight(name: &Name, used: u32) -> f64 {
    (0..name.raw_tokens().len())
        .filter(|&i| used & (1 << i) == 0)
        .map(|i| name.weight(i))
        .sum()
}

/// The heaviest word of `name` no pair took.
fn heaviest_free(name: &Name, used: u32) -> f64 {
    (0..name.raw_tokens().len())
        .filter(|&i| used & (1 << i) == 0)
        .map(|i| name.weight(i))
        .fold(0.0, f64::max)
}

pub(super) fn compare_names(a: &Name, b: &Name) -> NameComparison {
    let alignment = align(a, b);
    let mut cmp = NameComparison {
        score: 0.0,
        alignment,
        same_key: !a.is_empty() && a.key() == b.key(),
        conflict: 0.0,
        weak: false,
        reordered: false,
        missing: 0.0,
    };
    if cmp.same_key {
        cmp.score = 1.0;
        return cmp;
    }
    let mut total = a.total_weight() + b.total_weight();
    if total == 0.0 {
        return cmp;
    }
    let al = &cmp.alignment;
    let mut paired = 0.0;
    let mut strong = false;
    for p in al.pairs() {
        let (wa, wb) = (range_weight(a, p.a), range_weight(b, p.b));
        if let PairKind::Typo(_) = p.kind {
            // A mistyped generic word is not a telling word: both sides weigh what the
            // lighter one does ("netwoeks" weighs what "network" does).
            let w = wa.min(wb);
            total -= wa + wb - 2.0 * w;
            paired += p.quality * 2.0 * w;
        } else {
            paired += p.quality * (wa + wb);
        }
        strong |= range_telling(a, p.a) && range_telling(b, p.b);
    }
    cmp.reordered = reordered(a, al);
    cmp.missing = (free_weight(a, al.used_a) / a.total_weight().max(f64::MIN_POSITIVE))
        .max(free_weight(b, al.used_b) / b.total_weight().max(f64::MIN_POSITIVE));
    let mut score = paired / total;
    cmp.conflict = heaviest_free(a, al.used_a).min(heaviest_free(b, al.used_b));
    score *= 1.0 - CONFLICT_COST * cmp.conflict;
    if cmp.reordered {
        score *= REORDER_FACTOR;
    }
    if !strong {
        cmp.weak = al.pairs().next().is_some();
        score = score.min(WEAK_CAP);
    }
    cmp.score = score.clamp(0.0, 1.0);
    cmp
}

/// What the domains say, kept for the evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DomainFact {
    None,
    Same,
    /// Same label under another suffix: "acme.com" / "acme.de".
    SameLabel,
    /// One side's domain spells the other side's name: "ibm.com" / "IBM".
    FitsName,
    Different,
}

/// A domain label spells a name: its words run together, or their initials.
fn spells(label: &str, name: &Name) -> bool {
    if name.is_empty() || label.len() < 2 {
        return false;
    }
    let mut rest = label;
    let mut all = true;
    for word in name.tokens() {
        match rest.strip_prefix(word) {
            Some(r) => rest = r,
            None => {
                all = false;
                break;
            }
        }
    }
    (all && rest.is_empty()) || (name.raw_tokens().len() >= 2 && label == name.acronym())
}

fn domain_fact(a: &Profile, b: &Profile) -> DomainFact {
    match (&a.domain, &b.domain) {
        (Some(x), Some(y)) if x == y => DomainFact::Same,
        (Some(_), Some(_)) if a.label.is_some() && a.label == b.label => DomainFact::SameLabel,
        (Some(_), Some(_)) => DomainFact::Different,
        (Some(_), None) if a.label.as_deref().is_some_and(|l| spells(l, &b.name)) => {
            DomainFact::FitsName
        }
        (None, Some(_)) if b.label.as_deref().is_some_and(|l| spells(l, &a.name)) => {
            DomainFact::FitsName
        }
        _ => DomainFact::None,
    }
}

/// How far the domains move the name's score.
fn with_domain(name_score: f64, fact: DomainFact) -> f64 {
    match fact {
        DomainFact::None => name_score,
        // Two companies do not share a registrable domain.
        DomainFact::Same => 0.95 + 0.05 * name_score,
        DomainFact::SameLabel => 1.0 - (1.0 - name_score) * 0.5,
        DomainFact::FitsName => 1.0 - (1.0 - name_score) * 0.6,
        // Country sites differ too, so this only weakens the name.
        DomainFact::Different => name_score * 0.85,
    }
}

/// Score two profiles with the default thresholds.
pub fn score(a: &Profile, b: &Profile) -> Option<Match> {
    score_with(a, b, &Thresholds::default())
}

/// Score two profiles: `None` below `thresholds.possible`. Allocates only for a match's
/// evidence.
pub fn score_with(a: &Profile, b: &Profile, thresholds: &Thresholds) -> Option<Match> {
    let names = compare_names(&a.name, &b.name);
    let fact = domain_fact(a, b);
    let score = with_domain(names.score, fact);
    let verdict = if score >= thresholds.same {
        Verdict::Same
    } else if score >= thresholds.possible {
        Verdict::Possible
    } else {
        return None;
    };
    Some(Match {
        score,
        verdict,
        evidence: explain(a, b, &names, fact),
    })
}

/// The score alone, for measuring (no evidence is built).
pub fn similarity(a: &Profile, b: &Profile) -> f64 {
    with_domain(compare_names(&a.name, &b.name).score, domain_fact(a, b))
}
