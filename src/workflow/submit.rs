//! Submitting a registration: first valid registration wins. The checks before the insert
//! give the partner a clear answer; the unique index over holding registrations is what
//! guarantees one holder per prospect even when submissions race.

use chrono::NaiveDateTime;

use crate::config::Config;
use crate::db::models::flag::{self, NewFlag};
use crate::db::models::org::Org;
use crate::db::models::policy;
use crate::db::models::registration::{self, NewEvent};
use crate::db::models::territory;
use crate::db::models::user::User;
use crate::db::{DbConnection, is_unique_violation, lock_keys, write_tx};
use crate::domain::errors::FieldErrors;
use crate::domain::flag::FlagKind;
use crate::domain::lifecycle::{self, ExistingClaim, Status};
use crate::domain::money::group_thousands;
use crate::domain::registration::{RegistrationForm, validate_registration};
use crate::domain::territory::{self as territory_rules, Decision, Mode};

use super::availability::{self, Availability};
use super::{matching, review_evidence};

pub struct Submitted {
    pub id: String,
    pub status: Status,
    pub note: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("the registration has errors")]
    Invalid(FieldErrors),
    /// The exact keys refuse the prospect (the organisation's own active registration, or an
    /// account reserved for direct sales): the message is on the name, and the verdict comes
    /// back so the page can lead to what refused it.
    #[error("the prospect cannot be registered")]
    Blocked(FieldErrors, Availability),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// How often a submission that lost a race on the unique index is tried again; the retry
/// sees the winner and queues or declines behind it.
const ATTEMPTS: usize = 3;

pub fn submit(
    conn: &mut DbConnection,
    config: &Config,
    user: &User,
    org: &Org,
    form: &RegistrationForm,
    now: NaiveDateTime,
) -> Result<Submitted, SubmitError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match write_tx(conn, |conn| {
            submit_in_tx(conn, config, user, org, form, now)
        }) {
            Err(SubmitError::Db(e)) if is_unique_violation(&e) && attempt < ATTEMPTS => {
                tracing::info!(
                    attempt,
                    "registration lost a race for its prospect; trying again"
                );
            }
            other => return other,
        }
    }
}

fn submit_in_tx(
    conn: &mut DbConnection,
    config: &Config,
    user: &User,
    org: &Org,
    form: &RegistrationForm,
    now: NaiveDateTime,
) -> Result<Submitted, SubmitError> {
    let pv = policy::current(conn)?;
    let new = validate_registration(form, &pv.value, now.date()).map_err(SubmitError::Invalid)?;
    let mut keys = super::prospect_lock_keys(&new.name_key, new.domain_key.as_deref());
    keys.push(format!("org:{}", org.id));
    lock_keys(conn, &keys)?;

    let mut errors = FieldErrors::new();
    let cap = pv.value.max_active(Some(org.tier()));
    let active = registration::count_in_states(conn, &org.id, &Status::ACTIVE)?;
    if active >= cap {
        errors.add(
            "form",
            format!(
                "Your organisation has {} active registrations, the program's limit for your tier. \
                 Close or withdraw one before registering another.",
                group_thousands(active)
            ),
        );
        return Err(SubmitError::Invalid(errors));
    }
    let mut territory_flag = None;
    let territories = territory::as_seen_by(conn, Some(&org.id))?;
    match territory_rules::check(
        &territories,
        &org.id,
        &org.name,
        &new.country,
        &new.industry,
    ) {
        Decision::DirectReserved { field, .. } => {
            errors.add(field, territory_rules::DIRECT_MESSAGE);
            return Err(SubmitError::Invalid(errors));
        }
        Decision::Outside { field, message } => {
            if territory::current_mode(conn)?.mode == Mode::Flag {
                territory_flag = Some(message);
            } else {
                errors.add(field, message);
                return Err(SubmitError::Invalid(errors));
            }
        }
        Decision::Unrestricted | Decision::Inside => {}
    }
    let verdict = availability::availability(
        conn,
        &org.id,
        &new.name_key,
        new.domain_key.as_deref(),
        &pv.value,
        now.date(),
    )?;
    if verdict.blocks() {
        errors.add("company_name", verdict.message());
        return Err(SubmitError::Blocked(errors, verdict));
    }
    let claim = match registration::find_holder(conn, &new.name_key, new.domain_key.as_deref())? {
        None => ExistingClaim::Open,
        Some(h) => match (h.status(), h.state.protection_ends_at) {
            (Status::Approved, Some(until)) => ExistingClaim::Locked { until },
            _ => ExistingClaim::Pending { id: h.id },
        },
    };
    let t = lifecycle::submit(&claim, &pv.value, now);
    let id = crate::ids::new_id();
    let row = registration::NewRow {
        id: &id,
        new: &new,
        org_id: &org.id,
        user_id: &user.id,
        policy_version: pv.version,
        state: &t.next,
    };
    registration::insert(conn, &row, now)?;
    registration::insert_event(
        conn,
        &NewEvent {
            registration_id: &id,
            actor_id: Some(&user.id),
            kind: t.event,
            from: None,
            to: t.next.status,
            note: t.note.as_deref(),
            policy_version: pv.version,
        },
        now,
    )?;
    super::webhooks::registration_event(conn, t.event, &id, now)?;
    let reg = registration::find(conn, &id)?.ok_or(diesel::result::Error::NotFound)?;
    matching::record(conn, &reg, &pv.value.thresholds(), now)?;
    // What the reviewer must weigh besides the evidence: the channel managers hear of the
    // registration itself, so the flags need no email of their own.
    let customer = review_evidence::customer_of_another(conn, &reg, &pv.value, now)?;
    let mut flags = Vec::new();
    if let Some(message) = &territory_flag {
        flags.push(NewFlag {
            registration_id: &id,
            kind: FlagKind::OutsideTerritory,
            message,
            other_id: None,
        });
    }
    if let Some((other_id, message)) = &customer {
        flags.push(NewFlag {
            registration_id: &id,
            kind: FlagKind::PartnerCustomer,
            message,
            other_id: Some(other_id),
        });
    }
    flag::insert(conn, &flags, true, now)?;
    super::notify::transition(conn, config, &reg, &t, now)?;
    if matches!(verdict, Availability::DirectEngagement) {
        tracing::info!(registration = %id, "registered while the direct team is engaged");
    }
    Ok(Submitted {
        id,
        status: t.next.status,
        note: t.note,
    })
}
