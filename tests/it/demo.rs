//! `truce demo` on the test database: what a bulk load leaves for the query planner.

use diesel::prelude::*;
use truce::clock::Clock;
use truce::db::DbConnection;

use crate::helpers::spawn_app;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[actix_web::test]
async fn a_bulk_load_leaves_postgresql_statistics_and_sqlite_none() {
    let app = spawn_app().await;
    let mut conn = app.conn();
    let mut spec = truce::demo::Spec::new(400, 5, None, None, 7).unwrap();
    spec.accounts = Some(300);
    truce::demo::generate(
        &mut conn,
        &spec,
        "not a real hash",
        app.clock.naive_now(),
        &mut |_| {},
    )
    .unwrap();
    let conn: &mut DbConnection = &mut conn;
    match conn {
        // Without statistics (autovacuum off, or not yet round) the planner guessed a scan of
        // every direct opportunity for the lock check; the load analyses what it wrote.
        DbConnection::Pg(pg) => {
            let unanalysed: Vec<Count> = diesel::sql_query(
                "SELECT count(*) AS n FROM pg_stat_user_tables \
                 WHERE relname IN ('direct_opportunities', 'crm_accounts', 'prospect_keys', \
                 'registrations') AND last_analyze IS NULL",
            )
            .load(pg)
            .unwrap();
            assert_eq!(unanalysed[0].n, 0, "every loaded table is analysed");
            // And vacuumed: index-only scans (the dashboard's credits and protections ending
            // soon) read no heap page of an all-visible table.
            let invisible: Vec<Count> = diesel::sql_query(
                "SELECT count(*) AS n FROM pg_class \
                 WHERE relname IN ('registrations', 'credits') AND relallvisible = 0",
            )
            .load(pg)
            .unwrap();
            assert_eq!(invisible[0].n, 0, "the loaded tables are vacuumed");
        }
        // SQLite's plans are chosen without statistics, as docs/performance.md checks them:
        // the load must not add any that could change them.
        DbConnection::Sqlite(lite) => {
            let stats: Vec<Count> = diesel::sql_query(
                "SELECT count(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'",
            )
            .load(lite)
            .unwrap();
            assert_eq!(stats[0].n, 0);
        }
    }
}
