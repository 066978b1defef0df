//! Writing many rows at once, the same way on both backends: multi-row inserts, and the
//! secondary indexes dropped for a bulk load into empty tables and built again after it.

use diesel::prelude::*;
use diesel::query_builder::InsertStatement;
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::{Insertable, PgConnection, SqliteConnection, Table};

use super::DbConnection;

/// SQLite's limit on bound values per statement (PostgreSQL's is twice as high): every
/// multi-row insert stays under it.
pub const MAX_BINDS: usize = 32_766;

/// Inserts `rows` into `table` with as many rows per statement as [`MAX_BINDS`] allows, each
/// row binding `binds_per_row` values (its columns), and returns how many were inserted. Runs
/// inside the caller's transaction, if any.
///
/// Diesel's `MultiConnection` only builds single-row inserts, so each statement is built on
/// the backend's own connection. Rows with optional columns should derive `Insertable` with
/// `treat_none_as_default_value = false`: a `None` that means DEFAULT makes diesel insert
/// one row at a time on SQLite.
///
/// Any insertable row works: a derived struct or a reference to one, or a tuple of
/// `column.eq(value)`.
pub fn insert_rows<T, R>(
    conn: &mut DbConnection,
    table: T,
    binds_per_row: usize,
    rows: impl IntoIterator<Item = R>,
) -> QueryResult<usize>
where
    T: Table + Copy,
    Vec<R>: Insertable<T>,
    InsertStatement<T, <Vec<R> as Insertable<T>>::Values>:
        ExecuteDsl<SqliteConnection> + ExecuteDsl<PgConnection>,
{
    let per_statement = (MAX_BINDS / binds_per_row.max(1)).max(1);
    let mut rows = rows.into_iter().peekable();
    let mut inserted = 0;
    while rows.peek().is_some() {
        let chunk: Vec<R> = rows.by_ref().take(per_statement).collect();
        let insert = diesel::insert_into(table).values(chunk);
        inserted += match conn {
            DbConnection::Sqlite(c) => insert.execute(c)?,
            DbConnection::Pg(c) => insert.execute(c)?,
        };
    }
    Ok(inserted)
}

#[derive(QueryableByName)]
struct IndexDefinition {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    sql: String,
}

/// Secondary indexes dropped by [`drop_indexes`], with the statements that build them again.
#[derive(Default)]
#[must_use = "the indexes are gone until they are rebuilt"]
pub struct DroppedIndexes {
    tables: Vec<String>,
    indexes: Vec<IndexDefinition>,
}

/// A dropped index that could not be built again, or the statistics that could not be
/// refreshed after it.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error("cannot build the index {index}: {source}")]
    Index {
        index: String,
        source: diesel::result::Error,
    },
    #[error(transparent)]
    Statistics(diesel::result::Error),
}

/// Drops the secondary indexes of `tables`. Into empty tables, rows load many times faster
/// without them (each insert would land on a random page of every index); building them
/// afterwards from their own definitions ([`DroppedIndexes::rebuild`]) sorts each once.
/// Primary keys, unique constraints and SQLite's automatic indexes stay.
pub fn drop_indexes(conn: &mut DbConnection, tables: &[&str]) -> QueryResult<DroppedIndexes> {
    let list = tables
        .iter()
        .map(|t| format!("'{}'", t.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ");
    let query = match conn {
        DbConnection::Sqlite(_) => format!(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND tbl_name IN ({list})"
        ),
        DbConnection::Pg(_) => format!(
            "SELECT indexname AS name, indexdef AS sql FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename IN ({list}) \
             AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        ),
    };
    let indexes: Vec<IndexDefinition> = diesel::sql_query(query).load(conn)?;
    for index in &indexes {
        diesel::sql_query(format!("DROP INDEX \"{}\"", index.name)).execute(conn)?;
    }
    Ok(DroppedIndexes {
        tables: tables.iter().map(|t| (*t).to_owned()).collect(),
        indexes,
    })
}

impl DroppedIndexes {
    /// How many indexes were dropped.
    pub fn len(&self) -> usize {
        self.indexes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.indexes.is_empty()
    }

    /// Builds the dropped indexes again. On PostgreSQL the tables' statistics are refreshed
    /// too, so the planner knows the new rows now rather than when autovacuum gets to them.
    pub fn rebuild(&self, conn: &mut DbConnection) -> Result<(), RebuildError> {
        if self.indexes.is_empty() {
            return Ok(());
        }
        for index in &self.indexes {
            diesel::sql_query(&index.sql)
                .execute(conn)
                .map_err(|source| RebuildError::Index {
                    index: index.name.clone(),
                    source,
                })?;
        }
        let tables: Vec<&str> = self.tables.iter().map(String::as_str).collect();
        super::refresh_statistics(conn, &tables).map_err(RebuildError::Statistics)
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    use super::{DbConnection, drop_indexes, insert_rows};
    use crate::db::DatabaseUrl;

    diesel::table! {
        keys (key, record_id) {
            key -> Text,
            record_id -> Text,
            kind -> Text,
        }
    }

    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }

    fn index_names(conn: &mut DbConnection) -> Vec<String> {
        diesel::sql_query(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'keys' \
             ORDER BY name",
        )
        .load::<Name>(conn)
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect()
    }

    #[test]
    fn many_rows_go_in_over_several_statements_and_the_indexes_come_back() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("t.db").display().to_string());
        let mut conn = crate::db::open(&url).unwrap();
        conn.batch_execute(
            "CREATE TABLE keys (key TEXT NOT NULL, record_id TEXT NOT NULL, kind TEXT NOT NULL, \
             PRIMARY KEY (key, record_id)); CREATE INDEX keys_record ON keys (record_id)",
        )
        .unwrap();
        let before = index_names(&mut conn);
        assert!(before.contains(&"keys_record".to_owned()), "{before:?}");

        let dropped = drop_indexes(&mut conn, &["keys"]).unwrap();
        assert_eq!(dropped.len(), 1);
        assert!(!index_names(&mut conn).contains(&"keys_record".to_owned()));

        // (key, record id, kind) rows as `column.eq(value)` tuples: three binds a row, so
        // 25,000 rows take three statements.
        let rows: Vec<(String, String, &str)> = (0..25_000)
            .map(|i| (format!("k:{i}"), format!("r{}", i % 7), "account"))
            .collect();
        let insert = |conn: &mut DbConnection, rows: &[(String, String, &str)]| {
            insert_rows(
                conn,
                keys::table,
                3,
                rows.iter().map(|(key, id, kind)| {
                    (
                        keys::key.eq(key),
                        keys::record_id.eq(id),
                        keys::kind.eq(*kind),
                    )
                }),
            )
        };
        assert_eq!(insert(&mut conn, &rows).unwrap(), 25_000);
        assert_eq!(insert(&mut conn, &[]).unwrap(), 0, "no rows, no statement");

        dropped.rebuild(&mut conn).unwrap();
        assert_eq!(index_names(&mut conn), before);
        let stored: i64 = keys::table
            .filter(keys::kind.eq("account"))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(stored, 25_000);
    }
}
