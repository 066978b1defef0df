//! The first answer to each write sent with an `Idempotency-Key`, per token. Stored in the
//! transaction that made the change, so a replay finds the answer exactly when the change
//! was kept.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::api_idempotency;

/// A stored answer: the request it answered (its hash) and what was sent back.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_idempotency)]
pub struct Stored {
    pub request_hash: String,
    pub status: i32,
    pub body: String,
}

pub fn find(conn: &mut DbConnection, token_id: &str, key: &str) -> QueryResult<Option<Stored>> {
    api_idempotency::table
        .find((token_id, key))
        .select(Stored::as_select())
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut DbConnection,
    token_id: &str,
    key: &str,
    answer: &Stored,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(api_idempotency::table)
        .values((
            api_idempotency::token_id.eq(token_id),
            api_idempotency::idem_key.eq(key),
            api_idempotency::request_hash.eq(&answer.request_hash),
            api_idempotency::status.eq(answer.status),
            api_idempotency::body.eq(&answer.body),
            api_idempotency::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets the answers stored before `before` (the job runner's clean-up): a retry after
/// that is taken as a new request.
pub fn delete_older_than(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(api_idempotency::table.filter(api_idempotency::created_at.lt(before)))
        .execute(conn)
}
