//! Two-step sign-in: a user's sealed authenticator secret and their recovery codes. The
//! rules (which code is good, how codes look) are `domain::two_step`'s; the steps that
//! combine them, one transaction each, are `workflow::two_step`'s.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{two_step_recovery_codes as codes, two_step_secrets as secrets};
use crate::db::stamp::MaybeStamp;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = secrets)]
pub struct TwoStepSecret {
    pub user_id: String,
    /// `sealed::SealKey::seal` of the raw secret, with the user id as its owner.
    pub secret_sealed: String,
    /// When the first good code confirmed the setup; `None` while setup waits for it.
    pub confirmed_at: Option<NaiveDateTime>,
    /// The newest time step whose code was accepted.
    pub last_used_step: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConnection, user_id: &str) -> QueryResult<Option<TwoStepSecret>> {
    secrets::table
        .find(user_id)
        .select(TwoStepSecret::as_select())
        .first(conn)
        .optional()
}

/// When the user's two-step sign-in was turned on, if it is: the question every sign-in and
/// every signed-in request asks.
pub fn enabled_since(conn: &mut DbConnection, user_id: &str) -> QueryResult<Option<NaiveDateTime>> {
    let since = crate::db::on_backend!(conn, |c| secrets::table
        .find(user_id)
        .select(secrets::confirmed_at)
        .first::<MaybeStamp>(c)
        .optional())?;
    Ok(since.and_then(|s| s.0))
}

/// Keeps a new, unconfirmed secret; a unique violation when the user already has one.
pub fn insert_unconfirmed(
    conn: &mut DbConnection,
    user_id: &str,
    secret_sealed: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(secrets::table)
        .values((
            secrets::user_id.eq(user_id),
            secrets::secret_sealed.eq(secret_sealed),
            secrets::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Turns an unconfirmed secret on with the step of its first code; false when it was
/// confirmed meanwhile (another tab) or is gone.
pub fn confirm(
    conn: &mut DbConnection,
    user_id: &str,
    step: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        secrets::table
            .find(user_id)
            .filter(secrets::confirmed_at.is_null()),
    )
    .set((
        secrets::confirmed_at.eq(now),
        secrets::last_used_step.eq(step),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Records that the code of `step` was used, only if no code of that step or a later one
/// was: of two requests with the same code at the same moment, exactly one gets true. The
/// condition is in the update itself, so this holds without a lock on either backend.
pub fn use_step(conn: &mut DbConnection, user_id: &str, step: i64) -> QueryResult<bool> {
    let updated = diesel::update(
        secrets::table
            .find(user_id)
            .filter(secrets::confirmed_at.is_not_null())
            .filter(
                secrets::last_used_step
                    .is_null()
                    .or(secrets::last_used_step.lt(step)),
            ),
    )
    .set(secrets::last_used_step.eq(step))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Forgets the secret and the recovery codes: two-step sign-in is off.
pub fn delete(conn: &mut DbConnection, user_id: &str) -> QueryResult<()> {
    diesel::delete(codes::table.filter(codes::user_id.eq(user_id))).execute(conn)?;
    diesel::delete(secrets::table.find(user_id)).execute(conn)?;
    Ok(())
}

/// Puts `hashes` in place of every recovery code the user had, used or not.
pub fn replace_recovery_codes(
    conn: &mut DbConnection,
    user_id: &str,
    hashes: &[String],
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(codes::table.filter(codes::user_id.eq(user_id))).execute(conn)?;
    let rows = hashes.iter().map(|h| {
        (
            codes::user_id.eq(user_id),
            codes::code_hash.eq(h.as_str()),
            codes::created_at.eq(now),
        )
    });
    crate::db::insert_rows(conn, codes::table, 3, rows)?;
    Ok(())
}

/// Spends the unused recovery code with this hash; false when there is none (wrong, or
/// used already). Conditional, so a code is spent once however many requests carry it.
pub fn use_recovery_code(
    conn: &mut DbConnection,
    user_id: &str,
    code_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        codes::table
            .find((user_id, code_hash))
            .filter(codes::used_at.is_null()),
    )
    .set(codes::used_at.eq(now))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Recovery codes not yet used.
pub fn recovery_codes_left(conn: &mut DbConnection, user_id: &str) -> QueryResult<i64> {
    codes::table
        .filter(codes::user_id.eq(user_id))
        .filter(codes::used_at.is_null())
        .count()
        .get_result(conn)
}
