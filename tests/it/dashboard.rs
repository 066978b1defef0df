//! The program dashboard: figures from a known history built through the app, and its
//! rollups equal to a recount from the registrations table over random histories.

use chrono::TimeDelta;
use truce::clock::Clock;
use truce::db::models::tally;
use truce::domain::audit::Who;
use truce::domain::lifecycle::{Actor, Command, Status};
use truce::domain::role::Role;
use truce::workflow::transition::{Acting, Scope, act};

use crate::helpers::{
    Deal, Page, TestApp, TestClient, approve, close_won, register_deal, spawn_app,
};

/// The figure with this id on the page, as shown.
fn figure(page: &Page, id: &str) -> String {
    let body = &page.body;
    let start = body
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("figure {id} is on the page"))
        + id.len()
        + 6;
    body[start..start + body[start..].find('<').unwrap()].to_owned()
}

async fn reject(cm: &TestClient, id: &str) {
    let page = cm
        .submit(
            &format!("/review/{id}"),
            &format!("/review/{id}/reject"),
            &[("reject_reason", "Existing direct customer.")],
        )
        .await;
    assert_eq!(page.status.as_u16(), 303, "{}", page.text());
}

fn assert_rollups_equal_a_recount(app: &TestApp, context: &str) {
    let mut conn = app.conn();
    let kept = tally::all(&mut conn).unwrap();
    let counted = tally::recount(&mut conn).unwrap();
    assert_eq!(
        kept.outcomes, counted.outcomes,
        "{context}: weekly outcomes"
    );
    assert_eq!(
        kept.orgs, counted.orgs,
        "{context}: outcomes by organisation"
    );
    assert_eq!(
        kept.decisions, counted.decisions,
        "{context}: weekly decisions"
    );
    assert_eq!(
        kept.territory_outcomes, counted.territory_outcomes,
        "{context}: outcomes by territory"
    );
    assert_eq!(
        kept.territory_decisions, counted.territory_decisions,
        "{context}: decisions by territory"
    );
    assert_eq!(
        kept.queue, counted.queue,
        "{context}: registrations in the review queue"
    );
}

/// A territory's fields: geographic when `countries` is given, else vertical.
fn territory_fields(
    name: &str,
    countries: &[&str],
    industries: &[&str],
    orgs: &[&str],
) -> truce::domain::territory::TerritoryFields {
    use truce::domain::territory::{Eligibility, Kind, TerritoryFields};
    let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    TerritoryFields {
        name: name.into(),
        name_key: name.to_lowercase(),
        kind: if countries.is_empty() {
            Kind::Vertical
        } else {
            Kind::Geographic
        },
        countries: owned(countries),
        regions: vec![],
        industries: owned(industries),
        eligibility: Eligibility::Partner,
        orgs: owned(orgs),
        reps: vec![],
        double_credit: false,
    }
}

/// Saves a territory (a new one when `id` is unknown) as the admin page would.
fn save_territory(
    app: &TestApp,
    id: &str,
    fields: &truce::domain::territory::TerritoryFields,
    by: &str,
) {
    use truce::db::models::territory;
    let mut conn = app.conn();
    let now = app.clock.naive_now();
    truce::db::write_tx(&mut conn, |conn| {
        if !territory::update(conn, id, fields, by, now)? {
            territory::insert(conn, id, fields, by, now)?;
        }
        Ok::<_, territory::SaveError>(())
    })
    .unwrap();
}

/// Changes an organisation's tier as the admin page would.
fn set_tier(app: &TestApp, org_id: &str, tier: truce::domain::org::Tier) {
    use truce::db::models::org;
    let mut conn = app.conn();
    let found = org::find(&mut conn, org_id).unwrap().unwrap();
    let fields = truce::domain::org::OrgFields {
        name: found.name.clone(),
        name_key: found.name_key.clone(),
        tier,
        status: found.status(),
    };
    let now = app.clock.naive_now();
    assert!(
        truce::db::write_tx(&mut conn, |conn| org::update(conn, org_id, &fields, now)).unwrap()
    );
}

#[actix_web::test]
async fn the_figures_of_a_known_history() {
    let app = spawn_app().await;
    let alpha = app.partner("Alpha Partners", "ann@alpha.example");
    app.partner("Beta Partners", "bob@beta.example");
    app.create_user("cm@vendor.example", "channel", None, false);
    let ann = app.login("ann@alpha.example").await;
    let bob = app.login("bob@beta.example").await;

    // Five registrations: Alpha's A, B, E (mid-market) and C (SMB), and Beta's D.
    let a = register_deal(&ann, &Deal::new(&app, "Acme Robotics", "acme.example")).await;
    let b = register_deal(
        &ann,
        &Deal::new(&app, "Borealis Freight", "borealis.example"),
    )
    .await;
    let _c = register_deal(
        &ann,
        &Deal::new(&app, "Cobalt Bakery", "cobalt.example").with("amount", "10,000"),
    )
    .await;
    let e = register_deal(&ann, &Deal::new(&app, "Ember Mills", "ember.example")).await;
    // Beta registers the same prospect as A while A is in review: queued behind it,
    // declined when A is approved (no decision by a reviewer of its own).
    let d = register_deal(&bob, &Deal::new(&app, "Acme Robotics GmbH", "acme.example")).await;
    assert_eq!(app.registration(&d).status(), Status::Queued);
    // Two decisions after 5 hours, one after 60 (past the 48-hour SLA).
    // Sessions end after 30 idle minutes: sign in again after moving the clock.
    app.advance(TimeDelta::hours(5));
    let cm = app.login("cm@vendor.example").await;
    approve(&cm, &a).await;
    approve(&cm, &e).await;
    app.advance(TimeDelta::hours(55));
    let (ann, cm) = (
        app.login("ann@alpha.example").await,
        app.login("cm@vendor.example").await,
    );
    reject(&cm, &b).await;
    assert_eq!(app.registration(&d).status(), Status::Declined);
    // Beta disputes the decline: one dispute, still open, against Alpha's A.
    let bob = app.login("bob@beta.example").await;
    let raised = bob
        .submit(
            &format!("/partner/deals/{d}/dispute"),
            &format!("/partner/deals/{d}/dispute"),
            &[
                ("reason", "registered_first"),
                ("details", "We met them first."),
            ],
        )
        .await;
    assert_eq!(raised.status.as_u16(), 303, "{}", raised.text());
    let dispute = raised
        .location
        .clone()
        .unwrap()
        .trim_start_matches("/partner/disputes/")
        .to_owned();
    close_won(&app, &ann, &a, "41,000").await;
    // The partner's home: C in review and E approved are active; A won this quarter.
    let home = ann.get("/partner").await;
    assert_eq!(figure(&home, "fig-cap"), "2 of 25 (8.0 %)");
    assert_eq!(figure(&home, "fig-won-quarter"), "1");
    assert!(figure(&home, "fig-commission").ends_with(" USD"));
    assert!(
        home.text().contains(
            "4 registrations were submitted in the last 91 days; 1 of them are won so far."
        )
    );
    // E's 120-day window now ends in about 18 days.
    app.advance(TimeDelta::days(100));
    let cm = app.login("cm@vendor.example").await;
    assert_rollups_equal_a_recount(&app, "after the history");

    let year = cm.get("/dashboard?days=365").await;
    assert_eq!(year.status.as_u16(), 200);
    assert_eq!(figure(&year, "fig-registrations"), "5");
    assert_eq!(figure(&year, "fig-won"), "1");
    assert_eq!(figure(&year, "fig-win-rate"), "100.0 %");
    // 5, 5 and 60 hours: the median is the second (5 h), the 90th percentile the third.
    assert_eq!(figure(&year, "fig-median"), "5 h");
    assert_eq!(figure(&year, "fig-p90"), "60 h");
    assert_eq!(figure(&year, "fig-within-sla"), "66.7 %");
    assert_eq!(figure(&year, "fig-pipeline"), "40,000");
    assert_eq!(figure(&year, "fig-expiring"), "1");
    assert!(year.text().contains(
        "1 of 3 decisions in the last 365 days came later than the 48-hour SLA (33.3 %)"
    ));

    // Money: A won (40,000 as registered, closed at 41,000 USD) earned Alpha the default
    // 10 % of the close; nobody assisted. E, approved at 40,000, would earn 4,000.
    assert_eq!(figure(&year, "fig-won-size"), "40,000");
    assert_eq!(figure(&year, "fig-won-revenue"), "41,000");
    assert_eq!(figure(&year, "fig-commission-given"), "4,100.00 USD");
    assert_eq!(figure(&year, "fig-rep-credit"), "0");
    assert_eq!(figure(&year, "fig-liability"), "4,000");
    assert!(year.text().contains(
        "1 dispute was raised in the last 365 days, 20.0 per 100 registrations submitted"
    ));

    // Alpha has 2 of its 25 active: nobody is near the cap.
    assert!(year.text().contains("No partner is near its cap."));

    // Conflict: D declined, one dispute of five registrations, not ruled yet.
    assert_eq!(figure(&year, "fig-declined"), "1");
    assert_eq!(figure(&year, "fig-disputes"), "1");
    assert_eq!(figure(&year, "fig-disputes-per-100"), "20.0");
    assert_eq!(figure(&year, "fig-disputes-open"), "1");
    assert_eq!(figure(&year, "fig-overturn-rate"), "–");

    // The leaderboards: Alpha won one deal; nobody has closed five.
    assert!(year.body.contains(&format!(
        "<a href=\"/dashboard/partners/{alpha}\">Alpha Partners</a>"
    )));
    assert!(year.text().contains("No partner has closed 5 deals yet."));

    // The SMB segment holds only C, still in review.
    let smb = cm.get("/dashboard?days=365&segment=smb").await;
    assert_eq!(figure(&smb, "fig-registrations"), "1");
    assert_eq!(figure(&smb, "fig-median"), "–");
    assert_eq!(figure(&smb, "fig-pipeline"), "0");
    assert_eq!(figure(&smb, "fig-liability"), "0");
    assert_eq!(figure(&smb, "fig-commission-given"), "0");
    // Beta's dispute is about its own mid-market registration D: not an SMB one.
    assert_eq!(figure(&smb, "fig-disputes"), "0");
    let mid = cm.get("/dashboard?days=365&segment=mid_market").await;
    assert_eq!(figure(&mid, "fig-disputes"), "1");
    assert_eq!(figure(&mid, "fig-commission-given"), "4,100.00 USD");

    // Nothing was submitted in the last 90 days.
    let recent = cm.get("/dashboard").await;
    assert_eq!(figure(&recent, "fig-registrations"), "0");
    assert!(
        recent
            .text()
            .contains("No registrations were submitted in the last 90 days")
    );

    // A custom period around the history, and a bad one that falls back with a notice.
    let start = app.today() - TimeDelta::days(110);
    let custom = cm
        .get(&format!(
            "/dashboard?from={}&to={}",
            start,
            start + TimeDelta::days(20)
        ))
        .await;
    assert_eq!(figure(&custom, "fig-registrations"), "5");
    let bad = cm.get("/dashboard?from=2026-02-01&to=2026-01-01").await;
    assert_eq!(bad.status.as_u16(), 200);
    assert!(
        bad.text()
            .contains("A custom period ends on or after the day it starts.")
    );

    // The CSV holds the same weekly table: its columns add up to the page's figures.
    let csv = cm.get("/dashboard.csv?days=365").await;
    assert_eq!(csv.status.as_u16(), 200);
    let mut lines = csv.body.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[0], "week");
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 53);
    let sum = |name: &str| -> i64 {
        rows.iter()
            .map(|r| r[col(name)].parse::<i64>().unwrap())
            .sum()
    };
    assert_eq!(sum("registrations"), 5);
    assert_eq!(sum("won"), 1);
    assert_eq!(sum("won_deal_size"), 40_000);
    assert_eq!(sum("won_revenue"), 41_000);
    assert_eq!(sum("approved"), 1);
    assert_eq!(sum("rejected"), 1);
    assert_eq!(sum("declined"), 1);
    assert_eq!(sum("in_review"), 1);
    assert_eq!(sum("decisions"), 3);
    assert_eq!(sum("breaches"), 1);
    assert_eq!(sum("within_sla"), 2);

    // Alpha's scorecard: A and E were approved (A then won, after 60 hours: 2 days).
    let card = cm.get(&format!("/dashboard/partners/{alpha}")).await;
    assert_eq!(card.status.as_u16(), 200);
    assert_eq!(figure(&card, "fig-submitted"), "4");
    assert_eq!(figure(&card, "fig-protected"), "2");
    assert_eq!(figure(&card, "fig-approval-rate"), "50.0 %");
    assert_eq!(figure(&card, "fig-won"), "1");
    assert_eq!(figure(&card, "fig-win-rate"), "100.0 %");
    assert_eq!(figure(&card, "fig-days-to-close"), "2 days");
    assert_eq!(figure(&card, "fig-cap"), "2 of 25 (8.0 %)");
    assert_eq!(figure(&card, "fig-expiring"), "1");
    assert_eq!(figure(&card, "fig-disputes"), "0 / 1");
    assert_eq!(figure(&card, "fig-against-overturned"), "none ruled yet");
    assert!(card.text().contains("ann@alpha.example"));

    // The admin's home is the dashboard too.
    app.create_user("admin@vendor.example", "admin", None, false);
    let admin = app.login("admin@vendor.example").await;
    let home = admin.get("/admin?days=365").await;
    assert_eq!(figure(&home, "fig-registrations"), "5");

    // Beta's dispute is ruled: the decline stands (A was won). Alpha's card counts a ruled
    // dispute against it that took nothing, and the dashboard's overturn rate is that
    // one ruling.
    let ruled = cm
        .submit(
            &format!("/review/disputes/{dispute}"),
            &format!("/review/disputes/{dispute}/resolve"),
            &[
                ("outcome", "upheld"),
                ("rationale", "Alpha registered first."),
            ],
        )
        .await;
    assert_eq!(ruled.status.as_u16(), 303, "{}", ruled.text());
    let card = cm.get(&format!("/dashboard/partners/{alpha}")).await;
    assert_eq!(figure(&card, "fig-against-overturned"), "0 of 1 (0.0 %)");
    assert_eq!(figure(&card, "fig-raised-overturned"), "none ruled yet");
    let year = cm.get("/dashboard?days=365").await;
    assert_eq!(figure(&year, "fig-overturn-rate"), "0.0 %");
    assert_eq!(figure(&year, "fig-disputes-open"), "0");
}

#[actix_web::test]
async fn the_figures_of_a_tier_and_a_territory() {
    use truce::domain::org::Tier;
    let app = spawn_app().await;
    let alpha = app.partner("Alpha Partners", "ann@alpha.example");
    let beta = app.partner("Beta Partners", "bob@beta.example");
    let admin = app.create_user("admin@vendor.example", "admin", None, false);
    app.create_user("cm@vendor.example", "channel", None, false);
    save_territory(
        &app,
        "dach",
        &territory_fields("DACH", &["DE"], &[], &[&alpha, &beta]),
        &admin,
    );
    save_territory(
        &app,
        "health",
        &territory_fields("Health", &[], &["Healthcare"], &[&beta]),
        &admin,
    );
    set_tier(&app, &alpha, Tier::Silver);
    let (ann, bob) = (
        app.login("ann@alpha.example").await,
        app.login("bob@beta.example").await,
    );
    // A: Alpha, Germany (DACH). B: Beta, France in healthcare (Health). C: Beta, Germany
    // in healthcare (both).
    let a = register_deal(&ann, &Deal::new(&app, "Acme Robotics", "acme.example")).await;
    let b = register_deal(
        &bob,
        &Deal::new(&app, "Borealis Clinics", "borealis.example")
            .with("country", "FR")
            .with("industry", "Healthcare"),
    )
    .await;
    let c = register_deal(
        &bob,
        &Deal::new(&app, "Cobalt Care", "cobalt.example")
            .with("industry", "Healthcare")
            .with("amount", "60,000"),
    )
    .await;
    app.advance(TimeDelta::hours(5));
    let cm = app.login("cm@vendor.example").await;
    approve(&cm, &a).await;
    approve(&cm, &c).await;
    app.advance(TimeDelta::hours(5));
    let cm = app.login("cm@vendor.example").await;
    reject(&cm, &b).await;

    let page = |q: &str| {
        let url = format!("/dashboard?days=365&{q}");
        let cm = &cm;
        async move { cm.get(&url).await }
    };
    let dach = page("territory=dach").await;
    assert_eq!(figure(&dach, "fig-registrations"), "2");
    assert_eq!(figure(&dach, "fig-median"), "5 h");
    assert_eq!(figure(&dach, "fig-pipeline"), "100,000");
    // The default 10 % of the approved pipeline.
    assert_eq!(figure(&dach, "fig-liability"), "10,000");
    assert!(dach.text().contains("(DACH)"));
    assert!(
        dach.body
            .contains("<option value=\"dach\" selected>DACH</option>")
    );
    let health = page("territory=health").await;
    assert_eq!(figure(&health, "fig-registrations"), "2");
    // B after 10 hours, C after 5: the median is the lower of the two.
    assert_eq!(figure(&health, "fig-median"), "5 h");
    assert_eq!(figure(&health, "fig-p90"), "10 h");
    assert_eq!(figure(&health, "fig-pipeline"), "60,000");
    // Only Beta is assigned to Health: the leaderboards and caps are Beta's.
    assert!(
        health
            .text()
            .contains("Partners assigned to Health: 1 partner, counting all their deals.")
    );
    let gold = page("tier=gold").await;
    assert_eq!(figure(&gold, "fig-registrations"), "2");
    assert_eq!(figure(&gold, "fig-pipeline"), "60,000");
    assert!(gold.text().contains("Gold partners: 1 partner"));
    let gold_dach = page("tier=gold&territory=dach").await;
    assert_eq!(figure(&gold_dach, "fig-registrations"), "1");
    let gold_smb = page("tier=gold&segment=smb").await;
    assert_eq!(figure(&gold_smb, "fig-registrations"), "0");
    // An unknown territory or tier shows the whole program.
    let unknown = page("territory=nowhere&tier=bronze").await;
    assert_eq!(figure(&unknown, "fig-registrations"), "3");

    // Beta wins C: its commission is Gold's, DACH's and Health's, not Silver's.
    let bob = app.login("bob@beta.example").await;
    close_won(&app, &bob, &c, "60,000").await;
    for q in [
        "tier=gold",
        "territory=dach",
        "territory=health&segment=mid_market",
    ] {
        let p = page(q).await;
        assert_eq!(figure(&p, "fig-commission-given"), "6,000.00 USD", "{q}");
        assert_eq!(figure(&p, "fig-won-revenue"), "60,000", "{q}");
    }
    assert_eq!(
        figure(&page("tier=silver").await, "fig-commission-given"),
        "0"
    );
    assert_eq!(
        figure(
            &page("territory=dach&segment=smb").await,
            "fig-commission-given"
        ),
        "0"
    );

    // The CSV of a slice says which, and holds its counts.
    let csv = cm.get("/dashboard.csv?days=365&territory=health").await;
    let mut lines = csv.body.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r[col("territory")] == "Health"));
    let total: i64 = rows
        .iter()
        .map(|r| r[col("registrations")].parse::<i64>().unwrap())
        .sum();
    assert_eq!(total, 2);

    // DACH is redrawn to France: B is in it now, A and C are not. Alpha becomes Gold too.
    save_territory(
        &app,
        "dach",
        &territory_fields("DACH", &["FR"], &[], &[&alpha, &beta]),
        &admin,
    );
    set_tier(&app, &alpha, Tier::Gold);
    assert_rollups_equal_a_recount(&app, "after the territory and the tier changed");
    let dach = page("territory=dach").await;
    assert_eq!(figure(&dach, "fig-registrations"), "1");
    assert_eq!(figure(&dach, "fig-pipeline"), "0");
    let gold = page("tier=gold").await;
    assert_eq!(figure(&gold, "fig-registrations"), "3");
    assert_eq!(figure(&page("tier=silver").await, "fig-registrations"), "0");
}

/// Submits `deal` through the workflow as the partner `email` of `org_id`, at the app's
/// time, without a session (so moving the clock signs nobody out); None if refused.
pub fn submit(app: &TestApp, email: &str, org_id: &str, deal: &Deal) -> Option<String> {
    let get = |k: &str| deal.get(k).to_owned();
    let form = truce::domain::registration::RegistrationForm {
        company_name: get("company_name"),
        website: get("website"),
        country: get("country"),
        industry: get("industry"),
        contact_name: get("contact_name"),
        contact_email: get("contact_email"),
        contact_phone: get("contact_phone"),
        amount: get("amount"),
        currency: get("currency"),
        expected_close: get("expected_close"),
        relationship: get("relationship"),
        intent: "submit".into(),
    };
    let mut conn = app.conn();
    let user = app.find_user(email).unwrap();
    let org = truce::db::models::org::find(&mut conn, org_id)
        .unwrap()
        .unwrap();
    truce::workflow::submit::submit(
        &mut conn,
        &app.config(),
        &user,
        &org,
        &form,
        app.clock.naive_now(),
    )
    .ok()
    .map(|s| s.id)
}

/// Applies `command` as the channel manager `cm_id` at the app's time; false if refused.
pub fn decide(app: &TestApp, cm_id: &str, id: &str, command: Command) -> bool {
    let who = Who::user(cm_id, Role::Channel, None);
    let acting = Acting {
        who: &who,
        actor: Actor::Reviewer,
        scope: Scope::Any,
    };
    act(
        &mut app.conn(),
        &app.config(),
        id,
        acting,
        command,
        app.clock.naive_now(),
    )
    .is_ok()
}

fn orgs_ref(orgs: &[String]) -> Vec<&str> {
    orgs.iter().map(String::as_str).collect()
}

/// xorshift64*: small, deterministic, good enough to shuffle a history.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const NAMES: [&str; 6] = ["Kor", "Vel", "Tam", "Ris", "Bun", "Zo"];
const AMOUNTS: [&str; 3] = ["9,999.99", "40,000", "99,000"];

/// Alpha and Beta, a channel manager and an admin; both partners work a geographic and a
/// vertical territory: a deal in France outside healthcare is outside both (refused), one
/// in Germany and healthcare is in both.
async fn two_partners_in_two_territories() -> Program {
    let app = spawn_app().await;
    let orgs = [
        app.partner("Alpha Partners", "ann@alpha.example"),
        app.partner("Beta Partners", "bob@beta.example"),
    ];
    let cm = app.create_user("cm@vendor.example", "channel", None, false);
    let admin = app.create_user("admin@vendor.example", "admin", None, false);
    for (id, name, countries, industries) in [
        ("dach-territory", "DACH", &["DE", "AT"][..], &[][..]),
        ("health-territory", "Health", &[], &["Healthcare"]),
    ] {
        let fields = territory_fields(name, countries, industries, &orgs_ref(&orgs));
        save_territory(&app, id, &fields, &admin);
    }
    Program {
        app,
        orgs,
        users: ["ann@alpha.example", "bob@beta.example"],
        cm,
        admin,
    }
}

/// What [`two_partners_in_two_territories`] sets up: the organisations' ids, the partner
/// users' emails, the channel manager's and the admin's ids.
struct Program {
    app: TestApp,
    orgs: [String; 2],
    users: [&'static str; 2],
    cm: String,
    admin: String,
}

async fn random_history(seed: u64) {
    let Program {
        app,
        orgs,
        users,
        cm,
        admin,
    } = two_partners_in_two_territories().await;
    let dach = "dach-territory";
    let config = app.config();
    let who = Who::user(&cm, Role::Channel, None);
    let reviewer = Acting {
        who: &who,
        actor: Actor::Reviewer,
        scope: Scope::Any,
    };
    let mut rng = Rng(seed);
    let mut ids: Vec<String> = Vec::new();
    for step in 0..120 {
        let now = app.clock.naive_now();
        let pick = |rng: &mut Rng, states: &[Status]| -> Option<String> {
            let matching: Vec<&String> = ids
                .iter()
                .filter(|id| states.contains(&app.registration(id).status()))
                .collect();
            (!matching.is_empty()).then(|| matching[rng.below(matching.len())].clone())
        };
        let command = match rng.below(12) {
            0..=3 => {
                // Few names, so prospects collide: queued and declined registrations.
                let who = rng.below(2);
                let name = format!("{} {} Systems", NAMES[rng.below(6)], NAMES[rng.below(6)]);
                let deal = Deal::new(&app, &name, "")
                    .with("amount", AMOUNTS[rng.below(3)])
                    .with("country", ["DE", "AT", "FR"][rng.below(3)])
                    .with("industry", ["Manufacturing", "Healthcare"][rng.below(2)]);
                if let Some(id) = submit(&app, users[who], &orgs[who], &deal) {
                    ids.push(id);
                }
                None
            }
            4 | 5 => pick(&mut rng, &[Status::Pending]).map(|id| {
                let c = match rng.below(4) {
                    0 => Command::Reject {
                        reason: "No.".into(),
                    },
                    1 => Command::RequestInfo {
                        question: "Who?".into(),
                    },
                    _ => Command::Approve,
                };
                (id, c)
            }),
            6 => pick(&mut rng, &[Status::InfoRequested]).map(|id| {
                (
                    id,
                    Command::AnswerInfo {
                        answer: "Them.".into(),
                    },
                )
            }),
            7 => pick(&mut rng, &[Status::Approved]).map(|id| {
                // A renewal request puts an approved registration back in the review queue.
                let c = match rng.below(6) {
                    0 => Command::CloseLost {
                        reason: "Budget".into(),
                    },
                    1 => Command::Withdraw {
                        reason: "Gone".into(),
                    },
                    2 => Command::RequestRenewal {
                        note: "Next quarter.".into(),
                    },
                    3 => Command::ApproveRenewal,
                    _ => Command::CloseWon {
                        amount_minor: 1_000_000,
                        date: now.date(),
                    },
                };
                (id, c)
            }),
            8 => pick(&mut rng, &[Status::Pending, Status::Queued]).map(|id| {
                (
                    id,
                    Command::Withdraw {
                        reason: "Gone".into(),
                    },
                )
            }),
            9 => {
                app.advance(TimeDelta::hours(1 + rng.below(24 * 30) as i64));
                None
            }
            10 => {
                // An admin moves a partner to another tier, or redraws DACH's countries.
                if rng.below(2) == 0 {
                    let tier = truce::domain::org::Tier::ALL[rng.below(4)];
                    set_tier(&app, &orgs[rng.below(2)], tier);
                } else {
                    let countries: Vec<&str> =
                        [["DE", "FR"], ["AT", "FR"], ["DE", "AT"]][rng.below(3)].to_vec();
                    let fields = territory_fields("DACH", &countries, &[], &orgs_ref(&orgs));
                    save_territory(&app, dach, &fields, &admin);
                }
                None
            }
            _ => {
                app.advance(TimeDelta::hours(rng.below(72) as i64));
                app.run_jobs().await;
                None
            }
        };
        if let Some((id, command)) = command {
            // Refusals (a rule, a cap) are part of the history: nothing changes then.
            let _ = act(&mut app.conn(), &config, &id, reviewer, command, now);
        }
        if step % 30 == 29 {
            assert_rollups_equal_a_recount(&app, &format!("seed {seed}, step {step}"));
        }
    }
    assert!(ids.len() > 10, "seed {seed}: a history worth checking");
    let kept = tally::all(&mut app.conn()).unwrap();
    assert!(
        !kept.territory_outcomes.is_empty() && !kept.territory_decisions.is_empty(),
        "seed {seed}: the territories hold registrations"
    );
    assert_rollups_equal_a_recount(&app, &format!("seed {seed}, the end"));
}

#[actix_web::test]
async fn the_rollups_equal_a_recount_over_random_histories() {
    for seed in [0x9E37_79B9_7F4A_7C15, 42, 7_777_777] {
        random_history(seed).await;
    }
}

#[actix_web::test]
async fn a_rebuild_gives_the_same_rollups() {
    let app = spawn_app().await;
    app.partner("Alpha Partners", "ann@alpha.example");
    app.create_user("cm@vendor.example", "channel", None, false);
    let ann = app.login("ann@alpha.example").await;
    let a = register_deal(&ann, &Deal::new(&app, "Acme Robotics", "acme.example")).await;
    register_deal(
        &ann,
        &Deal::new(&app, "Borealis Freight", "borealis.example"),
    )
    .await;
    app.advance(TimeDelta::hours(30));
    // Sessions end after 30 idle minutes: sign in again after moving the clock.
    let cm = app.login("cm@vendor.example").await;
    approve(&cm, &a).await;
    let before = tally::all(&mut app.conn()).unwrap();
    tally::rebuild(&mut app.conn()).unwrap();
    assert_eq!(tally::all(&mut app.conn()).unwrap(), before);
    assert_eq!(before.decisions.len(), 1);
    assert_eq!(before.decisions[0].hours, 30);
}

/// A sweep's batch writes its rows' count moves, events and emails together (on
/// PostgreSQL, once before it commits): expiries of two organisations of one tier, in two
/// territories, some in both, meet in the same weekly and territory rows.
#[actix_web::test]
async fn a_sweep_batch_of_two_organisations_keeps_the_rollups_equal_to_a_recount() {
    const NAMES: [&str; 12] = [
        "Aurora", "Basalt", "Dynamo", "Fjord", "Granite", "Harbor", "Indigo", "Juniper", "Krypton",
        "Lumen", "Nimbus", "Onyx",
    ];
    let Program { app, users, .. } = two_partners_in_two_territories().await;
    let partners = [app.login(users[0]).await, app.login(users[1]).await];
    let mut ids = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let partner = &partners[i % 2];
        let deal = Deal::new(&app, &format!("{name} Werke"), &format!("{name}.example"))
            .with("country", ["DE", "AT"][i % 2])
            .with(
                "industry",
                ["Healthcare", "Manufacturing", "Healthcare"][i % 3],
            );
        ids.push(register_deal(partner, &deal).await);
    }
    let cm = app.login("cm@vendor.example").await;
    for id in &ids {
        approve(&cm, id).await;
    }
    assert_rollups_equal_a_recount(&app, "approved");

    app.advance(TimeDelta::days(121));
    let report = app.run_jobs().await;
    assert_eq!(report.registrations.expired, NAMES.len());
    assert_rollups_equal_a_recount(&app, "after the sweep");
    for id in &ids {
        let reg = app.registration(id);
        assert_eq!(reg.status(), Status::Expired, "{}", reg.company_name);
        let events = truce::db::models::registration::events(&mut app.conn(), id).unwrap();
        let expired: Vec<_> = events
            .iter()
            .filter(|e| e.to_status == Status::Expired)
            .collect();
        assert_eq!(expired.len(), 1, "one expiry event of {}", reg.company_name);
    }
    for user in users {
        let notices = app.emails_to(user, "registration_expired");
        assert_eq!(notices.len(), NAMES.len() / 2, "{user}: one notice a deal");
        let mut subjects: Vec<_> = notices.iter().map(|n| n.subject.clone()).collect();
        subjects.dedup();
        assert_eq!(
            subjects.len(),
            NAMES.len() / 2,
            "{user}: each about its own deal"
        );
    }
}
