//! Rules of engagement: one versioned document the admins publish, with a short
//! comprehension check. Partners and sales reps acknowledge the current version (read it,
//! answer the check) before they register deals or ask to assist, and are re-asked one
//! question at spaced intervals so the rules stay known, not just clicked through.
//!
//! Everything here is pure: the admin form's validation, safe Markdown rendering, the line
//! diff between versions, grading, and the re-check schedule.

use chrono::{NaiveDateTime, TimeDelta};
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};
use similar::{ChangeTag, TextDiff};

use crate::domain::errors::FieldErrors;
use crate::domain::role::Role;

/// Question slots on the admin form: a fixed number, so it works without JavaScript; blank
/// slots are ignored.
pub const SLOTS: usize = 5;
pub const MAX_BODY: usize = 100_000;
pub const MAX_SUMMARY: usize = 1_000;
pub const MAX_PROMPT: usize = 300;
pub const MAX_OPTION: usize = 200;
pub const MAX_EXPLANATION: usize = 1_000;
pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 6;

/// Form field names of each slot: prompt, options, correct option, explanation.
pub const SLOT_FIELDS: [[&str; 4]; SLOTS] = [
    ["q1_prompt", "q1_options", "q1_correct", "q1_explanation"],
    ["q2_prompt", "q2_options", "q2_correct", "q2_explanation"],
    ["q3_prompt", "q3_options", "q3_correct", "q3_explanation"],
    ["q4_prompt", "q4_options", "q4_correct", "q4_explanation"],
    ["q5_prompt", "q5_options", "q5_correct", "q5_explanation"],
];

/// Answer field names on the acknowledgement form, one per question.
pub const ANSWER_FIELDS: [&str; SLOTS] = ["a1", "a2", "a3", "a4", "a5"];

/// One multiple-choice question of a version's check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub prompt: String,
    pub options: Vec<String>,
    /// Index into `options`.
    pub correct: usize,
    /// Shown after a wrong answer: why, and which rule says so.
    pub explanation: String,
}

/// What an admin publishes, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub body: String,
    pub summary: String,
    pub questions: Vec<Question>,
}

/// One question slot as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlotForm {
    pub prompt: String,
    /// One option per line.
    pub options: String,
    /// The correct option's number (1 = the first line).
    pub correct: String,
    pub explanation: String,
}

impl SlotForm {
    fn is_blank(&self) -> bool {
        [
            &self.prompt,
            &self.options,
            &self.correct,
            &self.explanation,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }
}

/// The admin's publish form as typed, kept whole so an error loses nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoeForm {
    pub body: String,
    pub summary: String,
    pub slots: Vec<SlotForm>,
}

impl Default for RoeForm {
    fn default() -> Self {
        Self {
            body: String::new(),
            summary: String::new(),
            slots: vec![SlotForm::default(); SLOTS],
        }
    }
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

impl RoeForm {
    /// Reads the posted fields; unknown ones are ignored.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        Self {
            body: field(pairs, "body").to_owned(),
            summary: field(pairs, "summary").to_owned(),
            slots: SLOT_FIELDS
                .iter()
                .map(|[p, o, c, e]| SlotForm {
                    prompt: field(pairs, p).to_owned(),
                    options: field(pairs, o).to_owned(),
                    correct: field(pairs, c).to_owned(),
                    explanation: field(pairs, e).to_owned(),
                })
                .collect(),
        }
    }

    /// The form for the next version, starting from the one in force (the summary is new
    /// every time).
    pub fn from_version(body: &str, questions: &[Question]) -> Self {
        let mut form = Self {
            body: body.to_owned(),
            ..Self::default()
        };
        for (slot, q) in form.slots.iter_mut().zip(questions) {
            *slot = SlotForm {
                prompt: q.prompt.clone(),
                options: q.options.join("\n"),
                correct: (q.correct + 1).to_string(),
                explanation: q.explanation.clone(),
            };
        }
        form
    }
}

fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

/// Checks the form; every problem is reported next to its field.
pub fn validate(form: &RoeForm) -> Result<Draft, FieldErrors> {
    let mut errors = FieldErrors::new();
    // Line endings as browsers send them (CRLF) would make every line differ in the diff.
    let body = form.body.replace("\r\n", "\n").trim_end().to_owned();
    if body.trim().is_empty() {
        errors.add("body", "Write the rules of engagement.");
    } else if too_long(&body, MAX_BODY) {
        errors.add(
            "body",
            format!("Keep the document under {MAX_BODY} characters."),
        );
    }
    let summary = form.summary.trim().to_owned();
    if summary.is_empty() {
        errors.add(
            "summary",
            "Say in a sentence or two what changed: partners and sales reps get it by email.",
        );
    } else if too_long(&summary, MAX_SUMMARY) {
        errors.add(
            "summary",
            format!("Keep the summary under {MAX_SUMMARY} characters."),
        );
    }
    let mut questions = Vec::new();
    for (slot, [p, o, c, e]) in form.slots.iter().zip(SLOT_FIELDS.iter()) {
        if slot.is_blank() {
            continue;
        }
        let prompt = slot.prompt.trim().to_owned();
        if prompt.is_empty() {
            errors.add(p, "Write the question, or clear the whole slot.");
        } else if too_long(&prompt, MAX_PROMPT) {
            errors.add(
                p,
                format!("Keep the question under {MAX_PROMPT} characters."),
            );
        }
        let options: Vec<String> = slot
            .options
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        let mut options_ok = false;
        if options.len() < MIN_OPTIONS {
            errors.add(o, "Give at least two options, one per line.");
        } else if options.len() > MAX_OPTIONS {
            errors.add(o, format!("Give at most {MAX_OPTIONS} options."));
        } else if let Some(long) = options.iter().find(|x| too_long(x, MAX_OPTION)) {
            errors.add(
                o,
                format!(
                    "Keep each option under {MAX_OPTION} characters (\"{}…\" is longer).",
                    long.chars().take(30).collect::<String>()
                ),
            );
        } else if options
            .iter()
            .enumerate()
            .any(|(i, x)| options[..i].iter().any(|y| y.eq_ignore_ascii_case(x)))
        {
            errors.add(o, "Two options are the same: make each one different.");
        } else {
            options_ok = true;
        }
        let correct = match slot.correct.trim().parse::<usize>() {
            Ok(n) if n >= 1 && (!options_ok || n <= options.len()) => Some(n - 1),
            Ok(_) if options_ok => {
                errors.add(
                    c,
                    format!(
                        "Give the number of the correct option, 1 to {}.",
                        options.len()
                    ),
                );
                None
            }
            _ => {
                errors.add(
                    c,
                    "Give the number of the correct option (1 for the first line).",
                );
                None
            }
        };
        let explanation = slot.explanation.trim().to_owned();
        if explanation.is_empty() {
            errors.add(
                e,
                "Explain the answer and point at the rule: it is shown after a wrong answer.",
            );
        } else if too_long(&explanation, MAX_EXPLANATION) {
            errors.add(
                e,
                format!("Keep the explanation under {MAX_EXPLANATION} characters."),
            );
        }
        if let Some(correct) = correct {
            questions.push(Question {
                prompt,
                options,
                correct,
                explanation,
            });
        }
    }
    errors.into_result(Draft {
        body,
        summary,
        questions,
    })
}

/// Whether a draft would publish anything new compared with the version in force.
pub fn changes_anything(draft: &Draft, body: &str, questions: &[Question]) -> bool {
    draft.body != body || draft.questions != questions
}

/// Renders the document's Markdown to HTML that is safe to put in a page: raw HTML from the
/// editor is shown as text, and links or images whose address is not http(s), mailto or
/// relative lead nowhere. Headings move one level down (`#` becomes `<h2>`), so the page's
/// own `<h1>` stays the only one and screen readers get one outline.
pub fn render_markdown(source: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let events = Parser::new_ext(source, options).map(|event| match event {
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: below(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(below(level))),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// The heading level under `level` (`<h6>` stays `<h6>`).
fn below(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
}

/// `#` for any address with a scheme other than http, https or mailto (`javascript:`,
/// `data:`, `vbscript:` ..., however it is spelled).
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    if is_safe_url(&url) {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

pub fn is_safe_url(url: &str) -> bool {
    // Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    let scheme_end = cleaned.find(':');
    let path_start = cleaned.find(['/', '?', '#']);
    match (scheme_end, path_start) {
        (None, _) => true,
        (Some(colon), Some(path)) if path < colon => true,
        (Some(colon), _) => matches!(&cleaned[..colon], "http" | "https" | "mailto"),
    }
}

/// One line of a diff between two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineChange {
    Same,
    Added,
    Removed,
}

impl LineChange {
    /// The word a screen reader says and a colour-blind reader sees.
    pub fn label(self) -> &'static str {
        match self {
            LineChange::Same => "unchanged",
            LineChange::Added => "added",
            LineChange::Removed => "removed",
        }
    }

    pub fn sign(self) -> &'static str {
        match self {
            LineChange::Same => " ",
            LineChange::Added => "+",
            LineChange::Removed => "−",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub change: LineChange,
    /// The line number in the old version (removed, unchanged) or the new one (added).
    pub number: usize,
    pub text: String,
}

/// The changed parts of a document, each with up to two unchanged lines around it.
pub fn line_diff(old: &str, new: &str) -> Vec<Vec<DiffLine>> {
    let diff = TextDiff::from_lines(old, new);
    diff.grouped_ops(2)
        .iter()
        .map(|group| {
            group
                .iter()
                .flat_map(|op| diff.iter_changes(op))
                .map(|c| {
                    let (change, index) = match c.tag() {
                        ChangeTag::Equal => (LineChange::Same, c.new_index()),
                        ChangeTag::Insert => (LineChange::Added, c.new_index()),
                        ChangeTag::Delete => (LineChange::Removed, c.old_index()),
                    };
                    DiffLine {
                        change,
                        number: index.map_or(0, |i| i + 1),
                        text: c.value().trim_end_matches(['\n', '\r']).to_owned(),
                    }
                })
                .collect()
        })
        .collect()
}

/// Answers as posted: the chosen option's number per question (1-based on the form).
pub fn parse_answers(pairs: &[(String, String)], count: usize) -> Vec<Option<usize>> {
    ANSWER_FIELDS
        .iter()
        .take(count)
        .map(|name| {
            field(pairs, name)
                .trim()
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
        })
        .collect()
}

/// One answered question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Graded {
    pub chosen: Option<usize>,
    pub correct: bool,
}

/// Grades every question; an unanswered one is wrong.
pub fn grade(questions: &[Question], answers: &[Option<usize>]) -> Vec<Graded> {
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let chosen = answers.get(i).copied().flatten();
            Graded {
                chosen,
                correct: chosen == Some(q.correct),
            }
        })
        .collect()
}

pub fn all_correct(graded: &[Graded]) -> bool {
    graded.iter().all(|g| g.correct)
}

/// Who acknowledges the rules: the people who claim or pursue accounts.
pub fn acknowledges(role: Role) -> bool {
    matches!(role, Role::Partner | Role::Sales)
}

/// Whether a user must acknowledge the rules before registering a deal (partners) or asking
/// to assist on one (sales): there is a version in force and they have not acknowledged it.
/// No version published yet: nothing to acknowledge.
pub fn must_acknowledge(
    role: Role,
    current_version: Option<i64>,
    latest_acknowledged: Option<i64>,
) -> bool {
    acknowledges(role)
        && current_version.is_some_and(|current| latest_acknowledged.is_none_or(|a| a < current))
}

/// Days between re-checks: after the acknowledgement, then after each correct answer.
pub const INTERVAL_DAYS: [i64; 3] = [7, 30, 90];

/// Where a user stands in the re-check schedule of the version they acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Index into [`INTERVAL_DAYS`] of the interval that led to `due_at`.
    pub step: usize,
    /// Which question to ask next (taken modulo the number of questions).
    pub next_question: usize,
    pub due_at: NaiveDateTime,
}

fn interval(step: usize) -> TimeDelta {
    TimeDelta::days(INTERVAL_DAYS[step.min(INTERVAL_DAYS.len() - 1)])
}

/// The first re-check comes 7 days after the acknowledgement.
pub fn after_acknowledgement(now: NaiveDateTime) -> Schedule {
    Schedule {
        step: 0,
        next_question: 0,
        due_at: now + interval(0),
    }
}

/// A correct answer moves to the next, longer interval (7, 30, then every 90 days); a wrong
/// one starts again at 7 days. Either way the next re-check asks the next question.
pub fn after_recheck(schedule: Schedule, correct: bool, now: NaiveDateTime) -> Schedule {
    let step = if correct {
        (schedule.step + 1).min(INTERVAL_DAYS.len() - 1)
    } else {
        0
    };
    Schedule {
        step,
        next_question: schedule.next_question + 1,
        due_at: now + interval(step),
    }
}

pub fn is_due(schedule: &Schedule, now: NaiveDateTime) -> bool {
    now >= schedule.due_at
}

/// The question a due re-check asks, if the version has any.
pub fn recheck_question(schedule: &Schedule, question_count: usize) -> Option<usize> {
    (question_count > 0).then(|| schedule.next_question % question_count)
}

/// How many days the accuracy shown to admins looks back.
pub const ACCURACY_DAYS: i64 = 90;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn t0() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn valid_pairs() -> Vec<(String, String)> {
        pairs(&[
            ("body", "# Rules\r\n\r\nFirst valid registration wins.\r\n"),
            ("summary", "First version."),
            ("q1_prompt", "Who wins a prospect?"),
            (
                "q1_options",
                "The first valid registration\nThe largest partner\n\n",
            ),
            ("q1_correct", "1"),
            (
                "q1_explanation",
                "See 'Ownership': first valid registration wins.",
            ),
        ])
    }

    #[test]
    fn a_valid_form_publishes_its_filled_slots_only() {
        let draft = validate(&RoeForm::from_pairs(&valid_pairs())).unwrap();
        assert_eq!(draft.body, "# Rules\n\nFirst valid registration wins.");
        assert_eq!(draft.questions.len(), 1);
        assert_eq!(draft.questions[0].options.len(), 2);
        assert_eq!(draft.questions[0].correct, 0);
    }

    #[test]
    fn each_problem_is_reported_next_to_its_field() {
        let mut p = valid_pairs();
        p.retain(|(k, _)| k != "summary");
        p.extend(pairs(&[
            ("q2_prompt", ""),
            ("q2_options", "Only one"),
            ("q2_correct", "x"),
            ("q3_options", "a\nb"),
            ("q3_correct", "3"),
            ("q3_explanation", "why"),
            ("q3_prompt", "Q?"),
        ]));
        let errors = validate(&RoeForm::from_pairs(&p)).unwrap_err();
        assert!(errors.get("summary").is_some());
        assert!(errors.get("q2_prompt").is_some());
        assert!(errors.get("q2_options").unwrap().contains("at least two"));
        assert!(errors.get("q2_correct").is_some());
        assert!(errors.get("q2_explanation").is_some());
        assert!(errors.get("q3_correct").unwrap().contains("1 to 2"));
        assert!(errors.get("q1_prompt").is_none());
        assert!(
            validate(&RoeForm::default())
                .unwrap_err()
                .get("body")
                .is_some()
        );
    }

    #[test]
    fn duplicate_and_too_many_options_are_refused() {
        let mut p = valid_pairs();
        p.retain(|(k, _)| k != "q1_options");
        p.push(("q1_options".into(), "Yes\nyes".into()));
        let e = validate(&RoeForm::from_pairs(&p)).unwrap_err();
        assert!(e.get("q1_options").unwrap().contains("same"));
        let mut p = valid_pairs();
        p.retain(|(k, _)| k != "q1_options");
        p.push(("q1_options".into(), "a\nb\nc\nd\ne\nf\ng".into()));
        assert!(validate(&RoeForm::from_pairs(&p)).is_err());
    }

    #[test]
    fn the_form_round_trips_a_version() {
        let draft = validate(&RoeForm::from_pairs(&valid_pairs())).unwrap();
        let form = RoeForm::from_version(&draft.body, &draft.questions);
        let mut again = form.clone();
        again.summary = "Same again".into();
        let redo = validate(&again).unwrap();
        assert_eq!(redo.questions, draft.questions);
        assert!(!changes_anything(&redo, &draft.body, &draft.questions));
    }

    #[test]
    fn raw_html_and_script_links_render_inert() {
        let html = render_markdown(
            "# Rules\n\n<script>alert(1)</script>\n\nText <img src=x onerror=alert(2)> and \
             [click](javascript:alert(3)) and [ok](https://example.com/a) and \
             [x](JaVa\tScRiPt:alert(4)) [d](data:text/html,hi) [rel](/roe#t) [m](mailto:a@b.c)",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.to_lowercase().contains("javascript:"), "{html}");
        assert!(!html.contains("data:text"), "{html}");
        assert!(html.contains("href=\"https://example.com/a\""), "{html}");
        assert!(html.contains("href=\"/roe#t\""), "{html}");
        assert!(html.contains("href=\"mailto:a@b.c\""), "{html}");
        assert!(html.contains("<h2>Rules</h2>"), "{html}");
    }

    #[test]
    fn url_safety() {
        assert!(is_safe_url("https://x.example"));
        assert!(is_safe_url("#ownership"));
        assert!(is_safe_url("relative/path:with-colon"));
        assert!(!is_safe_url(" javascript:alert(1)"));
        assert!(!is_safe_url("vbscript:x"));
        assert!(!is_safe_url("java\nscript:x"));
    }

    #[test]
    fn the_diff_marks_added_and_removed_lines_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nD\ne\nf\ng\nh\ni\n";
        let groups = line_diff(old, new);
        let flat: Vec<(LineChange, &str)> = groups
            .iter()
            .flatten()
            .map(|l| (l.change, l.text.as_str()))
            .collect();
        assert!(flat.contains(&(LineChange::Removed, "d")));
        assert!(flat.contains(&(LineChange::Added, "D")));
        assert!(flat.contains(&(LineChange::Added, "i")));
        assert!(
            !flat.iter().any(|(_, t)| *t == "a"),
            "far context is left out"
        );
        assert!(line_diff("same\n", "same\n").is_empty());
    }

    #[test]
    fn grading_needs_every_answer_right() {
        let draft = validate(&RoeForm::from_pairs(&valid_pairs())).unwrap();
        let qs = draft.questions;
        let right = parse_answers(&pairs(&[("a1", "1")]), qs.len());
        assert!(all_correct(&grade(&qs, &right)));
        let wrong = parse_answers(&pairs(&[("a1", "2")]), qs.len());
        let g = grade(&qs, &wrong);
        assert!(!all_correct(&g));
        assert_eq!(g[0].chosen, Some(1));
        let none = parse_answers(&pairs(&[("a1", "0")]), qs.len());
        assert!(!all_correct(&grade(&qs, &none)));
        assert!(all_correct(&grade(&[], &[])));
    }

    #[test]
    fn who_must_acknowledge() {
        assert!(!must_acknowledge(Role::Partner, None, None));
        assert!(must_acknowledge(Role::Partner, Some(1), None));
        assert!(!must_acknowledge(Role::Partner, Some(1), Some(1)));
        assert!(must_acknowledge(Role::Partner, Some(2), Some(1)));
        assert!(must_acknowledge(Role::Sales, Some(2), Some(1)));
        assert!(!must_acknowledge(Role::Channel, Some(2), None));
        assert!(!must_acknowledge(Role::Admin, Some(2), None));
    }

    #[test]
    fn rechecks_come_after_7_then_30_then_90_days() {
        let s = after_acknowledgement(t0());
        assert!(!is_due(
            &s,
            t0() + TimeDelta::days(7) - TimeDelta::seconds(1)
        ));
        assert!(is_due(&s, t0() + TimeDelta::days(7)));
        let at = t0() + TimeDelta::days(8);
        let s = after_recheck(s, true, at);
        assert_eq!(s.due_at, at + TimeDelta::days(30));
        assert!(!is_due(
            &s,
            at + TimeDelta::days(30) - TimeDelta::seconds(1)
        ));
        assert!(is_due(&s, at + TimeDelta::days(30)));
        let s = after_recheck(s, true, at);
        assert_eq!(s.due_at, at + TimeDelta::days(90));
        let s = after_recheck(s, true, at);
        assert_eq!(s.due_at, at + TimeDelta::days(90), "stays at 90 days");
        let s = after_recheck(s, false, at);
        assert_eq!((s.step, s.due_at), (0, at + TimeDelta::days(7)));
        assert_eq!(s.next_question, 4);
    }

    #[test]
    fn rechecks_rotate_through_the_questions() {
        let mut s = after_acknowledgement(t0());
        assert_eq!(recheck_question(&s, 0), None);
        let asked: Vec<usize> = (0..4)
            .map(|_| {
                let q = recheck_question(&s, 3).unwrap();
                s = after_recheck(s, true, t0());
                q
            })
            .collect();
        assert_eq!(asked, [0, 1, 2, 0]);
    }
}
