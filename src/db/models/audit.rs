//! The audit trail of program-level actions (publishing the rules of engagement, a user's
//! acknowledgement). Registrations keep their own events beside them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::audit_events;

/// Records `action` by `actor` on `subject`, in the caller's transaction.
pub fn insert(
    conn: &mut DbConnection,
    actor_id: Option<&str>,
    action: &str,
    subject: &str,
    detail: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::id.eq(crate::ids::new_id()),
            audit_events::at.eq(now),
            audit_events::actor_id.eq(actor_id),
            audit_events::action.eq(action),
            audit_events::subject.eq(subject),
            audit_events::detail.eq(detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// One recorded action, as (at, actor, action, detail).
pub type Entry = (NaiveDateTime, Option<String>, String, Option<String>);

/// The actions on `subject`, oldest first.
pub fn for_subject(conn: &mut DbConnection, subject: &str) -> QueryResult<Vec<Entry>> {
    audit_events::table
        .filter(audit_events::subject.eq(subject))
        .order(audit_events::at.asc())
        .select((
            audit_events::at,
            audit_events::actor_id,
            audit_events::action,
            audit_events::detail,
        ))
        .load(conn)
}
