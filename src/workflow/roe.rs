//! The rules-of-engagement workflow: publishing a version (with its audit record and the
//! emails to everyone who must acknowledge it, in one transaction), a user's standing,
//! acknowledging, the spaced re-checks, and the admins' overview.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDateTime, TimeDelta};
use diesel::QueryResult;

use crate::config::Config;
use crate::db::models::roe::{self as store, AnswerKind, RoeVersion};
use crate::db::models::user::{self, User};
use crate::db::models::{audit, org};
use crate::db::{DbConnection, write_tx};
use crate::domain::audit::{Action, SubjectKind, Who, subject};
use crate::domain::roe::{
    self, ACCURACY_DAYS, Draft, Graded, Question, Schedule, after_acknowledgement, after_recheck,
    all_correct, grade, is_due, must_acknowledge, recheck_question,
};
use crate::domain::role::Role;
use crate::mail::{self, templates::RoeChanged};

/// Where a user stands with the rules.
pub struct Standing {
    pub current: Option<RoeVersion>,
    /// When they acknowledged the current version.
    pub acknowledged_at: Option<NaiveDateTime>,
    pub must_acknowledge: bool,
}

pub fn standing(conn: &mut DbConnection, user_id: &str, role: Role) -> QueryResult<Standing> {
    let current = store::current(conn)?;
    let latest = store::latest_acknowledged(conn, user_id)?;
    let acknowledged_at = match &current {
        Some(c) => store::acknowledged_at(conn, user_id, c.version)?,
        None => None,
    };
    Ok(Standing {
        must_acknowledge: must_acknowledge(role, current.as_ref().map(|c| c.version), latest),
        current,
        acknowledged_at,
    })
}

/// The version a user must acknowledge before they register a deal (or, later, ask to
/// assist), if any: the gate every such action calls.
pub fn version_to_acknowledge(
    conn: &mut DbConnection,
    user_id: &str,
    role: Role,
) -> QueryResult<Option<i64>> {
    let current = store::current_number(conn)?;
    let latest = store::latest_acknowledged(conn, user_id)?;
    Ok(must_acknowledge(role, current, latest)
        .then_some(current)
        .flatten())
}

pub enum PublishError {
    /// Same document and questions as the version in force.
    Unchanged,
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for PublishError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e)
    }
}

pub struct Published {
    pub version: i64,
    pub emailed: usize,
}

/// Who is told about a new version: active partner users (of active organisations) and
/// active sales reps.
fn audience(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
    let active_orgs: HashSet<String> = org::list(conn)?
        .into_iter()
        .filter(|o| o.is_active())
        .map(|o| o.id)
        .collect();
    let mut people: Vec<User> = user::active_with_role(conn, Role::Partner)?
        .into_iter()
        .filter(|u| u.org_id.as_ref().is_some_and(|o| active_orgs.contains(o)))
        .collect();
    people.extend(user::active_with_role(conn, Role::Sales)?);
    Ok(people)
}

/// What publishing `draft` would do, for the admin to confirm first: how many people would
/// be emailed, or why nothing would be published.
pub fn preview(conn: &mut DbConnection, draft: &Draft) -> Result<usize, PublishError> {
    if let Some(current) = store::current(conn)?
        && !roe::changes_anything(draft, &current.body, &current.questions)
    {
        return Err(PublishError::Unchanged);
    }
    Ok(audience(conn)?.len())
}

/// Publishes a new version: the version row, its audit record and one email per person who
/// must acknowledge it, all or nothing.
pub fn publish(
    conn: &mut DbConnection,
    config: &Config,
    admin: &Who,
    draft: &Draft,
    now: NaiveDateTime,
) -> Result<Published, PublishError> {
    let admin_id = admin.user_id.as_deref().unwrap_or_default();
    write_tx(conn, |conn| {
        if let Some(current) = store::current(conn)?
            && !roe::changes_anything(draft, &current.body, &current.questions)
        {
            return Err(PublishError::Unchanged);
        }
        let version = store::insert(conn, draft, admin_id, now)?;
        let people = audience(conn)?;
        for person in &people {
            let consequence = if person.role() == Role::Sales {
                "Acknowledge them before you ask to assist on a partner's deal."
            } else {
                "Until you acknowledge them, you cannot register new deals."
            };
            mail::enqueue(
                conn,
                config,
                &person.email,
                &RoeChanged {
                    program: mail::PROGRAM.to_owned(),
                    name: person.name.clone(),
                    version,
                    summary: draft.summary.clone(),
                    link: config.link("/roe"),
                    consequence,
                },
                now,
            )?;
        }
        // Last, after the emails: the chain is held from here to the commit.
        audit::record(
            conn,
            admin,
            Action::RoePublished,
            &subject(SubjectKind::Roe, &version.to_string()),
            Some(&draft.summary),
            now,
        )?;
        Ok(Published {
            version,
            emailed: people.len(),
        })
    })
}

pub enum AckOutcome {
    Acknowledged,
    /// Some answers were wrong: nothing is acknowledged; the page shows the explanations.
    Wrong(Vec<Graded>),
    /// A newer version was published while the user was reading.
    Stale,
    /// They had already acknowledged it (a second tab, a double click).
    Already,
}

/// Grades the check and, when every answer is right, records the acknowledgement, its audit
/// record and the start of the re-check schedule. Every answer counts for the accuracy
/// figures, right or wrong.
pub fn acknowledge(
    conn: &mut DbConnection,
    who: &Who,
    version: i64,
    answers: &[Option<usize>],
    now: NaiveDateTime,
) -> QueryResult<AckOutcome> {
    let user_id = who.user_id.as_deref().unwrap_or_default();
    write_tx(conn, |conn| {
        let Some(current) = store::current(conn)? else {
            return Ok(AckOutcome::Stale);
        };
        if current.version != version {
            return Ok(AckOutcome::Stale);
        }
        if store::acknowledged_at(conn, user_id, version)?.is_some() {
            return Ok(AckOutcome::Already);
        }
        let graded = grade(&current.questions, answers);
        let record: Vec<(usize, bool)> = graded
            .iter()
            .enumerate()
            .map(|(i, g)| (i, g.correct))
            .collect();
        store::insert_answers(
            conn,
            user_id,
            version,
            &record,
            AnswerKind::Acknowledgement,
            now,
        )?;
        if !all_correct(&graded) {
            return Ok(AckOutcome::Wrong(graded));
        }
        store::insert_acknowledgement(conn, user_id, version, now)?;
        store::set_schedule(conn, user_id, version, &after_acknowledgement(now), now)?;
        audit::record(
            conn,
            who,
            Action::RoeAcknowledged,
            &subject(SubjectKind::Roe, &version.to_string()),
            None,
            now,
        )?;
        Ok(AckOutcome::Acknowledged)
    })
}

/// A re-check that is due now.
pub struct DueRecheck {
    pub version: i64,
    pub index: usize,
    pub question: Question,
    pub schedule: Schedule,
}

/// The question to re-ask now, if one is due: the user acknowledged the version in force,
/// it has questions, and the interval has passed.
pub fn due_recheck(
    conn: &mut DbConnection,
    user_id: &str,
    role: Role,
    now: NaiveDateTime,
) -> QueryResult<Option<DueRecheck>> {
    if !roe::acknowledges(role) {
        return Ok(None);
    }
    let Some((version, schedule)) = store::schedule(conn, user_id)? else {
        return Ok(None);
    };
    if !is_due(&schedule, now) {
        return Ok(None);
    }
    let Some(current) = store::current(conn)? else {
        return Ok(None);
    };
    if current.version != version {
        return Ok(None);
    }
    Ok(
        recheck_question(&schedule, current.questions.len()).map(|index| DueRecheck {
            version,
            index,
            question: current.questions[index].clone(),
            schedule,
        }),
    )
}

pub enum RecheckOutcome {
    Correct {
        next_due: NaiveDateTime,
    },
    Wrong {
        due: DueRecheck,
        chosen: Option<usize>,
        next_due: NaiveDateTime,
    },
    /// Nothing was due (answered in another tab, or the rules changed).
    NotDue,
}

/// Records a re-check answer and moves the schedule on (longer after a right answer, back
/// to the start after a wrong one).
pub fn answer_recheck(
    conn: &mut DbConnection,
    user_id: &str,
    role: Role,
    version: i64,
    index: usize,
    chosen: Option<usize>,
    now: NaiveDateTime,
) -> QueryResult<RecheckOutcome> {
    write_tx(conn, |conn| {
        let Some(due) = due_recheck(conn, user_id, role, now)? else {
            return Ok(RecheckOutcome::NotDue);
        };
        if due.version != version || due.index != index {
            return Ok(RecheckOutcome::NotDue);
        }
        let correct = chosen == Some(due.question.correct);
        store::insert_answers(
            conn,
            user_id,
            version,
            &[(index, correct)],
            AnswerKind::Recheck,
            now,
        )?;
        let next = after_recheck(due.schedule, correct, now);
        store::set_schedule(conn, user_id, version, &next, now)?;
        Ok(if correct {
            RecheckOutcome::Correct {
                next_due: next.due_at,
            }
        } else {
            RecheckOutcome::Wrong {
                due,
                chosen,
                next_due: next.due_at,
            }
        })
    })
}

/// One person on the admins' overview.
pub struct PersonStanding {
    pub name: String,
    pub email: String,
    pub acknowledged_at: Option<NaiveDateTime>,
    /// Correct and total answers in the last [`ACCURACY_DAYS`] days.
    pub correct: i64,
    pub answered: i64,
}

pub struct OrgStanding {
    pub name: String,
    pub status_label: &'static str,
    pub people: Vec<PersonStanding>,
}

impl OrgStanding {
    pub fn acknowledged(&self) -> usize {
        self.people
            .iter()
            .filter(|p| p.acknowledged_at.is_some())
            .count()
    }

    pub fn correct(&self) -> i64 {
        self.people.iter().map(|p| p.correct).sum()
    }

    pub fn answered(&self) -> i64 {
        self.people.iter().map(|p| p.answered).sum()
    }
}

pub struct Overview {
    pub version: Option<i64>,
    pub orgs: Vec<OrgStanding>,
    pub sales: Vec<PersonStanding>,
}

/// Acknowledgement of the version in force and recent check accuracy, per partner
/// organisation (and its active users) and per active sales rep.
pub fn overview(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Overview> {
    let version = store::current_number(conn)?;
    let acks = match version {
        Some(v) => store::acknowledgements_of(conn, v)?,
        None => Default::default(),
    };
    let accuracy = store::accuracy_since(conn, now - TimeDelta::days(ACCURACY_DAYS))?;
    let person = |u: &User| {
        let (correct, answered) = accuracy.get(&u.id).copied().unwrap_or_default();
        PersonStanding {
            name: u.name.clone(),
            email: u.email.clone(),
            acknowledged_at: acks.get(&u.id).copied(),
            correct,
            answered,
        }
    };
    // Every active partner user in one query, not one query per organisation.
    let mut by_org: HashMap<String, Vec<PersonStanding>> = HashMap::new();
    for u in user::active_with_role(conn, Role::Partner)? {
        if let Some(org_id) = &u.org_id {
            by_org.entry(org_id.clone()).or_default().push(person(&u));
        }
    }
    let orgs = org::list(conn)?
        .into_iter()
        .map(|o| OrgStanding {
            status_label: o.status_label(),
            people: by_org.remove(&o.id).unwrap_or_default(),
            name: o.name,
        })
        .collect();
    let sales = user::active_with_role(conn, Role::Sales)?
        .iter()
        .map(person)
        .collect();
    Ok(Overview {
        version,
        orgs,
        sales,
    })
}

/// [`overview`] for one partner organisation's active users: its scorecard's people.
pub fn org_people(
    conn: &mut DbConnection,
    org_id: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<PersonStanding>> {
    let users: Vec<User> = user::list_by_org(conn, org_id)?
        .into_iter()
        .filter(|u| u.disabled_at.is_none())
        .collect();
    let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    let acks = match store::current_number(conn)? {
        Some(v) => store::acknowledged_by(conn, v, &ids)?,
        None => HashMap::new(),
    };
    let accuracy = store::accuracy_of(conn, &ids, now - TimeDelta::days(ACCURACY_DAYS))?;
    Ok(users
        .iter()
        .map(|u| {
            let (correct, answered) = accuracy.get(&u.id).copied().unwrap_or_default();
            PersonStanding {
                name: u.name.clone(),
                email: u.email.clone(),
                acknowledged_at: acks.get(&u.id).copied(),
                correct,
                answered,
            }
        })
        .collect())
}

/// One person on the acknowledgements export: a [`PersonStanding`] with who they are.
pub struct ListedStanding {
    pub user_id: String,
    pub role: Role,
    pub org_name: Option<String>,
    /// The version in force, if any, and the start of the accuracy window.
    pub version: Option<i64>,
    pub since: NaiveDateTime,
    pub standing: PersonStanding,
}

/// The people [`overview`] lists (active partner users and sales reps), one page in email
/// order after the one with email `after`: an export of every one, a page at a time, in
/// three queries a page rather than [`overview`]'s whole program at once.
pub fn standings_page(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ListedStanding>> {
    let version = store::current_number(conn)?;
    let since = now - TimeDelta::days(ACCURACY_DAYS);
    let people = user::list_page(conn, Some(&[Role::Partner, Role::Sales]), "", after, limit)?;
    let ids: Vec<String> = people.iter().map(|p| p.user.id.clone()).collect();
    let acks = match version {
        Some(v) => store::acknowledged_by(conn, v, &ids)?,
        None => HashMap::new(),
    };
    let accuracy = store::accuracy_of(conn, &ids, since)?;
    Ok(people
        .into_iter()
        .map(|p| {
            let (correct, answered) = accuracy.get(&p.user.id).copied().unwrap_or_default();
            ListedStanding {
                standing: PersonStanding {
                    name: p.user.name.clone(),
                    email: p.user.email.clone(),
                    acknowledged_at: acks.get(&p.user.id).copied(),
                    correct,
                    answered,
                },
                role: p.user.role,
                user_id: p.user.id,
                org_name: p.org_name,
                version,
                since,
            }
        })
        .collect())
}
