//! An upgrade: a database written with the previous release's schema (every migration but
//! the newest) is opened by this release, which backs it up and migrates it, data intact.

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;

use crate::helpers::truce_bin;
use truce::auth::password;
use truce::config::HashParams;
use truce::db::models::{org, outbox, user};
use truce::db::{self, DbConnection};
use truce::domain::org::validate_org;
use truce::domain::user::validate_user;

/// A database of its own (PostgreSQL when TRUCE_TEST_POSTGRES_URL is set), and whether it
/// is SQLite.
fn fresh_database(dir: &std::path::Path) -> (String, Option<PgDrop>) {
    match std::env::var("TRUCE_TEST_POSTGRES_URL") {
        Ok(admin) if !admin.is_empty() => {
            use diesel::Connection;
            let name = format!("truce_upgrade_{}", truce::ids::new_id().replace('-', ""));
            let mut conn = diesel::PgConnection::establish(&admin).unwrap();
            diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                .execute(&mut conn)
                .unwrap();
            let mut url = url::Url::parse(&admin).unwrap();
            url.set_path(&name);
            (url.to_string(), Some(PgDrop { admin, name }))
        }
        _ => (format!("sqlite://{}", dir.join("truce.db").display()), None),
    }
}

struct PgDrop {
    admin: String,
    name: String,
}

impl Drop for PgDrop {
    fn drop(&mut self) {
        use diesel::Connection;
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.admin) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}

fn count(conn: &mut DbConnection, table: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<N>(conn)
        .unwrap()
        .n
}

#[test]
fn the_previous_schema_migrates_with_its_data_and_a_backup_first() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _drop) = fresh_database(dir.path());
    let parsed = db::DatabaseUrl::parse(&url).unwrap();
    let all = db::migration_count();
    assert!(all >= 2);
    let now = chrono::Utc::now().naive_utc();
    {
        let mut conn = db::open(&parsed).unwrap();
        db::migrate_first(&mut conn, all - 1).unwrap();
        let fields = validate_org("Litware", "gold", "active").unwrap();
        let o = org::insert(&mut conn, &fields, now)
            .map_err(|e| format!("{e:?}"))
            .unwrap();
        let fields = validate_user("lee@litware.example", "Lee", "partner", &o.id, false).unwrap();
        let hash = password::hash(&HashParams::default(), "blue harbour lantern 42").unwrap();
        user::insert(&mut conn, &fields, Some(&hash), now)
            .map_err(|e| format!("{e:?}"))
            .unwrap();
        outbox::insert(
            &mut conn,
            &outbox::NewEmail {
                id: "mail-1",
                message_id: "<mail-1@truce>",
                kind: "test",
                to_addr: "lee@litware.example",
                subject: "Hello",
                text_body: "Hello",
                html_body: "<p>Hello</p>",
            },
            now,
        )
        .unwrap();
        if let DbConnection::Sqlite(c) = &mut conn {
            c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        }
    }

    let out = truce_bin()
        .args(["migrate", "--database-url", &url])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("(1 migration(s) applied)"), "{stdout}");

    let mut conn = db::open(&parsed).unwrap();
    assert_eq!(count(&mut conn, "partner_orgs"), 1);
    assert_eq!(count(&mut conn, "users"), 1);
    assert_eq!(count(&mut conn, "outbox"), 1);
    let lee = user::find_by_email(&mut conn, "lee@litware.example")
        .unwrap()
        .expect("the user survived the upgrade");
    assert!(password::verify(
        lee.password_hash.as_deref().unwrap(),
        "blue harbour lantern 42"
    ));

    if parsed.is_postgres() {
        return;
    }
    // The log names the backup made before migrating, and it holds the old data.
    let backups: Vec<_> = std::fs::read_dir(dir.path().join("backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let name = backups[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(name.ends_with("-before-migration.db"), "{name}");
    assert!(
        stdout.contains(&name) || stderr.contains(&name),
        "the log names the file:\n{stdout}\n{stderr}"
    );
    let checked = db::backup::check(&backups[0]).unwrap();
    assert_eq!(checked.rows_of("users"), Some(1));
    assert!(checked.snapshot.schema_version < Some(newest_version()));

    // Up to date now: no second backup on the next start.
    let again = truce_bin()
        .args(["migrate", "--database-url", &url])
        .output()
        .unwrap();
    assert!(again.status.success());
    assert_eq!(
        std::fs::read_dir(dir.path().join("backups"))
            .unwrap()
            .count(),
        1
    );
}

/// The newest migration's version, from its folder name ("2026-11-23-000020_x" → "20261123000020").
fn newest_version() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let newest = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .max()
        .unwrap();
    newest
        .split('_')
        .next()
        .unwrap()
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// The audit events recorded before the hash chain existed join it, oldest first, when a
/// database of that time is opened by this release; new events chain on after them.
#[test]
fn earlier_audit_events_join_the_chain_on_upgrade() {
    use truce::db::models::audit;
    use truce::domain::audit::{Action, SubjectKind, Who, subject};

    let dir = tempfile::tempdir().unwrap();
    let (url, _drop) = fresh_database(dir.path());
    let parsed = db::DatabaseUrl::parse(&url).unwrap();
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let mut names: Vec<String> = std::fs::read_dir(migrations)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let before_chain = names
        .iter()
        .position(|n| n.ends_with("_audit_chain"))
        .expect("the audit chain's migration");
    {
        let mut conn = db::open(&parsed).unwrap();
        db::migrate_first(&mut conn, before_chain).unwrap();
        // Written in the opposite order of their times: the chain follows the times.
        diesel::sql_query(
            "INSERT INTO audit_events (id, at, actor_id, action, subject, detail) VALUES \
             ('later', '2026-11-30 10:00:00', NULL, 'territory_mode', 'flag', NULL), \
             ('earlier', '2026-11-29 09:00:00', 'someone', 'roe_published', 'roe:1', 'First rules')",
        )
        .execute(&mut conn)
        .unwrap();
    }
    let out = truce_bin()
        .args(["audit", "verify", "--database-url", &url])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("2 events, chain intact"), "{stdout}");

    let mut conn = db::open(&parsed).unwrap();
    let chained = audit::stored_after(&mut conn, 0, 10, 10).unwrap();
    let ids: Vec<&str> = chained.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["earlier", "later"]);
    audit::record(
        &mut conn,
        &Who::SYSTEM,
        Action::UserCreated,
        &subject(SubjectKind::User, "u1"),
        None,
        chrono::Utc::now().naive_utc(),
    )
    .unwrap();
    let found = truce::workflow::audit::verify(&mut conn, |_, _| {}).unwrap();
    assert_eq!(found.unwrap().events, 3);
}
