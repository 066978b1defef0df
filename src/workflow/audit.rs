//! Checking the audit log's hash chain (`truce audit verify`): the events are read in chain
//! order a batch at a time and checked by `domain::audit::Chain`, so memory stays the same
//! at any length, and the first link that does not hold is reported.

use diesel::QueryResult;

use crate::db::DbConnection;
use crate::db::models::audit as store;
use crate::domain::audit::{Break, Chain, Intact};

/// Events read per round trip: a few megabytes at most.
pub const BATCH: i64 = 5_000;

/// Walks the chain up to the head as it was when the walk began (events recorded meanwhile
/// by a running server are left for the next check), telling `progress(checked, total)`
/// after each batch. Returns what was found; `Err` only for a database error.
pub fn verify(
    conn: &mut DbConnection,
    mut progress: impl FnMut(u64, u64),
) -> QueryResult<Result<Intact, Break>> {
    let head = store::head(conn)?.ok_or(diesel::result::Error::NotFound)?;
    let total = u64::try_from(head.seq).unwrap_or(0);
    let mut chain = Chain::new();
    let mut after = 0;
    loop {
        let batch = store::stored_after(conn, after, head.seq, BATCH)?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for e in &batch {
            if let Err(b) = chain.push(&e.linked()) {
                return Ok(Err(b));
            }
        }
        progress(chain.events(), total);
    }
    let unchained = u64::try_from(store::unchained(conn)?).unwrap_or(0);
    let intact = match chain.finish(&head, unchained) {
        Ok(intact) => intact,
        Err(b) => return Ok(Err(b)),
    };
    // An event past the head is one no writer of Truce chained. Read the highest number
    // before the head: a writer commits both together, so whatever commits between the two
    // reads moves the head at least as far.
    if let Some(max) = store::max_seq(conn)?
        && let Some(now) = store::head(conn)?
        && max > now.seq
        && let Some(e) = store::first_after(conn, now.seq)?
        && let Some(b) = Chain::beyond(&now, &e.linked())
    {
        return Ok(Err(b));
    }
    Ok(Ok(intact))
}
