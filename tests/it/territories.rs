//! Territories: the admin pages, the registration check (block or flag), direct-only
//! territories in the registration form and the sales lock check, and the change preview.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Deal, TestApp, TestClient, register_deal, spawn_app, try_register};

const ADMIN: &str = "admin@vendor.example";
const ANN: &str = "ann@alpha.example";
const REP: &str = "rep@vendor.example";
const CHANNEL: &str = "cm@vendor.example";

struct Program {
    app: TestApp,
    admin: TestClient,
    alpha: String,
    rep: String,
}

async fn program() -> Program {
    let app = spawn_app().await;
    app.create_user(ADMIN, "admin", None, false);
    app.create_user(CHANNEL, "channel", None, false);
    let rep = app.create_user(REP, "sales", None, false);
    let alpha = app.partner("Alpha Partners", ANN);
    let admin = app.login(ADMIN).await;
    Program {
        app,
        admin,
        alpha,
        rep,
    }
}

/// Submits the territory form (new when `id` is none) with `intent` "save" or "preview".
async fn territory_form(
    admin: &TestClient,
    id: Option<&str>,
    fields: &[(&str, &str)],
    intent: &str,
) -> crate::helpers::Page {
    let (form_page, action) = match id {
        None => (
            "/admin/territories/new".to_owned(),
            "/admin/territories".to_owned(),
        ),
        Some(id) => (
            format!("/admin/territories/{id}/edit"),
            format!("/admin/territories/{id}"),
        ),
    };
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("intent", intent));
    admin.submit(&form_page, &action, &all).await
}

fn territory_id(app: &TestApp, name: &str) -> String {
    use truce::db::schema::territories;
    territories::table
        .filter(territories::name.eq(name))
        .select(territories::id)
        .first::<String>(&mut app.conn())
        .unwrap()
}

async fn emea_north(p: &Program) -> String {
    let page = territory_form(
        &p.admin,
        None,
        &[
            ("name", "EMEA North"),
            ("kind", "geographic"),
            ("countries", "denmark, SE NO"),
            ("regions", "Scandinavia"),
            ("eligibility", "partner"),
            ("orgs", &p.alpha),
            ("reps", &p.rep),
        ],
        "save",
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());
    assert_eq!(page.location.as_deref(), Some("/admin/territories"));
    territory_id(&p.app, "EMEA North")
}

fn set_account_country(app: &TestApp, id: &str, country: &str) {
    use truce::db::schema::crm_accounts;
    diesel::update(crm_accounts::table.find(id))
        .set(crm_accounts::country.eq(country))
        .execute(&mut app.conn())
        .unwrap();
}

#[actix_web::test]
async fn the_admin_creates_lists_and_edits_territories_with_errors_by_field() {
    let p = program().await;
    let page = territory_form(
        &p.admin,
        None,
        &[
            ("name", "EMEA North"),
            ("kind", "geographic"),
            ("countries", "DK, XX"),
            ("eligibility", "direct"),
            ("orgs", &p.alpha),
        ],
        "save",
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = page.text();
    assert!(
        text.contains("<p class=\"field-error\" id=\"countries-error\">Not countries: XX."),
        "{text}"
    );
    assert!(
        text.contains("A direct-only territory cannot have partner organisations assigned."),
        "{text}"
    );
    assert!(text.contains("value=\"EMEA North\""), "the name is kept");
    assert!(text.contains("value=\"DK, XX\""), "the countries are kept");

    let id = emea_north(&p).await;
    let list = p.admin.get("/admin/territories").await.text();
    assert!(list.contains("EMEA North"), "{list}");
    assert!(
        list.contains("Denmark, Sweden, Norway (Scandinavia)"),
        "{list}"
    );
    assert!(list.contains("Alpha Partners"), "{list}");

    let edit = p.admin.get(&format!("/admin/territories/{id}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(
        edit.body.contains("value=\"Denmark, Sweden, Norway\""),
        "{}",
        edit.body
    );

    // The same name twice is refused next to the name.
    let page = territory_form(
        &p.admin,
        None,
        &[
            ("name", "emea  north"),
            ("kind", "vertical"),
            ("industries", "Healthcare"),
            ("eligibility", "both"),
        ],
        "save",
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text()
            .contains("Another territory already has this name.")
    );
}

#[actix_web::test]
async fn a_registration_outside_the_orgs_territories_is_refused_and_one_inside_accepted() {
    let p = program().await;
    let ann = p.app.login(ANN).await;
    // With no territories configured, anything goes.
    register_deal(
        &ann,
        &Deal::new(&p.app, "Kraftwerk Eins GmbH", "kraftwerk1.de"),
    )
    .await;

    emea_north(&p).await;
    let deal = Deal::new(&p.app, "Berliner Stahl AG", "berliner-stahl.de");
    let page = try_register(&ann, &deal).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = page.text();
    assert!(
        text.contains(
            "<p class=\"field-error\" id=\"country-error\">Alpha Partners is not assigned to a territory \
             covering Germany (DE). Your territories: EMEA North (DK, SE, NO)."
        ),
        "{text}"
    );
    assert!(text.contains("value=\"Berliner Stahl AG\""), "input kept");
    assert!(text.contains("value=\"DE\" selected"), "country kept");

    // The form's check button says so before submitting.
    let page = ann
        .submit("/partner/deals/new", "/partner/deals", &deal.pairs("check"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains(
            "<p class=\"field-error\" id=\"country-error\">Alpha Partners is not assigned"
        ),
        "{}",
        page.text()
    );

    let id = register_deal(&ann, &deal.clone().with("country", "SE")).await;
    assert_eq!(
        p.app.registration(&id).status(),
        truce::domain::lifecycle::Status::Pending
    );

    // Another partner is judged by its own assignments, not Alpha's.
    p.app.partner("Beta Resellers", "bea@beta.example");
    let bea = p.app.login("bea@beta.example").await;
    let elsewhere = Deal::new(&p.app, "Vasa Verkstad AB", "vasa-verkstad.se").with("country", "SE");
    let page = try_register(&bea, &elsewhere).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text()
            .contains("Beta Resellers is not assigned to a territory covering Sweden (SE)."),
        "{}",
        page.text()
    );
}

#[actix_web::test]
async fn the_live_check_says_what_the_territories_say_about_the_country_chosen() {
    let p = program().await;
    emea_north(&p).await;
    let ann = p.app.login(ANN).await;
    let live = |country: &'static str| {
        let ann = &ann;
        async move {
            ann.get(&format!(
                "/partner/deals/availability?company_name=Berliner+Stahl+AG&website=&contact_email=&country={country}&industry=Manufacturing"
            ))
            .await
            .text()
        }
    };
    // Outside Alpha's territories: refused, and the free prospect is not shown green.
    let outside = live("DE").await;
    assert!(
        outside.contains("<p class=\"notice bad\"><strong>Territory:</strong> Alpha Partners is not assigned to a territory covering Germany (DE)."),
        "{outside}"
    );
    assert!(
        outside.contains("<p class=\"notice muted\"><strong>Availability:</strong>"),
        "{outside}"
    );
    // Inside: no word from the territories, the availability as it is.
    let inside = live("SE").await;
    assert!(!inside.contains("Territory:"), "{inside}");
    assert!(
        inside.contains("<p class=\"notice ok\"><strong>Availability:</strong>"),
        "{inside}"
    );
    // No country chosen yet: nothing to say about territories.
    assert!(!live("").await.contains("Territory:"));

    // In flag mode the partner may still submit: a warning, and the availability stays.
    p.admin
        .submit(
            "/admin/territories",
            "/admin/territories/mode",
            &[("mode", "flag")],
        )
        .await;
    let flagged = live("DE").await;
    assert!(
        flagged.contains("<p class=\"notice warn\"><strong>Territory:</strong>"),
        "{flagged}"
    );
    assert!(flagged.contains("You may still submit"), "{flagged}");
    assert!(
        flagged.contains("<p class=\"notice ok\"><strong>Availability:</strong>"),
        "{flagged}"
    );
}

#[actix_web::test]
async fn in_flag_mode_it_goes_through_and_the_reviewer_sees_the_flag() {
    let p = program().await;
    emea_north(&p).await;
    let page = p
        .admin
        .submit(
            "/admin/territories",
            "/admin/territories/mode",
            &[("mode", "flag")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());
    let list = p.admin.get("/admin/territories").await.text();
    assert!(list.contains(&format!("Chosen by {ADMIN} on")), "{list}");
    assert!(list.contains("value=\"flag\" selected"), "{list}");

    let ann = p.app.login(ANN).await;
    let id = register_deal(
        &ann,
        &Deal::new(&p.app, "Berliner Stahl AG", "berliner-stahl.de"),
    )
    .await;
    let inside = register_deal(
        &ann,
        &Deal::new(&p.app, "Stockholm Robotics AB", "sthlm-robotics.se").with("country", "SE"),
    )
    .await;

    let cm = p.app.login(CHANNEL).await;
    let queue = cm.get("/review").await.text();
    assert!(queue.contains("Outside territory"), "{queue}");
    assert_eq!(queue.matches("Outside territory").count(), 1, "{queue}");
    assert!(
        queue.contains("Alpha Partners is not assigned to a territory covering Germany (DE)."),
        "{queue}"
    );
    let review = cm.get(&format!("/review/{id}")).await.text();
    assert!(
        review.contains("Outside the partner's territories."),
        "{review}"
    );
    assert!(review.contains("Your territories: EMEA North (DK, SE, NO)."));
    let other = cm.get(&format!("/review/{inside}")).await.text();
    assert!(!other.contains("Outside the partner's territories."));
}

async fn token_from_page(app: &TestApp, email: &str) -> String {
    let user = app.login(email).await;
    let page = user
        .submit("/account/tokens", "/account/tokens", &[("label", "CRM")])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let marker = "<code class=\"secret\">";
    let start = page.body.find(marker).expect("the new token is shown") + marker.len();
    page.body[start..start + page.body[start..].find("</code>").unwrap()].to_owned()
}

#[actix_web::test]
async fn a_direct_only_territory_reserves_its_prospects_and_the_lock_check_names_it() {
    let p = program().await;
    emea_north(&p).await;
    let page = territory_form(
        &p.admin,
        None,
        &[
            ("name", "Sweden Direct"),
            ("kind", "geographic"),
            ("countries", "SE"),
            ("eligibility", "direct"),
            ("reps", &p.rep),
        ],
        "save",
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());

    let ann = p.app.login(ANN).await;
    let deal = Deal::new(&p.app, "Volvo Trucks AB", "volvotrucks.se").with("country", "SE");
    let page = try_register(&ann, &deal).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = page.text();
    assert!(
        text.contains(
            "<p class=\"field-error\" id=\"country-error\">This prospect is in a territory reserved for direct sales"
        ),
        "{text}"
    );
    assert!(
        !text.contains("Sweden Direct"),
        "the territory is not named"
    );
    assert!(!text.contains(REP), "nobody is named");
    // Denmark is still the partner's.
    register_deal(
        &ann,
        &Deal::new(&p.app, "Lego Systems A/S", "lego.dk").with("country", "DK"),
    )
    .await;

    let account = p
        .app
        .add_crm_account("Volvo Trucks AB", Some("volvotrucks.se"), false, false);
    set_account_country(&p.app, &account, "SE");
    let rep = p.app.login(REP).await;
    let check = rep.get("/sales?q=Volvo+Trucks&domain=volvotrucks.se").await;
    assert_eq!(check.status, StatusCode::OK);
    let text = check.text();
    assert!(text.contains("Reserved for direct"), "{text}");
    assert!(
        text.contains("In the direct-only territory Sweden Direct: reserved for direct sales."),
        "{text}"
    );

    let secret = token_from_page(&p.app, REP).await;
    let resp = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/lock?name=Volvo%20Trucks&domain=volvotrucks.se",
            p.app.address
        ))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let json: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(json["verdict"], "reserved", "{json}");
    assert_eq!(
        json["best"]["claim"]["reserved_because"],
        "direct_territory"
    );
    assert_eq!(json["best"]["claim"]["territory"], "Sweden Direct");
}

#[actix_web::test]
async fn the_preview_counts_what_a_change_affects_and_saving_rewrites_nothing() {
    let p = program().await;
    let id = emea_north(&p).await;
    let ann = p.app.login(ANN).await;
    let se = register_deal(
        &ann,
        &Deal::new(&p.app, "Stockholm Robotics AB", "sthlm-robotics.se").with("country", "SE"),
    )
    .await;
    register_deal(
        &ann,
        &Deal::new(&p.app, "Lego Systems A/S", "lego.dk").with("country", "DK"),
    )
    .await;
    register_deal(
        &ann,
        &Deal::new(&p.app, "Equinor ASA", "equinor.no").with("country", "NO"),
    )
    .await;
    for (name, domain, country) in [
        ("Maersk A/S", "maersk.dk", "DK"),
        ("Carlsberg A/S", "carlsberg.dk", "DK"),
        ("Ericsson AB", "ericsson.se", "SE"),
    ] {
        let a = p.app.add_crm_account(name, Some(domain), false, false);
        set_account_country(&p.app, &a, country);
    }
    let fields = [
        ("name", "EMEA North"),
        ("kind", "geographic"),
        ("countries", "DK NO"),
        ("eligibility", "partner"),
        ("orgs", p.alpha.as_str()),
        ("reps", p.rep.as_str()),
    ];
    let page = territory_form(&p.admin, Some(&id), &fields, "preview").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let text = page.text();
    assert!(
        text.contains("<span id=\"preview-outside\">1</span> active registration would be outside their organisation's territories (1 because of this change)."),
        "{text}"
    );
    assert!(
        text.contains("<span id=\"preview-direct\">0</span>"),
        "{text}"
    );
    assert!(
        text.contains("<span id=\"preview-accounts\">2</span> CRM accounts are in this territory."),
        "{text}"
    );
    assert!(
        text.contains("<span id=\"preview-reps\">1</span> sales rep is assigned"),
        "{text}"
    );
    assert!(text.contains("value=\"DK NO\""), "the form is kept");
    // Nothing saved by a preview.
    let edit = p.admin.get(&format!("/admin/territories/{id}/edit")).await;
    assert!(edit.body.contains("value=\"Denmark, Sweden, Norway\""));

    let page = territory_form(&p.admin, Some(&id), &fields, "save").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());
    // The Swedish registration keeps its state; a new Swedish one is refused.
    assert_eq!(
        p.app.registration(&se).status(),
        truce::domain::lifecycle::Status::Pending
    );
    let page = try_register(
        &ann,
        &Deal::new(&p.app, "Ericsson AB", "ericsson.se").with("country", "SE"),
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text()
            .contains("Your territories: EMEA North (DK, NO).")
    );
}
