use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::login_failures;
use crate::domain::throttle;

/// When sign-in for this email from this address is locked, until when.
pub fn locked_until(
    conn: &mut DbConnection,
    email: &str,
    client_addr: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    let until: Option<Option<NaiveDateTime>> = login_failures::table
        .find((email, client_addr))
        .select(login_failures::locked_until)
        .first(conn)
        .optional()?;
    Ok(until.flatten().filter(|t| *t > now))
}

/// Counts one more failure and applies the lockout the domain rule gives for it. Safe when
/// two failures for the same email and address arrive together: the count is incremented in
/// the database, and a lost race to insert the first row turns into an increment.
pub fn record_failure(
    conn: &mut DbConnection,
    email: &str,
    client_addr: &str,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    let key = (email, client_addr);
    loop {
        let bumped = diesel::update(login_failures::table.find(key))
            .set((
                login_failures::failures.eq(login_failures::failures + 1),
                login_failures::last_failure_at.eq(now),
            ))
            .execute(conn)?;
        if bumped == 0 {
            let inserted = diesel::insert_into(login_failures::table)
                .values((
                    login_failures::email.eq(email),
                    login_failures::client_addr.eq(client_addr),
                    login_failures::failures.eq(1),
                    login_failures::last_failure_at.eq(now),
                ))
                .execute(conn);
            match inserted {
                Ok(_) => {}
                Err(e) if crate::db::is_unique_violation(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        let failures: i32 = login_failures::table
            .find(key)
            .select(login_failures::failures)
            .first(conn)?;
        if let Some(lockout) = throttle::lockout_after(failures) {
            diesel::update(login_failures::table.find(key))
                .set(login_failures::locked_until.eq(now + lockout))
                .execute(conn)?;
        }
        return Ok(failures);
    }
}

/// Forgets the failures for an email (from every address): after a successful sign-in or a
/// new password.
pub fn clear(conn: &mut DbConnection, email: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::email.eq(email))).execute(conn)?;
    Ok(())
}
