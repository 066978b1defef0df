//! The review queue's lines, most urgent first, each with its evidence counted and its open
//! flags; and its first page kept in memory while the database says it is current.
//!
//! The first page is what every channel manager opens first and reloads all day, and
//! reading it is most of its cost (the lines' statement seeks some 120 index entries). The
//! database keeps a version of what it shows (`review_queue_versions`), raised by triggers
//! in the transaction of every write that can change it (see the migration
//! `000036_review_queue_version`); the page is kept with the version it was read after and
//! read again once the version has moved, so a write on any instance is on every
//! instance's queue at its next request.

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::QueryResult;

use crate::db::DbConnection;
use crate::db::models::flag::{self, Flag};
use crate::db::models::registration::{self, Line, Waiting};
use crate::db::models::{policy, tally};
use crate::memo::Memo;
use crate::workflow::review_evidence::Summary;

/// A line of the review queue with its evidence counted and its open flags: what the
/// queue's page and its CSV show.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub line: Line,
    pub evidence: Summary,
    /// What the reviewer must weigh besides the evidence: outside the partner's
    /// territories, another partner's customer, a shared prospect.
    pub flags: Vec<Flag>,
}

/// The review queue after `after`, `limit` lines, most urgent first: each line's evidence
/// counted in the statement that reads the lines, and the flags read only for the lines
/// that have open ones (few do).
pub fn queue(
    conn: &mut DbConnection,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<QueueItem>> {
    let since = active_since(conn, now)?;
    lines(conn, after, limit, since)
}

/// The day from which a direct opportunity counts as active, by the policy in force.
fn active_since(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<NaiveDate> {
    Ok(policy::current(conn)?.value.active_since(now.date()))
}

fn lines(
    conn: &mut DbConnection,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
    since: NaiveDate,
) -> QueryResult<Vec<QueueItem>> {
    let lines = registration::review_queue(conn, after, limit, since)?;
    let flagged: Vec<String> = lines
        .iter()
        .filter(|(_, counted)| counted.open_flags > 0)
        .map(|(line, _)| line.id.clone())
        .collect();
    let mut flags = flag::open_for(conn, &flagged)?;
    Ok(lines
        .into_iter()
        .map(|(line, counted)| QueueItem {
            flags: flags.remove(&line.id).unwrap_or_default(),
            evidence: Summary::of(counted),
            line,
        })
        .collect())
}

/// A page of the queue as the database holds it.
#[derive(Debug)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    /// The registrations waiting for their partner's answer, oldest first (the first page
    /// only).
    pub waiting: Vec<Waiting>,
    /// How many items wait for a decision in all.
    pub total: i64,
}

/// How much of the queue a page reads: its lines, and on the first page the registrations
/// waiting for their partner's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageSize {
    pub lines: i64,
    pub waiting: i64,
}

/// The queue's first page, kept while the database's version of it has not moved and the
/// day an opportunity must be active since is the same (it moves with the date and the
/// policy). Shared by the workers: a page read by one is served by all.
pub struct QueueMemo(Memo<PageSize, (i64, NaiveDate), QueuePage>);

impl Default for QueueMemo {
    fn default() -> Self {
        Self::new()
    }
}

impl QueueMemo {
    pub fn new() -> Self {
        // One key per page size, and the page has one.
        QueueMemo(Memo::new(4))
    }

    /// The page after `after` (the first page when `None`), `size` long: the first page
    /// from memory while it is current, any other from the database.
    pub fn page(
        &self,
        conn: &mut DbConnection,
        after: Option<(NaiveDateTime, String)>,
        size: PageSize,
        now: NaiveDateTime,
    ) -> QueryResult<Arc<QueuePage>> {
        if after.is_some() {
            let since = active_since(conn, now)?;
            return Ok(Arc::new(QueuePage {
                items: lines(conn, after, size.lines, since)?,
                waiting: Vec::new(),
                total: tally::in_review(conn)?,
            }));
        }
        // The version before the page: what is read after it is never older than it, so a
        // page is never kept under a version newer than what it shows.
        let version = registration::queue_version(conn)?;
        let since = active_since(conn, now)?;
        let token = (version, since);
        if let Some(kept) = self.0.get(&size, &token) {
            return Ok(kept);
        }
        let page = Arc::new(QueuePage {
            items: lines(conn, None, size.lines, since)?,
            waiting: registration::waiting_for_partner(conn, size.waiting)?,
            total: tally::in_review(conn)?,
        });
        self.0.put(size, token, page.clone());
        Ok(page)
    }
}
