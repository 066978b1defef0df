//! Outbox rows. Claiming is a conditional update, so two workers (or two instances) never
//! send the same row at the same time.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::outbox;
use crate::domain::delivery::CLAIM_LEASE;

/// Where an email stands, as the admin outbox page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Queued,
    /// Claimed by a worker that is sending it now.
    Sending,
    Sent,
    /// A transient failure; tried again at `next_attempt_at`.
    Retrying,
    /// A permanent failure; an admin may retry it.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Retrying => "retrying",
            Status::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub message_id: String,
    pub kind: String,
    pub to_addr: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// An email ready to queue.
pub struct NewEmail<'a> {
    pub id: &'a str,
    pub message_id: &'a str,
    pub kind: &'a str,
    pub to_addr: &'a str,
    pub subject: &'a str,
    pub text_body: &'a str,
    pub html_body: &'a str,
}

pub fn insert(
    conn: &mut DbConnection,
    email: &NewEmail<'_>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(email.id),
            outbox::message_id.eq(email.message_id),
            outbox::kind.eq(email.kind),
            outbox::to_addr.eq(email.to_addr),
            outbox::subject.eq(email.subject),
            outbox::text_body.eq(email.text_body),
            outbox::html_body.eq(email.html_body),
            outbox::status.eq(Status::Queued.as_str()),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Rows due for an attempt: queued or retrying and due, or claimed by a worker whose lease ran
/// out (it crashed mid-send).
fn is_due(
    now: NaiveDateTime,
) -> Box<
    dyn BoxableExpression<outbox::table, crate::db::MultiBackend, SqlType = diesel::sql_types::Bool>,
> {
    Box::new(
        outbox::status
            .eq_any([Status::Queued.as_str(), Status::Retrying.as_str()])
            .and(outbox::next_attempt_at.le(now))
            .or(outbox::status
                .eq(Status::Sending.as_str())
                .and(outbox::claimed_until.lt(now).assume_not_null())),
    )
}

/// Claims up to `limit` due rows for this worker and returns them.
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let candidates: Vec<String> = outbox::table
        .filter(is_due(now))
        .order(outbox::next_attempt_at.asc())
        .limit(limit)
        .select(outbox::id)
        .load(conn)?;
    let mut claimed = Vec::new();
    for id in candidates {
        let won = diesel::update(outbox::table.find(&id).filter(is_due(now)))
            .set((
                outbox::status.eq(Status::Sending.as_str()),
                outbox::claimed_until.eq(now + CLAIM_LEASE),
            ))
            .execute(conn)?;
        if won == 1 {
            claimed.push(
                outbox::table
                    .find(&id)
                    .select(OutboxRow::as_select())
                    .first(conn)?,
            );
        }
    }
    Ok(claimed)
}

pub fn mark_sent(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(Status::Sent.as_str()),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::sent_at.eq(now),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn mark_retry(
    conn: &mut DbConnection,
    id: &str,
    error: &str,
    next_attempt_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(Status::Retrying.as_str()),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::next_attempt_at.eq(next_attempt_at),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn mark_failed(conn: &mut DbConnection, id: &str, error: &str) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(Status::Failed.as_str()),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// An admin's retry of a failed email: due now. False if the row is not failed.
pub fn retry_failed(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        outbox::table
            .find(id)
            .filter(outbox::status.eq(Status::Failed.as_str())),
    )
    .set((
        outbox::status.eq(Status::Queued.as_str()),
        outbox::next_attempt_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn list_recent(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        // Ids are time-ordered too: emails queued in the same instant keep their order.
        .order((outbox::created_at.desc(), outbox::id.desc()))
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()
}
