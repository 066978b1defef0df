//! `src/db/schema.rs` is written by hand; this holds it to the migrations. After migrating a
//! fresh database (SQLite, and PostgreSQL when the suite runs there), every table, column,
//! type, nullability and primary key that schema.rs declares must be what the database
//! has, and the database must have no table or column schema.rs does not know.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use truce::db::DbConnection;

use crate::helpers::spawn_app;

/// A column as compared: its type as the database names it, lower case, and nullability.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    sql_type: String,
    nullable: bool,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    columns: BTreeMap<String, Column>,
    primary_key: Vec<String>,
}

/// The tables of schema.rs, read from its `diesel::table!` blocks.
fn declared() -> BTreeMap<String, Table> {
    let text = include_str!("../../src/db/schema.rs");
    let mut tables = BTreeMap::new();
    let mut blocks = text.split("diesel::table! {").skip(1);
    for block in blocks.by_ref() {
        let body = &block[..block.find("\n}").expect("a table block ends")];
        let mut lines = body.lines().map(str::trim).filter(|l| !l.is_empty());
        let head = lines.next().expect("a table head");
        let (name, keys) = head
            .trim_end_matches('{')
            .trim()
            .split_once('(')
            .expect("table name (primary key)");
        let mut table = Table {
            primary_key: keys
                .trim_end_matches(')')
                .split(',')
                .map(|k| k.trim().to_owned())
                .collect(),
            ..Table::default()
        };
        for line in lines.filter(|l| !l.starts_with("//") && *l != "}") {
            let (column, ty) = line
                .trim_end_matches(',')
                .split_once("->")
                .unwrap_or_else(|| panic!("a column line: {line}"));
            let ty = ty.trim();
            let (nullable, inner) = match ty.strip_prefix("Nullable<") {
                Some(inner) => (true, inner.trim_end_matches('>')),
                None => (false, ty),
            };
            table.columns.insert(
                column.trim().to_owned(),
                Column {
                    sql_type: inner.to_owned(),
                    nullable,
                },
            );
        }
        tables.insert(name.trim().to_owned(), table);
    }
    tables
}

/// Whether a diesel SQL type may be stored in a column the database calls `db_type`.
fn compatible(diesel_type: &str, db_type: &str, sqlite: bool) -> bool {
    let allowed: &[&str] = match (diesel_type, sqlite) {
        ("Text", true) => &["text"],
        ("Text", false) => &["text", "character varying"],
        // SQLite integers are 64-bit whatever the declared name.
        ("BigInt", true) => &["bigint", "integer"],
        ("BigInt", false) => &["bigint"],
        ("Integer", _) => &["integer"],
        ("Timestamp", true) => &["timestamp"],
        ("Timestamp", false) => &["timestamp without time zone"],
        ("Date", _) => &["date"],
        ("Bool", _) => &["boolean"],
        _ => &[],
    };
    allowed.contains(&db_type)
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    #[diesel(column_name = "type")]
    ty: String,
    #[diesel(sql_type = BigInt)]
    notnull: i64,
    #[diesel(sql_type = BigInt)]
    pk: i64,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(QueryableByName)]
struct PgKey {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

/// The tables the migrated database has, described as [`declared`] describes schema.rs.
fn actual(conn: &mut DbConnection) -> BTreeMap<String, Table> {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    match conn {
        DbConnection::Sqlite(c) => {
            let names: Vec<Name> = diesel::sql_query(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__diesel%'",
            )
            .load(c)
            .unwrap();
            for Name { name } in names {
                let columns: Vec<SqliteColumn> = diesel::sql_query(format!(
                    "SELECT name, type, \"notnull\", pk FROM pragma_table_info('{name}')"
                ))
                .load(c)
                .unwrap();
                let mut keyed: Vec<(i64, String)> = Vec::new();
                let table = tables.entry(name).or_default();
                for col in columns {
                    if col.pk > 0 {
                        keyed.push((col.pk, col.name.clone()));
                    }
                    table.columns.insert(
                        col.name,
                        Column {
                            sql_type: col.ty.to_lowercase(),
                            // An INTEGER PRIMARY KEY is the rowid: never null.
                            nullable: col.notnull == 0 && col.pk == 0,
                        },
                    );
                }
                keyed.sort();
                table.primary_key = keyed.into_iter().map(|(_, n)| n).collect();
            }
        }
        DbConnection::Pg(c) => {
            let columns: Vec<PgColumn> = diesel::sql_query(
                "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
                 FROM information_schema.columns WHERE table_schema = 'public' \
                 AND table_name NOT LIKE '__diesel%'",
            )
            .load(c)
            .unwrap();
            for col in columns {
                tables.entry(col.table_name).or_default().columns.insert(
                    col.column_name,
                    Column {
                        sql_type: col.data_type,
                        nullable: col.is_nullable == "YES",
                    },
                );
            }
            let keys: Vec<PgKey> = diesel::sql_query(
                "SELECT k.table_name::text, k.column_name::text \
                 FROM information_schema.table_constraints t \
                 JOIN information_schema.key_column_usage k \
                   ON k.constraint_name = t.constraint_name AND k.table_name = t.table_name \
                 WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = 'public' \
                 ORDER BY k.table_name, k.ordinal_position",
            )
            .load(c)
            .unwrap();
            for key in keys {
                if let Some(t) = tables.get_mut(&key.table_name) {
                    t.primary_key.push(key.column_name);
                }
            }
        }
    }
    tables
}

#[actix_web::test]
async fn schema_rs_says_what_the_migrations_made() {
    let app = spawn_app().await;
    let mut conn = app.conn();
    let sqlite = matches!(*conn, DbConnection::Sqlite(_));
    let declared = declared();
    let actual = actual(&mut conn);
    assert!(declared.len() > 30, "schema.rs was read: {declared:?}");
    let mut problems = Vec::new();
    for (name, table) in &declared {
        let Some(found) = actual.get(name) else {
            problems.push(format!("{name}: in schema.rs, not in the database"));
            continue;
        };
        if table.primary_key != found.primary_key {
            problems.push(format!(
                "{name}: primary key {:?} in schema.rs, {:?} in the database",
                table.primary_key, found.primary_key
            ));
        }
        for (column, want) in &table.columns {
            match found.columns.get(column) {
                None => problems.push(format!("{name}.{column}: not in the database")),
                Some(have) => {
                    if !compatible(&want.sql_type, &have.sql_type, sqlite) {
                        problems.push(format!(
                            "{name}.{column}: {} in schema.rs, {} in the database",
                            want.sql_type, have.sql_type
                        ));
                    }
                    if want.nullable != have.nullable {
                        problems.push(format!(
                            "{name}.{column}: nullable {} in schema.rs, {} in the database",
                            want.nullable, have.nullable
                        ));
                    }
                }
            }
        }
        for column in found.columns.keys() {
            if !table.columns.contains_key(column) {
                problems.push(format!(
                    "{name}.{column}: in the database, not in schema.rs"
                ));
            }
        }
    }
    for name in actual.keys() {
        if !declared.contains_key(name) {
            problems.push(format!("{name}: in the database, not in schema.rs"));
        }
    }
    assert!(
        problems.is_empty(),
        "schema.rs and the migrations disagree:\n{}",
        problems.join("\n")
    );
}
