use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::login_failures;
use crate::domain::throttle;

/// The row that counts an account's failures from every address (no real address is "*").
const ALL_ADDRESSES: &str = "*";

/// Until when sign-in for this email from this address waits: its own lockout, or the
/// account's delay across all addresses, whichever ends later.
pub fn locked_until(
    conn: &mut DbConnection,
    email: &str,
    client_addr: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    let until: Vec<Option<NaiveDateTime>> = login_failures::table
        .filter(login_failures::email.eq(email))
        .filter(login_failures::client_addr.eq_any([client_addr, ALL_ADDRESSES]))
        .select(login_failures::locked_until)
        .load(conn)?;
    Ok(until.into_iter().flatten().filter(|t| *t > now).max())
}

/// Counts one more failure for this address and for the account, and applies the lockout
/// and the delay the domain rules give for them.
pub fn record_failure(
    conn: &mut DbConnection,
    email: &str,
    client_addr: &str,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    let failures = bump(conn, email, client_addr, now, throttle::lockout_after)?;
    bump(
        conn,
        email,
        ALL_ADDRESSES,
        now,
        throttle::account_delay_after,
    )?;
    Ok(failures)
}

/// Counts one more failure under (email, key) and sets its lock by `rule`. Safe when two
/// failures arrive together: the count is incremented in the database, and a lost race to
/// insert the first row turns into an increment.
fn bump(
    conn: &mut DbConnection,
    email: &str,
    client_addr: &str,
    now: NaiveDateTime,
    rule: fn(i32) -> Option<chrono::TimeDelta>,
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
        if let Some(lockout) = rule(failures) {
            diesel::update(login_failures::table.find(key))
                .set(login_failures::locked_until.eq(now + lockout))
                .execute(conn)?;
        }
        return Ok(failures);
    }
}

/// After a successful sign-in from `client_addr`: that address's count and the account's
/// start again; other addresses keep theirs (an attacker's count survives the owner's
/// sign-in).
pub fn clear_after_sign_in(
    conn: &mut DbConnection,
    email: &str,
    client_addr: &str,
) -> QueryResult<()> {
    diesel::delete(
        login_failures::table
            .filter(login_failures::email.eq(email))
            .filter(login_failures::client_addr.eq_any([client_addr, ALL_ADDRESSES])),
    )
    .execute(conn)?;
    Ok(())
}

/// Forgets the failures for an email from every address: after a new password, which only
/// the owner of the mailbox could choose.
pub fn clear(conn: &mut DbConnection, email: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::email.eq(email))).execute(conn)?;
    Ok(())
}
