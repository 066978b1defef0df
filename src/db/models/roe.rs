//! Rules-of-engagement versions, acknowledgements, re-check schedules and answers. The
//! newest version is the one in force; older ones stay for the history and its diffs.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{roe_acknowledgements, roe_answers, roe_rechecks, roe_versions, users};
use crate::domain::roe::{Draft, Question, Schedule};

#[derive(Debug, Clone)]
pub struct RoeVersion {
    pub version: i64,
    pub body: String,
    pub summary: String,
    pub questions: Vec<Question>,
    pub published_by: String,
    pub published_by_name: String,
    pub published_at: NaiveDateTime,
}

type Row = (i64, String, String, String, String, String, NaiveDateTime);

fn parse(row: Row) -> QueryResult<RoeVersion> {
    let (version, body, summary, questions, published_by, published_by_name, published_at) = row;
    let questions = serde_json::from_str(&questions).map_err(|e| {
        diesel::result::Error::DeserializationError(
            format!("rules of engagement version {version} has unreadable questions: {e}").into(),
        )
    })?;
    Ok(RoeVersion {
        version,
        body,
        summary,
        questions,
        published_by,
        published_by_name,
        published_at,
    })
}

fn newest(
    conn: &mut DbConnection,
    at_most: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<RoeVersion>> {
    let mut query = roe_versions::table
        .inner_join(users::table)
        .select((
            roe_versions::version,
            roe_versions::body,
            roe_versions::summary,
            roe_versions::questions,
            roe_versions::published_by,
            users::name,
            roe_versions::published_at,
        ))
        .order(roe_versions::version.desc())
        .limit(limit)
        .into_boxed();
    if let Some(v) = at_most {
        query = query.filter(roe_versions::version.le(v));
    }
    let rows: Vec<Row> = query.load(conn)?;
    rows.into_iter().map(parse).collect()
}

/// The version in force; `None` before the first is published.
pub fn current(conn: &mut DbConnection) -> QueryResult<Option<RoeVersion>> {
    Ok(newest(conn, None, 1)?.pop())
}

pub fn current_number(conn: &mut DbConnection) -> QueryResult<Option<i64>> {
    crate::db::on_backend!(conn, |c| roe_versions::table
        .select(diesel::dsl::max(roe_versions::version))
        .first(c))
}

/// `version` and the one before it (for the diff).
pub fn with_previous(
    conn: &mut DbConnection,
    version: i64,
) -> QueryResult<(Option<RoeVersion>, Option<RoeVersion>)> {
    let mut two = newest(conn, Some(version), 2)?.into_iter();
    let this = two.next().filter(|v| v.version == version);
    if this.is_none() {
        return Ok((None, None));
    }
    Ok((this, two.next()))
}

/// Every version, newest first.
pub fn history(conn: &mut DbConnection) -> QueryResult<Vec<RoeVersion>> {
    newest(conn, None, 1000)
}

/// Publishes `draft` as the next version. Two admins at once: one gets a unique violation.
pub fn insert(
    conn: &mut DbConnection,
    draft: &Draft,
    published_by: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let version = current_number(conn)?.unwrap_or(0) + 1;
    let questions = serde_json::to_string(&draft.questions)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::insert_into(roe_versions::table)
        .values((
            roe_versions::version.eq(version),
            roe_versions::body.eq(&draft.body),
            roe_versions::summary.eq(&draft.summary),
            roe_versions::questions.eq(questions),
            roe_versions::published_by.eq(published_by),
            roe_versions::published_at.eq(now),
        ))
        .execute(conn)?;
    Ok(version)
}

/// The newest version `user_id` acknowledged.
pub fn latest_acknowledged(conn: &mut DbConnection, user_id: &str) -> QueryResult<Option<i64>> {
    crate::db::on_backend!(conn, |c| roe_acknowledgements::table
        .filter(roe_acknowledgements::user_id.eq(user_id))
        .select(diesel::dsl::max(roe_acknowledgements::version))
        .first(c))
}

pub fn acknowledged_at(
    conn: &mut DbConnection,
    user_id: &str,
    version: i64,
) -> QueryResult<Option<NaiveDateTime>> {
    roe_acknowledgements::table
        .find((user_id, version))
        .select(roe_acknowledgements::acknowledged_at)
        .first(conn)
        .optional()
}

pub fn insert_acknowledgement(
    conn: &mut DbConnection,
    user_id: &str,
    version: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(roe_acknowledgements::table)
        .values((
            roe_acknowledgements::user_id.eq(user_id),
            roe_acknowledgements::version.eq(version),
            roe_acknowledgements::acknowledged_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Who acknowledged `version`, and when.
pub fn acknowledgements_of(
    conn: &mut DbConnection,
    version: i64,
) -> QueryResult<HashMap<String, NaiveDateTime>> {
    let rows: Vec<(String, NaiveDateTime)> = roe_acknowledgements::table
        .filter(roe_acknowledgements::version.eq(version))
        .select((
            roe_acknowledgements::user_id,
            roe_acknowledgements::acknowledged_at,
        ))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// When each of these users acknowledged `version` (those who did not are left out): one
/// query for a page of a list.
pub fn acknowledged_by(
    conn: &mut DbConnection,
    version: i64,
    user_ids: &[String],
) -> QueryResult<HashMap<String, NaiveDateTime>> {
    if user_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, NaiveDateTime)> = roe_acknowledgements::table
        .filter(roe_acknowledgements::version.eq(version))
        .filter(roe_acknowledgements::user_id.eq_any(user_ids))
        .select((
            roe_acknowledgements::user_id,
            roe_acknowledgements::acknowledged_at,
        ))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The user's re-check schedule and the version it belongs to.
pub fn schedule(conn: &mut DbConnection, user_id: &str) -> QueryResult<Option<(i64, Schedule)>> {
    let row: Option<(i64, i32, i32, NaiveDateTime)> =
        crate::db::on_backend!(conn, |c| roe_rechecks::table
            .find(user_id)
            .select((
                roe_rechecks::version,
                roe_rechecks::step,
                roe_rechecks::next_question,
                roe_rechecks::due_at,
            ))
            .first(c)
            .optional())?;
    Ok(row.map(|(version, step, next, due_at)| {
        (
            version,
            Schedule {
                step: usize::try_from(step).unwrap_or(0),
                next_question: usize::try_from(next).unwrap_or(0),
                due_at,
            },
        )
    }))
}

pub fn set_schedule(
    conn: &mut DbConnection,
    user_id: &str,
    version: i64,
    s: &Schedule,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(roe_rechecks::table.find(user_id)).execute(conn)?;
    diesel::insert_into(roe_rechecks::table)
        .values((
            roe_rechecks::user_id.eq(user_id),
            roe_rechecks::version.eq(version),
            roe_rechecks::step.eq(i32::try_from(s.step).unwrap_or(0)),
            roe_rechecks::next_question.eq(i32::try_from(s.next_question).unwrap_or(0)),
            roe_rechecks::due_at.eq(s.due_at),
            roe_rechecks::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// What an answer was given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    Acknowledgement,
    Recheck,
}

impl AnswerKind {
    fn as_str(self) -> &'static str {
        match self {
            AnswerKind::Acknowledgement => "acknowledgement",
            AnswerKind::Recheck => "recheck",
        }
    }
}

/// Records answered questions as (question index, correct).
pub fn insert_answers(
    conn: &mut DbConnection,
    user_id: &str,
    version: i64,
    answers: &[(usize, bool)],
    kind: AnswerKind,
    now: NaiveDateTime,
) -> QueryResult<()> {
    for (question, correct) in answers {
        diesel::insert_into(roe_answers::table)
            .values((
                roe_answers::id.eq(crate::ids::new_id()),
                roe_answers::user_id.eq(user_id),
                roe_answers::version.eq(version),
                roe_answers::question.eq(i32::try_from(*question).unwrap_or(i32::MAX)),
                roe_answers::correct.eq(*correct),
                roe_answers::kind.eq(kind.as_str()),
                roe_answers::answered_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// (correct, total) answers per user since `since`.
pub fn accuracy_since(
    conn: &mut DbConnection,
    since: NaiveDateTime,
) -> QueryResult<HashMap<String, (i64, i64)>> {
    let rows: Vec<(String, bool)> = roe_answers::table
        .filter(roe_answers::answered_at.ge(since))
        .select((roe_answers::user_id, roe_answers::correct))
        .load(conn)?;
    Ok(tally(rows))
}

/// [`accuracy_since`] for these users only: one query for a page of a list.
pub fn accuracy_of(
    conn: &mut DbConnection,
    user_ids: &[String],
    since: NaiveDateTime,
) -> QueryResult<HashMap<String, (i64, i64)>> {
    if user_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, bool)> = roe_answers::table
        .filter(roe_answers::user_id.eq_any(user_ids))
        .filter(roe_answers::answered_at.ge(since))
        .select((roe_answers::user_id, roe_answers::correct))
        .load(conn)?;
    Ok(tally(rows))
}

fn tally(rows: Vec<(String, bool)>) -> HashMap<String, (i64, i64)> {
    let mut out: HashMap<String, (i64, i64)> = HashMap::new();
    for (user, correct) in rows {
        let e = out.entry(user).or_default();
        e.0 += i64::from(correct);
        e.1 += 1;
    }
    out
}
