//! Pairing the words of two names: the same word, one word typed as two, an acronym for a
//! run of words, a typo. What is left unpaired on each side is what the names disagree on.

use super::distance::osa_within;
use super::name::{MAX_TOKENS, Name};
use super::tables::Class;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum PairKind {
    Exact,
    /// One side wrote as one word what the other wrote as several ("microsoft" / "micro soft").
    Joined,
    /// One side's word is the initials of a run of the other's ("ibm" / "international
    /// business machines").
    Acronym,
    /// Within a few typed letters, the number of edits.
    Typo(u8),
}

/// Words `a_start..a_end` of one name paired with words `b_start..b_end` of the other.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pair {
    pub kind: PairKind,
    pub a: (u8, u8),
    pub b: (u8, u8),
    /// How sure the pairing is, 0–1.
    pub quality: f64,
}

/// The pairs found, on the stack: names have at most `MAX_TOKENS` words, so at most that
/// many pairs.
pub(super) struct Alignment {
    pairs: [Option<Pair>; MAX_TOKENS],
    len: usize,
    pub used_a: u32,
    pub used_b: u32,
}

impl Alignment {
    pub fn pairs(&self) -> impl Iterator<Item = &Pair> + '_ {
        self.pairs[..self.len].iter().flatten()
    }

    fn push(&mut self, kind: PairKind, a: (usize, usize), b: (usize, usize), quality: f64) {
        if self.len == MAX_TOKENS {
            return;
        }
        self.pairs[self.len] = Some(Pair {
            kind,
            a: (a.0 as u8, a.1 as u8),
            b: (b.0 as u8, b.1 as u8),
            quality,
        });
        self.len += 1;
        self.used_a |= mask(a.0, a.1);
        self.used_b |= mask(b.0, b.1);
    }

    /// The same pairs seen from the other name.
    fn flipped(&self) -> Alignment {
        let mut out = Alignment::empty();
        for p in self.pairs() {
            let (a, b) = (p.a, p.b);
            out.push(
                p.kind,
                (b.0 as usize, b.1 as usize),
                (a.0 as usize, a.1 as usize),
                p.quality,
            );
        }
        out
    }

    fn empty() -> Alignment {
        Alignment {
            pairs: [None; MAX_TOKENS],
            len: 0,
            used_a: 0,
            used_b: 0,
        }
    }
}

fn mask(start: usize, end: usize) -> u32 {
    (start..end).fold(0, |m, i| m | 1 << i)
}

fn free(used: u32, i: usize) -> bool {
    used & (1 << i) == 0
}

/// Pair the words of `a` and `b`, surest kinds first.
pub(super) fn align(a: &Name, b: &Name) -> Alignment {
    let mut al = Alignment::empty();
    exact(a, b, &mut al);
    one_way(a, b, &mut al, joined);
    let mut flipped = al.flipped();
    one_way(b, a, &mut flipped, joined);
    one_way(b, a, &mut flipped, acronym);
    let mut al = flipped.flipped();
    one_way(a, b, &mut al, acronym);
    typos(a, b, &mut al);
    whole_acronym(a, b, &mut al);
    let mut flipped = al.flipped();
    whole_acronym(b, a, &mut flipped);
    flipped.flipped()
}

fn exact(a: &Name, b: &Name, al: &mut Alignment) {
    let n = a.raw_tokens().len();
    let m = b.raw_tokens().len();
    for i in 0..n {
        // Prefer the word at the same place, then the first free one.
        let same_place = (i < m && free(al.used_b, i) && a.word(i) == b.word(i)).then_some(i);
        let found =
            same_place.or_else(|| (0..m).find(|&j| free(al.used_b, j) && a.word(i) == b.word(j)));
        if let Some(j) = found {
            al.push(PairKind::Exact, (i, i + 1), (j, j + 1), 1.0);
        }
    }
}

/// What a finder found from a start word of `b`: the end of the run, the kind, the quality.
type Found = Option<(usize, PairKind, f64)>;

/// Looks for a word of one name in the free words of `b` from a start word on.
type Finder = fn(word: &str, b: &Name, start: usize, used_b: u32) -> Found;

/// Runs a finder for each free word of `a` against the free runs of `b`.
fn one_way(a: &Name, b: &Name, al: &mut Alignment, find: Finder) {
    for i in 0..a.raw_tokens().len() {
        if !free(al.used_a, i) {
            continue;
        }
        let word = a.word(i);
        for j in 0..b.raw_tokens().len() {
            if let Some((end, kind, quality)) = find(word, b, j, al.used_b) {
                al.push(kind, (i, i + 1), (j, end), quality);
                break;
            }
        }
    }
}

/// `word` is `b`'s free words from `start` run together ("microsoft" = "micro" + "soft").
fn joined(word: &str, b: &Name, start: usize, used_b: u32) -> Found {
    if word.len() < 4 {
        return None;
    }
    let mut rest = word;
    for j in start..b.raw_tokens().len().min(start + 4) {
        if !free(used_b, j) {
            return None;
        }
        rest = rest.strip_prefix(b.word(j))?;
        if rest.is_empty() {
            return (j > start).then_some((j + 1, PairKind::Joined, 0.95));
        }
    }
    None
}

/// An acronym is shared by many companies: alone it makes a possible duplicate, never the
/// same prospect. Two letters are weaker still.
fn acronym_quality(len: usize) -> f64 {
    if len == 2 { 0.75 } else { 0.85 }
}

/// `word` is the initials of `b`'s free words from `start`, with or without the stop words
/// ("boa" and "ba" are both "bank of america"). A two-letter acronym is weaker evidence.
fn acronym(word: &str, b: &Name, start: usize, used_b: u32) -> Found {
    let len = word.chars().count();
    if !(2..=6).contains(&len) || !word.chars().all(char::is_alphabetic) {
        return None;
    }
    let tokens = b.raw_tokens();
    if tokens.get(start)?.class == Class::Stop {
        return None;
    }
    let quality = acronym_quality(len);
    for skip_stop in [true, false] {
        let mut letters = word.chars();
        let mut next = letters.next();
        let mut used = 0;
        for (j, token) in tokens.iter().enumerate().skip(start) {
            if !free(used_b, j) {
                break;
            }
            if skip_stop && token.class == Class::Stop {
                continue;
            }
            if b.word(j).chars().next() != next {
                break;
            }
            used += 1;
            next = letters.next();
            if next.is_none() {
                if used >= 2 {
                    return Some((j + 1, PairKind::Acronym, quality));
                }
                break;
            }
        }
    }
    None
}

/// How many typed letters two words may differ by, and how sure a pairing at that distance
/// is. Short words need their first letter right: "foods" and "goods" are two words.
fn typo_allowance(a: &str, b: &str, chars: usize) -> (usize, bool) {
    match chars {
        0..=3 => (0, false),
        4..=5 => (1, a.chars().next() == b.chars().next()),
        6..=9 => (1, true),
        _ => (2, true),
    }
}

fn typo_quality(distance: usize, chars: usize) -> f64 {
    match (distance, chars) {
        (1, 0..=5) => 0.8,
        (1, 6..=7) => 0.88,
        (1, _) => 0.92,
        _ => 0.85,
    }
}

/// The closest free word of `b` to word `i` of `a` within the typo allowance, comparing the
/// words as written too ("netwoeks" is one typo from "networks", two from "network").
fn closest(a: &Name, i: usize, b: &Name, used_b: u32) -> Option<(usize, usize, usize)> {
    let mut best: Option<(usize, usize, usize)> = None;
    for (j, token) in b.raw_tokens().iter().enumerate() {
        if !free(used_b, j) || !token.letters {
            continue;
        }
        for x in [a.word(i), a.written_word(i)] {
            for y in [b.word(j), b.written_word(j)] {
                let chars = x.chars().count().min(y.chars().count());
                let (max, allowed) = typo_allowance(x, y, chars);
                if !allowed || max == 0 {
                    continue;
                }
                if let Some(d) = osa_within(x, y, max) {
                    if best.is_none_or(|(_, bd, _)| d < bd) {
                        best = Some((j, d, chars));
                    }
                }
            }
        }
    }
    best
}

fn typos(a: &Name, b: &Name, al: &mut Alignment) {
    for i in 0..a.raw_tokens().len() {
        if !free(al.used_a, i) || !a.raw_tokens()[i].letters {
            continue;
        }
        if let Some((j, d, chars)) = closest(a, i, b, al.used_b) {
            al.push(
                PairKind::Typo(d as u8),
                (i, i + 1),
                (j, j + 1),
                typo_quality(d, chars),
            );
        }
    }
}

/// A one-word name that is the initials of the whole other name as written, legal forms
/// included ("CSC" / "Computer Sciences Corporation", "TSMC" / "Taiwan Semiconductor
/// Manufacturing Company"), when nothing else paired.
fn whole_acronym(a: &Name, b: &Name, al: &mut Alignment) {
    if al.len > 0 || a.raw_tokens().len() != 1 || b.is_empty() {
        return;
    }
    let word = a.word(0);
    let len = word.chars().count();
    if (2..=6).contains(&len)
        && word.chars().all(char::is_alphabetic)
        && b.full_initials().iter().any(|initials| initials == word)
    {
        let quality = acronym_quality(len);
        al.push(
            PairKind::Acronym,
            (0, 1),
            (0, b.raw_tokens().len()),
            quality,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::name::normalize_name;
    use super::*;

    fn kinds(a: &str, b: &str) -> Vec<PairKind> {
        let (a, b) = (normalize_name(a), normalize_name(b));
        align(&a, &b).pairs().map(|p| p.kind).collect()
    }

    #[test]
    fn pairs_of_each_kind() {
        assert_eq!(
            kinds("Acme Software", "Software Acme"),
            [PairKind::Exact, PairKind::Exact]
        );
        assert_eq!(kinds("Microsoft", "Micro Soft"), [PairKind::Joined]);
        assert_eq!(kinds("Micro Soft", "Microsoft"), [PairKind::Joined]);
        assert_eq!(
            kinds("IBM", "International Business Machines"),
            [PairKind::Acronym]
        );
        assert_eq!(
            kinds("International Business Machines", "IBM"),
            [PairKind::Acronym]
        );
        assert_eq!(kinds("BoA", "Bank of America"), [PairKind::Acronym]);
        assert_eq!(kinds("P&G", "Procter & Gamble"), [PairKind::Acronym]);
        assert_eq!(
            kinds("CSC", "Computer Sciences Corporation"),
            [PairKind::Acronym]
        );
        assert_eq!(
            kinds("Silverline Netwoeks", "Silverline Networks")[1],
            PairKind::Typo(1)
        );
        assert_eq!(kinds("Siemens", "Siemans"), [PairKind::Typo(1)]);
        assert_eq!(kinds("Acme Foods", "Acme Goods"), [PairKind::Exact]);
        assert_eq!(kinds("Acme 2000", "Acme 3000"), [PairKind::Exact]);
        assert_eq!(kinds("General Motors", "General Mills"), [PairKind::Exact]);
    }
}
