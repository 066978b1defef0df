//! How well the rules of engagement are understood, from the check answers: accuracy per
//! question of each version, partners beside direct sales (the seed's question: do
//! partners understand the rules as well as our own staff?), and the questions each
//! partner organisation gets wrong most.

use std::collections::BTreeMap;

use super::dashboard::percent;
use super::role::Role;

/// How many answers to (version, question) by people of a role were right (or wrong).
pub type ByRole = (i64, i32, Role, bool, i64);
/// How many answers to (version, question) by an organisation's people were right (or wrong).
pub type ByOrg = (i64, i32, String, bool, i64);

/// Right answers of all answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub correct: i64,
    pub answered: i64,
}

impl Tally {
    fn add(&mut self, correct: bool, n: i64) {
        self.answered += n;
        if correct {
            self.correct += n;
        }
    }

    /// "3 of 4 (75.0 %)", or "no answers".
    pub fn label(&self) -> String {
        if self.answered == 0 {
            "no answers".into()
        } else {
            format!(
                "{} of {} ({})",
                self.correct,
                self.answered,
                percent(self.correct, self.answered)
            )
        }
    }

    /// The share right in tenths of a percent, rounded half up.
    pub fn tenths(&self) -> Option<i64> {
        (self.answered > 0).then(|| (self.correct * 2000 + self.answered) / (self.answered * 2))
    }
}

/// One question of one version, partners beside direct sales.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionAccuracy {
    pub version: i64,
    /// Index into the version's questions.
    pub question: i32,
    pub partners: Tally,
    pub sales: Tally,
}

impl QuestionAccuracy {
    /// How far partners trail direct sales, in percentage points ("12.5 points behind",
    /// "level", "3.0 points ahead"); "–" until both have answered.
    pub fn gap(&self) -> String {
        match (self.partners.tenths(), self.sales.tenths()) {
            (Some(p), Some(s)) if p < s => {
                format!("{}.{} points behind", (s - p) / 10, (s - p) % 10)
            }
            (Some(p), Some(s)) if p > s => {
                format!("{}.{} points ahead", (p - s) / 10, (p - s) % 10)
            }
            (Some(_), Some(_)) => "level".into(),
            _ => "–".into(),
        }
    }
}

/// Answers by (version, question, role, right, count), as accuracy per question: newest
/// version first, then question order. Answers by other roles are not counted.
pub fn by_question(rows: &[ByRole]) -> Vec<QuestionAccuracy> {
    let mut out: BTreeMap<(std::cmp::Reverse<i64>, i32), QuestionAccuracy> = BTreeMap::new();
    for &(version, question, role, correct, n) in rows {
        let q = out
            .entry((std::cmp::Reverse(version), question))
            .or_insert(QuestionAccuracy {
                version,
                question,
                partners: Tally::default(),
                sales: Tally::default(),
            });
        match role {
            Role::Partner => q.partners.add(correct, n),
            Role::Sales => q.sales.add(correct, n),
            _ => {}
        }
    }
    out.into_values().collect()
}

/// A question an organisation's people get wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missed {
    pub version: i64,
    pub question: i32,
    pub org: String,
    pub answers: Tally,
}

/// The `n` (version, question, organisation) with the largest share of wrong answers, at
/// least one wrong; ties go to more wrong answers, then by name.
pub fn most_missed(rows: &[ByOrg], n: usize) -> Vec<Missed> {
    let mut by: BTreeMap<(i64, i32, &str), Tally> = BTreeMap::new();
    for (version, question, org, correct, count) in rows {
        by.entry((*version, *question, org))
            .or_default()
            .add(*correct, *count);
    }
    let mut missed: Vec<Missed> = by
        .into_iter()
        .filter(|(_, t)| t.correct < t.answered)
        .map(|((version, question, org), answers)| Missed {
            version,
            question,
            org: org.to_owned(),
            answers,
        })
        .collect();
    let wrong = |m: &Missed| i128::from(m.answers.answered - m.answers.correct);
    missed.sort_by(|a, b| {
        (wrong(b) * i128::from(a.answers.answered))
            .cmp(&(wrong(a) * i128::from(b.answers.answered)))
            .then_with(|| wrong(b).cmp(&wrong(a)))
            .then_with(|| a.org.cmp(&b.org))
            .then_with(|| (a.version, a.question).cmp(&(b.version, b.question)))
    });
    missed.truncate(n);
    missed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partners_and_sales_side_by_side_per_question() {
        let rows = [
            (1, 0, Role::Partner, true, 3),
            (1, 0, Role::Partner, false, 1),
            (1, 0, Role::Sales, true, 2),
            (2, 0, Role::Sales, false, 1),
            (2, 1, Role::Partner, true, 1),
            (1, 0, Role::Admin, false, 9),
        ];
        let q = by_question(&rows);
        assert_eq!(
            q.iter()
                .map(|q| (q.version, q.question))
                .collect::<Vec<_>>(),
            [(2, 0), (2, 1), (1, 0)]
        );
        let v1 = &q[2];
        assert_eq!(v1.partners.label(), "3 of 4 (75.0 %)");
        assert_eq!(v1.sales.label(), "2 of 2 (100.0 %)");
        assert_eq!(v1.gap(), "25.0 points behind");
        assert_eq!(q[0].partners.label(), "no answers");
        assert_eq!(q[0].gap(), "–");
    }

    #[test]
    fn the_most_missed_questions_by_organisation() {
        let row = |v, q, o: &str, c, n| (v, q, o.to_owned(), c, n);
        let rows = [
            row(1, 0, "Alpha", false, 1),
            row(1, 0, "Alpha", true, 3),
            row(1, 1, "Beta", false, 2),
            row(1, 1, "Beta", true, 0),
            row(1, 1, "Alpha", true, 5),
        ];
        let m = most_missed(&rows, 10);
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].org.as_str(), m[0].question), ("Beta", 1));
        assert_eq!(m[1].answers.label(), "3 of 4 (75.0 %)");
    }
}
