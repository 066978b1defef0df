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
    assert_eq!(summary.users, 27);
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
    assert_eq!(users, 27);
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

    // Every won deal was compensated as the portal's close would have: the partner's
    // commission at the rate its tier and segment had under the rules in force at the close
    // (version 1 before version 2 was published), in the deal's currency, at the close; a
    // rep on the deal shares its quota credit, in full on enterprise deals under version 2.
    let rules: std::collections::HashMap<i64, crate::domain::compensation::Rules> =
        crate::db::models::compensation::history(&mut conn)
            .unwrap()
            .into_iter()
            .map(|v| (v.version, v.value))
            .collect();
    assert_eq!(rules.len(), 2);
    assert!(rules[&2].double_credit(crate::domain::policy::Segment::Enterprise, None));
    type Won = (
        String,
        String,
        Option<i64>,
        String,
        Option<NaiveDateTime>,
        String,
    );
    let won: Vec<Won> = registrations::table
        .inner_join(partner_orgs::table)
        .filter(registrations::status.eq("won"))
        .select((
            registrations::id,
            partner_orgs::tier,
            registrations::close_amount_minor,
            registrations::currency,
            registrations::closed_at,
            registrations::segment,
        ))
        .load(&mut *conn)
        .unwrap();
    assert!(!won.is_empty());
    let (mut assisted, mut doubled, mut under) = (0, 0, [0, 0]);
    for (id, tier, amount, currency, closed_at, segment) in &won {
        let version: i64 = deal_compensations::table
            .find(id)
            .select(deal_compensations::rules_version)
            .first(&mut *conn)
            .unwrap();
        under[(version - 1) as usize] += 1;
        let segment = crate::domain::policy::Segment::parse(segment).unwrap();
        let tier = crate::domain::org::Tier::parse(tier);
        let credited: Vec<(String, i64, String, NaiveDateTime, Option<String>)> = credits::table
            .filter(credits::registration_id.eq(id))
            .select((
                credits::kind,
                credits::amount_minor,
                credits::currency,
                credits::created_at,
                credits::user_id,
            ))
            .order(credits::kind)
            .load(&mut *conn)
            .unwrap();
        let partner = credited
            .iter()
            .find(|c| c.0 == "partner_commission")
            .unwrap();
        let (bp, _) = rules[&version].commission_bp(tier, segment);
        assert_eq!(
            partner.1,
            crate::domain::compensation::apply_bp(amount.unwrap(), bp)
        );
        assert_eq!((&partner.2, Some(partner.3)), (currency, *closed_at));
        let reps: Vec<String> = crate::db::schema::assists::table
            .filter(crate::db::schema::assists::registration_id.eq(id))
            .filter(crate::db::schema::assists::status.eq_any(["accepted", "assigned"]))
            .select(crate::db::schema::assists::rep_id)
            .load(&mut *conn)
            .unwrap();
        let rep_credits: Vec<_> = credited.iter().filter(|c| c.4.is_some()).collect();
        assert_eq!(rep_credits.len(), reps.len(), "{id}");
        for c in rep_credits {
            assisted += 1;
            let double = rules[&version].double_credit(segment, None);
            assert_eq!(
                c.0,
                if double {
                    "double_credit"
                } else {
                    "assist_credit"
                }
            );
            doubled += usize::from(double);
        }
    }
    assert!(
        assisted > 0 && doubled > 0,
        "{assisted} assisted, {doubled} doubled"
    );
    assert!(
        under[0] > 0 && under[1] > 0,
        "deals under each version: {under:?}"
    );
    let compensated: i64 = deal_compensations::table
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(compensated as usize, won.len());

    // Reps ask to assist on approved deals too, in every state of an assist.
    let on_approved: Vec<String> = crate::db::schema::assists::table
        .inner_join(registrations::table)
        .filter(registrations::status.eq("approved"))
        .select(crate::db::schema::assists::status)
        .load(&mut *conn)
        .unwrap();
    for status in ["requested", "accepted", "declined", "assigned"] {
        assert!(
            on_approved.iter().any(|s| s == status),
            "no {status} assist"
        );
    }
    let all_assists: i64 = crate::db::schema::assists::table
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(all_assists as u64, summary.assists);

    // Two versions of the rules of engagement: everyone acknowledged the first, most the
    // second; the tour's logins have acknowledged the one in force and are not asked a
    // re-check on their first look; someone else has one due.
    use crate::db::models::roe as roe_store;
    assert_eq!(roe_store::current_number(&mut conn).unwrap(), Some(2));
    let acks: i64 = crate::db::schema::roe_acknowledgements::table
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(acks as u64, summary.acknowledgements);
    let on_v2 = roe_store::acknowledgements_of(&mut conn, 2).unwrap();
    let on_v1 = roe_store::acknowledgements_of(&mut conn, 1).unwrap();
    assert!(on_v2.len() < on_v1.len() && on_v2.len() * 2 > on_v1.len());
    let role = crate::domain::role::Role::Partner;
    for email in ["partner1", "sales"] {
        let user =
            crate::db::models::user::find_by_email(&mut conn, &format!("{email}@{EMAIL_DOMAIN}"))
                .unwrap()
                .unwrap();
        assert!(on_v2.contains_key(&user.id), "{email}");
        let due = crate::workflow::roe::due_recheck(&mut conn, &user.id, user.role(), now).unwrap();
        assert!(due.is_none(), "{email} has a re-check due");
    }
    // Their audit events are in the chain, which verifies.
    let verified = crate::workflow::audit::verify(&mut conn, |_, _| {}).unwrap();
    assert!(
        verified.is_ok(),
        "the demo's audit chain is broken: {verified:?}"
    );
    let acknowledged = crate::db::schema::audit_events::table
        .filter(crate::db::schema::audit_events::action.eq("roe_acknowledged"))
        .count()
        .get_result::<i64>(&mut *conn)
        .unwrap();
    assert_eq!(acknowledged as u64, summary.acknowledgements);
    let due_somewhere = on_v2.keys().any(|id| {
        crate::workflow::roe::due_recheck(&mut conn, id, role, now)
            .unwrap()
            .is_some()
    });
    assert!(due_somewhere, "nobody has a re-check due");

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
