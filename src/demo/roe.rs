//! The rules of engagement: version 1 from the program's second year, version 2 three weeks
//! ago (assists and the protection of a partner's recent customers). Everyone acknowledged
//! version 1; about three in four of the partners' users and reps have acknowledged version
//! 2, so the admins' overview has people to chase and some partners meet the gate on their
//! next registration. partner1 and `sales@`, the tour's logins, are among those who did.
//! Acknowledging took a second try now and then; the spaced re-checks since were answered
//! as the schedule asked, mostly right, and some are due now.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use rand::Rng;

use super::orgs::People;
use super::random::secs;
use super::{Fill, explain};
use crate::db::models::audit;
use crate::db::models::roe as store;
use crate::db::schema::{roe_acknowledgements, roe_answers, roe_rechecks};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::audit::{Action, SubjectKind, Who, subject};
use crate::domain::money::group_count;
use crate::domain::roe::{Draft, Question, Schedule, after_acknowledgement, after_recheck};

const V1_AGE: TimeDelta = TimeDelta::days(2 * 365);
const V2_AGE: TimeDelta = TimeDelta::days(21);

const BODY_V1: &str = "# Rules of engagement

## Who owns a prospect
The first valid registration wins. A registration is valid once the channel team approves it;
from then on the prospect is protected for the partner for the protection window.

## Direct sales
Direct reps check the lock before they pursue an account. A protected account is the
partner's: the rep may not quote, discount or meet the prospect without the partner.

## Named accounts
Accounts reserved for direct sales cannot be registered by partners.
";

const BODY_V2: &str = "# Rules of engagement

## Who owns a prospect
The first valid registration wins. A registration is valid once the channel team approves it;
from then on the prospect is protected for the partner for the protection window.

## Recent customers
A partner's customer of the last twelve months stays protected for that partner for a new
registration by another partner, even before it is registered again.

## Direct sales
Direct reps check the lock before they pursue an account. A protected account is the
partner's: the rep may not quote, discount or meet the prospect without the partner.

## Co-selling
A rep may ask to assist on a protected deal. The partner accepts or declines; the channel
team may assign a rep. An assisting rep shares the quota credit; on enterprise deals both
are credited in full (double credit).

## Named accounts
Accounts reserved for direct sales cannot be registered by partners.
";

fn question(prompt: &str, options: &[&str], correct: usize, explanation: &str) -> Question {
    Question {
        prompt: prompt.to_owned(),
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        correct,
        explanation: explanation.to_owned(),
    }
}

fn questions(v2: bool) -> Vec<Question> {
    let mut out = vec![
        question(
            "Two partners register the same prospect. Who owns it?",
            &[
                "The partner whose registration was approved first",
                "The larger partner",
                "Whoever closes first",
            ],
            0,
            "'Who owns a prospect': the first valid (approved) registration wins.",
        ),
        question(
            "May a direct rep quote a price to a protected prospect?",
            &["Yes, if the rep met them first", "Not without the partner"],
            1,
            "'Direct sales': a protected account is the partner's.",
        ),
    ];
    if v2 {
        out.push(question(
            "A rep assists on a protected enterprise deal that is won. Who is credited?",
            &[
                "Only the partner",
                "Only the rep",
                "Both, in full (double credit)",
            ],
            2,
            "'Co-selling': on enterprise deals both are credited in full.",
        ));
    }
    out
}

/// Who acknowledges the rules: the active partners' users and the reps.
pub(super) struct Audience {
    people: Vec<String>,
    /// Always acknowledged the version in force: the tour's logins.
    tour: Vec<String>,
}

impl Audience {
    pub(super) fn of(people: &People) -> Self {
        let mut all: Vec<String> = people
            .orgs
            .iter()
            .filter(|o| o.is_active())
            .map(|o| o.user_id.clone())
            .collect();
        all.extend(people.reps.iter().map(|r| r.id.clone()));
        let tour = people.orgs[0].user_id.clone();
        Self {
            people: all,
            tour: vec![tour, people.reps[0].id.clone()],
        }
    }
}

#[derive(Default)]
struct Rows {
    acknowledgements: Vec<(String, i64, NaiveDateTime)>,
    /// (id, user, version, question, correct, kind, at).
    answers: Vec<(String, String, i64, i32, bool, &'static str, NaiveDateTime)>,
    /// (user, version, step, next question, due, updated).
    rechecks: Vec<(String, i64, i32, i32, NaiveDateTime, NaiveDateTime)>,
    /// (at, actor, action, subject): written through the audit chain, oldest first.
    audit: Vec<(NaiveDateTime, String, Action, String)>,
}

impl Rows {
    /// `who` answered question `q`, right or not, in an acknowledgement or a re-check.
    fn answer(
        &mut self,
        fill: &mut Fill,
        (user, version): (&str, i64),
        (q, correct): (usize, bool),
        (kind, at): (&'static str, NaiveDateTime),
    ) {
        let id = fill.ids.next(&mut fill.rng);
        let q = i32::try_from(q).unwrap_or(0);
        self.answers
            .push((id, user.to_owned(), version, q, correct, kind, at));
    }

    /// `user` acknowledges `version` (with `count` questions) at `at`, sometimes after a
    /// wrong first try, then answers the re-checks due before `until`: most of them, mostly
    /// right; all of them, right, when `diligent` (then none is due at `until`). Returns the
    /// schedule.
    fn acknowledge(
        &mut self,
        fill: &mut Fill,
        user: &str,
        (version, count): (i64, usize),
        at: NaiveDateTime,
        (until, diligent): (NaiveDateTime, bool),
    ) -> Schedule {
        if fill.rng.random_range(0..5) == 0 {
            let wrong = fill.rng.random_range(0..count);
            let first = at - TimeDelta::minutes(3);
            for q in 0..count {
                self.answer(
                    fill,
                    (user, version),
                    (q, q != wrong),
                    ("acknowledgement", first),
                );
            }
        }
        for q in 0..count {
            self.answer(fill, (user, version), (q, true), ("acknowledgement", at));
        }
        self.acknowledgements.push((user.to_owned(), version, at));
        self.audit.push((
            at,
            user.to_owned(),
            Action::RoeAcknowledged,
            subject(SubjectKind::Roe, &version.to_string()),
        ));
        let mut schedule = after_acknowledgement(at);
        // Most answer a re-check within two days of it falling due; some have one due now.
        while schedule.due_at < until && (diligent || fill.rng.random_range(0..8) != 0) {
            let mut answered =
                schedule.due_at + secs(&mut fill.rng, TimeDelta::minutes(5), TimeDelta::days(2));
            if diligent {
                answered = answered.min(until - TimeDelta::minutes(1));
            } else if answered >= until {
                break;
            }
            let correct = diligent || fill.rng.random_range(0..7) != 0;
            let q = schedule.next_question % count;
            self.answer(fill, (user, version), (q, correct), ("recheck", answered));
            schedule = after_recheck(schedule, correct, answered);
        }
        schedule
    }
}

/// Publishes the two versions and writes everyone's acknowledgements, answers and re-check
/// schedules.
pub(super) fn write(
    conn: &mut DbConnection,
    fill: &mut Fill,
    audience: &Audience,
    admin_id: &str,
) -> anyhow::Result<()> {
    let now = fill.now;
    let (v1_at, v2_at) = (now - V1_AGE, now - V2_AGE);
    let drafts = [
        Draft {
            body: BODY_V1.to_owned(),
            summary: "First version: who owns a prospect, direct sales, named accounts.".to_owned(),
            questions: questions(false),
        },
        Draft {
            body: BODY_V2.to_owned(),
            summary: "New: a partner's recent customers stay protected, and co-selling with \
                      double credit on enterprise deals."
                .to_owned(),
            questions: questions(true),
        },
    ];
    let mut rows = Rows::default();
    let counts = [drafts[0].questions.len(), drafts[1].questions.len()];
    for user in &audience.people {
        let tour = audience.tour.contains(user);
        let first = v1_at + secs(&mut fill.rng, TimeDelta::hours(2), TimeDelta::days(30));
        let mut schedule = rows.acknowledge(fill, user, (1, counts[0]), first, (v2_at, false));
        let mut version = 1;
        if tour || fill.rng.random_range(0..4) != 0 {
            let at = v2_at + secs(&mut fill.rng, TimeDelta::hours(2), TimeDelta::days(14));
            // The tour's logins are not asked a re-check on their first look.
            schedule = rows.acknowledge(fill, user, (2, counts[1]), at, (now, tour));
            version = 2;
        }
        rows.rechecks.push((
            user.clone(),
            version,
            i32::try_from(schedule.step).unwrap_or(0),
            i32::try_from(schedule.next_question).unwrap_or(0),
            schedule.due_at,
            now,
        ));
    }
    write_tx(conn, |conn| -> diesel::QueryResult<()> {
        for (draft, at) in drafts.iter().zip([v1_at, v2_at]) {
            let version = store::insert(conn, draft, admin_id, at)?;
            rows.audit.push((
                at,
                admin_id.to_owned(),
                Action::RoePublished,
                subject(SubjectKind::Roe, &version.to_string()),
            ));
        }
        let acks = rows.acknowledgements.iter().map(|(user, version, at)| {
            (
                roe_acknowledgements::user_id.eq(user),
                roe_acknowledgements::version.eq(version),
                roe_acknowledgements::acknowledged_at.eq(at),
            )
        });
        db::insert_rows(
            conn,
            roe_acknowledgements::table,
            3,
            acks.collect::<Vec<_>>(),
        )?;
        let answers = rows
            .answers
            .iter()
            .map(|(id, user, version, q, correct, kind, at)| {
                (
                    roe_answers::id.eq(id),
                    roe_answers::user_id.eq(user),
                    roe_answers::version.eq(version),
                    roe_answers::question.eq(q),
                    roe_answers::correct.eq(correct),
                    roe_answers::kind.eq(kind),
                    roe_answers::answered_at.eq(at),
                )
            });
        db::insert_rows(conn, roe_answers::table, 7, answers.collect::<Vec<_>>())?;
        let rechecks = rows
            .rechecks
            .iter()
            .map(|(user, version, step, next, due, at)| {
                (
                    roe_rechecks::user_id.eq(user),
                    roe_rechecks::version.eq(version),
                    roe_rechecks::step.eq(step),
                    roe_rechecks::next_question.eq(next),
                    roe_rechecks::due_at.eq(due),
                    roe_rechecks::updated_at.eq(at),
                )
            });
        db::insert_rows(conn, roe_rechecks::table, 6, rechecks.collect::<Vec<_>>())?;
        // Through the chain, oldest first, as the portal would have recorded them (the role is
        // read from each user's row).
        rows.audit.sort_by_key(|a| a.0);
        for (at, actor, action, about) in &rows.audit {
            let who = Who {
                user_id: Some(actor.clone()),
                role: None,
                client_addr: None,
            };
            audit::record(conn, &who, *action, about, None, *at)?;
        }
        Ok(())
    })
    .map_err(|e| explain("rules of engagement", e))?;
    let on_v2 = rows.acknowledgements.iter().filter(|a| a.1 == 2).count();
    fill.summary.acknowledgements = rows.acknowledgements.len() as u64;
    (fill.progress)(&format!(
        "rules of engagement: 2 versions; {} of {} people acknowledged version 2",
        group_count(on_v2 as u64),
        group_count(audience.people.len() as u64)
    ));
    Ok(())
}
