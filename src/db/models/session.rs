//! Server-side session rows. The row id is a SHA-256 of the cookie's session key, so a copy
//! of the database does not hand out live sessions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::sessions;
use crate::db::stamp::Stamp;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: String,
    pub user_id: Option<String>,
    pub state: String,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub last_seen_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<SessionRow>> {
    crate::db::on_backend!(conn, |c| sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(c)
        .optional())
}

pub fn insert(
    conn: &mut DbConnection,
    id: &str,
    user_id: Option<&str>,
    state: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::user_id.eq(user_id),
            sessions::state.eq(state),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Returns false when the row is gone (the session was revoked meanwhile).
pub fn update_state(
    conn: &mut DbConnection,
    id: &str,
    user_id: Option<&str>,
    state: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(sessions::table.find(id))
        .set((
            sessions::user_id.eq(user_id),
            sessions::state.eq(state),
            sessions::last_seen_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn touch(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(sessions::table.find(id))
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.find(id)).execute(conn)?;
    Ok(())
}

/// Ends every session of a user: sign-out everywhere.
pub fn delete_for_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
}

/// Removes sessions idle since before `idle_before` or started before `started_before`.
pub fn delete_expired(
    conn: &mut DbConnection,
    idle_before: NaiveDateTime,
    started_before: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(
        sessions::table.filter(
            sessions::last_seen_at
                .lt(idle_before)
                .or(sessions::created_at.lt(started_before)),
        ),
    )
    .execute(conn)
}
