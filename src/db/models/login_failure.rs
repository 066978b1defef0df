use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::login_failures;
use crate::db::{DbConnection, write_tx};
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

/// Counts one more failure and applies the lockout the domain rule gives for it.
pub fn record_failure(
    conn: &mut DbConnection,
    email: &str,
    client_addr: &str,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    write_tx(conn, |conn| {
        let previous: Option<i32> = login_failures::table
            .find((email, client_addr))
            .select(login_failures::failures)
            .first(conn)
            .optional()?;
        let failures = previous.unwrap_or(0).saturating_add(1);
        let locked_until = throttle::lockout_after(failures).map(|d| now + d);
        if previous.is_some() {
            diesel::update(login_failures::table.find((email, client_addr)))
                .set((
                    login_failures::failures.eq(failures),
                    login_failures::locked_until.eq(locked_until),
                    login_failures::last_failure_at.eq(now),
                ))
                .execute(conn)?;
        } else {
            diesel::insert_into(login_failures::table)
                .values((
                    login_failures::email.eq(email),
                    login_failures::client_addr.eq(client_addr),
                    login_failures::failures.eq(failures),
                    login_failures::locked_until.eq(locked_until),
                    login_failures::last_failure_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(failures)
    })
}

/// Forgets the failures for an email (from every address): after a successful sign-in or a
/// new password.
pub fn clear(conn: &mut DbConnection, email: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::email.eq(email))).execute(conn)?;
    Ok(())
}
