//! The CRM account import: the upload page over HTTP (the import runs in the background and
//! its run's page shows the progress, then the report) and `truce import accounts`.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use truce::clock::Clock;
use truce::db::models::crm;
use truce::db::models::import_run::{self, NewRun};
use truce::db::schema::{crm_accounts, import_runs, prospect_keys};

use crate::helpers::{Page, TestApp, TestClient, spawn_app, truce_bin};

const ADMIN: &str = "ada@vendor.example";
const REP: &str = "sam@vendor.example";

const SALESFORCE: &str = "\
Account ID,Account Name,Website,Billing Country,Industry,Account Owner Email,Named Account,Phone
001A000001,Globex Corporation,https://www.globex.com,United States,Manufacturing,dana@vendor.example,true,555-0100
001A000002,\"Initech, LLC\",initech.com,US,Software,,false,
001A000003,Umbrella Pharma GmbH,umbrella.de,Germany,Healthcare,lee@vendor.example,false,
";

async fn admin_app() -> (TestApp, TestClient) {
    let app = spawn_app().await;
    app.create_user(ADMIN, "admin", None, false);
    app.create_user(REP, "sales", None, false);
    let admin = app.login(ADMIN).await;
    (app, admin)
}

fn form(csv: &str, dry_run: bool) -> Form {
    let part = Part::bytes(csv.as_bytes().to_vec())
        .file_name("accounts.csv")
        .mime_str("text/csv")
        .unwrap();
    let form = Form::new().part("file", part);
    if dry_run {
        form.text("dry_run", "on")
    } else {
        form
    }
}

/// Uploads `csv` as the import page's form does (token in the action's query string): the
/// answer is the redirect to the run's page, or the form again when the file is refused.
async fn start(client: &TestClient, csv: &str, dry_run: bool) -> Page {
    let page = client.get("/admin/accounts/import").await;
    assert_eq!(page.status, StatusCode::OK);
    let action = form_action(&page.body, "/admin/accounts/import?csrf_token=");
    client.post_multipart(&action, form(csv, dry_run)).await
}

/// Uploads `csv` and waits for its run to end: the run's final page (the report), or the
/// form when the upload was refused.
async fn upload(client: &TestClient, csv: &str, dry_run: bool) -> Page {
    let page = start(client, csv, dry_run).await;
    if page.status != StatusCode::SEE_OTHER {
        return page;
    }
    finished(client, &page).await
}

/// The run a redirect leads to, once it has ended.
async fn finished(client: &TestClient, redirect: &Page) -> Page {
    assert_eq!(
        redirect.status,
        StatusCode::SEE_OTHER,
        "{}",
        redirect.text()
    );
    let location = redirect.location.as_deref().expect("a redirect");
    assert!(
        location.starts_with("/admin/accounts/import/runs/"),
        "{location}"
    );
    wait_for_run(client, location, |_| {}).await
}

/// Polls a run's page until the run has ended (the page stops refreshing itself), handing
/// `seen` every page on the way; gives up after a minute.
async fn wait_for_run(client: &TestClient, location: &str, mut seen: impl FnMut(&Page)) -> Page {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let page = client.get(location).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        if !is_refreshing(&page) {
            return page;
        }
        seen(&page);
        assert!(
            Instant::now() < deadline,
            "the run ended within a minute:\n{}",
            page.text()
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

fn is_refreshing(page: &Page) -> bool {
    page.body.contains("<meta http-equiv=\"refresh\"")
}

fn run_id(location: &str) -> String {
    location
        .strip_prefix("/admin/accounts/import/runs/")
        .unwrap_or_else(|| panic!("{location} is a run's page"))
        .to_owned()
}

/// The `action` of the first form whose action starts with `prefix`.
fn form_action(html: &str, prefix: &str) -> String {
    let marker = format!("action=\"{prefix}");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("a form posting to {prefix}… on the page:\n{html}"))
        + "action=\"".len();
    let end = html[start..].find('"').unwrap() + start;
    crate::helpers::unescape(&html[start..end])
}

fn count(app: &TestApp) -> i64 {
    crm::count(&mut app.conn()).unwrap()
}

fn key_count(app: &TestApp) -> i64 {
    prospect_keys::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

fn keys_of(app: &TestApp, record_id: &str) -> Vec<String> {
    prospect_keys::table
        .filter(prospect_keys::record_id.eq(record_id))
        .select(prospect_keys::key)
        .load(&mut app.conn())
        .unwrap()
}

fn account(app: &TestApp, external_id: &str) -> crm::Account {
    crm::by_external_ids(&mut app.conn(), &[external_id])
        .unwrap()
        .pop()
        .unwrap_or_else(|| panic!("account {external_id} is stored"))
}

/// The lock check's verdict for `q`, as a rep sees it.
async fn verdict(app: &TestApp, q: &str) -> String {
    let rep = app.login(REP).await;
    let page = rep.get(&format!("/sales?q={q}")).await;
    let text = page.text();
    let start = text.find("<h2 id=\"verdict\">").expect("a verdict") + 17;
    text[start..start + text[start..].find("</h2>").unwrap()].to_owned()
}

#[actix_web::test]
async fn a_salesforce_export_is_checked_by_a_dry_run_then_imported_with_one_button() {
    let (app, admin) = admin_app().await;
    let page = admin.get("/admin/accounts/import").await;
    assert!(
        page.body
            .contains("href=\"/admin/accounts/import\" aria-current=\"page\">CRM import")
    );
    assert!(
        page.text()
            .contains("The CRM list holds <strong>0 accounts</strong>")
    );

    let dry_redirect = start(&admin, SALESFORCE, true).await;
    let page = finished(&admin, &dry_redirect).await;
    let text = page.text();
    assert_eq!(page.status, StatusCode::OK, "{text}");
    assert!(text.contains("Dry run: nothing was saved"), "{text}");
    assert!(
        text.contains("<th scope=\"row\">New accounts to add</th><td class=\"num\">3</td>"),
        "{text}"
    );
    assert!(text.contains("Not imported: Phone."), "{text}");
    assert_eq!(count(&app), 0, "a dry run writes nothing");
    assert_eq!(key_count(&app), 0, "a dry run writes no matching keys");

    assert!(text.contains("Started by ada@vendor.example, "), "{text}");

    let action = form_action(&page.body, "/admin/accounts/import/");
    let redirect = admin
        .submit(
            "/admin/accounts/import",
            &action,
            &[("file_name", "accounts.csv")],
        )
        .await;
    let page = finished(&admin, &redirect).await;
    let text = page.text();
    assert_eq!(page.status, StatusCode::OK, "{text}");
    assert!(text.contains("CRM import finished"), "{text}");
    assert!(
        text.contains("<th scope=\"row\">New accounts added</th><td class=\"num\">3</td>"),
        "{text}"
    );
    assert!(
        text.contains("now holds <strong>3</strong> accounts"),
        "{text}"
    );
    assert_eq!(count(&app), 3);

    let globex = account(&app, "001A000001");
    assert_eq!(globex.name, "Globex Corporation");
    assert_eq!(globex.website.as_deref(), Some("https://www.globex.com"));
    assert_eq!(globex.domain_key.as_deref(), Some("globex.com"));
    assert_eq!(globex.country.as_deref(), Some("US"));
    assert_eq!(globex.industry.as_deref(), Some("Manufacturing"));
    assert_eq!(globex.owner_email.as_deref(), Some("dana@vendor.example"));
    assert!(globex.named_account && !globex.reserved_for_direct);
    assert_eq!(account(&app, "001A000003").country.as_deref(), Some("DE"));
    assert_eq!(account(&app, "001A000002").name, "Initech, LLC");

    // The matching keys were stored with the accounts: the lock check finds them.
    assert_eq!(verdict(&app, "globex.com").await, "Reserved for direct");
    assert_eq!(verdict(&app, "Globex").await, "Reserved for direct");

    // The stored upload went with the import: the button cannot import it twice.
    let again = admin.submit("/admin/accounts/import", &action, &[]).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.text().contains("That upload is no longer here"));
    assert_eq!(count(&app), 3);
    // The dry run's page no longer offers it either.
    let location = dry_redirect.location.expect("the dry run's address");
    let page = admin.get(&location).await;
    assert!(
        !page.body.contains("action=\"/admin/accounts/import/"),
        "{}",
        page.text()
    );
    assert!(page.text().contains("This upload is no longer kept"));

    // Both runs are listed on the import page, newest first, and lead to their pages.
    let page = admin.get("/admin/accounts/import").await;
    let text = page.text();
    assert!(text.contains("Recent imports"), "{text}");
    let import_link = text
        .find(redirect.location.as_deref().unwrap())
        .expect("the import is listed");
    let dry_link = text.find(&location).expect("the dry run is listed");
    assert!(import_link < dry_link, "newest first");
}

#[actix_web::test]
async fn a_re_import_updates_accounts_by_external_id() {
    let (app, admin) = admin_app().await;
    let page = upload(&admin, SALESFORCE, false).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert_eq!(count(&app), 3);
    let before = account(&app, "001A000001");

    let changed = SALESFORCE
        .replace(
            "Globex Corporation,https://www.globex.com",
            "Globex Holdings,https://globex-holdings.com",
        )
        .replace(",dana@vendor.example,true,", ",dana@vendor.example,false,");
    let dry = upload(&admin, &changed, true).await;
    let text = dry.text();
    assert!(
        text.contains("<th scope=\"row\">Accounts to update</th><td class=\"num\">1</td>"),
        "{text}"
    );
    assert!(
        text.contains("<th scope=\"row\">Unchanged</th><td class=\"num\">2</td>"),
        "{text}"
    );
    assert!(
        text.contains("account name: Globex Corporation → Globex Holdings"),
        "{text}"
    );
    assert!(text.contains("named account: yes → no"), "{text}");
    assert_eq!(
        account(&app, "001A000001").name,
        "Globex Corporation",
        "a dry run writes nothing"
    );

    let page = upload(&admin, &changed, false).await;
    let text = page.text();
    assert!(
        text.contains("<th scope=\"row\">Accounts updated</th><td class=\"num\">1</td>"),
        "{text}"
    );
    assert!(
        text.contains("<th scope=\"row\">New accounts added</th><td class=\"num\">0</td>"),
        "{text}"
    );
    assert_eq!(count(&app), 3, "updated in place, not added again");
    let after = account(&app, "001A000001");
    assert_eq!(after.id, before.id);
    assert_eq!(after.name, "Globex Holdings");
    assert_eq!(after.domain_key.as_deref(), Some("globex-holdings.com"));
    assert!(!after.named_account);

    // The matching keys followed the change, and the account is no longer reserved.
    let keys = keys_of(&app, &after.id);
    assert!(
        keys.contains(&"d:globex-holdings.com".to_owned()),
        "{keys:?}"
    );
    assert!(!keys.contains(&"d:globex.com".to_owned()), "{keys:?}");
    assert_eq!(verdict(&app, "globex-holdings.com").await, "Open");

    // The same file again changes nothing.
    let page = upload(&admin, &changed, false).await;
    assert!(
        page.text()
            .contains("<th scope=\"row\">Unchanged</th><td class=\"num\">3</td>")
    );
}

#[actix_web::test]
async fn bad_rows_are_reported_by_line_and_the_good_rows_import() {
    let (app, admin) = admin_app().await;
    let csv = "\
external_id,name,website,country,owner_email,named_account
A1,Good One Ltd,goodone.co.uk,GB,ann@vendor.example,no
A2,\"Two
Lines Inc\",two.example,Germny,,yes
A3,,three.example,FR,not-an-email,maybe
A4,Good Four,four.example,France,,x
A1,Repeated,,,,
";
    let page = upload(&admin, csv, false).await;
    let text = page.text();
    assert_eq!(page.status, StatusCode::OK, "{text}");
    assert!(
        text.contains("Rows with errors were skipped; the other rows were imported."),
        "{text}"
    );
    assert!(
        text.contains(
            "<th scope=\"row\">Rows skipped because of errors</th><td class=\"num\">3</td>"
        ),
        "{text}"
    );
    // Line 3 starts the quoted two-line name, so the next row is on line 5.
    assert!(text.contains("<th scope=\"row\" class=\"num\">3</th>\n      <td>country</td>\n      <td>\"Germny\" is not a country"), "{text}");
    assert!(text.contains("<th scope=\"row\" class=\"num\">5</th>\n      <td>name</td>\n      <td>The account name is empty."), "{text}");
    assert!(text.contains("<td>owner_email</td>"), "{text}");
    assert!(text.contains("<td>named_account</td>"), "{text}");
    assert!(text.contains("<th scope=\"row\" class=\"num\">7</th>\n      <td>external_id</td>\n      <td>The external id \"A1\" is already on line 2"), "{text}");
    assert_eq!(count(&app), 2);
    assert!(account(&app, "A4").named_account);
    assert_eq!(account(&app, "A4").country.as_deref(), Some("FR"));
}

#[actix_web::test]
async fn a_file_without_the_required_columns_is_refused_with_what_was_found() {
    let (app, admin) = admin_app().await;
    let page = upload(&admin, "Account ID,Website\n1,acme.com\n", true).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text().contains(
            "The file has no column for the account name. Found: \"Account ID\", \"Website\"."
        ),
        "{}",
        page.text()
    );
    let page = upload(&admin, "", true).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().contains("Choose a CSV file to import"));
    assert_eq!(count(&app), 0);
}

#[actix_web::test]
async fn only_admins_may_import_or_see_an_import() {
    let (app, admin) = admin_app().await;
    let redirect = start(&admin, SALESFORCE, true).await;
    finished(&admin, &redirect).await;
    let run = redirect.location.clone().unwrap();
    let org = app.create_org("Alpha Partners");
    app.create_user("pat@alpha.example", "partner", Some(&org), true);
    for email in [REP, "pat@alpha.example"] {
        let client = app.login(email).await;
        assert_eq!(
            client.get("/admin/accounts/import").await.status,
            StatusCode::FORBIDDEN
        );
        let page = client.get(&run).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{email}");
        assert!(!page.text().contains("accounts.csv"), "{email}");
        let token = client.csrf_from("/account/password").await;
        let page = client
            .post_multipart(
                &format!("/admin/accounts/import?csrf_token={token}"),
                form(SALESFORCE, false),
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{email}");
    }
    assert!(
        app.client()
            .get("/admin/accounts/import")
            .await
            .is_login_redirect()
    );
    assert!(app.client().get(&run).await.is_login_redirect());
    assert_eq!(count(&app), 0);

    // Any admin sees the run (one program, several owners); an unknown run is not found.
    app.create_user("grace@vendor.example", "admin", None, false);
    let other = app.login("grace@vendor.example").await;
    let page = other.get(&run).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Started by ada@vendor.example"));
    let page = other.get("/admin/accounts/import/runs/no-such-run").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn an_upload_without_the_csrf_token_is_refused() {
    let (app, admin) = admin_app().await;
    let page = admin
        .post_multipart("/admin/accounts/import", form(SALESFORCE, false))
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = admin
        .post_multipart(
            "/admin/accounts/import?csrf_token=forged",
            form(SALESFORCE, false),
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // The query string counts for uploads only: an urlencoded post still needs the field.
    let token = admin.csrf_from("/admin/accounts/import").await;
    let page = admin
        .post_raw(
            &format!("/admin/orgs?csrf_token={token}"),
            &[
                ("name", "Sneaky Org"),
                ("tier", "gold"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&app), 0);
    let page = upload(&admin, SALESFORCE, false).await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "with the token it goes through"
    );
    assert_eq!(count(&app), 3);
}

/// A run as the worker leaves it between two batches: started by `admin`, `done` of `total`
/// rows. Returns the run page's address.
fn running_run(app: &TestApp, admin: &str, file_name: &str, done: u64, total: u64) -> String {
    let id = truce::ids::new_id();
    let by = app.find_user(admin).unwrap().id;
    let mut conn = app.conn();
    let now = app.clock.naive_now();
    import_run::insert(
        &mut conn,
        &NewRun {
            id: &id,
            started_by: &by,
            file_name,
            dry_run: false,
        },
        now,
    )
    .unwrap();
    if total > 0 {
        assert!(import_run::record_progress(&mut conn, &id, done, total, now).unwrap());
    }
    format!("/admin/accounts/import/runs/{id}")
}

fn run_state(app: &TestApp, location: &str) -> (String, i64, i64) {
    import_runs::table
        .find(run_id(location))
        .select((
            import_runs::state,
            import_runs::rows_done,
            import_runs::rows_total,
        ))
        .first(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn the_run_page_shows_the_progress_then_the_report() {
    let (app, admin) = admin_app().await;

    // Between two batches: the counts, a labelled progress bar, and the page reloads itself.
    let run = running_run(&app, ADMIN, "crm-export.csv", 12_000, 100_000);
    let page = admin.get(&run).await;
    let text = page.text();
    assert_eq!(page.status, StatusCode::OK);
    assert!(is_refreshing(&page), "{text}");
    assert!(text.contains("<h1>Importing crm-export.csv</h1>"), "{text}");
    assert!(
        text.contains("<label for=\"import-progress\">Rows imported</label>"),
        "{text}"
    );
    assert!(
        text.contains("<progress id=\"import-progress\" max=\"100000\" value=\"12000\""),
        "{text}"
    );
    assert!(text.contains("12,000 of 100,000 rows"), "{text}");
    // The import page lists it as running, with its counts.
    let list = admin.get("/admin/accounts/import").await.text();
    assert!(
        list.contains(&format!("<a href=\"{run}\">crm-export.csv</a>")),
        "{list}"
    );
    assert!(list.contains("Running</span>"), "{list}");
    assert!(list.contains("12,000 of 100,000"), "{list}");
    // Before the rows are counted, the bar has no value yet.
    let fresh = running_run(&app, ADMIN, "other.csv", 0, 0);
    let text = admin.get(&fresh).await.text();
    assert!(text.contains("Reading the file…"), "{text}");
    assert!(
        text.contains("<progress id=\"import-progress\" aria-describedby="),
        "no value: the bar shows work without a share yet\n{text}"
    );

    // A real import of several batches: the pages on the way count up towards the file's rows
    // (written after each batch), and the last one is the report, with its row errors by line
    // (the first 200, then a count).
    let mut csv = String::from("external_id,name,country\n");
    for i in 0..12_000 {
        let country = if i % 40 == 0 { "Atlantis" } else { "NO" };
        csv.push_str(&format!("N{i},Company {i} AS,{country}\n"));
    }
    let redirect = start(&admin, &csv, false).await;
    let location = redirect.location.clone().expect("the run's address");
    let mut shown = Vec::new();
    let page = wait_for_run(&admin, &location, |page| {
        let text = page.text();
        assert!(text.contains("<h1>Importing accounts.csv</h1>"), "{text}");
        if let Some(at) = text.find(" of 12,000 rows") {
            let start = text[..at].rfind('>').unwrap() + 1;
            shown.push(text[start..at].replace(',', "").parse::<u64>().unwrap());
        } else {
            assert!(text.contains("Reading the file…"), "{text}");
        }
    })
    .await;
    assert!(shown.iter().all(|n| *n <= 12_000), "{shown:?}");
    assert!(shown.windows(2).all(|w| w[0] <= w[1]), "{shown:?}");
    let text = page.text();
    assert!(text.contains("CRM import finished"), "{text}");
    assert!(!is_refreshing(&page));
    assert!(
        text.contains("<th scope=\"row\">New accounts added</th><td class=\"num\">11,700</td>"),
        "{text}"
    );
    assert!(
        text.contains("<th scope=\"row\" class=\"num\">2</th>\n      <td>country</td>\n      <td>\"Atlantis\" is not a country"),
        "{text}"
    );
    assert!(
        text.contains("And 100 more errors not listed here."),
        "{text}"
    );
    assert!(
        text.contains("now holds <strong>11,700</strong> accounts"),
        "{text}"
    );
    assert_eq!(run_state(&app, &location), ("done".into(), 12_000, 12_000));
    assert_eq!(count(&app), 11_700);
}

#[actix_web::test]
async fn a_run_whose_worker_fell_silent_is_reported_interrupted() {
    let (app, admin) = admin_app().await;
    let run = running_run(&app, ADMIN, "big.csv", 4_000, 10_000);
    app.advance(chrono::TimeDelta::seconds(90));
    assert!(
        is_refreshing(&admin.get(&run).await),
        "still within the limit"
    );

    // Past the silence limit (the process died, say) the run is interrupted, not spinning.
    app.advance(import_run::SILENCE_LIMIT);
    let page = admin.get(&run).await;
    let text = page.text();
    assert_eq!(page.status, StatusCode::OK);
    assert!(!is_refreshing(&page), "{text}");
    assert!(text.contains("The import was interrupted"), "{text}");
    assert!(
        text.contains("4,000 of 10,000 rows were processed"),
        "{text}"
    );
    assert!(
        text.contains("Upload the file again to finish the job"),
        "{text}"
    );
    assert_eq!(run_state(&app, &run), ("interrupted".into(), 4_000, 10_000));
    let list = admin.get("/admin/accounts/import").await.text();
    assert!(list.contains("Interrupted</span>"), "{list}");

    // A worker that was only slow takes its run back when it writes again.
    let now = app.clock.naive_now();
    assert!(
        import_run::record_progress(&mut app.conn(), &run_id(&run), 6_000, 10_000, now).unwrap()
    );
    assert!(is_refreshing(&admin.get(&run).await));

    // A failure says what happened and what to do.
    assert!(
        import_run::fail(
            &mut app.conn(),
            &run_id(&run),
            "The database refused part of the import. The first 6,000 rows were saved; \
             importing the file again is safe and finishes the job.",
            now,
        )
        .unwrap()
    );
    let page = admin.get(&run).await;
    let text = page.text();
    assert!(!is_refreshing(&page));
    assert!(text.contains("The import failed"), "{text}");
    assert!(text.contains("importing the file again is safe"), "{text}");
    assert!(
        text.contains("<a href=\"/admin/accounts/import\">Upload a file</a>"),
        "{text}"
    );
}

fn write_file(dir: &tempfile::TempDir, name: &str, content: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    path.to_string_lossy().into_owned()
}

fn import_cli(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = truce_bin()
        .args(["import", "accounts", "--database-url", &app.database_url])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[actix_web::test]
async fn the_cli_imports_reports_errors_by_line_and_updates_on_re_import() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(
        &dir,
        "sf.csv",
        &format!("{SALESFORCE}001A000004,Bad Country AG,bad.example,Germny,,,,\n"),
    );

    let (ok, out, err) = import_cli(&app, &[&file, "--dry-run"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("Dry run of"), "{out}");
    assert!(out.contains("4 rows read: 3 new accounts would be added, 0 would be updated, 0 unchanged, 1 skipped because of errors."), "{out}");
    assert!(
        out.contains("line 5, Billing Country: \"Germny\" is not a country"),
        "{out}"
    );
    assert_eq!(count(&app), 0);

    let (ok, out, err) = import_cli(&app, &[&file]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("3 new accounts added"), "{out}");
    assert!(
        out.contains("Rows with errors are skipped; the other rows are imported."),
        "{out}"
    );
    assert_eq!(count(&app), 3);

    let changed = write_file(
        &dir,
        "sf2.csv",
        &SALESFORCE.replace("Umbrella Pharma GmbH", "Umbrella Pharma AG"),
    );
    let (ok, out, _) = import_cli(&app, &[&changed]);
    assert!(ok);
    assert!(
        out.contains("0 new accounts added, 1 updated, 2 unchanged"),
        "{out}"
    );
    assert!(out.contains("line 4 (001A000003, Umbrella Pharma AG): account name: Umbrella Pharma GmbH → Umbrella Pharma AG"), "{out}");
    assert_eq!(count(&app), 3);
    assert_eq!(account(&app, "001A000003").name, "Umbrella Pharma AG");
}

#[actix_web::test]
async fn the_cli_shows_progress_and_caps_the_error_list() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("external_id,name,country\n");
    for i in 0..12_000 {
        let country = if i % 200 == 0 { "Narnia" } else { "SE" };
        csv.push_str(&format!("S{i},Company {i} AB,{country}\n"));
    }
    let file = write_file(&dir, "big.csv", &csv);
    let (ok, out, err) = import_cli(&app, &[&file]);
    assert!(ok, "{out}{err}");
    assert!(err.contains(" of 12,000 rows…"), "{err}");
    assert!(out.contains("11,940 new accounts added"), "{out}");
    assert!(out.contains("line 2, country: \"Narnia\""), "{out}");
    assert!(out.contains("  and 10 more."), "{out}");
    let stored: i64 = crm_accounts::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(stored, 11_940);
}

#[actix_web::test]
async fn the_cli_fails_clearly_when_nothing_can_be_imported() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();

    let file = write_file(&dir, "no-name.csv", "Account ID,Website\n1,acme.com\n");
    let (ok, _, err) = import_cli(&app, &[&file]);
    assert!(!ok);
    assert!(
        err.contains(
            "The file has no column for the account name. Found: \"Account ID\", \"Website\"."
        ),
        "{err}"
    );

    let (ok, _, err) = import_cli(&app, &[&dir.path().join("missing.csv").to_string_lossy()]);
    assert!(!ok);
    assert!(err.contains("cannot read"), "{err}");

    let file = write_file(&dir, "all-bad.csv", "external_id,name\n,No id\n2,\n");
    let (ok, out, err) = import_cli(&app, &[&file]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("line 2, external_id:") && out.contains("line 3, name:"),
        "{out}"
    );
    assert!(err.contains("no row of"), "{err}");
    assert_eq!(count(&app), 0);
}
