use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::app_secrets;

/// Reads a secret, creating it with `generate` on first use. Every instance sharing the
/// database gets the same value, so cookies signed by one are read by the others.
pub fn get_or_create(
    conn: &mut DbConnection,
    name: &str,
    generate: impl FnOnce() -> String,
) -> QueryResult<String> {
    let find = |conn: &mut DbConnection| {
        app_secrets::table
            .find(name)
            .select(app_secrets::value)
            .first::<String>(conn)
            .optional()
    };
    if let Some(value) = find(conn)? {
        return Ok(value);
    }
    let inserted = diesel::insert_into(app_secrets::table)
        .values((
            app_secrets::name.eq(name),
            app_secrets::value.eq(generate()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => {}
        // Another instance won the race; use its value.
        Err(e) if crate::db::is_unique_violation(&e) => {}
        Err(e) => return Err(e),
    }
    find(conn)?.ok_or(diesel::result::Error::NotFound)
}
