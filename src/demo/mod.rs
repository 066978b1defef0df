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
//!
//! The load runs in parts, each in its own file, drawing in turn from one seeded random
//! generator: the organisations and users (`orgs`), the territories (`territories`), the
//! compensation rules (`compensation`), the registrations in every state (`registrations`,
//! their histories in `states`, the reps assisting on them in `assists`), the CRM accounts
//! (`accounts`), the disputes about declines and rejections (`disputes`), the policy with
//! caps every partner fits under (`caps`), then two versions of the rules of engagement with
//! their acknowledgements and re-checks (`roe`). `load` sets the database up around them;
//! `cli` is the command.

mod accounts;
mod assists;
mod caps;
mod cli;
mod compensation;
mod disputes;
mod load;
mod orgs;
mod people;
mod plan;
mod prospects;
mod random;
mod registrations;
mod roe;
mod rows;
mod spec;
mod states;
mod summary;
mod territories;

use std::time::Instant;

use anyhow::{Context, bail};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::SeedableRng;
use rand::rngs::SmallRng;

pub use cli::{DemoArgs, run};
pub use spec::Spec;
pub use summary::Summary;

use crate::db::models::policy;
use crate::db::schema::users;
use crate::db::{self, DbConnection};
use crate::domain::policy::Policy;
use random::Ids;

/// Every demo account's email ends with this.
pub const EMAIL_DOMAIN: &str = "demo.truce.test";
/// Every demo user's password unless `--password` says otherwise.
pub const DEFAULT_PASSWORD: &str = "demo password 2026";
/// The one policy version the demo data is decided under (written by `ensure_initial`).
const POLICY_VERSION: i64 = 1;

/// What every part of the load shares. The parts run one after the other and draw from the
/// same seeded generator and id sequence, so the same seed gives the same data.
struct Fill<'a> {
    rng: SmallRng,
    ids: Ids,
    /// The generation time every date is computed from.
    now: NaiveDateTime,
    policy: &'a Policy,
    /// What was written so far.
    summary: Summary,
    progress: &'a mut dyn FnMut(&str),
    started: Instant,
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

/// A failed write of the demo data, told so the user can act: a clash with rows already
/// there means the database was not a fresh one.
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
    let dropped = load::prepare(conn)?;
    let mut fill = Fill {
        rng: SmallRng::seed_from_u64(spec.seed),
        // About three ids per registration (its own and its events'), two per organisation.
        ids: Ids::new(now, 4 * spec.registrations + 2 * spec.orgs + 20_000),
        now,
        policy: &policy,
        summary: Summary::default(),
        progress,
        started,
    };
    let filled = write_all(conn, &mut fill, spec, password_hash);
    let finished = load::finish(conn, &dropped, &mut fill);
    load::release(conn)?;
    filled?;
    finished?;
    let mut summary = fill.summary;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// The parts of the load, in the order they draw from the random generator.
fn write_all(
    conn: &mut DbConnection,
    fill: &mut Fill,
    spec: &Spec,
    password_hash: &str,
) -> anyhow::Result<()> {
    let plan = spec.plan();
    let people = orgs::write(conn, fill, spec, password_hash)?;
    territories::write(conn, fill, &people.orgs, &people.reps, &people.admin_id)?;
    let rules = compensation::write(conn, fill, &people.admin_id)?;
    let (channel_id, admin_id) = (people.channel_id.clone(), people.admin_id.clone());
    let audience = roe::Audience::of(&people);
    registrations::write(conn, fill, spec, &plan, people, rules)?;
    accounts::write(conn, fill, spec)?;
    disputes::write(conn, fill, &channel_id)?;
    caps::write(conn, fill, &admin_id)?;
    roe::write(conn, fill, &audience, &admin_id)?;
    fill.summary.count_plan(&plan);
    Ok(())
}

#[cfg(test)]
mod tests;
