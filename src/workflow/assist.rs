//! Co-selling: a sales rep asks to assist on a partner's approved registration, the partner
//! accepts or declines, or the channel team assigns a rep directly. Each step is one
//! transaction: the assist row, a registration event for the timeline, and the emails.

use chrono::NaiveDateTime;

use crate::config::Config;
use crate::db::models::assist::{self, AssistStatus};
use crate::db::models::registration::{self, NewEvent, Registration};
use crate::db::models::{policy, user};
use crate::db::{DbConnection, is_unique_violation, write_tx};
use crate::domain::lifecycle::{EventKind, Status};
use crate::domain::money::format_amount;
use crate::domain::role::Role;
use crate::mail::templates::RegistrationNotice;
use crate::mail::{self, PROGRAM};

#[derive(Debug, thiserror::Error)]
pub enum AssistError {
    #[error("no such registration")]
    NotFound,
    /// The rep must acknowledge this rules-of-engagement version first.
    #[error("acknowledge the rules of engagement first")]
    MustAcknowledge(i64),
    #[error("{0}")]
    Refused(&'static str),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Whether a rep is assigned to a territory covering the registration's prospect (or no
/// territory covers it): a rep asking to assist elsewhere is warned.
pub fn rep_in_territory(
    conn: &mut DbConnection,
    rep_id: &str,
    registration: &Registration,
) -> diesel::QueryResult<bool> {
    // Which reps the territories name; no organisation's assignments are needed.
    let territories = crate::db::models::territory::as_seen_by(conn, None)?;
    if territories.is_empty() {
        return Ok(true);
    }
    let d = crate::db::models::registration::details(conn, &registration.id)?;
    Ok(crate::domain::territory::rep_covers(
        &territories,
        rep_id,
        &d.country,
        &d.industry,
    ))
}

fn event(
    conn: &mut DbConnection,
    reg: &Registration,
    actor: &str,
    kind: EventKind,
    note: Option<&str>,
    now: NaiveDateTime,
) -> diesel::QueryResult<()> {
    let pv = policy::current(conn)?.version;
    registration::insert_event(
        conn,
        &NewEvent {
            registration_id: &reg.id,
            actor_id: Some(actor),
            kind,
            from: Some(reg.status()),
            to: reg.status(),
            note,
            policy_version: pv,
        },
        now,
    )
}

#[expect(clippy::too_many_arguments, reason = "one email's parts")]
fn email(
    conn: &mut DbConnection,
    config: &Config,
    to: &user::User,
    reg: &Registration,
    kind: &'static str,
    subject: String,
    headline: String,
    link: String,
    now: NaiveDateTime,
) -> diesel::QueryResult<()> {
    let notice = RegistrationNotice {
        kind,
        program: PROGRAM.into(),
        subject,
        name: to.name.clone(),
        headline,
        lines: Vec::new(),
        facts: vec![
            ("Prospect", reg.company_name.clone()),
            ("Deal size", format_amount(reg.amount_minor, &reg.currency)),
            ("Segment", reg.segment().label().to_owned()),
        ],
        link,
        link_label: "Open the registration",
    };
    mail::enqueue(conn, config, &to.email, &notice, now).map(drop)
}

fn locked(conn: &mut DbConnection, id: &str) -> Result<Registration, AssistError> {
    let reg = registration::find(conn, id)?.ok_or(AssistError::NotFound)?;
    if reg.status() != Status::Approved {
        return Err(AssistError::Refused(
            "Only an approved (locked) registration can have a rep assisting.",
        ));
    }
    Ok(reg)
}

/// A sales rep asks to assist. The rules-of-engagement gate comes first.
pub fn request(
    conn: &mut DbConnection,
    config: &Config,
    registration_id: &str,
    rep: &user::User,
    note: &str,
    now: NaiveDateTime,
) -> Result<Registration, AssistError> {
    if let Some(v) = super::roe::version_to_acknowledge(conn, &rep.id, Role::Sales)? {
        return Err(AssistError::MustAcknowledge(v));
    }
    write_tx(conn, |conn| {
        let reg = locked(conn, registration_id)?;
        match assist::insert(
            conn,
            &reg.id,
            &rep.id,
            AssistStatus::Requested,
            note.trim(),
            &rep.id,
            now,
        ) {
            Err(e) if is_unique_violation(&e) => {
                return Err(AssistError::Refused(
                    "You have already asked to assist on this registration.",
                ));
            }
            other => other?,
        };
        let text = format!("{} asked to assist", rep.name);
        let note = if note.trim().is_empty() {
            text.clone()
        } else {
            format!("{text}: {}", note.trim())
        };
        event(
            conn,
            &reg,
            &rep.id,
            EventKind::AssistRequested,
            Some(&note),
            now,
        )?;
        for to in super::notify::partner_users(conn, &reg)? {
            email(
                conn,
                config,
                &to,
                &reg,
                "assist_requested",
                format!("A sales rep asks to assist on {}", reg.company_name),
                format!(
                    "{} from the direct sales team asks to assist on your registration of {}. Accept or decline on the deal's page; your commission is protected either way.",
                    rep.name, reg.company_name
                ),
                config.link(&format!("/partner/deals/{}", reg.id)),
                now,
            )?;
        }
        Ok(reg)
    })
}

/// The partner answers a pending request (its own organisation's registrations only).
#[expect(
    clippy::too_many_arguments,
    reason = "who answers what, scoped to their organisation"
)]
pub fn answer(
    conn: &mut DbConnection,
    config: &Config,
    registration_id: &str,
    org_id: &str,
    assist_id: &str,
    accept: bool,
    by: &str,
    now: NaiveDateTime,
) -> Result<(), AssistError> {
    write_tx(conn, |conn| {
        registration::find_in_org(conn, registration_id, org_id)?.ok_or(AssistError::NotFound)?;
        let reg = locked(conn, registration_id)?;
        let a = assist::find(conn, assist_id)?
            .filter(|a| a.registration_id == reg.id)
            .ok_or(AssistError::NotFound)?;
        let status = if accept {
            AssistStatus::Accepted
        } else {
            AssistStatus::Declined
        };
        if !assist::decide(conn, &a.id, status, by, now)? {
            return Err(AssistError::Refused("This request was already answered."));
        }
        let (kind, word) = if accept {
            (EventKind::AssistAccepted, "accepted")
        } else {
            (EventKind::AssistDeclined, "declined")
        };
        let note = format!("{} {word} as assisting rep", a.rep_name);
        event(conn, &reg, by, kind, Some(&note), now)?;
        if let Some(rep) = user::find(conn, &a.rep_id)? {
            email(
                conn,
                config,
                &rep,
                &reg,
                if accept {
                    "assist_accepted"
                } else {
                    "assist_declined"
                },
                format!("Your request to assist on {} was {word}", reg.company_name),
                format!(
                    "The partner {word} your request to assist on {}.",
                    reg.company_name
                ),
                config.link(&format!("/sales/registrations/{}", reg.id)),
                now,
            )?;
        }
        Ok(())
    })
}

/// The channel team assigns a rep directly (a pending or declined request becomes assigned).
pub fn assign(
    conn: &mut DbConnection,
    config: &Config,
    registration_id: &str,
    rep_email: &str,
    by: &str,
    now: NaiveDateTime,
) -> Result<(), AssistError> {
    write_tx(conn, |conn| {
        let reg = locked(conn, registration_id)?;
        let rep = user::find_by_email(conn, rep_email.trim())?
            .filter(|u| u.role == Role::Sales && u.disabled_at.is_none())
            .ok_or(AssistError::Refused(
                "No active sales rep has that email address.",
            ))?;
        let existing = assist::for_registration(conn, &reg.id)?
            .into_iter()
            .find(|a| a.rep_id == rep.id);
        match existing {
            Some(a) if a.status().is_active() => {
                return Err(AssistError::Refused("That rep is already assisting."));
            }
            Some(a) => {
                if !assist::assign_existing(conn, &a.id, by, now)? {
                    return Err(AssistError::Refused("That rep is already assisting."));
                }
            }
            None => {
                assist::insert(conn, &reg.id, &rep.id, AssistStatus::Assigned, "", by, now)?;
            }
        }
        let note = format!("{} assigned by the channel team", rep.name);
        event(conn, &reg, by, EventKind::AssistAssigned, Some(&note), now)?;
        email(
            conn,
            config,
            &rep,
            &reg,
            "assist_assigned",
            format!("You are assigned to assist on {}", reg.company_name),
            format!(
                "The channel team assigned you to assist the partner on {}.",
                reg.company_name
            ),
            config.link(&format!("/sales/registrations/{}", reg.id)),
            now,
        )?;
        for to in super::notify::partner_users(conn, &reg)? {
            email(
                conn,
                config,
                &to,
                &reg,
                "assist_assigned",
                format!("A sales rep will assist on {}", reg.company_name),
                format!(
                    "The channel team assigned {} from direct sales to assist on {}. Your commission is protected.",
                    rep.name, reg.company_name
                ),
                config.link(&format!("/partner/deals/{}", reg.id)),
                now,
            )?;
        }
        Ok(())
    })
}
