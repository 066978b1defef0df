//! One-time links: the first-admin setup link, and set-password links for invited users and
//! admin resets. A new link of a kind cancels the earlier unused ones.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::QueryResult;

use crate::auth::token;
use crate::db::DbConnection;
use crate::db::models::token::Purpose;
use crate::db::models::{token as tokens, user};

pub const SETUP_TTL: TimeDelta = TimeDelta::hours(1);
/// An invited user may take a week to choose a password.
pub const INVITE_TTL: TimeDelta = TimeDelta::days(7);
/// A reset link an admin hands over; shorter, since the account already exists.
pub const RESET_TTL: TimeDelta = TimeDelta::hours(24);

/// Issues a link token (returned in clear once; only its hash is stored).
pub fn issue(
    conn: &mut DbConnection,
    purpose: Purpose,
    user_id: Option<&str>,
    now: NaiveDateTime,
    ttl: TimeDelta,
) -> QueryResult<(String, NaiveDateTime)> {
    tokens::revoke(conn, purpose, user_id, now)?;
    let secret = token::generate();
    let expires_at = now + ttl;
    tokens::insert(
        conn,
        &token::hash(&secret),
        purpose,
        user_id,
        now,
        expires_at,
    )?;
    Ok((secret, expires_at))
}

/// With no users yet, a fresh setup link path (`/setup/TOKEN`); otherwise `None`.
pub fn setup_path_if_needed(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    if user::count(conn)? > 0 {
        return Ok(None);
    }
    let (secret, _) = issue(conn, Purpose::Setup, None, now, SETUP_TTL)?;
    Ok(Some(format!("/setup/{secret}")))
}
