//! What a partner is told about a prospect before registering it: available, theirs
//! already, under review or locked by another partner, reserved for direct sales, worked by
//! the direct team, another partner's recent customer, or similar to a claimed one. Never
//! names another partner. Only the exact keys ever refuse a submission; the matching
//! engine's view (through the lock check) only warns.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::QueryResult;

use crate::db::DbConnection;
use crate::db::models::{crm, registration};
use crate::domain::dates;
use crate::domain::lifecycle::Status;
use crate::domain::policy::Policy;
use crate::domain::prospect;

/// A prospect as the partner typed it on the registration form.
pub struct Typed<'a> {
    pub company_name: &'a str,
    pub website: &'a str,
    pub contact_email: &'a str,
}

/// How many CRM accounts with the prospect's exact name or domain key the availability check
/// reads; one reserved account among them is enough.
const EXACT_ACCOUNTS: i64 = 50;

/// What a partner is told about a prospect before registering it. Never names another
/// partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Available,
    YoursAlready {
        id: String,
    },
    UnderReview,
    Locked {
        until: NaiveDateTime,
    },
    Reserved,
    DirectEngagement,
    /// Another partner won a deal with this prospect inside the customer-protection period:
    /// a registration goes to review with that noted.
    Customer,
    /// The matching engine finds a claim on the same prospect spelled differently, or on a
    /// similar one: a hint only, the exact keys decide, and the channel team judges.
    Similar,
}

impl Availability {
    pub fn message(&self) -> String {
        match self {
            Availability::Available => "No registration or direct claim was found for this prospect: it looks available.".into(),
            Availability::YoursAlready { .. } => "Your organisation already has an active registration for this prospect.".into(),
            Availability::UnderReview => "Another registration of this prospect is under review. If you submit, yours waits in line and goes to review only if that one is rejected or withdrawn.".into(),
            Availability::Locked { until } => format!(
                "This prospect is already registered and protected until {}. A new registration would be declined.",
                dates::date(*until)
            ),
            Availability::Reserved => "This prospect is reserved for direct sales (a named account); it cannot be registered.".into(),
            Availability::DirectEngagement => "The direct sales team is actively working this prospect. You may register it, but the channel manager may decline it.".into(),
            Availability::Customer => "This prospect is a recent customer of another partner. You may register it; the channel team will review it with that in mind.".into(),
            Availability::Similar => "A similar prospect is already registered or claimed. If you submit, the channel team will decide whether it is the same company: check the name and the website.".into(),
        }
    }

    /// True when the partner may submit but should know what the channel team will weigh.
    pub fn warns(&self) -> bool {
        matches!(
            self,
            Availability::DirectEngagement
                | Availability::UnderReview
                | Availability::Customer
                | Availability::Similar
        )
    }

    /// True when submitting is refused outright.
    pub fn blocks(&self) -> bool {
        matches!(
            self,
            Availability::YoursAlready { .. } | Availability::Reserved
        )
    }
}

/// The partner-facing verdict for a prospect.
pub fn availability(
    conn: &mut DbConnection,
    org_id: &str,
    name_key: &str,
    domain_key: Option<&str>,
    policy: &Policy,
    today: NaiveDate,
) -> QueryResult<Availability> {
    // The exact keys only: they decide what a partner may register.
    let domains: Vec<String> = domain_key.map(str::to_owned).into_iter().collect();
    let accounts = crm::by_exact(conn, &[name_key.to_owned()], &domains, EXACT_ACCOUNTS)?;
    if accounts.iter().any(crm::Account::is_reserved) {
        return Ok(Availability::Reserved);
    }
    if let Some(mine) = registration::active_in_org(conn, org_id, name_key, domain_key)? {
        return Ok(Availability::YoursAlready { id: mine.id });
    }
    if let Some(holder) = registration::find_holder(conn, name_key, domain_key)? {
        return Ok(match (holder.status(), holder.state.protection_ends_at) {
            (Status::Approved, Some(until)) => Availability::Locked { until },
            _ => Availability::UnderReview,
        });
    }
    let ids: Vec<String> = accounts.iter().map(|a| a.id.clone()).collect();
    let since = policy.active_since(today);
    if !crm::active_opportunities(conn, &ids, since)?.is_empty() {
        return Ok(Availability::DirectEngagement);
    }
    Ok(Availability::Available)
}

/// What a partner is told before submitting: [`availability`] by the exact keys, then, when
/// those find no claim, the lock check's verdict on the prospect as typed: another
/// partner's recent customer is [`Availability::Customer`], a direct opportunity on the
/// same prospect [`Availability::DirectEngagement`], any other claim (a differently spelled
/// registration or reserved account, or any claim on a merely similar prospect: the lock
/// check's Check first) [`Availability::Similar`]. Only the exact keys ever refuse a
/// submission.
pub fn hint(
    conn: &mut DbConnection,
    org_id: &str,
    typed: &Typed,
    policy: &Policy,
    now: NaiveDateTime,
) -> QueryResult<Availability> {
    let (name_key, domain_key) =
        prospect::keys(typed.company_name, typed.website, typed.contact_email);
    let exact = availability(
        conn,
        org_id,
        &name_key,
        domain_key.as_deref(),
        policy,
        now.date(),
    )?;
    if !matches!(
        exact,
        Availability::Available | Availability::DirectEngagement
    ) {
        return Ok(exact);
    }
    // The engine reads a domain from the website, else from the contact's address.
    let address = [typed.website, typed.contact_email]
        .into_iter()
        .map(str::trim)
        .find(|s| !s.is_empty());
    let check = super::lock_check::check(
        conn,
        typed.company_name,
        address,
        policy,
        &policy.thresholds(),
        now,
    )?;
    use crate::domain::lock::{Answer, Claim, Reserve};
    let own = check
        .best
        .as_ref()
        .is_some_and(|b| b.record.org_id.as_deref() == Some(org_id));
    Ok(match (check.answer, &check.claim) {
        (Answer::Open, _) => exact,
        // The partner's own customer, or its own registration spelled otherwise.
        (Answer::Claimed, _) if own => exact,
        (Answer::Claimed, Claim::Customer { .. }) => Availability::Customer,
        (
            Answer::Claimed,
            Claim::InPipeline { .. } | Claim::Reserved(Reserve::AboveThreshold { .. }),
        ) => Availability::DirectEngagement,
        (Answer::Claimed | Answer::CheckFirst, _) => Availability::Similar,
    })
}
