//! Registrations in every state, each with its details and audit trail, written a few
//! thousand per write transaction. Holding registrations (pending, info requested,
//! approved) each get a prospect of their own, so their keys stay unique; queued ones wait
//! behind another organisation's pending registration of the same prospect.

use chrono::{NaiveDateTime, TimeDelta};
use rand::Rng;
use rand::rngs::SmallRng;

use super::assists::{self, Actors, AssistRow};
use super::compensation::Versions;
use super::orgs::{Org, Rep};
use super::people::{mailbox_part, person};
use super::plan::{Kind, Plan};
use super::prospects::{COUNTRIES, holding_prospect, prospect, random_prospect};
use super::random::{amount, pick, secs};
use super::rows::{CompensationRow, CreditRow, DetailRow, EventRow, RegRow};
use super::{Fill, POLICY_VERSION, Spec, explain};
use crate::db::schema::{
    assists as assists_table, credits, deal_compensations, registration_details,
    registration_events, registrations,
};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::compensation::{Beneficiary, ClosedDeal};
use crate::domain::dates::elapsed;
use crate::domain::money::group_count;
use crate::domain::org::Tier;
use crate::domain::policy::Segment;
use crate::domain::prospect::{domain_key, name_key};

/// Registrations per write transaction.
const TX_ROWS: usize = 5_000;
/// How often progress is reported.
const PROGRESS_EVERY: u64 = 50_000;

/// What partners write about their relationship with the prospect.
const RELATIONSHIPS: [&str; 6] = [
    "We have run their IT operations for three years and were asked to propose a replacement.",
    "Existing customer of our managed services; the CIO invited us to a discovery workshop.",
    "Met the project lead at a trade show; two workshops held, budget confirmed for this year.",
    "Referral from their parent company, where we implemented the platform last year.",
    "We resell their current tooling and they asked for a migration plan.",
    "New logo: outbound campaign, first meeting held with the operations director.",
];

/// An event after the submission: (at, kind, from, to, actor, note).
pub(super) type Step<'a> = (
    NaiveDateTime,
    &'static str,
    &'static str,
    &'static str,
    Option<&'a str>,
    Option<String>,
);

/// A registration under review that later ones can queue behind.
#[derive(Clone)]
pub(super) struct Holder {
    pub(super) id: String,
    prospect: u64,
    org: usize,
    pub(super) submitted_at: NaiveDateTime,
}

#[derive(Default)]
struct Batch {
    registrations: Vec<RegRow>,
    details: Vec<DetailRow>,
    events: Vec<EventRow>,
    compensations: Vec<CompensationRow>,
    credits: Vec<CreditRow>,
    assists: Vec<AssistRow>,
}

/// Writes the registrations, one batch at a time, as the load goes through `kinds`.
pub(super) struct Generator<'f, 'a> {
    pub(super) fill: &'f mut Fill<'a>,
    orgs: Vec<Org>,
    channel_id: String,
    reps: Vec<Rep>,
    rules: Versions,
    batch: Batch,
}

impl Generator<'_, '_> {
    /// Adds an audit event; `change` is (kind, from status, to status).
    fn event(
        &mut self,
        registration_id: &str,
        at: NaiveDateTime,
        actor_id: Option<&str>,
        (kind, from, to): (&'static str, Option<&'static str>, &'static str),
        note: Option<String>,
    ) {
        let id = self.fill.ids.next(&mut self.fill.rng);
        self.batch.events.push(EventRow {
            id,
            registration_id: registration_id.to_owned(),
            at,
            actor_id: actor_id.map(str::to_owned),
            kind,
            from_status: from,
            to_status: to,
            note,
            policy_version: POLICY_VERSION,
        });
    }

    /// One registration with its details and events. `holder` is the registration a queued
    /// one waits behind.
    fn registration(
        &mut self,
        kind: Kind,
        org: usize,
        prospect_idx: u64,
        holder: Option<&Holder>,
    ) -> (String, NaiveDateTime) {
        let now = self.fill.now;
        let p = prospect(prospect_idx);
        let (country, tld_forms) = (COUNTRIES[p.country].0, COUNTRIES[p.country].2);
        let form = pick(&mut self.fill.rng, tld_forms);
        let company_name = match kind {
            // A second partner spells the same prospect another way.
            Kind::Queued => match self.fill.rng.random_range(0..3) {
                0 => format!("The {} Corporation", p.base),
                1 => format!("{}, Inc.", p.base),
                _ => p.base.to_uppercase(),
            },
            _ if form.is_empty() => p.base.clone(),
            _ => format!("{} {form}", p.base),
        };
        let website = match (kind, self.fill.rng.random_range(0..4)) {
            (Kind::Queued, _) => format!("http://{}/contact", p.domain),
            (_, 0) => format!("https://www.{}", p.domain),
            (_, 1) => format!("www.{}", p.domain),
            _ => p.domain.clone(),
        };
        let key = name_key(&company_name);
        let (amount_minor, currency, program_units, segment) =
            amount(&mut self.fill.rng, self.fill.policy);

        let partner = self.orgs[org].user_id.clone();
        let channel = self.channel_id.clone();
        let mut r = RegRow {
            id: String::new(),
            org_id: self.orgs[org].id.clone(),
            submitted_by: partner.clone(),
            company_name,
            name_key: key,
            domain_key: domain_key(&website),
            amount_minor,
            currency,
            program_units,
            segment: segment.as_str(),
            policy_version: POLICY_VERSION,
            submitted_at: now,
            status: kind.status(),
            review_due_at: None,
            sla_paused_secs: None,
            sla_escalated_at: None,
            queued_behind: None,
            decided_at: None,
            decided_policy_version: None,
            protection_ends_at: None,
            reminder_sent_at: None,
            renewal: None,
            renewal_note: None,
            closed_at: None,
            close_amount_minor: None,
            close_date: None,
            outcome_reason: None,
            lock_version: 0,
            updated_at: now,
            country,
            industry: p.industry,
        };
        let later = self.history(kind, segment, holder, &mut r, &partner, &channel);
        r.id = self.fill.ids.next(&mut self.fill.rng);
        let rep = &self.reps[super::territories::rep_for(country, p.industry)];
        let who = Actors {
            partner: &partner,
            channel: &channel,
        };
        let assist = assists::draw(self.fill, kind, &r, rep, &who);
        let assisting: Vec<String> = assist
            .iter()
            .filter(|(a, _)| a.is_active())
            .map(|(a, _)| a.rep_id.clone())
            .collect();
        if let Some((row, events)) = assist {
            self.batch.assists.push(row);
            self.batch.events.extend(events);
        }
        if kind == Kind::Won {
            let tier = self.orgs[org].tier;
            self.compensate(&r, (tier, segment), (country, p.industry), &assisting);
        }
        let (id, submitted_at) = (r.id.clone(), r.submitted_at);

        // The submission itself.
        match kind {
            Kind::Queued => self.event(
                &id,
                submitted_at,
                Some(&partner),
                ("queued", None, "queued"),
                Some(
                    "Another registration of this prospect is under review. Yours is kept in line \
                     and goes to review if that one is rejected or withdrawn."
                        .into(),
                ),
            ),
            Kind::Declined => self.event(
                &id,
                submitted_at,
                Some(&partner),
                ("declined", None, "declined"),
                r.outcome_reason.clone(),
            ),
            _ => self.event(
                &id,
                submitted_at,
                Some(&partner),
                ("submitted", None, "pending"),
                None,
            ),
        }
        for (at, kind, from, to, actor, note) in later {
            self.event(&id, at, actor, (kind, Some(from), to), note);
        }

        let (first, last) = person(&mut self.fill.rng);
        let expected_close = (submitted_at
            + secs(
                &mut self.fill.rng,
                TimeDelta::days(30),
                TimeDelta::days(180),
            ))
        .date();
        self.batch.details.push(DetailRow {
            registration_id: id.clone(),
            website,
            country,
            industry: p.industry,
            contact_name: format!("{first} {last}"),
            contact_email: format!(
                "{}.{}@{}",
                mailbox_part(first),
                mailbox_part(last),
                p.domain
            ),
            contact_phone: format!(
                "+{} {:03} {:04}",
                self.fill.rng.random_range(1..99),
                self.fill.rng.random_range(100..999),
                self.fill.rng.random_range(0..10_000)
            ),
            expected_close,
            relationship: pick(&mut self.fill.rng, &RELATIONSHIPS),
        });
        self.batch.registrations.push(r);
        (id, submitted_at)
    }

    /// A deal won inside its window earns what the portal's close would have given it: its
    /// compensation, the partner's commission at its tier's rate and the assisting reps'
    /// quota credit, under the rules in force when it closed.
    fn compensate(
        &mut self,
        r: &RegRow,
        (tier, segment): (Tier, Segment),
        place: (&'static str, &'static str),
        assisting_reps: &[String],
    ) {
        let (Some(amount_minor), Some(closed_at)) = (r.close_amount_minor, r.closed_at) else {
            return;
        };
        let deal = ClosedDeal {
            org_id: &r.org_id,
            tier: Some(tier),
            segment,
            amount_minor,
            within_window: true,
            assisting_reps,
            territory_double_credit: None,
        };
        let (rules_version, rules) = self.rules.at(closed_at);
        self.batch.compensations.push(CompensationRow {
            registration_id: r.id.clone(),
            rules_version,
            within_window: 1,
            double_credit: i32::from(rules.double_credit(segment, None)),
            computed_at: closed_at,
        });
        for credit in crate::domain::compensation::credits(rules, &deal) {
            let (org_id, user_id) = match credit.beneficiary {
                Beneficiary::Org(org) => (Some(org), None),
                Beneficiary::Rep(rep) => (None, Some(rep)),
            };
            let id = self.fill.ids.next(&mut self.fill.rng);
            self.batch.credits.push(CreditRow {
                id,
                registration_id: r.id.clone(),
                kind: credit.kind.as_str(),
                org_id,
                user_id,
                bp: credit.bp,
                amount_minor: credit.amount_minor,
                currency: r.currency,
                rules_version,
                created_at: closed_at,
                segment: segment.as_str(),
                partner_org_id: r.org_id.clone(),
                country: place.0,
                industry: place.1,
            });
        }
    }

    fn flush(&mut self, conn: &mut DbConnection) -> diesel::QueryResult<()> {
        let batch = std::mem::take(&mut self.batch);
        write_tx(conn, |conn| -> diesel::QueryResult<()> {
            db::insert_rows(
                conn,
                registrations::table,
                RegRow::COLUMNS,
                &batch.registrations,
            )?;
            db::insert_rows(
                conn,
                registration_details::table,
                DetailRow::COLUMNS,
                &batch.details,
            )?;
            db::insert_rows(
                conn,
                registration_events::table,
                EventRow::COLUMNS,
                &batch.events,
            )?;
            db::insert_rows(
                conn,
                deal_compensations::table,
                CompensationRow::COLUMNS,
                &batch.compensations,
            )?;
            db::insert_rows(conn, credits::table, CreditRow::COLUMNS, &batch.credits)?;
            db::insert_rows(
                conn,
                assists_table::table,
                AssistRow::COLUMNS,
                &batch.assists,
            )?;
            Ok(())
        })?;
        self.fill.summary.registrations += batch.registrations.len() as u64;
        self.fill.summary.events += batch.events.len() as u64;
        self.fill.summary.assists += batch.assists.len() as u64;
        Ok(())
    }
}

/// The organisation a registration belongs to: the big one for an evenly spread
/// `big_org` of them, a random other one for the rest.
fn org_for(i: u64, spec: &Spec, rng: &mut SmallRng) -> usize {
    let n = u128::from(spec.registrations);
    let big = u128::from(spec.big_org);
    let (i, next) = (u128::from(i), u128::from(i) + 1);
    if next * big / n > i * big / n {
        0
    } else {
        rng.random_range(1..spec.orgs as usize)
    }
}

/// Writes the registrations of `plan`, the queued ones last, behind holders already stored.
/// `people` write, decide and assist on them; `rules` are the compensation versions the won
/// ones were paid under.
pub(super) fn write(
    conn: &mut DbConnection,
    fill: &mut Fill,
    spec: &Spec,
    plan: &Plan,
    people: super::orgs::People,
    rules: Versions,
) -> anyhow::Result<()> {
    let kinds = plan.kinds(&mut fill.rng);
    let mut generator = Generator {
        fill,
        orgs: people.orgs,
        channel_id: people.channel_id,
        reps: people.reps,
        rules,
        batch: Batch::default(),
    };
    let total = spec.registrations;
    let mut holders: Vec<Holder> = Vec::with_capacity(plan.pending as usize);
    let mut holding: u64 = 0;
    let mut reported = 0;
    let mut report = |fill: &mut Fill, force: bool| {
        let done = fill.summary.registrations;
        if force || done / PROGRESS_EVERY > reported / PROGRESS_EVERY {
            reported = done;
            (fill.progress)(&format!(
                "registrations: {} / {} ({})",
                group_count(done),
                group_count(total),
                elapsed(fill.started.elapsed())
            ));
        }
    };
    for (i, kind) in kinds.iter().copied().enumerate() {
        let org = org_for(i as u64, spec, &mut generator.fill.rng);
        let prospect_idx = if kind.holds() {
            // Holding registrations each have their own prospect, so their keys are unique.
            holding += 1;
            holding_prospect(holding - 1)
        } else {
            random_prospect(&mut generator.fill.rng)
        };
        let (id, submitted_at) = generator.registration(kind, org, prospect_idx, None);
        if kind == Kind::Pending {
            holders.push(Holder {
                id,
                prospect: prospect_idx,
                org,
                submitted_at,
            });
        }
        if generator.batch.registrations.len() >= TX_ROWS {
            generator
                .flush(conn)
                .map_err(|e| explain("registrations", e))?;
            report(generator.fill, false);
        }
    }
    // The holders are stored before anyone queues behind them.
    generator
        .flush(conn)
        .map_err(|e| explain("registrations", e))?;
    let first_queued = kinds.len() as u64;
    for k in 0..plan.queued {
        let org = org_for(first_queued + k, spec, &mut generator.fill.rng);
        // The holder is another organisation's: a partner does not register a prospect twice.
        let start = (k as usize * 7) % holders.len();
        let holder = (0..holders.len())
            .map(|j| &holders[(start + j) % holders.len()])
            .find(|h| h.org != org)
            .expect("two organisations at least");
        let holder = holder.clone();
        generator.registration(Kind::Queued, org, holder.prospect, Some(&holder));
    }
    generator
        .flush(conn)
        .map_err(|e| explain("registrations", e))?;
    report(generator.fill, true);
    Ok(())
}
