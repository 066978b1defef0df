//! The CRM account import: the upload page over HTTP and `truce import accounts`.

use diesel::prelude::*;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use truce::db::models::crm;
use truce::db::schema::{crm_accounts, prospect_keys};

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

/// Uploads `csv` as the import page's form does (token in the action's query string).
async fn upload(client: &TestClient, csv: &str, dry_run: bool) -> Page {
    let page = client.get("/admin/accounts/import").await;
    assert_eq!(page.status, StatusCode::OK);
    let action = form_action(&page.body, "/admin/accounts/import?csrf_token=");
    client.post_multipart(&action, form(csv, dry_run)).await
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
            .contains("The CRM list holds <strong>0</strong> accounts.")
    );

    let page = upload(&admin, SALESFORCE, true).await;
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

    let action = form_action(&page.body, "/admin/accounts/import/");
    let page = admin
        .submit(
            "/admin/accounts/import",
            &action,
            &[("file_name", "accounts.csv")],
        )
        .await;
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
async fn only_admins_may_import() {
    let (app, _) = admin_app().await;
    let org = app.create_org("Alpha Partners");
    app.create_user("pat@alpha.example", "partner", Some(&org), true);
    for email in [REP, "pat@alpha.example"] {
        let client = app.login(email).await;
        assert_eq!(
            client.get("/admin/accounts/import").await.status,
            StatusCode::FORBIDDEN
        );
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
    assert_eq!(count(&app), 0);
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
