//! The `truce` binary as an operator uses it.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::helpers::spawn_app;

fn truce() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_truce"));
    for (key, _) in std::env::vars() {
        if key.starts_with("TRUCE_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

#[actix_web::test]
async fn user_add_reads_the_password_from_stdin_and_the_user_can_sign_in() {
    let app = spawn_app().await;
    app.create_org("Litware");
    let mut child = truce()
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
        let mut child = truce()
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
    let out = truce().args(["--bind", "not-an-address"]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("TRUCE_BIND"), "{stderr}");

    let out = truce()
        .env("TRUCE_DATABASE_URL", "mysql://db/truce")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("TRUCE_DATABASE_URL"));
}

#[test]
fn help_documents_the_settings() {
    let out = truce().arg("--help").output().unwrap();
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
fn migrate_prepares_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = truce()
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
    let again = truce()
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 migration(s) applied"));
}
