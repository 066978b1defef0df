//! One-time links (first-admin setup, set/reset password). Only a hash of the token is stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::one_time_tokens;
use crate::domain::code::text_enum;

text_enum! {
    /// What a one-time link is for.
    pub enum Purpose {
        /// Lets the first administrator create their account; only while no user exists.
        Setup,
        /// Lets a user choose a password: after an invitation or an admin's reset.
        SetPassword,
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = one_time_tokens)]
pub struct OneTimeToken {
    pub id: String,
    pub purpose: Purpose,
    pub user_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

pub fn insert(
    conn: &mut DbConnection,
    token_hash: &str,
    purpose: Purpose,
    user_id: Option<&str>,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(one_time_tokens::table)
        .values((
            one_time_tokens::id.eq(token_hash),
            one_time_tokens::purpose.eq(purpose),
            one_time_tokens::user_id.eq(user_id),
            one_time_tokens::created_at.eq(now),
            one_time_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The token if it exists for this purpose, is unused and has not expired.
pub fn find_usable(
    conn: &mut DbConnection,
    token_hash: &str,
    purpose: Purpose,
    now: NaiveDateTime,
) -> QueryResult<Option<OneTimeToken>> {
    one_time_tokens::table
        .find(token_hash)
        .filter(one_time_tokens::purpose.eq(purpose))
        .filter(one_time_tokens::used_at.is_null())
        .filter(one_time_tokens::expires_at.gt(now))
        .select(OneTimeToken::as_select())
        .first(conn)
        .optional()
}

/// Marks the token used; false if it was already used (by a concurrent request) or expired,
/// so a link works exactly once.
pub fn consume(conn: &mut DbConnection, token_hash: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        one_time_tokens::table
            .find(token_hash)
            .filter(one_time_tokens::used_at.is_null())
            .filter(one_time_tokens::expires_at.gt(now)),
    )
    .set(one_time_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Kills every unused link of a purpose (for a user, or the user-less setup links), so only
/// the newest link works.
pub fn revoke(
    conn: &mut DbConnection,
    purpose: Purpose,
    user_id: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let base = one_time_tokens::table
        .filter(one_time_tokens::purpose.eq(purpose))
        .filter(one_time_tokens::used_at.is_null());
    match user_id {
        Some(uid) => diesel::update(base.filter(one_time_tokens::user_id.eq(uid)))
            .set(one_time_tokens::used_at.eq(now))
            .execute(conn),
        None => diesel::update(base.filter(one_time_tokens::user_id.is_null()))
            .set(one_time_tokens::used_at.eq(now))
            .execute(conn),
    }
}

/// When the newest link of a purpose was issued to a user, used or not.
pub fn latest_issued(
    conn: &mut DbConnection,
    purpose: Purpose,
    user_id: &str,
) -> QueryResult<Option<NaiveDateTime>> {
    one_time_tokens::table
        .filter(one_time_tokens::purpose.eq(purpose))
        .filter(one_time_tokens::user_id.eq(user_id))
        .select(diesel::dsl::max(one_time_tokens::created_at))
        .first(conn)
}
