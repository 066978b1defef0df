//! The `truce` binary as an operator uses it.

use std::io::Write;
use std::process::Stdio;

use reqwest::StatusCode;

use crate::helpers::{spawn_app, truce_bin};

#[actix_web::test]
async fn user_add_reads_the_password_from_stdin_and_the_user_can_sign_in() {
    let app = spawn_app().await;
    app.create_org("Litware");
    let mut child = truce_bin()
        .args([
            "user",
            "add",
            "--database-url",
            &app.database_url,
            "--email",
            "lee@litware.example",
            "--role",
            "partner",
            "--org",
            "litware",
            "--name",
            "Lee",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"copper kettle morning 3\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Added lee@litware.example"));
    let client = app.client();
    assert_eq!(
        client
            .login("lee@litware.example", "copper kettle morning 3")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert!(client.get("/partner").await.body.contains("Litware"));
}

#[test]
fn user_add_explains_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let run = |args: &[&str], password: &str| {
        let mut child = truce_bin()
            .args(["user", "add", "--database-url", &url])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(password.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(run(&["--email", "a@b.example", "--role", "admin"], "short\n").contains("at least 12"));
    assert!(
        run(
            &[
                "--email",
                "a@b.example",
                "--role",
                "partner",
                "--org",
                "Nope"
            ],
            "long enough password 1\n"
        )
        .contains("--create-org")
    );
    assert!(
        run(
            &["--email", "a@b.example", "--role", "wizard"],
            "long enough password 1\n"
        )
        .contains("--role")
    );
}

#[test]
fn a_bad_setting_stops_start_up_with_a_clear_message() {
    let out = truce_bin()
        .args(["--bind", "not-an-address"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("TRUCE_BIND"), "{stderr}");

    let out = truce_bin()
        .env("TRUCE_DATABASE_URL", "mysql://db/truce")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("TRUCE_DATABASE_URL"));
}

#[test]
fn help_documents_the_settings() {
    let out = truce_bin().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--bind",
        "--database-url",
        "--base-url",
        "--data-dir",
        "--secure-cookies",
        "--log-format",
        "TRUCE_BIND",
        "migrate",
        "user",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn demo_small_fills_a_quick_look_and_names_its_caps() {
    let dir = tempfile::tempdir().unwrap();
    let out = truce_bin()
        .args(["demo", "--small", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("50 partner organisations"), "{stdout}");
    assert!(stdout.contains("3,000 registrations"), "{stdout}");
    assert!(stdout.contains("7 territories"), "{stdout}");
    assert!(
        stdout.contains("caps on active registrations (policy version 2): Registered "),
        "{stdout}"
    );
    // Without a size, the command says what it needs.
    let bare = truce_bin()
        .args(["demo", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!bare.status.success());
    let err = String::from_utf8_lossy(&bare.stderr);
    assert!(err.contains("--registrations"), "{err}");
}

#[test]
fn migrate_prepares_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = truce_bin()
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("truce.db").exists());
    let again = truce_bin()
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 migration(s) applied"));
}

#[actix_web::test]
async fn jobs_run_once_delivers_queued_mail_to_eml_files_by_default() {
    let app = spawn_app().await;
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
    let out = truce_bin()
        .args([
            "jobs",
            "run-once",
            "--database-url",
            &app.database_url,
            "--data-dir",
        ])
        .arg(&app.data_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Emails: 1 sent"));
    let files: Vec<_> = std::fs::read_dir(app.data_dir.join("mail"))
        .unwrap()
        .collect();
    assert_eq!(files.len(), 1);
    let eml = std::fs::read_to_string(files[0].as_ref().unwrap().path()).unwrap();
    assert!(eml.contains("To: jo@example.com"));
    assert_eq!(app.last_email_to("jo@example.com").status.as_str(), "sent");
}
