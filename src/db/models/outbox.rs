//! Outbox rows. Claiming is a conditional update, so two workers (or two instances) never
//! send the same row at the same time.

use chrono::{NaiveDateTime, SubsecRound};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::outbox;
use crate::domain::code::text_enum;
use crate::domain::delivery::CLAIM_LEASE;

text_enum! {
    /// Where an email stands, as the admin outbox page shows it.
    pub enum EmailStatus {
        Queued,
        /// Claimed by a worker that is sending it now.
        Sending,
        Sent,
        /// A transient failure; tried again at `next_attempt_at`.
        Retrying,
        /// A permanent failure; an admin may retry it.
        Failed,
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
    pub status: EmailStatus,
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
    insert_many(conn, std::slice::from_ref(email), now)
}

/// Queues `emails` in as few statements as the backend allows (a sweep's batch queues its
/// rows' emails together).
pub fn insert_many(
    conn: &mut DbConnection,
    emails: &[NewEmail<'_>],
    now: NaiveDateTime,
) -> QueryResult<()> {
    let rows = emails.iter().map(|email| {
        (
            outbox::id.eq(email.id),
            outbox::message_id.eq(email.message_id),
            outbox::kind.eq(email.kind),
            outbox::to_addr.eq(email.to_addr),
            outbox::subject.eq(email.subject),
            outbox::text_body.eq(email.text_body),
            outbox::html_body.eq(email.html_body),
            outbox::status.eq(EmailStatus::Queued),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        )
    });
    crate::db::bulk::insert_rows(conn, outbox::table, 11, rows)?;
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
            .eq_any([EmailStatus::Queued, EmailStatus::Retrying])
            .and(outbox::next_attempt_at.le(now))
            .or(outbox::status
                .eq(EmailStatus::Sending)
                .and(outbox::claimed_until.lt(now).assume_not_null())),
    )
}

/// The id of the row due first ([`is_due`]), found as the first of each status's index
/// range (`outbox_due`): one range per status keeps each lookup a seek. Asked as one `OR`,
/// SQLite gathered every due row and sorted them to find the first: 137 million
/// instructions a claim with a backlog of 100,000 emails, so a backlog took quadratic time
/// to drain.
fn first_due(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Option<String>> {
    let mut firsts: Vec<(NaiveDateTime, String)> = Vec::with_capacity(3);
    for status in [EmailStatus::Queued, EmailStatus::Retrying] {
        firsts.extend(
            outbox::table
                .filter(outbox::status.eq(status))
                .filter(outbox::next_attempt_at.le(now))
                .order(outbox::next_attempt_at.asc())
                .select((outbox::next_attempt_at, outbox::id))
                .first(conn)
                .optional()?,
        );
    }
    // Claimed by a worker whose lease ran out: a few rows at most, one per worker.
    firsts.extend(
        outbox::table
            .filter(outbox::status.eq(EmailStatus::Sending))
            .filter(outbox::claimed_until.lt(now))
            .order(outbox::next_attempt_at.asc())
            .select((outbox::next_attempt_at, outbox::id))
            .first(conn)
            .optional()?,
    );
    // Among rows due at the same moment, the one queued first (ids are time-ordered).
    Ok(firsts.into_iter().min().map(|(_, id)| id))
}

/// Claims the next due row for this worker, or `None`. One row at a time, right before it
/// is sent, so a claim's lease always covers its send. The lease end doubles as the claim's
/// token: the `mark_*` updates below apply only while the claim is still this worker's.
pub fn claim_next(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> QueryResult<Option<(OutboxRow, NaiveDateTime)>> {
    // Microseconds: what both databases keep, so the lease compares equal when read back.
    let lease = (now + CLAIM_LEASE).trunc_subsecs(6);
    loop {
        let Some(id) = first_due(conn, now)? else {
            return Ok(None);
        };
        let won = diesel::update(outbox::table.find(&id).filter(is_due(now)))
            .set((
                outbox::status.eq(EmailStatus::Sending),
                outbox::claimed_until.eq(lease),
            ))
            .execute(conn)?;
        if won == 1 {
            let row = outbox::table
                .find(&id)
                .select(OutboxRow::as_select())
                .first(conn)?;
            return Ok(Some((row, lease)));
        }
        // Another worker took it between the read and the update: look again.
    }
}

/// The row, while still claimed by the worker holding `lease`.
fn held(
    id: &str,
    lease: NaiveDateTime,
) -> Box<
    dyn BoxableExpression<outbox::table, crate::db::MultiBackend, SqlType = diesel::sql_types::Bool>,
> {
    Box::new(
        outbox::id
            .eq(id.to_owned())
            .and(outbox::status.eq(EmailStatus::Sending))
            .and(outbox::claimed_until.eq(lease).assume_not_null()),
    )
}

/// Records a delivery. The bodies are dropped: they held one-time links that must not
/// outlive the email in the database.
pub fn mark_sent(
    conn: &mut DbConnection,
    id: &str,
    lease: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(outbox::table.filter(held(id, lease)))
        .set((
            outbox::status.eq(EmailStatus::Sent),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::sent_at.eq(now),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
            outbox::text_body.eq(""),
            outbox::html_body.eq(""),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn mark_retry(
    conn: &mut DbConnection,
    id: &str,
    lease: NaiveDateTime,
    error: &str,
    next_attempt_at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(outbox::table.filter(held(id, lease)))
        .set((
            outbox::status.eq(EmailStatus::Retrying),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::next_attempt_at.eq(next_attempt_at),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn mark_failed(
    conn: &mut DbConnection,
    id: &str,
    lease: NaiveDateTime,
    error: &str,
) -> QueryResult<bool> {
    let n = diesel::update(outbox::table.filter(held(id, lease)))
        .set((
            outbox::status.eq(EmailStatus::Failed),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// An admin's retry of a failed email: due now. False if the row is not failed.
pub fn retry_failed(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        outbox::table
            .find(id)
            .filter(outbox::status.eq(EmailStatus::Failed)),
    )
    .set((
        outbox::status.eq(EmailStatus::Queued),
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
