//! Company names reduced to the words that tell companies apart.

use super::fold::{is_cjk, words};
use super::tables::{Class, LEGAL_FORMS, LegalForm, SYNONYMS, class_of};

/// Words beyond this are dropped: no company name needs more, and the comparison keeps its
/// bookkeeping in 32-bit masks.
pub(super) const MAX_TOKENS: usize = 32;

/// One word of a name, as a range of the name's key plus what the comparison needs to know
/// about it without looking again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Token {
    pub start: u32,
    pub end: u32,
    pub class: Class,
    /// Length in characters (saturating), for typo allowances.
    pub chars: u8,
    /// Letters only: digits never count as typos ("Acme 2000" is not "Acme 3000").
    pub letters: bool,
    /// The word as written, before synonyms made it canonical ("networks" for "network"):
    /// a range of the name's `written` string, equal to the key's word when unchanged.
    pub written_start: u32,
    pub written_end: u32,
}

/// A normalised company name: build it once per record (`normalize_name`) and compare it
/// many times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    key: String,
    /// The words as written (legal forms gone, synonyms not applied), for typo checks.
    written: String,
    /// Initials of the words before legal forms went, with and without stop words:
    /// "Computer Sciences Corporation" is "CSC" although "corporation" is a legal form.
    initials: [String; 2],
    tokens: Vec<Token>,
    /// The name has no word better than generic ones ("General Motors"), so those weigh in
    /// full.
    promoted: bool,
}

impl Name {
    /// The canonical key: lower-case words joined by one space, legal forms gone.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The words of the key.
    pub fn tokens(&self) -> impl Iterator<Item = &str> + '_ {
        self.tokens.iter().map(|t| self.text(t))
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    pub(super) fn raw_tokens(&self) -> &[Token] {
        &self.tokens
    }

    pub(super) fn text(&self, t: &Token) -> &str {
        &self.key[t.start as usize..t.end as usize]
    }

    pub(super) fn word(&self, i: usize) -> &str {
        self.text(&self.tokens[i])
    }

    /// Word `i` as written, before synonyms.
    pub(super) fn written_word(&self, i: usize) -> &str {
        let t = &self.tokens[i];
        &self.written[t.written_start as usize..t.written_end as usize]
    }

    /// Initials of all the words as written, legal forms included: without and with the
    /// stop words. Empty for a one-word name.
    pub(super) fn full_initials(&self) -> &[String; 2] {
        &self.initials
    }

    /// How much word `i` says about which company this is.
    pub(super) fn weight(&self, i: usize) -> f64 {
        match self.tokens[i].class {
            Class::Stop => Class::Stop.weight(),
            _ if self.promoted => 1.0,
            class => class.weight(),
        }
    }

    /// Words that identify the company: not generic, or every non-stop word of a name that
    /// has nothing else.
    pub(super) fn is_telling(&self, i: usize) -> bool {
        match self.tokens[i].class {
            Class::Distinct => true,
            Class::Stop => false,
            _ => self.promoted,
        }
    }

    pub(super) fn total_weight(&self) -> f64 {
        (0..self.tokens.len()).map(|i| self.weight(i)).sum()
    }

    /// Initials of the non-stop words ("international business machines" → "ibm").
    pub(super) fn acronym(&self) -> String {
        self.tokens
            .iter()
            .filter(|t| t.class != Class::Stop)
            .filter_map(|t| self.text(t).chars().next())
            .collect()
    }

    /// The telling words run together ("micro soft" → "microsoft").
    pub(super) fn compact(&self) -> String {
        (0..self.tokens.len())
            .filter(|&i| self.is_telling(i))
            .map(|i| self.word(i))
            .collect()
    }
}

/// Normalise a company name: fold, split into words, drop legal forms of many countries
/// wherever they stand and a leading "The", and make abbreviations and plurals of the
/// generic words one spelling. Never empty for a name that has a letter or digit: a name
/// made only of legal forms keeps its first word ("The Company" is "company").
pub fn normalize_name(raw: &str) -> Name {
    let mut w = words(raw);
    strip_attached(&mut w);
    if w.len() > 1 && w[0] == "the" {
        w.remove(0);
    }
    let initials = full_initials(&w);
    strip_legal_forms(&mut w);
    w.truncate(MAX_TOKENS);
    build(&w, initials)
}

fn full_initials(words: &[String]) -> [String; 2] {
    if words.len() < 2 {
        return [String::new(), String::new()];
    }
    let initial = |w: &String| w.chars().next();
    let telling = words
        .iter()
        .filter(|w| class_of(SYNONYMS.get(w.as_str()).unwrap_or(w)) != Class::Stop)
        .filter_map(initial)
        .collect();
    [telling, words.iter().filter_map(initial).collect()]
}

/// Append `word` to `text` after a space, returning its range.
fn append(text: &mut String, word: &str) -> (u32, u32) {
    if !text.is_empty() {
        text.push(' ');
    }
    let start = text.len() as u32;
    text.push_str(word);
    (start, text.len() as u32)
}

fn build(words: &[String], initials: [String; 2]) -> Name {
    let capacity = words.iter().map(|w| w.len() + 1).sum();
    let mut key = String::with_capacity(capacity);
    let mut written = String::with_capacity(capacity);
    let mut tokens = Vec::with_capacity(words.len());
    for as_written in words {
        let word = SYNONYMS.get(as_written.as_str()).unwrap_or(as_written);
        let (start, end) = append(&mut key, word);
        let (written_start, written_end) = append(&mut written, as_written);
        tokens.push(Token {
            start,
            end,
            class: class_of(word),
            chars: word.chars().count().min(u8::MAX as usize) as u8,
            letters: word.chars().all(char::is_alphabetic),
            written_start,
            written_end,
        });
    }
    let promoted = !tokens.iter().any(|t| t.class == Class::Distinct);
    Name {
        key,
        written,
        initials,
        tokens,
        promoted,
    }
}

/// "株式会社東芝" → "東芝": CJK legal forms written without a space.
fn strip_attached(w: &mut [String]) {
    for word in w.iter_mut() {
        if !word.chars().any(is_cjk) {
            continue;
        }
        for form in &LEGAL_FORMS.attached {
            if word.len() > form.len() {
                if let Some(rest) = word.strip_prefix(form.as_str()) {
                    *word = rest.to_owned();
                } else if let Some(rest) = word.strip_suffix(form.as_str()) {
                    *word = rest.to_owned();
                }
            }
        }
    }
}

fn matches_at(w: &[String], at: usize, form: &LegalForm) -> bool {
    w.len() >= at + form.words.len() && w[at..at + form.words.len()] == form.words[..]
}

/// Drop legal forms from the end, the start and the middle, again and again, so stacked
/// forms go too ("Holding AG & Co. KG" → "holding"). A form is only dropped while a word is
/// left besides it; an "and" left dangling by a dropped form goes with it ("& Co.").
fn strip_legal_forms(w: &mut Vec<String>) {
    let forms = &LEGAL_FORMS.forms;
    loop {
        let end = forms.iter().find(|f| {
            f.places.end && f.words.len() < w.len() && matches_at(w, w.len() - f.words.len(), f)
        });
        if let Some(f) = end {
            w.truncate(w.len() - f.words.len());
            if w.len() > 1 && w[w.len() - 1] == "and" {
                w.pop();
            }
            continue;
        }
        let start = forms
            .iter()
            .find(|f| f.places.start && f.words.len() < w.len() && matches_at(w, 0, f));
        if let Some(f) = start {
            w.drain(..f.words.len());
            if w.len() > 1 && w[0] == "and" {
                w.remove(0);
            }
            continue;
        }
        let middle = (1..w.len().saturating_sub(1)).find_map(|at| {
            forms
                .iter()
                .find(|f| f.places.middle && at + f.words.len() < w.len() && matches_at(w, at, f))
                .map(|f| (at, f.words.len()))
        });
        match middle {
            Some((at, len)) => {
                w.drain(at..at + len);
            }
            None => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> String {
        normalize_name(name).key().to_owned()
    }

    #[test]
    fn spellings_of_one_company_share_a_key() {
        for name in [
            "ACME Inc.",
            "Acme Corporation",
            "The Acme Company",
            "acme, L.L.C.",
            "Acme GmbH & Co. KG",
            "ACME   ltd",
            "Acme Pty Ltd",
            "Acme (Pty) Ltd",
            "Acme Pvt. Ltd.",
            "Acme Co., Ltd.",
            "Acme S.A.",
            "Acme S.r.l.",
            "Acme S.p.A.",
            "Acme SARL",
            "Acme S.à r.l.",
            "Acme B.V.",
            "Acme N.V.",
            "Acme sp. z o.o.",
            "Acme Sp. z o.o. sp. k.",
            "Acme s.r.o.",
            "Acme spol. s r.o.",
            "Acme Oy",
            "Acme Oyj",
            "Acme AB (publ)",
            "AB Acme",
            "Acme A/S",
            "Acme ApS",
            "OOO Acme",
            "Acme Kabushiki Kaisha",
            "Acme K.K.",
            "Acme Ltda.",
            "Acme S.A. de C.V.",
            "Acme Sdn. Bhd.",
            "Acme Pte. Ltd.",
            "PT Acme Tbk",
            "Acme Kft.",
            "Acme A.Ş.",
            "Acme SE",
            "Acme PLC",
            "Acme UG (haftungsbeschränkt)",
            "Acme Inc Incorporated",
        ] {
            assert_eq!(key(name), "acme", "{name}");
        }
    }

    #[test]
    fn diacritics_cyrillic_and_cjk() {
        // "Söhne" folds to "sohne", which synonyms.txt then spells "son".
        let muller = normalize_name("Müller & Söhne GmbH");
        assert_eq!(muller.key(), "muller and son");
        assert_eq!(muller.written_word(2), "sohne");
        assert_eq!(key("Łódź Café sp. z o.o."), "lodz cafe");
        assert_eq!(key("Große Werke AG"), "grosse werke");
        assert_eq!(key("ООО «Ромашка»"), "ромашка");
        assert_eq!(key("Ромашка ООО"), "ромашка");
        assert_eq!(key("株式会社東芝"), "東芝");
        assert_eq!(key("東芝株式会社"), "東芝");
    }

    #[test]
    fn legal_forms_go_wherever_they_stand_and_stacked() {
        assert_eq!(key("Acme Holding AG & Co. KG"), "acme holding");
        assert_eq!(key("Acme Inc Europe"), "acme europe");
        assert_eq!(key("Acme GmbH Deutschland"), "acme deutschland");
        assert_eq!(key("Acme & Co."), "acme");
        // Short forms that are also words stay where they are ordinary words.
        assert_eq!(key("AS Roma Spa Services"), "roma spa service");
        assert_eq!(key("AO Smith"), "ao smith");
        assert_eq!(key("SAS Institute"), "sas institute");
        assert_eq!(key("Johnson & Johnson"), "johnson and johnson");
    }

    #[test]
    fn a_name_is_never_stripped_to_nothing() {
        assert_eq!(key("The Company"), "company");
        assert_eq!(key("Holding AG & Co. KG"), "holding");
        assert_eq!(key("Inc"), "inc");
        assert_eq!(key("GmbH & Co. KG"), "gmbh");
        assert_eq!(key("The"), "the");
        assert_eq!(key(""), "");
        assert_eq!(key("!!!"), "");
    }

    #[test]
    fn abbreviations_and_plurals_are_one_spelling() {
        assert_eq!(
            key("Acme Intl. Technologies"),
            "acme international technology"
        );
        assert_eq!(key("Acme Int'l Tech"), "acme international technology");
        assert_eq!(key("Smith Bros."), "smith brother");
    }

    #[test]
    fn generic_only_names_weigh_their_words_in_full() {
        let gm = normalize_name("General Motors");
        assert!(gm.promoted);
        assert_eq!(gm.total_weight(), 2.0);
        let acme = normalize_name("Acme Software Solutions");
        assert!(!acme.promoted);
        assert_eq!(acme.weight(0), 1.0);
        assert!(acme.weight(1) < 1.0 && acme.weight(2) < acme.weight(1));
        assert_eq!(
            normalize_name("International Business Machines").acronym(),
            "ibm"
        );
        assert_eq!(normalize_name("Micro Soft Europe").compact(), "microsoft");
        let csc = normalize_name("Computer Sciences Corporation");
        assert_eq!(csc.key(), "computer sciences");
        assert_eq!(csc.full_initials(), &["csc".to_owned(), "csc".to_owned()]);
        assert_eq!(normalize_name("Bank of America").full_initials()[1], "boa");
        let networks = normalize_name("Silverline Networks");
        assert_eq!(
            (networks.word(1), networks.written_word(1)),
            ("network", "networks")
        );
    }
}
