//! Co-selling: direct reps asking to assist on (or assigned to) a partner's approved
//! registration. Accepted and assigned reps share the deal's quota credit when it is won.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{assists, users};
use crate::domain::code::text_enum;
use crate::ids::new_id;

text_enum! {
    /// Where an assist stands.
    pub enum AssistStatus {
        Requested,
        Accepted,
        Declined,
        /// Put on the deal by a channel manager; no partner answer needed.
        Assigned,
    }
}

impl AssistStatus {
    pub fn label(self) -> &'static str {
        match self {
            AssistStatus::Requested => "Asked to assist, waiting for the partner",
            AssistStatus::Accepted => "Assisting (accepted by the partner)",
            AssistStatus::Declined => "Declined by the partner",
            AssistStatus::Assigned => "Assisting (assigned by the channel team)",
        }
    }

    /// The rep is on the deal and shares its credit.
    pub fn is_active(self) -> bool {
        matches!(self, AssistStatus::Accepted | AssistStatus::Assigned)
    }
}

#[derive(Debug, Clone, Queryable)]
pub struct Assist {
    pub id: String,
    pub registration_id: String,
    pub rep_id: String,
    pub status: AssistStatus,
    pub note: String,
    pub requested_by: String,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub rep_name: String,
    pub rep_email: String,
}

impl Assist {
    pub fn status(&self) -> AssistStatus {
        self.status
    }
}

macro_rules! columns {
    () => {
        (
            assists::id,
            assists::registration_id,
            assists::rep_id,
            assists::status,
            assists::note,
            assists::requested_by,
            assists::requested_at,
            assists::decided_by,
            assists::decided_at,
            users::name,
            users::email,
        )
    };
}

pub fn for_registration(
    conn: &mut DbConnection,
    registration_id: &str,
) -> QueryResult<Vec<Assist>> {
    assists::table
        .inner_join(users::table.on(users::id.eq(assists::rep_id)))
        .filter(assists::registration_id.eq(registration_id))
        .select(columns!())
        .order((assists::requested_at, assists::id))
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Assist>> {
    assists::table
        .inner_join(users::table.on(users::id.eq(assists::rep_id)))
        .filter(assists::id.eq(id))
        .select(columns!())
        .first(conn)
        .optional()
}

/// The reps sharing a deal's credit, in the order they joined.
pub fn active_reps(conn: &mut DbConnection, registration_id: &str) -> QueryResult<Vec<String>> {
    assists::table
        .filter(assists::registration_id.eq(registration_id))
        .filter(assists::status.eq_any([AssistStatus::Accepted, AssistStatus::Assigned]))
        .select(assists::rep_id)
        .order((assists::requested_at, assists::id))
        .load(conn)
}

/// A new request or assignment. A rep has one row per registration: asking again after a
/// decline is refused by the unique index and reported by the caller.
pub fn insert(
    conn: &mut DbConnection,
    registration_id: &str,
    rep_id: &str,
    status: AssistStatus,
    note: &str,
    requested_by: &str,
    now: NaiveDateTime,
) -> QueryResult<String> {
    let id = new_id();
    let decided = (status == AssistStatus::Assigned).then_some(now);
    diesel::insert_into(assists::table)
        .values((
            assists::id.eq(&id),
            assists::registration_id.eq(registration_id),
            assists::rep_id.eq(rep_id),
            assists::status.eq(status.as_str()),
            assists::note.eq(note),
            assists::requested_by.eq(requested_by),
            assists::requested_at.eq(now),
            assists::decided_by.eq(decided.map(|_| requested_by)),
            assists::decided_at.eq(decided),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Answers a pending request; false if it was no longer pending.
pub fn decide(
    conn: &mut DbConnection,
    id: &str,
    status: AssistStatus,
    by: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        assists::table
            .filter(assists::id.eq(id))
            .filter(assists::status.eq(AssistStatus::Requested)),
    )
    .set((
        assists::status.eq(status.as_str()),
        assists::decided_by.eq(by),
        assists::decided_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// A channel manager assigns a rep whose request is pending or was declined.
pub fn assign_existing(
    conn: &mut DbConnection,
    id: &str,
    by: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        assists::table
            .filter(assists::id.eq(id))
            .filter(assists::status.eq_any([AssistStatus::Requested, AssistStatus::Declined])),
    )
    .set((
        assists::status.eq(AssistStatus::Assigned),
        assists::decided_by.eq(by),
        assists::decided_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
