//! Folding and word splitting, shared by names and by the data tables, so a table entry is
//! written the way people write it and still meets the names it is meant for.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Japanese voiced-sound marks: combining, but they change the letter (カ/ガ), so they stay.
fn is_kept_mark(c: char) -> bool {
    matches!(c, '\u{3099}' | '\u{309A}')
}

/// Letters NFKD leaves alone that people still write as plain Latin letters.
fn special(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'ł' => "l",
        'ø' => "o",
        'æ' => "ae",
        'œ' => "oe",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        'ħ' => "h",
        'ŀ' => "l",
        'ŧ' => "t",
        'ſ' => "s",
        'ĸ' => "k",
        'ŋ' => "n",
        _ => return None,
    })
}

/// Apostrophes join the letters around them ("McDonald's" is "mcdonalds").
fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}' | '`' | '\u{00B4}')
}

/// CJK ideographs, kana and Hangul: scripts that write a company's name and its legal form
/// without a space between them.
pub(super) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xAC00..=0xD7AF
            | 0x1100..=0x11FF | 0x3130..=0x318F)
}

/// Lower case, diacritics folded (Cyrillic, Greek and CJK stay letters of their own script),
/// `&`/`+` as the word "and", anything else that is not a letter or digit as a space, and a
/// run of single letters joined ("I.B.M." is "ibm", "P&G" is "pg", "sp. z o.o." is
/// "sp zoo").
pub(super) fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<String>| {
        if !word.is_empty() {
            out.push(std::mem::take(word));
        }
    };
    // NFKD before lower-casing (full-width letters become ASCII), marks dropped after it
    // (lower-casing "İ" yields a combining dot).
    for c in text.nfkd().flat_map(char::to_lowercase) {
        if is_combining_mark(c) && !is_kept_mark(c) {
            continue;
        }
        if let Some(s) = special(c) {
            word.push_str(s);
        } else if c.is_alphanumeric() || is_kept_mark(c) {
            word.push(c);
        } else if c == '&' || c == '+' {
            flush(&mut word, &mut out);
            out.push("and".to_owned());
        } else if !is_apostrophe(c) {
            flush(&mut word, &mut out);
        }
    }
    flush(&mut word, &mut out);
    join_single_letters(out)
}

fn is_single_letter(w: &str) -> bool {
    let mut chars = w.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if c.is_alphabetic() && !is_cjk(c))
}

/// "i b m" → "ibm"; "p and g" → "pg" (an "and" between single letters is part of the
/// initials); a lone single letter stays as it is.
fn join_single_letters(words: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        if !is_single_letter(&words[i]) {
            out.push(words[i].clone());
            i += 1;
            continue;
        }
        let mut joined = words[i].clone();
        let mut j = i + 1;
        loop {
            if j < words.len() && is_single_letter(&words[j]) {
                joined.push_str(&words[j]);
                j += 1;
            } else if j + 1 < words.len() && words[j] == "and" && is_single_letter(&words[j + 1]) {
                joined.push_str(&words[j + 1]);
                j += 2;
            } else {
                break;
            }
        }
        out.push(joined);
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str) -> String {
        words(text).join(" ")
    }

    #[test]
    fn diacritics_and_special_letters_fold_to_plain_latin() {
        assert_eq!(w("Müller & Söhne"), "muller and sohne");
        assert_eq!(w("Łódź"), "lodz");
        assert_eq!(w("Große Straße"), "grosse strasse");
        assert_eq!(w("Øresund Æble Œuvre"), "oresund aeble oeuvre");
        assert_eq!(w("Đakovo Þór İstanbul ılık"), "dakovo thor istanbul ilik");
        assert_eq!(w("Crème Brûlée Café"), "creme brulee cafe");
    }

    #[test]
    fn other_scripts_stay_letters() {
        assert_eq!(w("ООО «Ромашка»"), "ооо ромашка");
        assert_eq!(w("Αλφα Βήτα"), "αλφα βητα");
        assert_eq!(w("株式会社東芝"), "株式会社東芝");
        assert_eq!(w("ＡＣＭＥ"), "acme");
    }

    #[test]
    fn punctuation_apostrophes_and_initials() {
        assert_eq!(w("McDonald's"), "mcdonalds");
        assert_eq!(w("Hewlett-Packard"), "hewlett packard");
        assert_eq!(w("I.B.M."), "ibm");
        assert_eq!(w("P&G"), "pg");
        assert_eq!(w("A + B Plumbing"), "ab plumbing");
        assert_eq!(w("Marks & Spencer"), "marks and spencer");
        assert_eq!(w("sp. z o.o."), "sp zoo");
        assert_eq!(w("J. Crew"), "j crew");
        assert_eq!(w("  "), "");
    }
}
