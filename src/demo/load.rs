//! The bulk load around the generated rows: the connection set up for it, the big tables'
//! secondary indexes dropped before and built again after, then what the rows were written
//! without: the matching keys and the review queue's conflict evidence.

use std::time::{Duration, Instant};

use diesel::prelude::*;

use super::Fill;
use crate::db::schema::registrations;
use crate::db::{self, DbConnection, DroppedIndexes, RebuildError};
use crate::domain::dates::elapsed;
use crate::domain::money::group_count;

/// The tables the load fills, whose secondary indexes are rebuilt after it.
const BIG_TABLES: [&str; 3] = [
    "registrations",
    "registration_details",
    "registration_events",
];

/// SQLite's page cache during the load, in MiB: large enough to keep the pages the load
/// touches in memory.
const CACHE_MIB: u32 = 1_000;

/// Sets the connection up for the load. Into an empty database the big tables' secondary
/// indexes are dropped (each insert would land on a random page of every index); they are
/// built again, whatever happens, by [`finish`]; [`release`] gives the cache back.
pub(super) fn prepare(conn: &mut DbConnection) -> anyhow::Result<DroppedIndexes> {
    db::bulk_cache(conn, Some(CACHE_MIB))?;
    let any: i64 = registrations::table.count().get_result(conn)?;
    if any > 0 {
        return Ok(DroppedIndexes::default());
    }
    Ok(db::drop_indexes(conn, &BIG_TABLES)?)
}

/// Builds the dropped indexes again (run even when the load failed, so that the database
/// keeps its schema), computes every matching key, and matches the registrations in review
/// as their submissions would have.
pub(super) fn finish(
    conn: &mut DbConnection,
    dropped: &DroppedIndexes,
    fill: &mut Fill,
) -> anyhow::Result<()> {
    rebuild_indexes(conn, dropped, fill)?;
    // The bulk load wrote registrations without the dashboard's counts.
    crate::db::models::tally::rebuild(conn)
        .map_err(|e| anyhow::anyhow!("cannot count the dashboard's rollups: {e}"))?;
    matching_keys(conn, fill)?;
    conflict_evidence(conn, fill)?;
    // Everything was written in bulk: the planner learns the new tables' sizes now, and
    // PostgreSQL marks the pages all-visible for index-only scans.
    db::settle_after_bulk_load(conn)?;
    Ok(())
}

/// The connection's page cache back to the default, before it returns to its pool.
pub(super) fn release(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    db::bulk_cache(conn, None)
}

fn rebuild_indexes(
    conn: &mut DbConnection,
    dropped: &DroppedIndexes,
    fill: &mut Fill,
) -> anyhow::Result<()> {
    if dropped.is_empty() {
        return Ok(());
    }
    let building = Instant::now();
    dropped.rebuild(conn).map_err(|e| match e {
        RebuildError::Index { index, source } => anyhow::anyhow!(
            "cannot build the index {index} over the demo data ({source}); the database is incomplete: delete it and run `truce demo` again"
        ),
        RebuildError::Statistics(e) => e.into(),
    })?;
    (fill.progress)(&format!(
        "indexes: {} built in {} ({})",
        dropped.len(),
        elapsed(building.elapsed()),
        elapsed(fill.started.elapsed())
    ));
    Ok(())
}

/// The bulk load wrote no matching keys; they are computed all at once.
fn matching_keys(conn: &mut DbConnection, fill: &mut Fill) -> anyhow::Result<()> {
    let mut last = Instant::now();
    crate::db::models::prospect_key::rebuild(conn, fill.now, |done, total| {
        if last.elapsed() >= Duration::from_secs(2) || done == total {
            last = Instant::now();
            (fill.progress)(&format!(
                "  matching keys: {} of {} records{} ({})",
                group_count(done),
                group_count(total),
                if done == total {
                    "; sorting the keys into their index"
                } else {
                    ""
                },
                elapsed(fill.started.elapsed())
            ));
        }
    })
    .map_err(|e| anyhow::anyhow!("cannot compute the matching keys: {e}"))
}

/// The review queue's conflict evidence, as the submissions would have found it.
fn conflict_evidence(conn: &mut DbConnection, fill: &mut Fill) -> anyhow::Result<()> {
    let mut last = Instant::now();
    let thresholds = fill.policy.thresholds();
    crate::workflow::matching::refresh_stale(conn, &thresholds, fill.now, &mut |done| {
        if last.elapsed() >= Duration::from_secs(2) {
            last = Instant::now();
            (fill.progress)(&format!(
                "  conflict evidence: {} registrations in review matched ({})",
                group_count(done as u64),
                elapsed(fill.started.elapsed())
            ));
        }
    })
    .map(|_| ())
    .map_err(|e| anyhow::anyhow!("cannot match the registrations in review: {e}"))
}
