//! `truce backup` while the portal serves, and `truce restore` into a stopped data dir.

use diesel::RunQueryDsl;
use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app, truce_bin};
use truce::db;
use truce::db::models::user;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = truce_bin().args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An admin and a channel manager they invited: users, an audit event and a queued email.
async fn some_data(app: &TestApp) {
    app.create_user("a@example.com", "admin", None, false);
    let admin = app.login("a@example.com").await;
    let created = admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("name", "Jo"),
                ("email", "jo@example.com"),
                ("role", "channel"),
                ("org_id", ""),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn a_backup_taken_while_serving_restores_into_a_stopped_data_dir() {
    let app = spawn_app().await;
    some_data(&app).await;
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("nightly.db");
    let file_arg = file.to_string_lossy().into_owned();

    if app.database_url.starts_with("postgres") {
        let (ok, stdout, stderr) = run(&[
            "backup",
            "--database-url",
            &app.database_url,
            "--to",
            &file_arg,
        ]);
        assert!(!ok, "no backup is claimed on PostgreSQL");
        assert!(stdout.contains("pg_dump --format=custom"), "{stdout}");
        assert!(stderr.contains("pg_dump"), "{stderr}");
        return;
    }

    // The server is running and holds connections while the copy is made.
    assert_eq!(app.client().get("/healthz").await.status, StatusCode::OK);
    let (ok, stdout, stderr) = run(&[
        "backup",
        "--database-url",
        &app.database_url,
        "--to",
        &file_arg,
    ]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("integrity check found no problem"),
        "{stdout}"
    );
    assert!(stdout.contains("users 2"), "{stdout}");
    assert!(stdout.contains("outbox 1"), "{stdout}");
    let checked = db::backup::check(&file).unwrap();
    assert_eq!(checked.rows_of("users"), Some(2));
    assert!(checked.snapshot.last_change.is_some());

    // A backup never overwrites a file.
    let (ok, _, stderr) = run(&[
        "backup",
        "--database-url",
        &app.database_url,
        "--to",
        &file_arg,
    ]);
    assert!(!ok);
    assert!(stderr.contains("exists already"), "{stderr}");

    // Not over the database of a running server.
    let (ok, _, stderr) = run(&["restore", "--database-url", &app.database_url, &file_arg]);
    assert!(!ok);
    assert!(stderr.contains("stop the server first"), "{stderr}");

    // Into a stopped (here: new) data dir, then the users are there.
    let data = tempfile::tempdir().unwrap();
    let data_arg = data.path().to_string_lossy().into_owned();
    let (ok, stdout, stderr) = run(&["restore", "--data-dir", &data_arg, &file_arg]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("no database there before"), "{stdout}");
    let restored = db::DatabaseUrl::Sqlite(data.path().join("truce.db").display().to_string());
    {
        let pool = db::connect(&restored, 1).unwrap();
        let mut conn = pool.get().unwrap();
        assert!(
            user::find_by_email(&mut conn, "jo@example.com")
                .unwrap()
                .is_some()
        );
        // A change after the backup: restoring it again would lose it.
        diesel::sql_query(
            "INSERT INTO audit_events (id, at, action, subject) \
             VALUES ('later', '2099-01-01 00:00:00', 'test', 'test')",
        )
        .execute(&mut *conn)
        .unwrap();
    }
    let (ok, _, stderr) = run(&["restore", "--data-dir", &data_arg, &file_arg]);
    assert!(!ok);
    assert!(stderr.contains("--force"), "{stderr}");
    assert!(
        stderr.contains("after the backup's last change"),
        "{stderr}"
    );

    let (ok, stdout, stderr) = run(&["restore", "--force", "--data-dir", &data_arg, &file_arg]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("is kept as"), "{stdout}");
    let kept: Vec<_> = std::fs::read_dir(data.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("truce.db.replaced-"))
        .collect();
    assert_eq!(kept.len(), 1, "the replaced database is kept");
    let after = db::backup::check(&data.path().join("truce.db")).unwrap();
    assert_eq!(after.snapshot, checked.snapshot);
}

#[test]
fn a_damaged_or_foreign_file_is_not_restored() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not a database").unwrap();
    let data = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = run(&[
        "restore",
        "--data-dir",
        &data.path().to_string_lossy(),
        &junk.to_string_lossy(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("junk.db"), "{stderr}");
    assert!(
        !data.path().join("truce.db").exists(),
        "nothing is put in place"
    );
}
