//! The sales lock check, on the page and through the JSON API: what a rep is told about a
//! prospect that a partner registered, that direct sales keeps, that a colleague works, or
//! that nobody claims; API tokens from the profile page and the command line.

use chrono::{NaiveDateTime, TimeDelta};
use reqwest::StatusCode;
use serde_json::Value;
use truce::clock::Clock;
use truce::db::models::crm::{NewOpportunity, insert_opportunity};

use crate::helpers::{Deal, Page, TestApp, TestClient, register_deal, spawn_app, truce_bin};

const ADMIN: &str = "admin@vendor.example";
const CM: &str = "cm@vendor.example";
const REP: &str = "rep@vendor.example";
const ANN: &str = "ann@alpha.example";

async fn program() -> TestApp {
    let app = spawn_app().await;
    app.create_user(ADMIN, "admin", None, false);
    app.create_user(CM, "channel", None, false);
    app.create_user(REP, "sales", None, false);
    app.partner("Alpha Partners", ANN);
    app
}

fn date(at: NaiveDateTime) -> String {
    at.format("%-d %b %Y").to_string()
}

async fn check(rep: &TestClient, q: &str) -> Page {
    let url = format!(
        "/sales?q={}",
        url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
    );
    let page = rep.get(&url).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    page
}

/// The verdict's heading on the page.
fn verdict(page: &Page) -> String {
    let text = page.text();
    let start = text.find("<h2 id=\"verdict\">").expect("a verdict") + 17;
    text[start..start + text[start..].find("</h2>").unwrap()].to_owned()
}

fn opportunity(app: &TestApp, account: &str, amount_minor: i64, days_ago: i64) {
    insert_opportunity(
        &mut app.conn(),
        &NewOpportunity {
            account_id: account,
            owner_email: "dana@vendor.example",
            stage: "Proposal",
            amount_minor,
            currency: "USD",
            last_activity_on: app.today() - TimeDelta::days(days_ago),
        },
        app.clock.naive_now(),
    )
    .unwrap();
}

#[actix_web::test]
async fn a_rep_sees_a_registration_under_review_then_locked_however_it_is_spelled() {
    let app = program().await;
    let rep = app.login(REP).await;
    let ann = app.login(ANN).await;
    let id = register_deal(
        &ann,
        &Deal::new(&app, "Acme Holdings GmbH", "https://eu.acme.co.uk"),
    )
    .await;
    let due = app.registration(&id).state.review_due_at.unwrap();

    let page = check(&rep, "ACME Holdings").await;
    assert_eq!(verdict(&page), "Pending");
    let text = page.text();
    assert!(
        text.contains("A registration by Alpha Partners is under review since"),
        "{text}"
    );
    assert!(text.contains(&format!("the decision is due by {}", date(due))));
    assert!(text.contains("Hold off until the channel manager decides"));

    let cm = app.login(CM).await;
    let token = cm.get(&format!("/review/{id}")).await.csrf();
    let approved = cm
        .post_raw(&format!("/review/{id}/approve"), &[("csrf_token", &token)])
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    let until = app.registration(&id).state.protection_ends_at.unwrap();
    // A 40,000 USD deal is mid-market: 120 days of protection by the default policy.
    let days = 120;

    // By domain, by a typo, by another legal form: the same lock.
    for q in [
        "acme.co.uk",
        "jo@acme.co.uk",
        "Acme Holdngs",
        "ACME Holdings Ltd.",
    ] {
        let page = check(&rep, q).await;
        assert_eq!(verdict(&page), "Locked", "{q}");
        let text = page.text();
        assert!(
            text.contains(&format!(
                "Registered by Alpha Partners, protected until {} ({days} days left).",
                date(until)
            )),
            "{q}: {text}"
        );
        assert!(text.contains("Do not pursue this account; ask the partner to let you assist."));
        assert!(text.contains("Acme Holdings GmbH"));
    }
    let typo = check(&rep, "Acme Holdngs").await.text();
    assert!(typo.contains("typo: holdngs ~ holdings"), "{typo}");

    // The thresholds are the admin's: demanding a perfect match leaves the typo a possible
    // match, which cannot lock but never reads as "go" either.
    let admin = app.login(ADMIN).await;
    let saved = crate::helpers::save_policy(&app, &admin, &[("match_same_pct", "100")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let page = check(&rep, "Acme Holdngs").await;
    assert_eq!(verdict(&page), "Check first");
    assert!(page.text().contains("possible match"), "{}", page.text());
    crate::helpers::save_policy(&app, &admin, &[("match_same_pct", "90")]).await;

    // A company that only shares a generic word is not this prospect.
    let page = check(&rep, "Beta Holdings").await;
    assert_eq!(verdict(&page), "Open");
    assert!(
        page.text()
            .contains("Nothing in the CRM or among partner registrations matches")
    );

    // Once the window ends and the sweep runs, the prospect is open again.
    app.advance(until - app.clock.naive_now() + TimeDelta::hours(1));
    app.run_jobs().await;
    let rep = app.login(REP).await;
    assert_eq!(verdict(&check(&rep, "acme.co.uk").await), "Open");
}

#[actix_web::test]
async fn reserved_accounts_and_direct_pipeline_are_named_with_their_rule() {
    let app = program().await;
    let rep = app.login(REP).await;
    app.add_crm_account("Globex Corporation", Some("globex.com"), true, false);
    app.add_crm_account("Soylent Foods Inc", None, false, true);
    let initech = app.add_crm_account("Initech LLC", Some("initech.com"), false, false);
    opportunity(&app, &initech, 2_500_000, 3);
    let hooli = app.add_crm_account("Hooli", Some("hooli.com"), false, false);
    // 250,000 USD: above the default direct threshold of 100,000.
    opportunity(&app, &hooli, 25_000_000, 1);
    let dormant = app.add_crm_account("Vandelay Industries", None, false, false);
    opportunity(&app, &dormant, 1_000_000, 400);

    let page = check(&rep, "Globex").await;
    assert_eq!(verdict(&page), "Reserved for direct");
    assert!(
        page.text()
            .contains("A named account: it is reserved for direct sales.")
    );
    assert!(
        page.text()
            .contains("Direct sales may pursue this account.")
    );

    let page = check(&rep, "Soylent Foods").await;
    assert_eq!(verdict(&page), "Reserved for direct");
    assert!(
        page.text()
            .contains("Flagged in the CRM as reserved for direct sales.")
    );

    let page = check(&rep, "initech.com").await;
    assert_eq!(verdict(&page), "In direct pipeline");
    let text = page.text();
    assert!(
        text.contains(
            "An active direct opportunity owned by dana@vendor.example (Proposal, last activity"
        ),
        "{text}"
    );
    assert!(text.contains("coordinate with the owner"));

    let page = check(&rep, "Hooli Inc").await;
    assert_eq!(verdict(&page), "Reserved for direct");
    assert!(
        page.text()
            .contains("above the direct threshold of 100,000 USD"),
        "{}",
        page.text()
    );

    // Activity a year ago is no engagement: the account exists, nobody works it.
    let page = check(&rep, "Vandelay Industries").await;
    assert_eq!(verdict(&page), "Open");
    let text = page.text();
    assert!(text.contains("Vandelay Industries"));
    assert!(
        text.contains("Account owner: rep@vendor.example."),
        "{text}"
    );
}

#[actix_web::test]
async fn possible_matches_are_listed_with_score_and_evidence() {
    let app = program().await;
    let rep = app.login(REP).await;
    app.add_crm_account(
        "International Business Machines Corp",
        Some("ibm.com"),
        false,
        false,
    );
    let ann = app.login(ANN).await;
    register_deal(&ann, &Deal::new(&app, "Acme Softwre Solutions", "")).await;

    let page = check(&rep, "IBM").await;
    let text = page.text();
    assert_eq!(verdict(&page), "Open");
    assert!(
        text.contains("International Business Machines Corp"),
        "{text}"
    );
    assert!(
        text.contains("acronym IBM = international business machines"),
        "{text}"
    );
    assert!(text.contains("possible match"), "{text}");

    let page = check(&rep, "Acme Software").await;
    let text = page.text();
    assert!(text.contains("Acme Softwre Solutions"), "{text}");
    assert!(
        text.contains("typo: software ~ softwre") || text.contains("typo: softwre ~ software"),
        "{text}"
    );
}

#[actix_web::test]
async fn the_search_box_says_what_it_needs() {
    let app = program().await;
    let rep = app.login(REP).await;
    let page = rep.get("/sales?q=%20%20").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text()
            .contains("Type a company name, a website or an email address to check.")
    );
    let long = "a".repeat(301);
    let page = rep.get(&format!("/sales?q={long}")).await;
    assert!(page.text().contains("shorten it to 300 characters"));
    assert!(
        page.body.contains(&format!("value=\"{long}\"")),
        "the input is kept"
    );
    // Partners never see the lock check: it names other partners.
    let ann = app.login(ANN).await;
    assert_eq!(ann.get("/sales?q=acme").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        ann.get("/account/tokens").await.status,
        StatusCode::FORBIDDEN
    );
}

async fn api(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut req = reqwest::Client::new().get(format!("{}/api/v1/lock?{query}", app.address));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.text().await.unwrap();
    let json = serde_json::from_str(&body).unwrap_or_else(|e| panic!("JSON ({e}): {body}"));
    (status, json, headers)
}

/// Creates a token on the profile page and reads it off the page, as a rep would.
async fn token_from_page(app: &TestApp, email: &str, label: &str) -> String {
    let user = app.login(email).await;
    let page = user
        .submit("/account/tokens", "/account/tokens", &[("label", label)])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let marker = "<code class=\"secret\">";
    let start = page.body.find(marker).expect("the new token is shown") + marker.len();
    page.body[start..start + page.body[start..].find("</code>").unwrap()].to_owned()
}

#[actix_web::test]
async fn the_api_gives_the_same_verdict_as_json_to_a_bearer_token() {
    let app = program().await;
    let ann = app.login(ANN).await;
    let id = register_deal(&ann, &Deal::new(&app, "Acme Holdings GmbH", "acme.co.uk")).await;
    let secret = token_from_page(&app, REP, "CRM sidebar").await;

    let (status, json, _) = api(
        &app,
        Some(&secret),
        "name=ACME%20Holdings&domain=www.acme.co.uk",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["verdict"], "pending");
    assert_eq!(json["query"]["domain"], "www.acme.co.uk");
    let best = &json["best"];
    assert_eq!(best["kind"], "registration");
    assert_eq!(best["id"], id.as_str());
    assert_eq!(best["name"], "Acme Holdings GmbH");
    assert_eq!(best["domain"], "acme.co.uk");
    assert_eq!(best["match"], "same");
    assert!(best["score"].as_f64().unwrap() >= 0.9);
    assert_eq!(best["claim"]["status"], "pending");
    assert_eq!(best["claim"]["partner"], "Alpha Partners");
    let evidence = best["evidence"].as_array().unwrap();
    assert!(
        evidence
            .iter()
            .any(|e| e["kind"] == "same_domain" && e["field"] == "domain"),
        "{json}"
    );

    // A domain alone is enough; a CRM account shows as its own kind.
    app.add_crm_account("Acme Holdings Ltd", Some("acme.co.uk"), false, false);
    let (_, json, _) = api(&app, Some(&secret), "domain=acme.co.uk").await;
    let kinds: Vec<&str> = std::iter::once(&json["best"])
        .chain(json["matches"].as_array().unwrap())
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"registration") && kinds.contains(&"account"),
        "{json}"
    );

    // The token page lists it, used.
    let rep = app.login(REP).await;
    let page = rep.get("/account/tokens").await;
    assert!(page.text().contains("CRM sidebar"));
    assert!(
        !page.text().contains("never"),
        "last use is shown: {}",
        page.text()
    );
    assert!(
        !page.body.contains(&secret),
        "the secret is shown once only"
    );
}

#[actix_web::test]
async fn the_api_refuses_missing_revoked_and_foreign_tokens_in_json() {
    let app = program().await;
    let (status, json, headers) = api(&app, None, "name=Acme").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        json["error"]
            .as_str()
            .unwrap()
            .contains("Authorization: Bearer")
    );
    assert!(headers.get("www-authenticate").is_some());
    let (status, _, _) = api(&app, Some("truce_not-a-token"), "name=Acme").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let secret = token_from_page(&app, REP, "script").await;
    let (status, json, _) = api(&app, Some(&secret), "name=").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        json["error"]
            .as_str()
            .unwrap()
            .contains("give a company name")
    );
    let (status, json, _) = api(&app, Some(&secret), "domain=not%20a%20domain").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");

    // Revoked on the profile page: refused at once.
    let rep = app.login(REP).await;
    let page = rep.get("/account/tokens").await;
    let start = page.body.find("/account/tokens/").unwrap();
    let action = &page.body[start..start + page.body[start..].find('"').unwrap()];
    let revoked = rep.post_raw(action, &[("csrf_token", &page.csrf())]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert!(rep.get("/account/tokens").await.text().contains("revoked"));
    let (status, json, _) = api(&app, Some(&secret), "name=Acme").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(json["error"].as_str().unwrap().contains("revoked"));

    // Another user cannot revoke someone's token.
    let admin_secret = token_from_page(&app, ADMIN, "admin script").await;
    assert_eq!(
        api(&app, Some(&admin_secret), "name=Acme").await.0,
        StatusCode::OK
    );
    let admin = app.login(ADMIN).await;
    let page = admin.get("/account/tokens").await;
    let start = page.body.find("/account/tokens/").unwrap();
    let admin_action = page.body[start..start + page.body[start..].find('"').unwrap()].to_owned();
    let rep_token = rep.get("/account/tokens").await.csrf();
    let refused = rep
        .post_raw(&admin_action, &[("csrf_token", &rep_token)])
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(
        api(&app, Some(&admin_secret), "name=Acme").await.0,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_registration_made_on_one_instance_is_found_by_a_lock_check_on_another() {
    let app = program().await;
    let (other, _) = app.start_another_instance().await;
    let ann = app.login(ANN).await;
    register_deal(
        &ann,
        &Deal::new(&app, "Northwind Traders", "northwind.example"),
    )
    .await;
    let rep = crate::helpers::TestClient::new(&other);
    let response = rep.login(REP, crate::helpers::PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = rep.get("/sales?q=northwind.example").await;
    assert_eq!(verdict(&page), "Pending");
}

#[actix_web::test]
async fn a_token_from_the_command_line_works_for_staff_only() {
    let app = program().await;
    let run = |email: &str| {
        truce_bin()
            .args(["token", "create", "--database-url", &app.database_url])
            .args(["--email", email, "--label", "nightly sync"])
            .output()
            .unwrap()
    };
    let out = run(REP);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secret = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(secret.starts_with("truce_"), "{secret}");
    let (status, json, _) = api(&app, Some(&secret), "name=Acme").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["verdict"], "open");

    let out = run(ANN);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("API tokens are for sales, channel and admin users")
    );
    let out = run("nobody@vendor.example");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user with email"));
}

#[actix_web::test]
async fn a_rep_logs_a_direct_opportunity_and_partners_see_the_engagement() {
    let app = program().await;
    let account = app.add_crm_account("Initech LLC", Some("initech.com"), false, false);
    let rep = app.login(REP).await;
    let page = check(&rep, "Initech").await;
    assert_eq!(verdict(&page), "Open");
    assert!(
        page.body
            .contains(&format!("href=\"/sales/accounts/{account}\"")),
        "the match links to the account"
    );

    let page_path = format!("/sales/accounts/{account}");
    let action = format!("/sales/accounts/{account}/opportunities");
    let tomorrow = (app.today() + TimeDelta::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let refused = rep
        .submit(
            &page_path,
            &action,
            &[
                ("stage", "Proposal"),
                ("amount", "45,000"),
                ("currency", "USD"),
                ("last_activity_on", &tomorrow),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .contains("The last activity cannot be in the future")
    );
    assert!(
        refused.body.contains("value=\"45,000\""),
        "the amount typed is kept"
    );

    let today = app.today().format("%Y-%m-%d").to_string();
    let logged = rep
        .submit(
            &page_path,
            &action,
            &[
                ("stage", "Proposal"),
                ("amount", "45,000"),
                ("currency", "USD"),
                ("last_activity_on", &today),
            ],
        )
        .await;
    assert_eq!(logged.status, StatusCode::SEE_OTHER, "{}", logged.text());
    let page = rep.get(&page_path).await;
    assert!(page.text().contains("Opportunity logged."));
    assert!(page.text().contains("45,000.00"), "{}", page.text());

    let page = check(&rep, "initech.com").await;
    assert_eq!(verdict(&page), "In direct pipeline");
    assert!(page.text().contains(&format!("owned by {REP} (Proposal")));

    // A partner checking the prospect is told the direct team works it, without names.
    let ann = app.login(ANN).await;
    let deal = Deal::new(&app, "Initech", "initech.com");
    let form = ann
        .submit("/partner/deals/new", "/partner/deals", &deal.pairs("check"))
        .await;
    assert!(
        form.text()
            .contains("The direct sales team is actively working this prospect"),
        "{}",
        form.text()
    );
    assert!(!form.text().contains(REP));

    // Only the owner records activity on an opportunity.
    let opp: String = {
        use diesel::prelude::*;
        use truce::db::schema::direct_opportunities as o;
        o::table.select(o::id).first(&mut app.conn()).unwrap()
    };
    app.create_user("sam@vendor.example", "sales", None, false);
    let sam = app.login("sam@vendor.example").await;
    let token = sam.get(&page_path).await.csrf();
    let refused = sam
        .post_raw(
            &format!("/sales/opportunities/{opp}/activity"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(
        rep.get("/sales/accounts/no-such-account").await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn matching_keys_of_an_older_engine_are_rebuilt_at_start() {
    use diesel::prelude::*;
    use truce::db::schema::{prospect_index, prospect_keys};
    let app = program().await;
    app.add_crm_account("Globex Corporation", Some("globex.com"), true, false);
    // As if the keys had been computed by an earlier engine, and lost.
    let mut conn = app.conn();
    diesel::delete(prospect_keys::table)
        .execute(&mut conn)
        .unwrap();
    diesel::update(prospect_index::table)
        .set(prospect_index::version.eq(0_i64))
        .execute(&mut conn)
        .unwrap();
    drop(conn);
    let rep = app.login(REP).await;
    assert_eq!(
        verdict(&check(&rep, "Globex").await),
        "Open",
        "no keys, no match"
    );

    let (other, _) = app.start_another_instance().await;
    let version: i64 = prospect_index::table
        .select(prospect_index::version)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(version, truce::db::models::prospect_key::VERSION);
    let rep = TestClient::new(&other);
    rep.login(REP, crate::helpers::PASSWORD).await;
    assert_eq!(verdict(&check(&rep, "Globex").await), "Reserved for direct");
}

#[actix_web::test]
async fn partners_are_warned_of_a_prospect_spelled_differently_without_a_name() {
    let app = program().await;
    app.partner("Beta Resellers", "ben@beta.example");
    app.add_crm_account("Rheinmetall Automotive AG", None, true, false);
    let ann = app.login(ANN).await;
    register_deal(&ann, &Deal::new(&app, "Acme Holdings GmbH", "acme.co.uk")).await;

    let ben = app.login("ben@beta.example").await;
    let hint = |company: &str, website: &str| {
        let deal = Deal::new(&app, company, website);
        let ben = &ben;
        async move {
            ben.submit("/partner/deals/new", "/partner/deals", &deal.pairs("check"))
                .await
                .text()
        }
    };
    for (company, website) in [("Acme Holdngs", ""), ("Rheinmetal Automotive", "")] {
        let text = hint(company, website).await;
        assert!(
            text.contains("A similar prospect is already registered or claimed"),
            "{company}: {text}"
        );
        assert!(
            !text.contains("Alpha Partners"),
            "no other partner is named"
        );
    }
    // The hint does not refuse: a differently spelled prospect can still be submitted.
    let id = register_deal(&ben, &Deal::new(&app, "Acme Holdngs", "")).await;
    assert_eq!(app.registration(&id).status().as_str(), "pending");
    let text = hint("Umbrella Pharma", "umbrella.example").await;
    assert!(text.contains("it looks available"), "{text}");
}

/// At scale a common word's keys name thousands of records. The search reads the rare keys
/// in full and ranks their records first, so a typo in one word still finds the company
/// among hundreds sharing each of its words (a fixed number per key did not).
#[actix_web::test]
async fn a_typo_finds_its_prospect_among_hundreds_sharing_its_words() {
    use truce::db::models::crm::insert_imported;
    use truce::domain::crm_import::AccountRow;
    let app = program().await;
    let row = |line: u64, name: String| AccountRow {
        line,
        external_id: format!("X-{line}"),
        name,
        website: None,
        domain_key: None,
        country: None,
        industry: None,
        owner_email: None,
        named_account: false,
        reserved_for_direct: false,
    };
    // Hundreds of companies share each word of the one sought, its initials and its legal
    // form; the invented second or first words keep them apart.
    let invented = |i: u64, first: char| -> String {
        let tail: String = (0..4)
            .map(|d| char::from(b'a' + (i / 26u64.pow(d) % 26) as u8))
            .collect();
        format!("{first}{tail}")
    };
    let mut rows = Vec::new();
    for i in 0..700u64 {
        let (a, b) = (invented(i, 'A'), invented(i, 'B'));
        rows.push(row(2 * i, format!("Highland {a} Solutions SpA")));
        rows.push(row(2 * i + 1, format!("{b} Anchor Foods SpA")));
    }
    rows.push(row(9_999, "Highland Anchor Solutions SpA".into()));
    let refs: Vec<&AccountRow> = rows.iter().collect();
    insert_imported(&mut app.conn(), &refs, app.clock.naive_now()).unwrap();

    let token = token_from_page(&app, REP, "recall").await;
    let ask = async |name: &str| {
        let q = url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>();
        let (status, body, _) = api(&app, Some(&token), &format!("name={q}")).await;
        assert_eq!(status, StatusCode::OK, "{body:#}");
        body
    };
    let body = ask("Hihgland Anchor Solutions SpA").await;
    assert_eq!(
        body["best"]["name"], "Highland Anchor Solutions SpA",
        "{body:#}"
    );
    assert_eq!(body["best"]["match"], "same", "{body:#}");
    // A name as written is still found first among its neighbours.
    let body = ask("Highland Abaaa Solutions SpA").await;
    assert_eq!(
        body["best"]["name"], "Highland Abaaa Solutions SpA",
        "{body:#}"
    );
}
