//! `truce demo`: fills a database with a realistic partner program (thousands of partner
//! organisations, up to millions of registrations in every state, CRM accounts and direct
//! opportunities) fast enough to try the portal with real volumes and to benchmark it.
//!
//! Rows go in with multi-row inserts, a few thousand registrations per write transaction.
//! The data keeps the rules the app relies on: registrations holding a prospect (pending,
//! info requested, approved) have unique prospect keys, the keys come from the same code as
//! a submission's, every registration has its details and audit trail, and the sweeps find
//! exactly `--due` approved registrations past their protection end and nothing else to do
//! (reminders were sent and SLA breaches escalated, as if the sweeps had been running).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use clap::Args;
use diesel::prelude::*;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::auth::password;
use crate::clock::{Clock, SystemClock};
use crate::config::HashParams;
use crate::config::{DbArgs, LogFormat};
use crate::db::models::policy;
use crate::db::schema::{
    crm_accounts, direct_opportunities, partner_orgs, registration_details, registration_events,
    registrations, users,
};
use crate::db::{self, DbConnection, DroppedIndexes, RebuildError, write_tx};
use crate::domain::dates;
use crate::domain::money::group_count;
use crate::domain::policy::{Policy, Segment};
use crate::domain::prospect::{domain_key, name_key};
use crate::domain::registration::INDUSTRIES;

/// Every demo account's email ends with this.
pub const EMAIL_DOMAIN: &str = "demo.truce.test";
pub const DEFAULT_PASSWORD: &str = "demo password 2026";
/// The one policy version the demo data is decided under (written by `ensure_initial`).
const POLICY_VERSION: i64 = 1;
/// Registrations per write transaction.
const TX_ROWS: usize = 5_000;
/// How often progress is reported.
const PROGRESS_EVERY: u64 = 50_000;

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Registrations to create.
    #[arg(long)]
    pub registrations: u64,
    /// Partner organisations, one partner user each.
    #[arg(long, default_value_t = 2_000)]
    pub orgs: u64,
    /// Registrations of the first organisation (partner1@demo.truce.test).
    /// Default: 10,000, at most half of --registrations.
    #[arg(long)]
    pub big_org: Option<u64>,
    /// Approved registrations whose protection has ended, for the expiry sweep.
    /// Default: 100,000, at most a tenth of --registrations.
    #[arg(long)]
    pub due: Option<u64>,
    /// CRM accounts (about one in two with direct opportunities).
    /// Default: one per 200 registrations, between 100 and 5,000.
    #[arg(long)]
    pub accounts: Option<u64>,
    /// Password of every demo user.
    #[arg(long, default_value = DEFAULT_PASSWORD)]
    pub password: String,
    /// Seed of the random choices; the same seed gives the same names and amounts.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

/// What to generate, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub registrations: u64,
    pub orgs: u64,
    pub big_org: u64,
    pub due: u64,
    pub seed: u64,
    /// CRM accounts; `None` for one per 200 registrations, between 100 and 5,000.
    pub accounts: Option<u64>,
}

impl Spec {
    /// `big_org` and `due` default to 10,000 and 100,000, capped for small runs.
    pub fn new(
        registrations: u64,
        orgs: u64,
        big_org: Option<u64>,
        due: Option<u64>,
        seed: u64,
    ) -> Result<Spec, String> {
        if registrations < 100 {
            return Err("--registrations must be at least 100".into());
        }
        if registrations > 50_000_000 {
            return Err("--registrations must be at most 50,000,000".into());
        }
        if !(2..=1_000_000).contains(&orgs) {
            return Err(
                "--orgs must be between 2 and 1,000,000 (one big organisation and the others)"
                    .into(),
            );
        }
        let big_org = big_org.unwrap_or_else(|| 10_000.min(registrations / 2));
        if big_org > registrations {
            return Err(format!(
                "--big-org ({}) cannot be more than --registrations ({}); lower it or raise --registrations",
                group_count(big_org),
                group_count(registrations)
            ));
        }
        let due = due.unwrap_or_else(|| 100_000.min(registrations / 10));
        let spec = Spec {
            registrations,
            orgs,
            big_org,
            due,
            seed,
            accounts: None,
        };
        let plan = Plan::new(registrations, due);
        if plan.is_none() {
            return Err(format!(
                "--due ({}) leaves too few registrations for the other states; use at most {} or raise --registrations",
                group_count(due),
                group_count(Plan::max_due(registrations))
            ));
        }
        Ok(spec)
    }

    fn plan(&self) -> Plan {
        Plan::new(self.registrations, self.due).expect("checked in Spec::new")
    }
}

/// How many registrations of each kind.
#[derive(Debug, Clone, Copy)]
struct Plan {
    due: u64,
    approved: u64,
    renewal_requested: u64,
    pending: u64,
    info_requested: u64,
    queued: u64,
    won: u64,
    lost: u64,
    expired: u64,
    rejected: u64,
    withdrawn: u64,
    declined: u64,
}

impl Plan {
    fn others(n: u64) -> (u64, u64, u64, u64, u64) {
        let approved = n / 20;
        let renewal_requested = approved / 100;
        let pending = (n * 3 / 1000).max(1);
        let info_requested = n / 2000;
        let queued = (n / 2000).min(pending);
        (approved, renewal_requested, pending, info_requested, queued)
    }

    fn max_due(n: u64) -> u64 {
        let (approved, _, pending, info, queued) = Self::others(n);
        // A tenth of the registrations stays closed, for a believable history.
        (n - n / 10).saturating_sub(approved + pending + info + queued)
    }

    fn new(n: u64, due: u64) -> Option<Plan> {
        if due > Self::max_due(n) {
            return None;
        }
        let (approved, renewal_requested, pending, info_requested, queued) = Self::others(n);
        let closed = n - due - approved - pending - info_requested - queued;
        let won = closed / 4;
        let lost = closed / 5;
        let expired = closed / 4;
        let rejected = closed / 8;
        let withdrawn = closed / 8;
        let declined = closed - won - lost - expired - rejected - withdrawn;
        Some(Plan {
            due,
            approved,
            renewal_requested,
            pending,
            info_requested,
            queued,
            won,
            lost,
            expired,
            rejected,
            withdrawn,
            declined,
        })
    }

    /// The kinds of every registration but the queued ones, in random order.
    fn kinds(&self, rng: &mut SmallRng) -> Vec<Kind> {
        let mut kinds =
            Vec::with_capacity(usize::try_from(self.total() - self.queued).unwrap_or(0));
        let mut add = |kind: Kind, n: u64| kinds.extend(std::iter::repeat_n(kind, n as usize));
        add(Kind::Due, self.due);
        add(Kind::Approved, self.approved - self.renewal_requested);
        add(Kind::RenewalRequested, self.renewal_requested);
        add(Kind::Pending, self.pending);
        add(Kind::InfoRequested, self.info_requested);
        add(Kind::Won, self.won);
        add(Kind::Lost, self.lost);
        add(Kind::Expired, self.expired);
        add(Kind::Rejected, self.rejected);
        add(Kind::Withdrawn, self.withdrawn);
        add(Kind::Declined, self.declined);
        kinds.shuffle(rng);
        kinds
    }

    fn total(&self) -> u64 {
        self.due
            + self.approved
            + self.pending
            + self.info_requested
            + self.queued
            + self.won
            + self.lost
            + self.expired
            + self.rejected
            + self.withdrawn
            + self.declined
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Approved, protection ended before now: the expiry sweep's work.
    Due,
    Approved,
    /// Approved, with a renewal waiting in the review queue.
    RenewalRequested,
    Pending,
    InfoRequested,
    Queued,
    Won,
    Lost,
    Expired,
    Rejected,
    Withdrawn,
    Declined,
}

impl Kind {
    fn holds(self) -> bool {
        matches!(
            self,
            Kind::Due
                | Kind::Approved
                | Kind::RenewalRequested
                | Kind::Pending
                | Kind::InfoRequested
        )
    }

    fn status(self) -> &'static str {
        match self {
            Kind::Due | Kind::Approved | Kind::RenewalRequested => "approved",
            Kind::Pending => "pending",
            Kind::InfoRequested => "info_requested",
            Kind::Queued => "queued",
            Kind::Won => "won",
            Kind::Lost => "lost",
            Kind::Expired => "expired",
            Kind::Rejected => "rejected",
            Kind::Withdrawn => "withdrawn",
            Kind::Declined => "declined",
        }
    }
}

/// What was written, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub orgs: u64,
    pub users: u64,
    pub big_org_name: String,
    pub registrations: u64,
    pub events: u64,
    pub crm_accounts: u64,
    pub opportunities: u64,
    /// Registrations by status, in lifecycle order.
    pub by_status: Vec<(&'static str, u64)>,
    /// Items in the review queue (pending, and renewals waiting for review).
    pub in_review: u64,
    /// Approved registrations whose protection ended before `now`.
    pub due: u64,
    pub elapsed: Duration,
}

// ---------------------------------------------------------------------------------------
// Rows, as inserted. `None` is NULL (not DEFAULT), so SQLite takes many rows per statement.

#[derive(Insertable)]
#[diesel(table_name = partner_orgs, treat_none_as_default_value = false)]
struct OrgRow {
    id: String,
    name: String,
    name_key: String,
    tier: &'static str,
    status: &'static str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
struct UserRow {
    id: String,
    email: String,
    name: String,
    role: &'static str,
    org_id: Option<String>,
    org_admin: bool,
    password_hash: Option<String>,
    disabled_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = registrations, treat_none_as_default_value = false)]
struct RegRow {
    id: String,
    org_id: String,
    submitted_by: String,
    company_name: String,
    name_key: String,
    domain_key: Option<String>,
    amount_minor: i64,
    currency: &'static str,
    program_units: i64,
    segment: &'static str,
    policy_version: i64,
    submitted_at: NaiveDateTime,
    status: &'static str,
    review_due_at: Option<NaiveDateTime>,
    sla_paused_secs: Option<i64>,
    sla_escalated_at: Option<NaiveDateTime>,
    queued_behind: Option<String>,
    decided_at: Option<NaiveDateTime>,
    decided_policy_version: Option<i64>,
    protection_ends_at: Option<NaiveDateTime>,
    reminder_sent_at: Option<NaiveDateTime>,
    renewal: Option<&'static str>,
    renewal_note: Option<&'static str>,
    closed_at: Option<NaiveDateTime>,
    close_amount_minor: Option<i64>,
    close_date: Option<NaiveDate>,
    outcome_reason: Option<String>,
    lock_version: i64,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = registration_details, treat_none_as_default_value = false)]
struct DetailRow {
    registration_id: String,
    website: String,
    country: &'static str,
    industry: &'static str,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
    expected_close: NaiveDate,
    relationship: &'static str,
}

#[derive(Insertable)]
#[diesel(table_name = registration_events, treat_none_as_default_value = false)]
struct EventRow {
    id: String,
    registration_id: String,
    at: NaiveDateTime,
    actor_id: Option<String>,
    kind: &'static str,
    from_status: Option<&'static str>,
    to_status: &'static str,
    note: Option<String>,
    policy_version: i64,
}

#[derive(Insertable)]
#[diesel(table_name = crm_accounts, treat_none_as_default_value = false)]
struct AccountRow {
    id: String,
    external_id: Option<String>,
    name: String,
    name_key: String,
    domain_key: Option<String>,
    country: Option<&'static str>,
    industry: Option<&'static str>,
    owner_email: Option<String>,
    named_account: bool,
    reserved_for_direct: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = direct_opportunities, treat_none_as_default_value = false)]
struct OpportunityRow {
    id: String,
    account_id: String,
    owner_email: String,
    stage: &'static str,
    amount_minor: i64,
    currency: &'static str,
    last_activity_on: NaiveDate,
    created_at: NaiveDateTime,
}

// ---------------------------------------------------------------------------------------
// Names. Prospects are "<adjective> <noun> <industry word>" (196,608 combinations, each with
// its own website); a number is added past that. No word is a legal form or "the", so every
// combination has its own name key.

const PROSPECT_A: [&str; 64] = [
    "Blue",
    "Northern",
    "Silver",
    "Bright",
    "Granite",
    "Coastal",
    "Summit",
    "Evergreen",
    "Crimson",
    "Golden",
    "Pacific",
    "Atlantic",
    "Alpine",
    "Prairie",
    "Harbor",
    "Meridian",
    "Cedar",
    "Oak",
    "Maple",
    "Pine",
    "Willow",
    "River",
    "Lake",
    "Stone",
    "Iron",
    "Copper",
    "Cobalt",
    "Amber",
    "Ivory",
    "Onyx",
    "Falcon",
    "Eagle",
    "Raven",
    "Orion",
    "Polar",
    "Solar",
    "Lunar",
    "Nova",
    "Vector",
    "Quantum",
    "Apex",
    "Pioneer",
    "Liberty",
    "Heritage",
    "Keystone",
    "Redwood",
    "Ridge",
    "Valley",
    "Highland",
    "Lakeside",
    "Westfield",
    "Eastgate",
    "Southport",
    "Northstar",
    "Brook",
    "Clear",
    "Swift",
    "True",
    "Prime",
    "Central",
    "Urban",
    "Metro",
    "Greenfield",
    "Sterling",
];

const PROSPECT_B: [&str; 64] = [
    "Bridge", "Point", "Gate", "Field", "Crest", "Wave", "Path", "Stream", "Forge", "Line",
    "Light", "Bay", "Hill", "Shore", "Rock", "Wood", "Dale", "Vale", "Mark", "Star", "Arch",
    "Beacon", "Canyon", "Delta", "Echo", "Fjord", "Grove", "Haven", "Isle", "Junction", "Key",
    "Lantern", "Mill", "Nest", "Orchard", "Pillar", "Quarry", "Rail", "Sail", "Tower", "Union",
    "Vista", "Wharf", "Yard", "Anchor", "Compass", "Crown", "Fountain", "Garden", "Horizon",
    "Lodge", "Meadow", "Pier", "Plains", "Sound", "Spring", "Tide", "Trail", "Well", "Wind",
    "Frontier", "Pass", "Harvest", "Signal",
];

const PROSPECT_C: [&str; 48] = [
    "Logistics",
    "Analytics",
    "Foods",
    "Systems",
    "Health",
    "Energy",
    "Robotics",
    "Labs",
    "Media",
    "Software",
    "Networks",
    "Dynamics",
    "Pharma",
    "Textiles",
    "Motors",
    "Aerospace",
    "Solutions",
    "Consulting",
    "Capital",
    "Insurance",
    "Retail",
    "Brewing",
    "Industries",
    "Technologies",
    "Materials",
    "Chemicals",
    "Construction",
    "Engineering",
    "Freight",
    "Hospitality",
    "Clinics",
    "Outfitters",
    "Studios",
    "Marine",
    "Mining",
    "Paper",
    "Packaging",
    "Plastics",
    "Semiconductors",
    "Telecom",
    "Travel",
    "Ventures",
    "Water",
    "Wireless",
    "Agritech",
    "Biotech",
    "Furniture",
    "Apparel",
];

/// Brand-like first words ("Velora", "Kalix"), made of two syllables.
const BRAND_START: [&str; 32] = [
    "Ac", "Bel", "Cor", "Dav", "El", "Fen", "Gal", "Hel", "Ith", "Jor", "Kal", "Lum", "Mer", "Nor",
    "Ol", "Pra", "Quin", "Ros", "Sol", "Tor", "Ul", "Val", "Wex", "Xan", "Yor", "Zen", "Arv",
    "Bran", "Cal", "Dor", "Ev", "Fal",
];
const BRAND_END: [&str; 30] = [
    "ara", "ix", "ora", "um", "ent", "ica", "on", "ova", "yn", "is", "ar", "eon", "ium", "ex",
    "ia", "ant", "era", "ous", "ity", "o", "ane", "ell", "ence", "ada", "ion", "ique", "ani",
    "oth", "ify", "ea",
];

/// Every distinct brand word that is not a common word, a legal form or "the".
fn brands() -> &'static [String] {
    static BRANDS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for start in BRAND_START {
            for end in BRAND_END {
                let word = format!("{start}{end}");
                let key = word.to_lowercase();
                let common = PROSPECT_A.iter().any(|a| a.eq_ignore_ascii_case(&word));
                if !common
                    && name_key(&format!("{word} {word}")) == format!("{key} {key}")
                    && seen.insert(key)
                {
                    out.push(word);
                }
            }
        }
        out
    });
    &BRANDS
}

/// Prospects are numbered in two blocks: names starting with a common word ("Blue Harbor
/// Logistics", as 40% of companies do, thousands of registrations per first word at a million)
/// and names starting with a brand word ("Velora Harbor Logistics", a few hundred each). The
/// top bit of a prospect number says which block.
const BRAND_BIT: u64 = 1 << 63;
/// Coprime to both block sizes: walks every combination once, without neighbours alike.
const STRIDE: u64 = 100_003;

fn block_size(brand: bool) -> u64 {
    let firsts = if brand {
        brands().len()
    } else {
        PROSPECT_A.len()
    };
    (firsts * PROSPECT_B.len() * PROSPECT_C.len()) as u64
}

/// The `j`-th prospect of a block in walking order; past the block's size a number suffix
/// keeps names unique.
fn walk(j: u64, brand: bool) -> u64 {
    let size = block_size(brand);
    let k = j.wrapping_mul(STRIDE) % size + j / size * size;
    if brand { k | BRAND_BIT } else { k }
}

/// The prospect of the `h`-th holding registration: all different, two in five with a
/// common first word.
fn holding_prospect(h: u64) -> u64 {
    let (round, r) = (h / 5, h % 5);
    if r < 2 {
        walk(round * 2 + r, false)
    } else {
        walk(round * 3 + r - 2, true)
    }
}

/// Any prospect (registered before, perhaps many times).
fn random_prospect(rng: &mut SmallRng) -> u64 {
    let brand = rng.random_range(0..5) >= 2;
    let k = rng.random_range(0..block_size(brand));
    if brand { k | BRAND_BIT } else { k }
}

/// (country code, top-level domain, legal forms used there). Every legal form is one that
/// name keys drop.
const COUNTRIES: [(&str, &str, &[&str]); 16] = [
    ("US", "com", &["Inc.", "LLC", "Corp.", "Inc"]),
    ("US", "com", &["Inc.", "LLC", ""]),
    ("GB", "co.uk", &["Ltd", "Limited", "plc"]),
    ("DE", "de", &["GmbH", "AG", "GmbH & Co. KG"]),
    ("FR", "fr", &["SAS", "SARL", "S.A."]),
    ("NL", "nl", &["B.V.", "N.V."]),
    ("SE", "se", &["AB"]),
    ("FI", "fi", &["Oy", "Oyj"]),
    ("PL", "pl", &["sp. z o.o.", "S.A."]),
    ("ES", "es", &["S.A."]),
    ("IT", "it", &["S.r.l.", "SpA"]),
    ("CA", "ca", &["Inc.", "Ltd"]),
    ("AU", "com.au", &["Pty Ltd", "Ltd"]),
    ("IE", "ie", &["Ltd", "Limited"]),
    ("DK", "dk", &["ApS", "A/S"]),
    ("NO", "no", &["AS", "ASA"]),
];

const FIRST_NAMES: [&str; 40] = [
    "Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hugo", "Ingrid", "Jonas", "Kaisa",
    "Liam", "Maya", "Noah", "Olivia", "Pavel", "Quinn", "Rosa", "Samir", "Tanja", "Umar", "Vera",
    "Wei", "Ximena", "Yusuf", "Zofia", "Aiko", "Bruno", "Chloe", "Diego", "Emma", "Felix", "Hanna",
    "Ivan", "Julia", "Karl", "Lena", "Marco", "Nora", "Oscar",
];

const LAST_NAMES: [&str; 40] = [
    "Smith",
    "Müller",
    "Garcia",
    "Nowak",
    "Virtanen",
    "Jensen",
    "Rossi",
    "Dubois",
    "Kowalski",
    "Hansen",
    "Johansson",
    "Murphy",
    "Brown",
    "Schmidt",
    "Martin",
    "Lindqvist",
    "Korhonen",
    "de Vries",
    "Fischer",
    "Moreau",
    "Novak",
    "Olsen",
    "Petrov",
    "Quist",
    "Rahman",
    "Santos",
    "Tanaka",
    "Urban",
    "Weber",
    "Young",
    "Zimmermann",
    "Andersen",
    "Bauer",
    "Costa",
    "Eriksson",
    "Fontaine",
    "Gruber",
    "Horvath",
    "Ito",
    "Kim",
];

const RELATIONSHIPS: [&str; 6] = [
    "We have run their IT operations for three years and were asked to propose a replacement.",
    "Existing customer of our managed services; the CIO invited us to a discovery workshop.",
    "Met the project lead at a trade show; two workshops held, budget confirmed for this year.",
    "Referral from their parent company, where we implemented the platform last year.",
    "We resell their current tooling and they asked for a migration plan.",
    "New logo: outbound campaign, first meeting held with the operations director.",
];

const REJECT_REASONS: [&str; 4] = [
    "The customer told us they are working with another partner on this project.",
    "Not enough evidence of an active opportunity; register again after the first meeting.",
    "The account is managed by direct sales in this territory.",
    "Duplicate of an earlier registration by your organisation.",
];

const LOST_REASONS: [&str; 4] = [
    "Lost to a competitor on price.",
    "Project cancelled by the customer.",
    "Budget moved to next year.",
    "The customer chose to build it in-house.",
];

const WITHDRAW_REASONS: [&str; 3] = [
    "Registered by mistake.",
    "The customer paused the project.",
    "",
];

const INFO_QUESTIONS: [&str; 3] = [
    "Who is the decision maker, and when is the next meeting?",
    "Please describe the project scope and the expected timeline.",
    "Is the customer also talking to direct sales? Send the contact's role.",
];

const RENEWAL_NOTES: [&str; 3] = [
    "Legal review of the contract is ongoing; signature expected within six weeks.",
    "Proof of concept extended by the customer; decision moved to next quarter.",
    "Budget approved, purchase order in progress.",
];

const ORG_A: [&str; 40] = [
    "Nordlight",
    "Cobalt",
    "Brightpath",
    "Bluestone",
    "Ironclad",
    "Clearview",
    "Keystone",
    "Summit",
    "Vantage",
    "Pinnacle",
    "Skyline",
    "Trident",
    "Lighthouse",
    "Northwind",
    "Redline",
    "Greenleaf",
    "Silverback",
    "Blackbird",
    "Crossroads",
    "Westbrook",
    "Fairway",
    "Highpoint",
    "Ampere",
    "Cirrus",
    "Datapoint",
    "Evolve",
    "Fulcrum",
    "Helix",
    "Insight",
    "Javelin",
    "Kinetic",
    "Lumen",
    "Momentum",
    "Nimbus",
    "Optima",
    "Paragon",
    "Quantix",
    "Radius",
    "Sterling",
    "Tangent",
];

const ORG_B: [&str; 50] = [
    "IT Services",
    "Consulting",
    "Solutions",
    "Systems Integration",
    "Cloud Partners",
    "Digital",
    "Technologies",
    "Networks",
    "Software Partners",
    "Data Services",
    "Managed Services",
    "Security",
    "Advisory",
    "Integrators",
    "Tech",
    "Computing",
    "Infrastructure",
    "Analytics",
    "Cloud",
    "Labs",
    "Business Systems",
    "IT",
    "Connect",
    "Professional Services",
    "Automation",
    "Platforms",
    "Workplace",
    "Data",
    "DevOps",
    "Communications",
    "Resellers",
    "Distribution",
    "Enterprise IT",
    "Support",
    "Outsourcing",
    "Engineering",
    "Applications",
    "ERP Partners",
    "CRM Partners",
    "Cyber",
    "Hosting",
    "Telecom",
    "Learning",
    "Media Tech",
    "Health IT",
    "Retail Tech",
    "Fintech Partners",
    "Logistics IT",
    "Public Sector IT",
    "Smart Systems",
];

const REGIONS: [&str; 20] = [
    "Nordics",
    "Benelux",
    "DACH",
    "Iberia",
    "UK",
    "Ireland",
    "France",
    "Italy",
    "Poland",
    "Baltics",
    "Canada",
    "US East",
    "US West",
    "US Central",
    "Australia",
    "Japan",
    "Singapore",
    "Brazil",
    "Mexico",
    "India",
];

const STAGES: [&str; 5] = [
    "Prospecting",
    "Qualification",
    "Proposal",
    "Negotiation",
    "Closed Won",
];

/// A prospect as partners write it (see `holding_prospect` for the numbers).
struct Prospect {
    /// "Blue Harbor Logistics", without a legal form.
    base: String,
    domain: String,
    country: usize,
    industry: &'static str,
}

fn prospect(number: u64) -> Prospect {
    let brand = number & BRAND_BIT != 0;
    let size = block_size(brand);
    let idx = number & !BRAND_BIT;
    let (round, idx) = (idx / size, idx % size);
    let c = (idx % PROSPECT_C.len() as u64) as usize;
    let b = ((idx / PROSPECT_C.len() as u64) % PROSPECT_B.len() as u64) as usize;
    let a = (idx / (PROSPECT_C.len() * PROSPECT_B.len()) as u64) as usize;
    let a = if brand {
        brands()[a].as_str()
    } else {
        PROSPECT_A[a]
    };
    let (b, c) = (PROSPECT_B[b], PROSPECT_C[c]);
    // A cheap mix of the number decides the country and industry, the same for every
    // registration of the prospect.
    let mix = (idx ^ (number & BRAND_BIT))
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(17);
    let country = (mix % COUNTRIES.len() as u64) as usize;
    let industry = INDUSTRIES[((mix >> 8) % INDUSTRIES.len() as u64) as usize];
    let tld = if mix & 0x10000 == 0 {
        COUNTRIES[country].1
    } else {
        "com"
    };
    let slug = format!("{a}-{b}-{c}").to_lowercase();
    let (base, domain) = if round == 0 {
        (format!("{a} {b} {c}"), format!("{slug}.{tld}"))
    } else {
        (
            format!("{a} {b} {c} {}", round + 1),
            format!("{slug}-{}.{tld}", round + 1),
        )
    };
    Prospect {
        base,
        domain,
        country,
        industry,
    }
}

fn org_name(n: u64) -> String {
    let per_round = (ORG_A.len() * ORG_B.len()) as u64;
    let (round, i) = (n / per_round, n % per_round);
    let base = format!(
        "{} {}",
        ORG_A[(i % ORG_A.len() as u64) as usize],
        ORG_B[(i / ORG_A.len() as u64) as usize]
    );
    match round {
        0 => base,
        r if r <= REGIONS.len() as u64 => format!("{base} {}", REGIONS[(r - 1) as usize]),
        r => format!("{base} {}", r + 1),
    }
}

fn person(rng: &mut SmallRng) -> (&'static str, &'static str) {
    (
        FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())],
        LAST_NAMES[rng.random_range(0..LAST_NAMES.len())],
    )
}

/// An email-safe form of a person's name part ("de Vries" → "devries", "Müller" → "muller").
fn mailbox_part(s: &str) -> String {
    name_key(s).replace(' ', "")
}

fn pick<T: Copy>(rng: &mut SmallRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// Row ids as `ids::new_id` makes them (UUIDv7), issued in strictly increasing order
/// one millisecond apart, ending before the generation time: as if the rows had been loaded
/// over the last hour or so. Increasing ids append to the primary key indexes instead of
/// inserting all over them, which keeps a big load fast.
struct Ids {
    next_ms: u64,
}

impl Ids {
    fn new(now: NaiveDateTime, expected: u64) -> Ids {
        let now_ms = u64::try_from(now.and_utc().timestamp_millis()).unwrap_or(0);
        Ids {
            next_ms: now_ms.saturating_sub(expected),
        }
    }

    fn next(&mut self, rng: &mut SmallRng) -> String {
        let random: [u8; 10] = rng.random();
        self.next_ms += 1;
        uuid::Builder::from_unix_timestamp_millis(self.next_ms, &random)
            .into_uuid()
            .to_string()
    }
}

fn secs(rng: &mut SmallRng, from: TimeDelta, to: TimeDelta) -> TimeDelta {
    TimeDelta::seconds(
        rng.random_range(from.num_seconds()..to.num_seconds().max(from.num_seconds() + 1)),
    )
}

/// An amount in a currency and its program units (never above the direct threshold,
/// since larger deals cannot be registered).
fn amount(rng: &mut SmallRng, policy: &Policy) -> (i64, &'static str, i64, Segment) {
    let roll = rng.random_range(0..100);
    let units: i64 = match roll {
        0..60 => rng.random_range(4..50) * 500,
        60..95 => rng.random_range(25..100) * 1_000,
        _ => 100_000,
    };
    let currency = match (roll, rng.random_range(0..100)) {
        (95.., _) | (_, 0..80) => "USD",
        (_, 80..92) => "EUR",
        _ => "GBP",
    };
    let minor = if currency == policy.currency {
        units * 100
    } else {
        let micros = policy
            .rates
            .iter()
            .find(|r| r.currency == currency)
            .map_or(1_000_000, |r| r.micros);
        // Whole hundreds of the deal's currency.
        (units * 1_000_000 / micros) / 100 * 100 * 100
    };
    let program_units = policy
        .to_program_units(minor, currency)
        .unwrap_or(units)
        .min(policy.direct_threshold);
    (
        minor,
        currency,
        program_units,
        policy.segment(program_units),
    )
}

/// "42 s" or "3 min 05 s".
pub fn format_elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

// ---------------------------------------------------------------------------------------

/// An event after the submission: (at, kind, from, to, actor, note).
type Step<'a> = (
    NaiveDateTime,
    &'static str,
    &'static str,
    &'static str,
    Option<&'a str>,
    Option<String>,
);

/// A registration under review that later ones can queue behind.
#[derive(Clone)]
struct Holder {
    id: String,
    prospect: u64,
    org: usize,
    submitted_at: NaiveDateTime,
}

#[derive(Default)]
struct Batch {
    registrations: Vec<RegRow>,
    details: Vec<DetailRow>,
    events: Vec<EventRow>,
}

struct Org {
    id: String,
    user_id: String,
    status: &'static str,
}

struct Generator<'a> {
    rng: SmallRng,
    ids: Ids,
    now: NaiveDateTime,
    policy: &'a Policy,
    orgs: Vec<Org>,
    channel_id: String,
    batch: Batch,
    summary: Summary,
}

impl Generator<'_> {
    /// Adds an audit event; `change` is (kind, from status, to status).
    fn event(
        &mut self,
        registration_id: &str,
        at: NaiveDateTime,
        actor_id: Option<&str>,
        (kind, from, to): (&'static str, Option<&'static str>, &'static str),
        note: Option<String>,
    ) {
        let id = self.ids.next(&mut self.rng);
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
        let now = self.now;
        let p = prospect(prospect_idx);
        let (country, tld_forms) = (COUNTRIES[p.country].0, COUNTRIES[p.country].2);
        let form = pick(&mut self.rng, tld_forms);
        let company_name = match kind {
            // A second partner spells the same prospect another way.
            Kind::Queued => match self.rng.random_range(0..3) {
                0 => format!("The {} Corporation", p.base),
                1 => format!("{}, Inc.", p.base),
                _ => p.base.to_uppercase(),
            },
            _ if form.is_empty() => p.base.clone(),
            _ => format!("{} {form}", p.base),
        };
        let website = match (kind, self.rng.random_range(0..4)) {
            (Kind::Queued, _) => format!("http://{}/contact", p.domain),
            (_, 0) => format!("https://www.{}", p.domain),
            (_, 1) => format!("www.{}", p.domain),
            _ => p.domain.clone(),
        };
        let key = name_key(&company_name);
        let (amount_minor, currency, program_units, segment) = amount(&mut self.rng, self.policy);
        let window = TimeDelta::days(self.policy.window_days(segment));
        let reminder = TimeDelta::days(self.policy.reminder_days);
        let sla = TimeDelta::hours(self.policy.approval_sla_hours);
        let hour = TimeDelta::hours(1);
        let day = TimeDelta::days(1);
        let history = TimeDelta::days(3 * 365);

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
        };
        let mut later: Vec<Step> = Vec::new();
        let approved_note =
            |ends: NaiveDateTime| Some(format!("Protected until {}.", dates::date(ends)));
        match kind {
            Kind::Due | Kind::Approved | Kind::RenewalRequested => {
                let ends = match kind {
                    Kind::Due => {
                        now - secs(&mut self.rng, TimeDelta::minutes(1), TimeDelta::days(60))
                    }
                    Kind::Approved => now + secs(&mut self.rng, hour, window),
                    _ => now + secs(&mut self.rng, TimeDelta::days(2), reminder * 2),
                };
                let decided = ends - window;
                r.submitted_at = decided - secs(&mut self.rng, hour, sla - hour);
                r.decided_at = Some(decided);
                r.decided_policy_version = Some(POLICY_VERSION);
                r.protection_ends_at = Some(ends);
                r.updated_at = decided;
                later.push((
                    decided,
                    "approved",
                    "pending",
                    "approved",
                    Some(&channel),
                    approved_note(ends),
                ));
                if ends - reminder <= now {
                    let at = ends - reminder
                        + secs(&mut self.rng, TimeDelta::zero(), TimeDelta::minutes(5));
                    let at = at.min(now);
                    r.reminder_sent_at = Some(at);
                    r.updated_at = at;
                    later.push((at, "reminder_sent", "approved", "approved", None, None));
                }
                if kind == Kind::RenewalRequested {
                    let due = now + secs(&mut self.rng, hour, sla - hour);
                    let note = pick(&mut self.rng, &RENEWAL_NOTES);
                    r.renewal = Some("requested");
                    r.renewal_note = Some(note);
                    r.review_due_at = Some(due);
                    r.updated_at = due - sla;
                    later.push((
                        due - sla,
                        "renewal_requested",
                        "approved",
                        "approved",
                        Some(&partner),
                        Some(note.to_owned()),
                    ));
                }
            }
            Kind::Pending => {
                r.submitted_at =
                    now - secs(&mut self.rng, TimeDelta::zero(), sla + TimeDelta::hours(12));
                let due = r.submitted_at + sla;
                r.review_due_at = Some(due);
                if due <= now {
                    // The SLA job already escalated the breach.
                    let at = (due + secs(&mut self.rng, TimeDelta::zero(), TimeDelta::minutes(5)))
                        .min(now);
                    r.sla_escalated_at = Some(at);
                    r.updated_at = at;
                    later.push((at, "sla_escalated", "pending", "pending", None, None));
                } else {
                    r.updated_at = r.submitted_at;
                }
            }
            Kind::InfoRequested => {
                r.submitted_at = now - secs(&mut self.rng, day, TimeDelta::days(10));
                let asked = r.submitted_at + secs(&mut self.rng, hour, sla - hour);
                r.sla_paused_secs = Some((r.submitted_at + sla - asked).num_seconds());
                r.updated_at = asked;
                let question = pick(&mut self.rng, &INFO_QUESTIONS);
                later.push((
                    asked,
                    "info_requested",
                    "pending",
                    "info_requested",
                    Some(&channel),
                    Some(question.to_owned()),
                ));
            }
            Kind::Queued => {
                let holder = holder.expect("a queued registration has a holder");
                let since = (now - holder.submitted_at).max(TimeDelta::minutes(2));
                r.submitted_at = (holder.submitted_at
                    + secs(&mut self.rng, TimeDelta::minutes(1), since))
                .min(now);
                r.queued_behind = Some(holder.id.clone());
                r.updated_at = r.submitted_at;
            }
            Kind::Won | Kind::Lost | Kind::Expired => {
                r.submitted_at = now - secs(&mut self.rng, TimeDelta::days(200), history);
                let decided = r.submitted_at + secs(&mut self.rng, hour, sla - hour);
                let ends = decided + window;
                r.decided_at = Some(decided);
                r.decided_policy_version = Some(POLICY_VERSION);
                r.protection_ends_at = Some(ends);
                later.push((
                    decided,
                    "approved",
                    "pending",
                    "approved",
                    Some(&channel),
                    approved_note(ends),
                ));
                let closed = match kind {
                    Kind::Expired => ends + secs(&mut self.rng, TimeDelta::zero(), hour),
                    _ => decided + secs(&mut self.rng, day, window),
                };
                r.closed_at = Some(closed);
                r.updated_at = closed;
                match kind {
                    Kind::Won => {
                        let pct = self.rng.random_range(80..=120);
                        r.close_amount_minor = Some(amount_minor / 100 * pct);
                        r.close_date = Some(closed.date());
                        later.push((
                            closed,
                            "closed_won",
                            "approved",
                            "won",
                            Some(&partner),
                            None,
                        ));
                    }
                    Kind::Lost => {
                        let reason = pick(&mut self.rng, &LOST_REASONS);
                        r.outcome_reason = Some(reason.to_owned());
                        later.push((
                            closed,
                            "closed_lost",
                            "approved",
                            "lost",
                            Some(&partner),
                            Some(reason.to_owned()),
                        ));
                    }
                    _ => {
                        r.reminder_sent_at = Some(ends - reminder);
                        later.push((
                            ends - reminder,
                            "reminder_sent",
                            "approved",
                            "approved",
                            None,
                            None,
                        ));
                        later.push((closed, "expired", "approved", "expired", None, None));
                    }
                }
            }
            Kind::Rejected | Kind::Withdrawn => {
                r.submitted_at = now - secs(&mut self.rng, TimeDelta::days(3), history);
                let at = r.submitted_at + secs(&mut self.rng, hour, sla - hour);
                r.closed_at = Some(at);
                r.updated_at = at;
                if kind == Kind::Rejected {
                    let reason = pick(&mut self.rng, &REJECT_REASONS);
                    r.decided_at = Some(at);
                    r.decided_policy_version = Some(POLICY_VERSION);
                    r.outcome_reason = Some(reason.to_owned());
                    later.push((
                        at,
                        "rejected",
                        "pending",
                        "rejected",
                        Some(&channel),
                        Some(reason.to_owned()),
                    ));
                } else {
                    let reason = pick(&mut self.rng, &WITHDRAW_REASONS);
                    let reason = (!reason.is_empty()).then(|| reason.to_owned());
                    r.outcome_reason = reason.clone();
                    later.push((
                        at,
                        "withdrawn",
                        "pending",
                        "withdrawn",
                        Some(&partner),
                        reason,
                    ));
                }
            }
            Kind::Declined => {
                r.submitted_at = now - secs(&mut self.rng, TimeDelta::days(3), history);
                let until = r.submitted_at + secs(&mut self.rng, TimeDelta::days(7), window);
                r.outcome_reason = Some(format!(
                    "This prospect is already registered and protected until {}.",
                    dates::date(until)
                ));
                r.closed_at = Some(r.submitted_at);
                r.updated_at = r.submitted_at;
            }
        }
        r.id = self.ids.next(&mut self.rng);
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

        let (first, last) = person(&mut self.rng);
        let expected_close =
            (submitted_at + secs(&mut self.rng, TimeDelta::days(30), TimeDelta::days(180))).date();
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
                self.rng.random_range(1..99),
                self.rng.random_range(100..999),
                self.rng.random_range(0..10_000)
            ),
            expected_close,
            relationship: pick(&mut self.rng, &RELATIONSHIPS),
        });
        self.batch.registrations.push(r);
        (id, submitted_at)
    }

    fn flush(&mut self, conn: &mut DbConnection) -> diesel::QueryResult<()> {
        let batch = std::mem::take(&mut self.batch);
        write_tx(conn, |conn| -> diesel::QueryResult<()> {
            db::insert_rows(conn, registrations::table, 29, &batch.registrations)?;
            db::insert_rows(conn, registration_details::table, 9, &batch.details)?;
            db::insert_rows(conn, registration_events::table, 9, &batch.events)?;
            Ok(())
        })?;
        self.summary.registrations += batch.registrations.len() as u64;
        self.summary.events += batch.events.len() as u64;
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

/// True when the demo users are already there.
fn has_demo_data(conn: &mut DbConnection) -> diesel::QueryResult<bool> {
    let emails = ["partner1", "channel", "admin", "sales"].map(|u| format!("{u}@{EMAIL_DOMAIN}"));
    let n: i64 = users::table
        .filter(users::email.eq_any(&emails))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// When the demo data was generated (the demo admin's creation time): the `now` its
/// protection windows and review deadlines were computed from.
pub fn generated_at(conn: &mut DbConnection) -> diesel::QueryResult<Option<NaiveDateTime>> {
    users::table
        .filter(users::email.eq(format!("admin@{EMAIL_DOMAIN}")))
        .select(users::created_at)
        .first(conn)
        .optional()
}

fn explain(what: &str, e: diesel::result::Error) -> anyhow::Error {
    if db::is_unique_violation(&e) {
        anyhow::anyhow!(
            "cannot add the demo {what}: the database already has rows with the same names or keys ({e}); use a fresh --database-url"
        )
    } else {
        anyhow::anyhow!("cannot add the demo {what}: {e}")
    }
}

/// Writes the demo data. The database must be migrated and have policy version 1 (see
/// `db::models::policy::ensure_initial`); `password_hash` is every demo user's. `progress`
/// gets a line now and then.
pub fn generate(
    conn: &mut DbConnection,
    spec: &Spec,
    password_hash: &str,
    now: NaiveDateTime,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    if has_demo_data(conn)? {
        bail!("the database already has demo data; use a fresh --database-url");
    }
    let policy = policy::find(conn, POLICY_VERSION)?.context(
        "the database has no policy version 1; run `truce migrate` and start the portal once, or use a fresh --database-url",
    )?;
    // A large page cache keeps the pages the load touches in memory.
    db::bulk_cache(conn, Some(1_000))?;
    let dropped = drop_indexes(conn)?;
    let result = fill(conn, spec, password_hash, now, &policy, progress, started);
    // Rebuilt even when the load failed, so that the database keeps its schema.
    let rebuilt = rebuild_indexes(conn, &dropped, progress, started);
    let rebuilt = rebuilt.and_then(|()| {
        // The bulk load wrote no matching keys; compute them all at once.
        let mut last = Instant::now();
        crate::db::models::prospect_key::rebuild(conn, now, |done, total| {
            if last.elapsed() >= std::time::Duration::from_secs(2) || done == total {
                last = Instant::now();
                progress(&format!(
                    "  matching keys: {} of {} records{} ({})",
                    group_count(done),
                    group_count(total),
                    if done == total {
                        "; sorting the keys into their index"
                    } else {
                        ""
                    },
                    format_elapsed(started.elapsed())
                ));
            }
        })
        .map_err(|e| anyhow::anyhow!("cannot compute the matching keys: {e}"))
    });
    let rebuilt = rebuilt.and_then(|()| {
        // The review queue's conflict evidence, as the submissions would have found it.
        let mut last = Instant::now();
        crate::workflow::evidence::refresh_stale(conn, &policy.thresholds(), now, &mut |done| {
            if last.elapsed() >= std::time::Duration::from_secs(2) {
                last = Instant::now();
                progress(&format!(
                    "  conflict evidence: {} registrations in review matched ({})",
                    group_count(done as u64),
                    format_elapsed(started.elapsed())
                ));
            }
        })
        .map(|_| ())
        .map_err(|e| anyhow::anyhow!("cannot match the registrations in review: {e}"))
    });
    db::bulk_cache(conn, None)?;
    let mut summary = result?;
    rebuilt?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// The tables the load fills, whose secondary indexes are rebuilt after it.
const BIG_TABLES: [&str; 3] = [
    "registrations",
    "registration_details",
    "registration_events",
];

/// Into an empty database, rows load many times faster without the secondary indexes of the
/// big tables; they are dropped here and built again afterwards (`db::drop_indexes`).
fn drop_indexes(conn: &mut DbConnection) -> anyhow::Result<DroppedIndexes> {
    let any: i64 = registrations::table.count().get_result(conn)?;
    if any > 0 {
        return Ok(DroppedIndexes::default());
    }
    Ok(db::drop_indexes(conn, &BIG_TABLES)?)
}

fn rebuild_indexes(
    conn: &mut DbConnection,
    dropped: &DroppedIndexes,
    progress: &mut dyn FnMut(&str),
    started: Instant,
) -> anyhow::Result<()> {
    if dropped.is_empty() {
        return Ok(());
    }
    let building = Instant::now();
    dropped.rebuild(conn).map_err(|e| match e {
        RebuildError::Index { index, source } => anyhow::anyhow!(
            "cannot build the index {index} over the demo data ({source}); the database is incomplete: delete it and run `truce demo` again"
        ),
        RebuildError::Statistics(e) => e.into(),
    })?;
    progress(&format!(
        "indexes: {} built in {} ({})",
        dropped.len(),
        format_elapsed(building.elapsed()),
        format_elapsed(started.elapsed())
    ));
    Ok(())
}

fn fill(
    conn: &mut DbConnection,
    spec: &Spec,
    password_hash: &str,
    now: NaiveDateTime,
    policy: &Policy,
    progress: &mut dyn FnMut(&str),
    started: Instant,
) -> anyhow::Result<Summary> {
    let mut rng = SmallRng::seed_from_u64(spec.seed);
    let plan = spec.plan();
    let mut summary = Summary::default();
    // About three ids per registration (its own and its events'), two per organisation.
    let mut ids = Ids::new(now, 4 * spec.registrations + 2 * spec.orgs + 20_000);

    // Organisations and their users, plus the staff users.
    let tiers = [
        "registered",
        "registered",
        "registered",
        "registered",
        "silver",
        "silver",
        "silver",
        "gold",
        "gold",
        "platinum",
    ];
    let mut org_rows = Vec::with_capacity(spec.orgs as usize);
    let mut user_rows = Vec::with_capacity(spec.orgs as usize + 3);
    let mut orgs = Vec::with_capacity(spec.orgs as usize);
    for n in 0..spec.orgs {
        let created = now
            - secs(
                &mut rng,
                TimeDelta::days(3 * 365 + 30),
                TimeDelta::days(4 * 365),
            );
        let name = org_name(n);
        let status = if n > 0 && rng.random_range(0..100) == 0 {
            "suspended"
        } else {
            "active"
        };
        let id = ids.next(&mut rng);
        let user_id = ids.next(&mut rng);
        let (first, last) = person(&mut rng);
        user_rows.push(UserRow {
            id: user_id.clone(),
            email: format!("partner{}@{EMAIL_DOMAIN}", n + 1),
            name: format!("{first} {last}"),
            role: "partner",
            org_id: Some(id.clone()),
            org_admin: true,
            password_hash: Some(password_hash.to_owned()),
            disabled_at: None,
            created_at: created,
            updated_at: created,
        });
        org_rows.push(OrgRow {
            id: id.clone(),
            name_key: crate::domain::org::name_key(&name),
            name,
            tier: if n == 0 {
                "platinum"
            } else {
                pick(&mut rng, &tiers)
            },
            status,
            created_at: created,
            updated_at: created,
        });
        orgs.push(Org {
            id,
            user_id,
            status,
        });
    }
    summary.big_org_name = org_rows[0].name.clone();
    let staff = [
        ("channel", "Channel Manager", "channel"),
        ("sales", "Direct Sales Rep", "sales"),
        ("admin", "Program Admin", "admin"),
    ];
    let mut channel_id = String::new();
    for (local, name, role) in staff {
        let id = ids.next(&mut rng);
        if role == "channel" {
            channel_id = id.clone();
        }
        user_rows.push(UserRow {
            id,
            email: format!("{local}@{EMAIL_DOMAIN}"),
            name: name.to_owned(),
            role,
            org_id: None,
            org_admin: false,
            password_hash: Some(password_hash.to_owned()),
            disabled_at: None,
            // `generated_at` reads the admin's.
            created_at: now,
            updated_at: now,
        });
    }
    write_tx(conn, |conn| -> diesel::QueryResult<()> {
        db::insert_rows(conn, partner_orgs::table, 7, &org_rows)?;
        db::insert_rows(conn, users::table, 10, &user_rows)?;
        Ok(())
    })
    .map_err(|e| explain("organisations and users", e))?;
    summary.orgs = org_rows.len() as u64;
    summary.users = user_rows.len() as u64;
    let active_orgs = orgs.iter().filter(|o| o.status == "active").count();
    progress(&format!(
        "organisations: {} ({} active) and {} users ({})",
        group_count(summary.orgs),
        group_count(active_orgs as u64),
        group_count(summary.users),
        format_elapsed(started.elapsed())
    ));
    drop(org_rows);
    drop(user_rows);

    // Registrations.
    let kinds = plan.kinds(&mut rng);
    let mut generator = Generator {
        rng,
        ids,
        now,
        policy,
        orgs,
        channel_id,
        batch: Batch::default(),
        summary,
    };
    let total = spec.registrations;
    let mut holders: Vec<Holder> = Vec::with_capacity(plan.pending as usize);
    let mut holding: u64 = 0;
    let mut reported = 0;
    let mut report = |generator: &Generator, progress: &mut dyn FnMut(&str), force: bool| {
        let done = generator.summary.registrations;
        if force || done / PROGRESS_EVERY > reported / PROGRESS_EVERY {
            reported = done;
            progress(&format!(
                "registrations: {} / {} ({})",
                group_count(done),
                group_count(total),
                format_elapsed(started.elapsed())
            ));
        }
    };
    for (i, kind) in kinds.iter().copied().enumerate() {
        let org = org_for(i as u64, spec, &mut generator.rng);
        let prospect_idx = if kind.holds() {
            // Holding registrations each have their own prospect, so their keys are unique.
            holding += 1;
            holding_prospect(holding - 1)
        } else {
            random_prospect(&mut generator.rng)
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
            report(&generator, progress, false);
        }
    }
    // The holders are stored before anyone queues behind them.
    generator
        .flush(conn)
        .map_err(|e| explain("registrations", e))?;
    let first_queued = kinds.len() as u64;
    for k in 0..plan.queued {
        let org = org_for(first_queued + k, spec, &mut generator.rng);
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
    report(&generator, progress, true);

    // CRM accounts and direct opportunities.
    let Generator {
        mut rng,
        mut ids,
        mut summary,
        ..
    } = generator;
    let accounts = spec.accounts.unwrap_or((total / 200).clamp(100, 5_000));
    let mut account_rows = Vec::with_capacity(accounts.min(CHUNK) as usize);
    let mut opportunity_rows = Vec::new();
    const CHUNK: u64 = 50_000;
    for n in 0..accounts {
        let created = now - secs(&mut rng, TimeDelta::days(30), TimeDelta::days(5 * 365));
        let p = prospect(random_prospect(&mut rng));
        let (country, _, forms) = COUNTRIES[p.country];
        let form = pick(&mut rng, forms);
        let name = if form.is_empty() {
            p.base.clone()
        } else {
            format!("{} {form}", p.base)
        };
        let key = name_key(&name);
        let roll = rng.random_range(0..100);
        let owner = (roll < 70).then(|| format!("sales@{EMAIL_DOMAIN}"));
        let id = ids.next(&mut rng);
        for _ in 0..rng.random_range(0..3) {
            let (minor, currency, _, _) = amount(&mut rng, policy);
            // Opened after the account, last touched on or after that.
            let last = now - secs(&mut rng, TimeDelta::zero(), TimeDelta::days(120));
            let at = (last - secs(&mut rng, TimeDelta::zero(), TimeDelta::days(365))).max(created);
            opportunity_rows.push(OpportunityRow {
                id: ids.next(&mut rng),
                account_id: id.clone(),
                owner_email: format!("sales@{EMAIL_DOMAIN}"),
                stage: pick(&mut rng, &STAGES),
                amount_minor: minor,
                currency,
                last_activity_on: last.max(at).date(),
                created_at: at,
            });
        }
        account_rows.push(AccountRow {
            id,
            external_id: Some(format!("CRM-{:06}", n + 1)),
            name_key: key,
            domain_key: Some(p.domain.clone()),
            name,
            country: Some(country),
            industry: Some(p.industry),
            owner_email: owner,
            named_account: roll < 10,
            reserved_for_direct: (10..15).contains(&roll),
            created_at: created,
            updated_at: created,
        });
        if account_rows.len() as u64 == CHUNK || n + 1 == accounts {
            write_tx(conn, |conn| -> diesel::QueryResult<()> {
                db::insert_rows(conn, crm_accounts::table, 12, &account_rows)?;
                db::insert_rows(conn, direct_opportunities::table, 8, &opportunity_rows)?;
                Ok(())
            })
            .map_err(|e| explain("CRM accounts", e))?;
            summary.crm_accounts += account_rows.len() as u64;
            summary.opportunities += opportunity_rows.len() as u64;
            account_rows.clear();
            opportunity_rows.clear();
            if n + 1 < accounts {
                progress(&format!(
                    "CRM accounts: {} of {} ({})",
                    group_count(summary.crm_accounts),
                    group_count(accounts),
                    format_elapsed(started.elapsed())
                ));
            }
        }
    }
    progress(&format!(
        "CRM accounts: {}, direct opportunities: {} ({})",
        group_count(summary.crm_accounts),
        group_count(summary.opportunities),
        format_elapsed(started.elapsed())
    ));

    summary.by_status = vec![
        ("queued", plan.queued),
        ("pending", plan.pending),
        ("info_requested", plan.info_requested),
        ("approved", plan.due + plan.approved),
        ("rejected", plan.rejected),
        ("withdrawn", plan.withdrawn),
        ("declined", plan.declined),
        ("won", plan.won),
        ("lost", plan.lost),
        ("expired", plan.expired),
    ];
    summary.in_review = plan.pending + plan.renewal_requested;
    summary.due = plan.due;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// `truce demo`.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    crate::telemetry::init(LogFormat::Text);
    let url = args.db.database_url().map_err(anyhow::Error::msg)?;
    let spec = Spec::new(
        args.registrations,
        args.orgs,
        args.big_org,
        args.due,
        args.seed,
    )
    .map_err(anyhow::Error::msg)?;
    if args
        .accounts
        .is_some_and(|n| !(1..=10_000_000).contains(&n))
    {
        bail!("--accounts must be between 1 and 10,000,000");
    }
    let spec = Spec {
        accounts: args.accounts,
        ..spec
    };
    if let Err(message) = crate::domain::password_policy::check_new_password(
        &args.password,
        &format!("admin@{EMAIL_DOMAIN}"),
    ) {
        bail!("--password refused: {message}");
    }
    // One hash for every demo user: argon2 is slow on purpose.
    let hash = password::hash_blocking(HashParams::default(), args.password.clone()).await?;
    let now = SystemClock.naive_now();
    eprintln!(
        "Generating {} registrations for {} partner organisations into {} ...",
        group_count(spec.registrations),
        group_count(spec.orgs),
        match &url {
            db::DatabaseUrl::Sqlite(path) => path.clone(),
            db::DatabaseUrl::Postgres(_) => "PostgreSQL".into(),
        }
    );
    let run_spec = spec.clone();
    let summary = actix_web::web::block(move || -> anyhow::Result<Summary> {
        let pool = db::connect(&url, 1)?;
        let mut conn = pool
            .get()
            .context("cannot connect to the database; check --database-url")?;
        db::migrate(&mut conn)?;
        policy::ensure_initial(&mut conn, now)?;
        generate(&mut conn, &run_spec, &hash, now, &mut |line| {
            eprintln!("{line}")
        })
    })
    .await??;
    print_summary(&spec, &summary, &args.password);
    Ok(())
}

fn print_summary(spec: &Spec, s: &Summary, password: &str) {
    let statuses: Vec<String> = s
        .by_status
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(status, n)| format!("{} {status}", group_count(*n)))
        .collect();
    println!("Demo data ready in {}:", format_elapsed(s.elapsed));
    println!(
        "  {} partner organisations, {} users",
        group_count(s.orgs),
        group_count(s.users)
    );
    println!(
        "  {} registrations ({})",
        group_count(s.registrations),
        statuses.join(", ")
    );
    println!("  {} audit events", group_count(s.events));
    println!(
        "  {} CRM accounts, {} direct opportunities",
        group_count(s.crm_accounts),
        group_count(s.opportunities)
    );
    println!("  {} items in the review queue", group_count(s.in_review));
    println!(
        "  {} approved registrations are past their protection end: the expiry sweep \
         (`truce jobs run-once`, or the server's jobs) expires them",
        group_count(s.due)
    );
    println!();
    println!("Sign in with the password \"{password}\" as:");
    println!(
        "  partner1@{EMAIL_DOMAIN}        partner (org admin) of {}, {} registrations",
        s.big_org_name,
        group_count(spec.big_org)
    );
    println!(
        "  partner2@{EMAIL_DOMAIN} ... partner{}@{EMAIL_DOMAIN}   the other partner organisations",
        spec.orgs
    );
    println!("  channel@{EMAIL_DOMAIN}         channel manager (review queue)");
    println!("  sales@{EMAIL_DOMAIN}           direct sales");
    println!("  admin@{EMAIL_DOMAIN}           program admin");
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::db::DatabaseUrl;

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
    fn counts_are_checked_with_the_fix_in_the_message() {
        assert!(
            Spec::new(1_000, 1, None, None, 1)
                .unwrap_err()
                .contains("--orgs")
        );
        assert!(
            Spec::new(1_000, 10, Some(2_000), None, 1)
                .unwrap_err()
                .contains("--big-org")
        );
        assert!(
            Spec::new(1_000, 10, None, Some(990), 1)
                .unwrap_err()
                .contains("use at most")
        );
        let spec = Spec::new(1_000_000, 2_000, None, None, 1).unwrap();
        assert_eq!((spec.big_org, spec.due), (10_000, 100_000));
        let plan = spec.plan();
        assert_eq!(plan.total(), 1_000_000);
        let holding = plan.due + plan.approved + plan.pending + plan.info_requested;
        assert!(block_size(false) * 5 / 2 + block_size(true) > holding);
        assert!(brands().len() > 900, "{}", brands().len());
    }

    #[test]
    fn prospects_have_their_own_keys() {
        let mut names = std::collections::HashSet::new();
        let mut domains = std::collections::HashSet::new();
        // Past the wrap-around of the common block (its 196,608 names are used up by the
        // 491,520th holding registration).
        for h in (0..600_000).step_by(7) {
            let p = prospect(holding_prospect(h));
            let key = name_key(&format!("{} GmbH & Co. KG", p.base));
            assert_eq!(key, name_key(&p.base), "{}", p.base);
            assert!(names.insert(key), "{}", p.base);
            assert!(
                domains.insert(domain_key(&p.domain).unwrap()),
                "{}",
                p.domain
            );
        }
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
}
