//! The labelled set (tests/data/matching/pairs.csv) run as a test: precision and recall of
//! "same or possible" for the engine and for an exact-normalised-name baseline, and the
//! share of matches the blocking keys would bring together. See the figures with
//! `cargo test --lib domain::matching::accuracy -- --nocapture`.

use super::{Profile, profile_keys, score};

const PAIRS: &str = include_str!("../../../tests/data/matching/pairs.csv");

struct Pair {
    line: usize,
    a_name: String,
    a_domain: String,
    b_name: String,
    b_domain: String,
    is_match: bool,
    note: String,
}

/// One CSV record: fields separated by commas, optionally in double quotes with `""` for a
/// quote inside.
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => out.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    out.push(field);
    out
}

fn pairs() -> Vec<Pair> {
    let mut lines = PAIRS.lines().enumerate();
    let (_, header) = lines.next().expect("a header");
    assert_eq!(header, "a_name,a_domain,b_name,b_domain,label,note");
    lines
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let f = fields(l);
            assert_eq!(f.len(), 6, "pairs.csv line {}: {l}", i + 1);
            let is_match = match f[4].as_str() {
                "match" => true,
                "nonmatch" => false,
                other => panic!("pairs.csv line {}: label {other:?}", i + 1),
            };
            let [a_name, a_domain, b_name, b_domain, _, note] = f.try_into().unwrap();
            Pair {
                line: i + 1,
                a_name,
                a_domain,
                b_name,
                b_domain,
                is_match,
                note,
            }
        })
        .collect()
}

fn profile(name: &str, domain: &str) -> Profile {
    Profile::new(name, (!domain.is_empty()).then_some(domain))
}

/// The baseline: lower case, punctuation dropped, spaces collapsed, then exact equality.
fn baseline_key(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Default)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
    tn: usize,
}

impl Counts {
    fn add(&mut self, predicted: bool, actual: bool) {
        match (predicted, actual) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, true) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }
    fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    fn line(&self, who: &str) -> String {
        format!(
            "{who:<9} precision {:.3}  recall {:.3}  F1 {:.3}  (tp {} fp {} fn {} tn {})",
            self.precision(),
            self.recall(),
            self.f1(),
            self.tp,
            self.fp,
            self.fn_,
            self.tn
        )
    }
}

#[test]
fn labelled_pairs_engine_beats_baseline() {
    let pairs = pairs();
    let negatives = pairs.iter().filter(|p| !p.is_match).count();
    assert!(pairs.len() >= 600, "{} pairs", pairs.len());
    assert!(negatives >= 200, "{negatives} negatives");

    let (mut engine, mut baseline) = (Counts::default(), Counts::default());
    let (mut keyed, mut found, mut keyed_labelled, mut labelled) = (0, 0, 0, 0);
    let (mut key_count, mut max_keys) = (0, 0);
    let mut mistakes = Vec::new();
    for pair in &pairs {
        let (a, b) = (
            profile(&pair.a_name, &pair.a_domain),
            profile(&pair.b_name, &pair.b_domain),
        );
        let m = score(&a, &b);
        let predicted = m.is_some();
        engine.add(predicted, pair.is_match);
        baseline.add(
            baseline_key(&pair.a_name) == baseline_key(&pair.b_name),
            pair.is_match,
        );
        let (ka, kb) = (profile_keys(&a), profile_keys(&b));
        key_count += ka.len() + kb.len();
        max_keys = max_keys.max(ka.len()).max(kb.len());
        let share = ka.iter().any(|k| kb.contains(k));
        if predicted {
            found += 1;
            keyed += usize::from(share);
        }
        if pair.is_match {
            labelled += 1;
            keyed_labelled += usize::from(share);
        }
        if predicted != pair.is_match || (predicted && !share) {
            let s = super::similarity(&a, &b);
            let what = if predicted != pair.is_match {
                if predicted { "FP" } else { "FN" }
            } else {
                "NO KEY"
            };
            mistakes.push(format!(
                "  {what} line {} {:.2}: {:?} / {:?} ({}; keys {:?} / {:?})",
                pair.line,
                s,
                pair.a_name,
                pair.b_name,
                pair.note,
                a.name.key(),
                b.name.key()
            ));
        }
    }
    println!("labelled pairs: {} ({} negatives)", pairs.len(), negatives);
    println!("{}", engine.line("engine"));
    println!("{}", baseline.line("baseline"));
    let key_recall = keyed as f64 / found.max(1) as f64;
    let key_recall_labelled = keyed_labelled as f64 / labelled.max(1) as f64;
    println!(
        "blocking keys shared by {keyed}/{found} engine matches ({key_recall:.3}) and \
         {keyed_labelled}/{labelled} labelled matches ({key_recall_labelled:.3})"
    );
    println!(
        "blocking keys per record: {:.1} on average, {max_keys} at most",
        key_count as f64 / (2 * pairs.len()) as f64
    );
    for m in &mistakes {
        println!("{m}");
    }
    assert!(engine.recall() >= 0.97, "{}", engine.line("engine"));
    assert!(engine.precision() >= 0.95, "{}", engine.line("engine"));
    assert!(engine.f1() > baseline.f1());
    assert!(key_recall >= 0.98, "blocking keys: {key_recall:.3}");
}

#[test]
fn csv_fields() {
    assert_eq!(
        fields(r#""Acme, Inc.",acme.com,"Say ""hi""",,match,x"#),
        ["Acme, Inc.", "acme.com", "Say \"hi\"", "", "match", "x"]
    );
}
