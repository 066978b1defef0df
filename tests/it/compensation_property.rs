//! A property of the compensation rules over random histories: registrations, approvals,
//! assists, closes and the passing of time, in a random order from a small deterministic
//! generator (so a failure names its seed and replays). Whatever happens, every deal won
//! inside its window has exactly one full partner commission, and no credit exists without
//! a won deal.

use chrono::TimeDelta;
use truce::clock::Clock;
use truce::db::models::assist;
use truce::db::models::compensation::{self, Whose};
use truce::domain::audit::Who;
use truce::domain::compensation::{CreditKind, apply_bp};
use truce::domain::lifecycle::{Actor, Command, Status};
use truce::domain::role::Role;
use truce::workflow::transition::{Acting, Scope, act};

use crate::helpers::{Deal, TestApp, spawn_app};

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

const SYLLABLES: [&str; 8] = ["kor", "vel", "tam", "ris", "bun", "zo", "pel", "quin"];
const AMOUNTS: [&str; 4] = ["9,999.99", "40,000", "60,000.05", "99,000"];

fn pick<'a>(rng: &mut Rng, ids: &'a [String], app: &TestApp, status: Status) -> Option<&'a String> {
    let matching: Vec<&String> = ids
        .iter()
        .filter(|id| app.registration(id).status() == status)
        .collect();
    (!matching.is_empty()).then(|| matching[rng.below(matching.len())])
}

async fn history(seed: u64) {
    let app = spawn_app().await;
    let org = app.partner("Alpha Partners", "ann@alpha.example");
    let cm = app.create_user("cm@vendor.example", "channel", None, false);
    let reps = [
        app.create_user("rep1@vendor.example", "sales", None, false),
        app.create_user("rep2@vendor.example", "sales", None, false),
    ];
    // A tier rule, so the commission is not just the default.
    let mut rules = compensation::current(&mut app.conn()).unwrap().value;
    rules
        .commission_rules
        .push(truce::domain::compensation::RateRule {
            tier: Some("gold".into()),
            segment: None,
            bp: 1_234,
        });
    rules.double_credit_segments.push("enterprise".into());
    compensation::insert(&mut app.conn(), &rules, None, app.clock.naive_now()).unwrap();

    let config = app.config();
    let who = Who::user(&cm, Role::Channel, None);
    let reviewer = Acting {
        who: &who,
        actor: Actor::Reviewer,
        scope: Scope::Any,
    };
    let mut rng = Rng(seed);
    let mut ids: Vec<String> = Vec::new();
    let ann = app.find_user("ann@alpha.example").unwrap().id;
    for step in 0..90 {
        let now = app.clock.naive_now();
        match rng.below(10) {
            0 | 1 => {
                let name = format!(
                    "{}{}{} Industries",
                    SYLLABLES[rng.below(8)],
                    SYLLABLES[rng.below(8)],
                    SYLLABLES[rng.below(8)]
                );
                let amount = AMOUNTS[rng.below(AMOUNTS.len())];
                let deal = Deal::new(&app, &name, "").with("amount", amount);
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
                let partner = truce::db::models::user::find(&mut conn, &ann)
                    .unwrap()
                    .unwrap();
                let org_row = truce::db::models::org::find(&mut conn, &org)
                    .unwrap()
                    .unwrap();
                if let Ok(s) = truce::workflow::submit::submit(
                    &mut conn, &config, &partner, &org_row, &form, now,
                ) {
                    ids.push(s.id);
                }
            }
            2 | 3 => {
                if let Some(id) = pick(&mut rng, &ids, &app, Status::Pending) {
                    let _ = act(
                        &mut app.conn(),
                        &config,
                        id,
                        reviewer,
                        Command::Approve,
                        now,
                    );
                }
            }
            4 | 5 => {
                if let Some(id) = pick(&mut rng, &ids, &app, Status::Approved) {
                    let rep = &reps[rng.below(2)];
                    let email =
                        format!("rep{}@vendor.example", if rep == &reps[0] { 1 } else { 2 });
                    let mut conn = app.conn();
                    match rng.below(3) {
                        0 => {
                            let _ = truce::workflow::assist::assign(
                                &mut conn, &config, id, &email, &cm, now,
                            );
                        }
                        _ => {
                            let user = truce::db::models::user::find(&mut conn, rep)
                                .unwrap()
                                .unwrap();
                            if truce::workflow::assist::request(
                                &mut conn, &config, id, &user, "", now,
                            )
                            .is_ok()
                            {
                                let a = assist::for_registration(&mut conn, id)
                                    .unwrap()
                                    .into_iter()
                                    .find(|a| &a.rep_id == rep)
                                    .unwrap();
                                let accept = rng.below(2) == 0;
                                let _ = truce::workflow::assist::answer(
                                    &mut conn, &config, id, &org, &a.id, accept, "ann", now,
                                );
                            }
                        }
                    }
                }
            }
            6 => {
                if let Some(id) = pick(&mut rng, &ids, &app, Status::Approved) {
                    let amount = 1 + (rng.next() % 20_000_000) as i64;
                    let command = if rng.below(5) == 0 {
                        Command::CloseLost {
                            reason: "Budget cut".into(),
                        }
                    } else {
                        Command::CloseWon {
                            amount_minor: amount,
                            date: now.date(),
                        }
                    };
                    act(&mut app.conn(), &config, id, reviewer, command, now)
                        .unwrap_or_else(|e| panic!("seed {seed} step {step}: close refused: {e}"));
                }
            }
            7 | 8 => app.advance(TimeDelta::hours(1 + rng.below(24 * 100) as i64)),
            _ => {
                // The expiry sweep runs now and then: between a window's end and the next
                // sweep a deal can still be closed, and then earns nothing.
                app.advance(TimeDelta::hours(rng.below(48) as i64));
                if rng.below(3) == 0 {
                    app.run_jobs().await;
                }
            }
        }
    }

    // The property.
    let all = compensation::list(&mut app.conn(), Whose::All).unwrap();
    let mut won_inside = 0;
    let mut won_after = 0;
    for id in &ids {
        let r = app.registration(id);
        let mine: Vec<_> = all.iter().filter(|c| &c.registration_id == id).collect();
        if r.status() != Status::Won {
            assert!(
                mine.is_empty(),
                "seed {seed}: credit without a won deal on {id}"
            );
            assert!(compensation::find(&mut app.conn(), id).unwrap().is_none());
            continue;
        }
        let stored = compensation::find(&mut app.conn(), id)
            .unwrap()
            .unwrap_or_else(|| panic!("seed {seed}: won deal {id} has its compensation recorded"));
        let inside = r.state.closed_at.unwrap() <= r.state.protection_ends_at.unwrap();
        assert_eq!(stored.within_window(), inside, "seed {seed}: {id}");
        let commissions: Vec<_> = mine
            .iter()
            .filter(|c| c.kind() == CreditKind::PartnerCommission)
            .collect();
        if inside {
            won_inside += 1;
            assert_eq!(commissions.len(), 1, "seed {seed}: one commission on {id}");
            let c = commissions[0];
            assert_eq!(c.org_id.as_deref(), Some(org.as_str()));
            assert_eq!(
                c.amount_minor,
                apply_bp(r.state.close_amount_minor.unwrap(), 1_234)
            );
            assert_eq!(c.currency, r.currency);
            let active = assist::active_reps(&mut app.conn(), id).unwrap();
            let rep_credits: Vec<_> = mine.iter().filter(|c| c.user_id.is_some()).collect();
            assert_eq!(
                rep_credits.len(),
                active.len(),
                "seed {seed}: one credit per assisting rep on {id}"
            );
        } else {
            won_after += 1;
            assert!(
                mine.is_empty(),
                "seed {seed}: nothing credited after the window on {id}"
            );
        }
    }
    for c in &all {
        assert!(ids.contains(&c.registration_id));
    }
    eprintln!(
        "seed {seed}: {} registrations, {won_inside} won inside the window, {won_after} after it, {} credits",
        ids.len(),
        all.len()
    );
}

#[actix_web::test]
async fn every_deal_won_inside_its_window_has_exactly_one_full_commission() {
    for seed in [0x5EED_0001_u64, 0xC0FF_EE42, 0x0DDB_A11F, 7, 1_000_003] {
        history(seed).await;
    }
}
