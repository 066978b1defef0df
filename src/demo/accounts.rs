//! CRM accounts (some named or reserved for direct sales) and their direct opportunities:
//! what the lock check and the review's evidence find beside the registrations.

use chrono::TimeDelta;
use rand::Rng;

use super::prospects::{COUNTRIES, prospect, random_prospect};
use super::random::{amount, pick, secs};
use super::rows::{AccountRow, OpportunityRow};
use super::{EMAIL_DOMAIN, Fill, Spec, explain};
use crate::db::schema::{crm_accounts, direct_opportunities};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::dates::elapsed;
use crate::domain::money::group_count;
use crate::domain::prospect::name_key;

/// Stages of the direct opportunities.
const STAGES: [&str; 5] = [
    "Prospecting",
    "Qualification",
    "Proposal",
    "Negotiation",
    "Closed Won",
];

/// Writes the accounts (`--accounts`, by default one per 200 registrations, between 100
/// and 5,000) and about one direct opportunity per account.
pub(super) fn write(conn: &mut DbConnection, fill: &mut Fill, spec: &Spec) -> anyhow::Result<()> {
    let (now, policy) = (fill.now, fill.policy);
    /// Accounts per write transaction.
    const CHUNK: u64 = 50_000;
    let accounts = spec
        .accounts
        .unwrap_or((spec.registrations / 200).clamp(100, 5_000));
    let mut account_rows = Vec::with_capacity(accounts.min(CHUNK) as usize);
    let mut opportunity_rows = Vec::new();
    for n in 0..accounts {
        let created = now - secs(&mut fill.rng, TimeDelta::days(30), TimeDelta::days(5 * 365));
        let p = prospect(random_prospect(&mut fill.rng));
        let (country, _, forms) = COUNTRIES[p.country];
        let form = pick(&mut fill.rng, forms);
        let name = if form.is_empty() {
            p.base.clone()
        } else {
            format!("{} {form}", p.base)
        };
        let key = name_key(&name);
        let roll = fill.rng.random_range(0..100);
        let owner = (roll < 70).then(|| format!("sales@{EMAIL_DOMAIN}"));
        let id = fill.ids.next(&mut fill.rng);
        for _ in 0..fill.rng.random_range(0..3) {
            let (minor, currency, _, _) = amount(&mut fill.rng, policy);
            // Opened after the account, last touched on or after that.
            let last = now - secs(&mut fill.rng, TimeDelta::zero(), TimeDelta::days(120));
            let at =
                (last - secs(&mut fill.rng, TimeDelta::zero(), TimeDelta::days(365))).max(created);
            opportunity_rows.push(OpportunityRow {
                id: fill.ids.next(&mut fill.rng),
                account_id: id.clone(),
                owner_email: format!("sales@{EMAIL_DOMAIN}"),
                stage: pick(&mut fill.rng, &STAGES),
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
                db::insert_rows(
                    conn,
                    crm_accounts::table,
                    AccountRow::COLUMNS,
                    &account_rows,
                )?;
                db::insert_rows(
                    conn,
                    direct_opportunities::table,
                    OpportunityRow::COLUMNS,
                    &opportunity_rows,
                )?;
                Ok(())
            })
            .map_err(|e| explain("CRM accounts", e))?;
            fill.summary.crm_accounts += account_rows.len() as u64;
            fill.summary.opportunities += opportunity_rows.len() as u64;
            account_rows.clear();
            opportunity_rows.clear();
            if n + 1 < accounts {
                (fill.progress)(&format!(
                    "CRM accounts: {} of {} ({})",
                    group_count(fill.summary.crm_accounts),
                    group_count(accounts),
                    elapsed(fill.started.elapsed())
                ));
            }
        }
    }
    (fill.progress)(&format!(
        "CRM accounts: {}, direct opportunities: {} ({})",
        group_count(fill.summary.crm_accounts),
        group_count(fill.summary.opportunities),
        elapsed(fill.started.elapsed())
    ));
    Ok(())
}
