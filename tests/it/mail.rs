//! Email against a real SMTP server on loopback (Debian's python3-aiosmtpd): invitations and
//! password resets arrive and their links work; an outage delays mail without losing it; a
//! crash between commit and send loses nothing.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::TimeDelta;
use clap::Parser;
use reqwest::StatusCode;
use truce::clock::Clock;

use crate::helpers::{PASSWORD, TestApp, link_in, spawn_app, spawn_app_with, truce_bin};

/// An aiosmtpd server writing what it receives to a maildir.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    maildir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Received {
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub text: String,
}

fn python_with_aiosmtpd() -> Option<PathBuf> {
    ["/usr/bin/python3", "python3"]
        .iter()
        .map(PathBuf::from)
        .find(|p| {
            Command::new(p)
                .args(["-c", "import aiosmtpd"])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpServer {
    /// Starts a server on `port`, or `None` (the test is skipped) without aiosmtpd, unless
    /// TRUCE_REQUIRE_SMTP=1 demands it.
    pub fn start(port: u16) -> Option<SmtpServer> {
        let Some(python) = python_with_aiosmtpd() else {
            if std::env::var("TRUCE_REQUIRE_SMTP").is_ok_and(|v| v == "1") {
                panic!(
                    "TRUCE_REQUIRE_SMTP=1 but python3-aiosmtpd is not installed (apt-get install python3-aiosmtpd)"
                );
            }
            eprintln!("mail test skipped: install python3-aiosmtpd to run it");
            return None;
        };
        let maildir = tempfile::tempdir().unwrap();
        let server = SmtpServer {
            child: Command::new(python)
                .args([
                    "-m",
                    "aiosmtpd",
                    "-n",
                    "-l",
                    &format!("127.0.0.1:{port}"),
                    "-c",
                    "aiosmtpd.handlers.Mailbox",
                ])
                .arg(maildir.path().join("box"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("aiosmtpd starts"),
            port,
            maildir,
        };
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(server);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("aiosmtpd did not start listening on {port}");
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        let dir = self.maildir.path().join("box").join("new");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        entries
            .map(|e| {
                let raw = std::fs::read(e.unwrap().path()).unwrap();
                let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
                Received {
                    to: message
                        .to()
                        .and_then(|a| a.first())
                        .and_then(|a| a.address())
                        .unwrap_or_default()
                        .to_owned(),
                    subject: message.subject().unwrap_or_default().to_owned(),
                    message_id: message.message_id().unwrap_or_default().to_owned(),
                    text: message.body_text(0).unwrap_or_default().into_owned(),
                }
            })
            .collect()
    }

    /// Waits (briefly) for `n` messages.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let got = self.received();
            if got.len() >= n || std::time::Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn invite(app: &TestApp, email: &str) {
    app.create_user("admin@example.com", "admin", None, false);
    let admin = app.login("admin@example.com").await;
    let created = admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("name", "Sam Seller"),
                ("email", email),
                ("role", "sales"),
                ("org_id", ""),
            ],
        )
        .await;
    assert_eq!(
        created.status,
        StatusCode::SEE_OTHER,
        "the action succeeds whatever the mail server does"
    );
}

#[actix_web::test]
async fn an_invitation_arrives_and_its_link_sets_the_password() {
    let Some(smtp) = SmtpServer::start(free_port()) else {
        return;
    };
    let app = spawn_app_with(&[
        "--smtp-url",
        &smtp.url(),
        "--mail-from",
        "Truce <partners@truce.example>",
    ])
    .await;
    invite(&app, "sam@example.com").await;
    let report = app.run_jobs().await;
    assert_eq!(
        report.emails.sent,
        1,
        "{:?}",
        app.last_email_to("sam@example.com").last_error
    );

    let mail = smtp.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, "sam@example.com");
    assert_eq!(
        mail[0].subject,
        "You are invited to the Truce partner portal"
    );
    assert_eq!(
        format!("<{}>", mail[0].message_id),
        app.last_email_to("sam@example.com").message_id
    );
    let path = link_in(&mail[0].text);
    assert!(mail[0].text.contains(&format!("{}{path}", app.address)));

    let sam = app.client();
    let done = sam
        .submit(
            &path,
            &path,
            &[
                ("password", "seven sunny harbours"),
                ("password_confirm", "seven sunny harbours"),
            ],
        )
        .await;
    assert_eq!(
        done.location.as_deref(),
        Some("/sales"),
        "the link signs Sam in"
    );
    assert_eq!(sam.get("/sales").await.status, StatusCode::OK);
    assert_eq!(
        app.client()
            .login("sam@example.com", "seven sunny harbours")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[actix_web::test]
async fn forgot_password_sends_a_one_hour_link_and_says_the_same_for_unknown_addresses() {
    let Some(smtp) = SmtpServer::start(free_port()) else {
        return;
    };
    let app = spawn_app_with(&["--smtp-url", &smtp.url()]).await;
    app.create_user("rep@example.com", "sales", None, false);
    let visitor = app.client();
    assert!(
        visitor
            .get("/login")
            .await
            .body
            .contains("/password/forgot")
    );

    let known = visitor
        .submit(
            "/password/forgot",
            "/password/forgot",
            &[("email", "Rep@Example.com")],
        )
        .await;
    let unknown = visitor
        .submit(
            "/password/forgot",
            "/password/forgot",
            &[("email", "ghost@example.com")],
        )
        .await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(unknown.status, StatusCode::OK);
    let said = |body: &str| body.contains("If an account exists for");
    assert!(said(&known.body) && said(&unknown.body));
    assert_eq!(
        app.run_jobs().await.emails.sent,
        1,
        "only the real account gets mail"
    );

    let mail = smtp.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(mail[0].to, "rep@example.com");
    assert!(mail[0].subject.contains("new password"));
    let path = link_in(&mail[0].text);

    // Asking again at once sends nothing more (no flooding an inbox)...
    let forgot = [("email", "rep@example.com")];
    visitor
        .submit("/password/forgot", "/password/forgot", &forgot)
        .await;
    assert_eq!(app.run_jobs().await.emails.sent, 0);
    // ...but a few minutes later it does, and the newer link kills the first.
    app.advance(TimeDelta::minutes(3));
    visitor
        .submit("/password/forgot", "/password/forgot", &forgot)
        .await;
    assert_eq!(app.run_jobs().await.emails.sent, 1);
    let mail = smtp.wait_for(2, Duration::from_secs(5)).await;
    let newer = mail
        .iter()
        .map(|m| link_in(&m.text))
        .find(|l| *l != path)
        .unwrap();
    assert_eq!(visitor.get(&path).await.status, StatusCode::NOT_FOUND);

    // The link sets the new password and signs the user in.
    let done = visitor
        .submit(
            &newer,
            &newer,
            &[
                ("password", "fresh orchard rain 4"),
                ("password_confirm", "fresh orchard rain 4"),
            ],
        )
        .await;
    assert_eq!(done.location.as_deref(), Some("/sales"));
    assert_eq!(visitor.get("/sales").await.status, StatusCode::OK);
    let old = app.client().login("rep@example.com", PASSWORD).await;
    assert_eq!(old.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let new = app
        .client()
        .login("rep@example.com", "fresh orchard rain 4")
        .await;
    assert_eq!(new.status(), StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn a_reset_link_dies_after_an_hour_and_an_invited_user_gets_a_new_invitation() {
    let Some(smtp) = SmtpServer::start(free_port()) else {
        return;
    };
    let app = spawn_app_with(&["--smtp-url", &smtp.url()]).await;
    app.create_user("rep@example.com", "sales", None, false);
    let visitor = app.client();
    visitor
        .submit(
            "/password/forgot",
            "/password/forgot",
            &[("email", "rep@example.com")],
        )
        .await;
    app.run_jobs().await;
    let path = link_in(&smtp.wait_for(1, Duration::from_secs(5)).await[0].text);
    app.advance(TimeDelta::minutes(61));
    assert_eq!(visitor.get(&path).await.status, StatusCode::NOT_FOUND);

    // An invited user who asks gets their invitation again (valid a week), not a one-hour
    // link that would cut the invitation short.
    invite(&app, "new@example.com").await;
    app.advance(TimeDelta::minutes(3));
    visitor
        .submit(
            "/password/forgot",
            "/password/forgot",
            &[("email", "new@example.com")],
        )
        .await;
    let again = app.last_email_to("new@example.com");
    assert_eq!(again.subject, "You are invited to the Truce partner portal");
    app.advance(TimeDelta::days(6));
    assert_eq!(
        visitor.get(&link_in(&again.text_body)).await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn an_smtp_outage_delays_mail_and_it_is_delivered_exactly_once_afterwards() {
    let port = free_port();
    let app = spawn_app_with(&["--smtp-url", &format!("smtp://127.0.0.1:{port}?tls=none")]).await;
    invite(&app, "sam@example.com").await;

    let report = app.run_jobs().await;
    assert_eq!((report.emails.sent, report.emails.retrying), (0, 1));
    let row = app.last_email_to("sam@example.com");
    assert_eq!((row.status.as_str(), row.attempts), ("retrying", 1));
    assert!(row.last_error.is_some());
    assert_eq!(
        app.run_jobs().await.emails.retrying,
        0,
        "not retried before its time"
    );
    app.advance(TimeDelta::minutes(2));
    app.run_jobs().await;
    assert_eq!(
        app.last_email_to("sam@example.com").attempts,
        2,
        "the retry count rises"
    );

    // The admin sees it waiting, with the error and the next attempt.
    let admin = app.login("admin@example.com").await;
    let page = admin.get("/admin/outbox").await;
    assert!(page.body.contains("retrying"));
    assert!(page.body.contains("Next attempt"));

    let Some(smtp) = SmtpServer::start(port) else {
        return;
    };
    app.advance(TimeDelta::minutes(5));
    assert_eq!(app.run_jobs().await.emails.sent, 1);
    app.advance(TimeDelta::hours(2));
    assert_eq!(app.run_jobs().await.emails, Default::default());
    assert_eq!(
        smtp.wait_for(2, Duration::from_secs(2)).await.len(),
        1,
        "exactly once"
    );
    assert_eq!(app.last_email_to("sam@example.com").status.as_str(), "sent");
    // (The admin's session idled out while the clock moved; sign in again.)
    let admin = app.login("admin@example.com").await;
    assert!(
        admin
            .get("/admin/outbox")
            .await
            .body
            .contains("status-sent")
    );
}

#[actix_web::test]
async fn a_permanently_refused_email_is_failed_and_an_admin_can_retry_it() {
    let app = spawn_app().await;
    app.create_user("admin@example.com", "admin", None, false);
    let admin = app.login("admin@example.com").await;
    let id = truce::ids::new_id();
    truce::db::models::outbox::insert(
        &mut app.conn(),
        &truce::db::models::outbox::NewEmail {
            id: &id,
            message_id: "<x@test>",
            kind: "invitation",
            to_addr: "not an address",
            subject: "Broken",
            text_body: "x",
            html_body: "x",
        },
        chrono::Utc::now().naive_utc() - TimeDelta::minutes(1),
    )
    .unwrap();
    assert_eq!(app.run_jobs().await.emails.failed, 1);
    let page = admin.get("/admin/outbox").await;
    assert!(page.body.contains("status-failed"));
    assert!(page.body.contains("invalid recipient address"));
    let retried = admin
        .submit("/admin/outbox", &format!("/admin/outbox/{id}/retry"), &[])
        .await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER);
    assert!(
        admin
            .get("/admin/outbox")
            .await
            .body
            .contains("queued again")
    );
    assert_eq!(
        app.outbox()
            .iter()
            .find(|r| r.id == id)
            .unwrap()
            .status
            .as_str(),
        "queued"
    );
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_server(data_dir: &std::path::Path, port: u16, extra: &[&str]) -> Server {
    let child = truce_bin()
        .args(["--bind", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data_dir)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    for _ in 0..100 {
        if reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("truce did not start on port {port}");
}

#[actix_web::test]
async fn a_crash_between_commit_and_send_loses_no_email() {
    let Some(smtp) = SmtpServer::start(free_port()) else {
        return;
    };
    // The test's database (PostgreSQL in the PostgreSQL run), shared by two server lives.
    let app = spawn_app().await;
    let db = app.database_url.clone();
    let dir = app.data_dir.clone();
    let mut add = truce_bin()
        .args([
            "user",
            "add",
            "--email",
            "admin@example.com",
            "--role",
            "admin",
            "--database-url",
            &db,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut add.stdin.take().unwrap(),
        format!("{PASSWORD}\n").as_bytes(),
    )
    .unwrap();
    assert!(add.wait().unwrap().success());

    let smtp_url = smtp.url();
    let port = free_port();
    // First life: jobs off, so the invitation is committed but never sent.
    let first = start_server(
        &dir,
        port,
        &["--database-url", &db, "--no-jobs", "--smtp-url", &smtp_url],
    )
    .await;
    let client = crate::helpers::TestClient::new(&format!("http://127.0.0.1:{port}"));
    assert_eq!(
        client.login("admin@example.com", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let created = client
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("name", "Kim"),
                ("email", "kim@example.com"),
                ("role", "channel"),
                ("org_id", ""),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    drop(first); // SIGKILL: no clean shutdown.
    assert!(smtp.received().is_empty());

    // Second life, with the job runner: the email goes out.
    let second_life = [
        "--database-url",
        &db,
        "--smtp-url",
        &smtp_url,
        "--jobs-interval-seconds",
        "1",
    ];
    let _second = start_server(&dir, port, &second_life).await;
    let mail = smtp.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(mail.len(), 1, "the invitation survived the crash");
    assert_eq!(mail[0].to, "kim@example.com");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(smtp.received().len(), 1, "and is sent once");
}

#[actix_web::test]
async fn two_workers_running_together_send_each_email_once() {
    let Some(smtp) = SmtpServer::start(free_port()) else {
        return;
    };
    let app = spawn_app_with(&["--smtp-url", &smtp.url()]).await;
    let now = chrono::Utc::now().naive_utc() - TimeDelta::minutes(1);
    for i in 0..30 {
        let id = truce::ids::new_id();
        let to = format!("person{i}@example.com");
        let message_id = format!("<{id}@test>");
        truce::db::models::outbox::insert(
            &mut app.conn(),
            &truce::db::models::outbox::NewEmail {
                id: &id,
                message_id: &message_id,
                kind: "test",
                to_addr: &to,
                subject: "Hello",
                text_body: "hello",
                html_body: "<p>hello</p>",
            },
            now,
        )
        .unwrap();
    }
    let (a, b) = (app.jobs.clone(), app.jobs.clone());
    let (ra, rb) = tokio::join!(
        actix_web::web::block(move || a.run_once()),
        actix_web::web::block(move || b.run_once()),
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.emails.sent + rb.emails.sent, 30);
    let mail = smtp.wait_for(30, Duration::from_secs(5)).await;
    let mut recipients: Vec<String> = mail.iter().map(|m| m.to.clone()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(
        (mail.len(), recipients.len()),
        (30, 30),
        "no email twice, none missing"
    );
}

#[actix_web::test]
async fn an_email_claimed_by_a_worker_that_died_is_sent_once_its_lease_ends() {
    let Some(smtp) = SmtpServer::start(free_port()) else {
        return;
    };
    let app = spawn_app_with(&["--smtp-url", &smtp.url()]).await;
    invite(&app, "sam@example.com").await;
    // A worker claims the email and dies before sending it.
    let now = app.clock.now().naive_utc();
    let claimed = truce::db::write_tx(&mut app.conn(), |c| {
        truce::db::models::outbox::claim_next(c, now)
    })
    .unwrap();
    assert!(claimed.is_some());
    assert_eq!(
        app.run_jobs().await.emails.sent,
        0,
        "the claim is respected while its lease runs"
    );
    app.advance(TimeDelta::minutes(6));
    assert_eq!(
        app.run_jobs().await.emails.sent,
        1,
        "then another worker takes it over"
    );
    assert_eq!(smtp.wait_for(1, Duration::from_secs(5)).await.len(), 1);
    let row = app.last_email_to("sam@example.com");
    assert_eq!(row.status.as_str(), "sent");
    assert!(
        row.text_body.is_empty(),
        "the sent body (with its one-time link) is not kept"
    );
}

#[actix_web::test]
async fn an_email_queued_in_a_transaction_that_rolls_back_is_never_sent() {
    let app = spawn_app().await;
    let config = truce::cli::Cli::try_parse_from(["truce"])
        .unwrap()
        .serve
        .validate()
        .unwrap();
    let email = truce::mail::templates::PasswordLink {
        program: "Truce".into(),
        name: "Ghost".into(),
        reason: "test",
        link: "http://x/password/set/y".into(),
        expires: "never".into(),
    };
    let result = truce::db::write_tx(&mut app.conn(), |conn| {
        truce::mail::enqueue(
            conn,
            &config,
            "ghost@example.com",
            &email,
            app.clock.now().naive_utc(),
        )?;
        Err::<(), _>(diesel::result::Error::RollbackTransaction)
    });
    assert!(result.is_err());
    assert!(
        app.outbox().is_empty(),
        "no email without the change that caused it"
    );
    truce::db::write_tx(&mut app.conn(), |conn| {
        truce::mail::enqueue(
            conn,
            &config,
            "real@example.com",
            &email,
            app.clock.now().naive_utc(),
        )
    })
    .unwrap();
    assert_eq!(app.outbox().len(), 1);
}
