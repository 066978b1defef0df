//! The whole load, end to end, on a real database.

use chrono::NaiveDateTime;
use clap::Parser;
use diesel::prelude::*;

use super::*;
use crate::clock::{Clock, SystemClock};
use crate::db::DatabaseUrl;
use crate::db::schema::{
    credits, crm_accounts, deal_compensations, partner_orgs, registration_details,
    registration_events, registrations,
};
use crate::domain::prospect::{domain_key, name_key};

fn config(dir: &std::path::Path, url: &str) -> crate::config::Config {
    let dir = dir.to_string_lossy().into_owned();
    crate::cli::Cli::try_parse_from([
        "truce",
        "--data-dir",
        &dir,
        "--database-url",
        url,
        "--no-jobs",
    ])
    .expect("flags parse")
    .serve
    .validate()
    .expect("config is valid")
}

#[test]
fn generates_consistent_data_whose_expiry_sweep_has_exactly_the_due_rows() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let pool = db::connect(&DatabaseUrl::parse(&url).unwrap(), 1).unwrap();
    let mut conn = pool.get().unwrap();
    db::migrate(&mut conn).unwrap();
    let now = SystemClock.naive_now();
    policy::ensure_initial(&mut conn, now).unwrap();
    let spec = Spec::new(2_000, 20, Some(500), Some(150), 7).unwrap();
    let indexes = |conn: &mut DbConnection| -> Vec<String> {
        #[derive(QueryableByName)]
        struct Sql {
            #[diesel(sql_type = diesel::sql_types::Text)]
            sql: String,
        }
        let mut all: Vec<String> = diesel::sql_query(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
        )
        .load::<Sql>(conn)
        .unwrap()
        .into_iter()
        .map(|s| s.sql)
        .collect();
        all.sort();
        all
    };
    let before = indexes(&mut conn);
    assert!(
        before
            .iter()
            .any(|s| s.contains("registrations_holder_name"))
    );
    // Nobody signs in here, so any hash will do.
    let summary = generate(&mut conn, &spec, "$argon2id$unused", now, &mut |_| {}).unwrap();

    assert_eq!(
        indexes(&mut conn),
        before,
        "the indexes are back after the load"
    );
    assert_eq!(summary.registrations, 2_000);
    assert_eq!(summary.orgs, 20);
    assert_eq!(summary.users, 23);
    assert_eq!(summary.by_status.iter().map(|(_, n)| n).sum::<u64>(), 2_000);
    let regs: i64 = registrations::table.count().get_result(&mut *conn).unwrap();
    let details: i64 = registration_details::table
        .count()
        .get_result(&mut *conn)
        .unwrap();
    let with_events = registration_events::table
        .select(registration_events::registration_id)
        .distinct()
        .load::<String>(&mut *conn)
        .unwrap()
        .len();
    let events: i64 = registration_events::table
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!((regs, details, with_events), (2_000, 2_000, 2_000_usize));
    assert_eq!(events as u64, summary.events);
    let users: i64 = users::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(users, 23);
    let accounts: i64 = crm_accounts::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(accounts as u64, summary.crm_accounts);
    assert!(accounts >= 100);

    let big_org: String = partner_orgs::table
        .inner_join(users::table)
        .filter(users::email.eq(format!("partner1@{EMAIL_DOMAIN}")))
        .select(partner_orgs::id)
        .first(&mut *conn)
        .unwrap();
    let in_big_org: i64 = registrations::table
        .filter(registrations::org_id.eq(&big_org))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(in_big_org, 500);

    // Keys are the ones a submission computes.
    let rows: Vec<(String, String, Option<String>, String)> = registrations::table
        .inner_join(registration_details::table)
        .select((
            registrations::company_name,
            registrations::name_key,
            registrations::domain_key,
            registration_details::website,
        ))
        .load(&mut *conn)
        .unwrap();
    for (company, key, domain, website) in rows {
        assert_eq!(key, name_key(&company), "{company}");
        assert_eq!(domain, domain_key(&website), "{website}");
    }
    // Queued registrations wait behind a pending one of the same prospect.
    let queued: Vec<(String, Option<String>)> = registrations::table
        .filter(registrations::status.eq("queued"))
        .select((registrations::name_key, registrations::queued_behind))
        .load(&mut *conn)
        .unwrap();
    assert!(!queued.is_empty());
    for (key, holder) in queued {
        let (holder_key, status): (String, String) = registrations::table
            .find(holder.unwrap())
            .select((registrations::name_key, registrations::status))
            .first(&mut *conn)
            .unwrap();
        assert_eq!((holder_key, status.as_str()), (key, "pending"));
    }
    let in_review: i64 = registrations::table
        .filter(registrations::review_due_at.is_not_null())
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(in_review as u64, summary.in_review);

    let due: i64 = registrations::table
        .filter(registrations::status.eq("approved"))
        .filter(registrations::protection_ends_at.le(now))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(due, 150);
    assert_eq!(generated_at(&mut conn).unwrap(), Some(now));

    // Every won deal was compensated as the portal's close would have: the partner's 10 %
    // of the amount won (the default rules), in the deal's currency, at the close.
    let won: Vec<(String, Option<i64>, String, Option<NaiveDateTime>)> = registrations::table
        .filter(registrations::status.eq("won"))
        .select((
            registrations::id,
            registrations::close_amount_minor,
            registrations::currency,
            registrations::closed_at,
        ))
        .load(&mut *conn)
        .unwrap();
    assert!(!won.is_empty());
    for (id, amount, currency, closed_at) in &won {
        let (kind, credited, in_currency, at): (String, i64, String, NaiveDateTime) =
            credits::table
                .filter(credits::registration_id.eq(id))
                .select((
                    credits::kind,
                    credits::amount_minor,
                    credits::currency,
                    credits::created_at,
                ))
                .first(&mut *conn)
                .unwrap();
        assert_eq!(kind, "partner_commission");
        assert_eq!(
            credited,
            crate::domain::compensation::apply_bp(amount.unwrap(), 1_000)
        );
        assert_eq!((&in_currency, Some(at)), (currency, *closed_at));
    }
    let compensated: i64 = deal_compensations::table
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(compensated as usize, won.len());

    // Every partner is under the cap the published policy (version 2) gives its tier.
    let pv = policy::current(&mut conn).unwrap();
    assert_eq!(pv.version, 2);
    let orgs = crate::db::models::org::list(&mut conn).unwrap();
    let active = crate::db::models::tally::active_by_org(&mut conn).unwrap();
    for (org_id, n) in &active {
        let org = orgs.iter().find(|o| &o.id == org_id).unwrap();
        let cap = pv.value.max_active(Some(org.tier()));
        assert!(*n <= cap, "{} has {n} active of {cap}", org.name);
    }
    assert!(
        active.iter().any(|(_, n)| *n > 25),
        "some partner is over the default cap"
    );

    // Every registration is inside its partner's territories, none in the direct-only one.
    let territories = crate::db::models::territory::list(&mut conn).unwrap();
    assert_eq!(territories.len() as u64, summary.territories);
    assert!(
        territories
            .iter()
            .any(|t| !t.eligibility.partners_may_register())
    );
    let placed: Vec<(String, String, String)> = registrations::table
        .inner_join(registration_details::table)
        .select((
            registrations::org_id,
            registration_details::country,
            registration_details::industry,
        ))
        .load(&mut *conn)
        .unwrap();
    for (org_id, country, industry) in &placed {
        let decision = crate::domain::territory::check(&territories, org_id, "", country, industry);
        assert_eq!(
            decision,
            crate::domain::territory::Decision::Inside,
            "{country} {industry}"
        );
    }
    // The dashboard's counts, territories' included, equal a recount.
    let kept = crate::db::models::tally::all(&mut conn).unwrap();
    assert!(!kept.territory_outcomes.is_empty());
    assert_eq!(kept, crate::db::models::tally::recount(&mut conn).unwrap());

    // Disputes about declines and rejections: the ruled ones have a ruling, the open ones
    // are inside their SLA.
    let disputes = crate::db::schema::disputes::table
        .select((
            crate::db::schema::disputes::status,
            crate::db::schema::disputes::outcome,
            crate::db::schema::disputes::due_at,
        ))
        .load::<(String, Option<String>, Option<NaiveDateTime>)>(&mut *conn)
        .unwrap();
    assert_eq!(disputes.len() as u64, summary.disputes);
    assert!(disputes.len() >= 10, "{} disputes", disputes.len());
    for (status, outcome, due) in &disputes {
        match status.as_str() {
            "resolved" => assert!(outcome.is_some() && due.is_none()),
            _ => assert!(outcome.is_none() && due.is_some_and(|d| d > now)),
        }
    }
    assert!(disputes.iter().any(|d| d.0 == "open"));

    // The sweeps find exactly the due rows to expire, and no reminder or escalation.
    let config = config(dir.path(), &url);
    let out = crate::jobs::registrations::sweep(&mut conn, &config, now, &mut |_| {}).unwrap();
    assert_eq!((out.expired, out.reminded, out.escalated), (150, 0, 0));

    let again = generate(&mut conn, &spec, "$argon2id$unused", now, &mut |_| {}).unwrap_err();
    assert!(
        again.to_string().contains("already has demo data"),
        "{again}"
    );
}
