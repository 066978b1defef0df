//! SIGTERM during a burst of submissions: the server stops accepting, finishes what it
//! acknowledged, and every acknowledged registration is stored with its emails sent once
//! the jobs run again (here: `truce jobs run-once`, as after a restart).

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{Deal, TestClient, spawn_app, truce_bin};
use truce::db::models::outbox::EmailStatus;

const BURST: usize = 20;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[actix_web::test]
async fn sigterm_during_submissions_loses_no_acknowledged_one() {
    let app = spawn_app().await;
    app.create_user("cm@vendor.example", "channel", None, false);
    app.partner("Alpha Partners", "ann@alpha.example");

    // The real binary, on the same database, running its own jobs.
    let port = free_port();
    let address = format!("http://127.0.0.1:{port}");
    let mut server = truce_bin()
        .args(["serve", "--database-url", &app.database_url, "--data-dir"])
        .arg(&app.data_dir)
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .args(["--jobs-interval-seconds", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Ok(r) = reqwest::get(format!("{address}/healthz")).await
            && r.status() == StatusCode::OK
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server starts"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }

    let ann = TestClient::new(&address);
    assert_eq!(
        ann.login("ann@alpha.example", crate::helpers::PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let token = ann.get("/partner/deals/new").await.csrf();
    let names = [
        "Amber", "Birch", "Cobalt", "Dune", "Ember", "Fjord", "Granite", "Harbor", "Indigo",
        "Juniper", "Kestrel", "Lumen", "Meadow", "Nimbus", "Orchid", "Pebble", "Quartz", "Raven",
        "Sable", "Tundra",
    ];
    assert_eq!(names.len(), BURST);
    let mut sent = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let company = format!("{name} Robotics");
        let deal = Deal::new(&app, &company, &format!("{}.example", name.to_lowercase()));
        let mut form: Vec<(String, String)> = deal
            .pairs("submit")
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        form.push(("csrf_token".into(), token.clone()));
        let http = ann.http.clone();
        let url = format!("{address}/partner/deals");
        sent.push((
            company,
            actix_web::rt::spawn(async move {
                // Spread over a few tens of milliseconds, so that the signal lands mid-burst.
                actix_web::rt::time::sleep(Duration::from_millis(5 * i as u64)).await;
                http.post(url).form(&form).send().await.map(|r| r.status())
            }),
        ));
    }
    actix_web::rt::time::sleep(Duration::from_millis(40)).await;
    let term = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());

    let mut acknowledged = Vec::new();
    let mut refused = 0;
    for (company, handle) in sent {
        match handle.await.unwrap() {
            Ok(StatusCode::SEE_OTHER) => acknowledged.push(company),
            Ok(other) => panic!("{company}: unexpected {other}"),
            Err(_) => refused += 1,
        }
    }
    let stopped_at = Instant::now();
    let status = loop {
        if let Some(s) = server.try_wait().unwrap() {
            break s;
        }
        assert!(
            stopped_at.elapsed() < Duration::from_secs(40),
            "the server stops within its shutdown timeout"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    };
    let log = {
        use std::io::Read;
        let mut s = String::new();
        // The log goes to standard output, errors to standard error.
        server
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        server
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    assert!(status.success(), "a clean exit: {status:?}\n{log}");
    assert!(log.contains("background jobs stopped"), "{log}");
    eprintln!(
        "{} of {BURST} submissions acknowledged before the stop, {refused} refused",
        acknowledged.len()
    );

    // Every acknowledged registration is stored.
    let stored: Vec<String> = {
        use diesel::prelude::*;
        use truce::db::schema::registrations;
        registrations::table
            .select(registrations::company_name)
            .load(&mut app.conn())
            .unwrap()
    };
    for company in &acknowledged {
        assert!(
            stored.contains(company),
            "{company} was acknowledged but not stored"
        );
    }

    // After a restart (one pass of the jobs), no email is left unsent.
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
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let outbox = app.outbox();
    assert!(
        !stored.is_empty() && !outbox.is_empty(),
        "submissions queue emails"
    );
    for email in outbox {
        assert_eq!(
            email.status,
            EmailStatus::Sent,
            "{}: {:?}",
            email.subject,
            email.last_error
        );
    }
}
