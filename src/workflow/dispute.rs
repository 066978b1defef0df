//! Disputes: raising one, ruling on it, and escalating a breach of its SLA. Each is one
//! transaction: the dispute row, the registrations a ruling changes (through the lifecycle's
//! `Reinstate` and `Overturn` commands, with their events), the audit event and the emails.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::config::Config;
use crate::db::models::dispute::{self, Dispute, NewDispute};
use crate::db::models::registration::{self, Registration};
use crate::db::models::user::{self, User};
use crate::db::models::{audit, policy, roe};
use crate::db::{DbConnection, lock_keys, write_tx};
use crate::domain::audit::{Action, SubjectKind, Who, subject};
use crate::domain::dispute::{self as rules, Parties, Raiser, RulingOutcome};
use crate::domain::errors::FieldErrors;
use crate::domain::lifecycle::{Actor, Command, Refusal, Status, Transition};
use crate::domain::role::Role;
use crate::mail::templates::RegistrationNotice;
use crate::mail::{self, PROGRAM};

use super::transition::{self, ActError, Acting, Scope};

/// Who raises a dispute.
#[derive(Debug, Clone, Copy)]
pub struct RaisedBy<'a> {
    /// The signed-in user (with their role and address, for the audit log).
    pub who: &'a Who,
    pub raiser: Raiser,
    /// A partner's organisation: the registration must be one of its own.
    pub org_id: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum DisputeError {
    #[error("not found")]
    NotFound,
    #[error("invalid")]
    Invalid(FieldErrors),
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

impl From<ActError> for DisputeError {
    fn from(e: ActError) -> Self {
        match e {
            ActError::NotFound => DisputeError::NotFound,
            ActError::Refused(Refusal::Field { message, .. }) => {
                let mut errors = FieldErrors::new();
                errors.add("rationale", message);
                DisputeError::Invalid(errors)
            }
            ActError::Refused(r) => DisputeError::Refused(r.to_string()),
            ActError::Conflict => DisputeError::Refused(CHANGED.into()),
            ActError::Db(e) => DisputeError::Db(e),
        }
    }
}

impl RaisedBy<'_> {
    fn user_id(&self) -> &str {
        self.who.user_id.as_deref().unwrap_or_default()
    }
}

const CHANGED: &str = "Someone else changed this at the same moment. Here it is as it stands \
                       now; check it before you act again.";

fn load_scoped(
    conn: &mut DbConnection,
    id: &str,
    org_id: Option<&str>,
) -> QueryResult<Option<Registration>> {
    match org_id {
        Some(org) => registration::find_in_org(conn, id, org),
        None => registration::find(conn, id),
    }
}

/// The registration a raiser may dispute, as they may see it (a partner's own only).
pub fn disputable(
    conn: &mut DbConnection,
    by: RaisedBy,
    registration_id: &str,
) -> Result<Registration, DisputeError> {
    let reg = load_scoped(conn, registration_id, by.org_id)?.ok_or(DisputeError::NotFound)?;
    rules::may_raise(by.raiser, reg.status()).map_err(|r| DisputeError::Refused(r.to_string()))?;
    if dispute::open_on(conn, &reg.id)?.is_some() {
        return Err(DisputeError::Refused(
            "A dispute about this registration is already open; the channel team rules on it \
             first."
                .into(),
        ));
    }
    Ok(reg)
}

/// Raises a dispute on `registration_id`; returns the dispute's id.
pub fn raise(
    conn: &mut DbConnection,
    config: &Config,
    by: RaisedBy,
    registration_id: &str,
    reason: &str,
    details: &str,
    now: NaiveDateTime,
) -> Result<String, DisputeError> {
    let new = rules::validate(reason, details).map_err(DisputeError::Invalid)?;
    write_tx(conn, |conn| {
        let reg = load_scoped(conn, registration_id, by.org_id)?.ok_or(DisputeError::NotFound)?;
        lock_keys(conn, &super::registration_lock_keys(&reg))?;
        let reg = disputable(conn, by, &reg.id)?;
        let (raiser_reg, other) = match by.raiser {
            Raiser::Partner => {
                let holder =
                    registration::find_holder(conn, &reg.name_key, reg.domain_key.as_deref())?
                        .filter(|h| h.id != reg.id);
                (Some(reg.id.clone()), holder.map(|h| (h.id, h.org_id)))
            }
            Raiser::Sales => (None, Some((reg.id.clone(), reg.org_id.clone()))),
        };
        let (other, other_org) = other.unzip();
        let id = crate::ids::new_id();
        let pv = policy::current(conn)?;
        let due = rules::due_at(now, pv.value.dispute_sla_hours);
        let policy_version = pv.version;
        let roe_version = roe::current_number(conn)?;
        dispute::insert(
            conn,
            &NewDispute {
                id: &id,
                raiser_registration_id: raiser_reg.as_deref(),
                other_registration_id: other.as_deref(),
                other_org_id: other_org.as_deref(),
                raised_by: by.user_id(),
                raiser_role: match by.raiser {
                    Raiser::Partner => Role::Partner.as_str(),
                    Raiser::Sales => Role::Sales.as_str(),
                },
                raiser_org_id: by.org_id,
                prospect_name: &reg.company_name,
                reason: new.reason,
                details: &new.details,
                due_at: due,
                policy_version,
                roe_version,
            },
            now,
        )?;
        super::webhooks::Listeners::load(conn)?.dispute(conn, "dispute.raised", &id, now)?;
        audit::record(
            conn,
            by.who,
            Action::DisputeRaised,
            &subject(SubjectKind::Dispute, &id),
            Some(new.reason.as_str()),
            now,
        )?;
        let d = dispute::find(conn, &id)?.ok_or(DisputeError::NotFound)?;
        let facts = vec![
            ("Prospect", d.prospect_name.clone()),
            ("Reason", d.reason_label().to_owned()),
            ("Decision due", crate::domain::dates::date_time(due)),
        ];
        for cm in user::active_with_role(conn, Role::Channel)? {
            send(
                conn,
                config,
                &cm,
                Notice {
                    kind: "dispute_raised",
                    subject: format!("Dispute to rule on: {}", d.prospect_name),
                    headline: format!(
                        "A {} disputes the claim on {}.",
                        if by.raiser == Raiser::Sales {
                            "sales rep"
                        } else {
                            "partner"
                        },
                        d.prospect_name
                    ),
                    lines: vec![format!("Details: {}", d.details)],
                    facts: facts.clone(),
                    link: config.link(&format!("/review/disputes/{id}")),
                    link_label: "Open the dispute",
                },
                now,
            )?;
        }
        if let Some(raiser) = user::find(conn, by.user_id())? {
            send(
                conn,
                config,
                &raiser,
                Notice {
                    kind: "dispute_received",
                    subject: format!("Dispute received: {}", d.prospect_name),
                    headline: format!(
                        "Your dispute about {} is with the channel team.",
                        d.prospect_name
                    ),
                    lines: vec![
                        "They rule on it within the program's dispute SLA and email you the \
                         ruling with its rationale."
                            .into(),
                    ],
                    facts,
                    link: config.link(&raiser_path(&d)),
                    link_label: "Open the dispute",
                },
                now,
            )?;
        }
        Ok(id)
    })
}

/// Where the raiser reads their dispute.
fn raiser_path(d: &Dispute) -> String {
    if d.raiser_role == Role::Sales.as_str() {
        format!("/sales/disputes/{}", d.id)
    } else {
        format!("/partner/disputes/{}", d.id)
    }
}

/// The registrations of a dispute as they are now.
pub struct Case {
    pub dispute: Dispute,
    pub raiser: Option<Registration>,
    pub other: Option<Registration>,
}

impl Case {
    pub fn load(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Case>> {
        let Some(dispute) = dispute::find(conn, id)? else {
            return Ok(None);
        };
        let raiser = match &dispute.raiser_registration_id {
            Some(r) => registration::find(conn, r)?,
            None => None,
        };
        let other = match &dispute.other_registration_id {
            Some(r) => registration::find(conn, r)?,
            None => None,
        };
        Ok(Some(Case {
            dispute,
            raiser,
            other,
        }))
    }

    pub fn parties(&self) -> Parties {
        Parties {
            raiser: self.raiser.as_ref().map(Registration::status),
            other: self.other.as_ref().map(Registration::status),
        }
    }
}

/// Rules on dispute `id`: records the ruling, applies an overturn to the registrations
/// (the old holder ended first, then the new one approved, so the database's one-holder
/// index holds at every step), and emails both parties the rationale.
#[expect(
    clippy::too_many_arguments,
    reason = "a ruling's parts, each from the form or the request"
)]
pub fn resolve(
    conn: &mut DbConnection,
    config: &Config,
    reviewer: &Who,
    id: &str,
    outcome: &str,
    rationale: &str,
    share: &str,
    now: NaiveDateTime,
) -> Result<Dispute, DisputeError> {
    write_tx(conn, |conn| {
        let mut case = Case::load(conn, id)?.ok_or(DisputeError::NotFound)?;
        let mut keys = Vec::new();
        for r in [&case.raiser, &case.other].into_iter().flatten() {
            keys.extend(super::registration_lock_keys(r));
        }
        keys.sort();
        keys.dedup();
        if lock_keys(conn, &keys)? {
            case = Case::load(conn, id)?.ok_or(DisputeError::NotFound)?;
        }
        if !case.dispute.is_open() {
            return Err(DisputeError::Refused(
                "This dispute has already been ruled on.".into(),
            ));
        }
        let ruling = rules::rule(outcome, rationale, share, case.parties())
            .map_err(DisputeError::Invalid)?;
        let reviewer_id = reviewer.user_id.as_deref().unwrap_or_default();
        let acting = Acting {
            who: reviewer,
            actor: Actor::Reviewer,
            scope: Scope::Any,
        };
        // The registrations' transitions, recorded in the audit log after every other write.
        let mut decided = Vec::new();
        match ruling.outcome {
            RulingOutcome::Upheld | RulingOutcome::Split => {}
            RulingOutcome::Reinstated => {
                let raiser = case.raiser.as_ref().ok_or(DisputeError::NotFound)?;
                decided.push(reinstate(
                    conn,
                    config,
                    raiser,
                    acting,
                    &ruling.rationale,
                    now,
                )?);
            }
            RulingOutcome::Transferred => {
                let other = case.other.as_ref().ok_or(DisputeError::NotFound)?;
                decided.push(transition::act_in_tx(
                    conn,
                    config,
                    &other.id,
                    acting,
                    Command::Overturn {
                        rationale: ruling.rationale.clone(),
                    },
                    now,
                )?);
                if let Some(raiser) = &case.raiser {
                    decided.push(reinstate(
                        conn,
                        config,
                        raiser,
                        acting,
                        &ruling.rationale,
                        now,
                    )?);
                }
                transition::settle_line(conn, config, &other.id, now)?;
            }
        }
        if !dispute::resolve(
            conn,
            &case.dispute,
            ruling.outcome,
            &ruling.rationale,
            ruling.partner_share_pct,
            reviewer_id,
            now,
        )? {
            return Err(DisputeError::Refused(CHANGED.into()));
        }
        super::webhooks::Listeners::load(conn)?.dispute(conn, "dispute.ruled", id, now)?;
        // Last (but for the emails): the chain is held from here to the commit.
        for (reg, t) in &decided {
            transition::record_decision(conn, acting, reg, t, now)?;
        }
        let mut detail = ruling.outcome.as_str().to_owned();
        if let Some(pct) = ruling.partner_share_pct {
            detail.push_str(&format!(" ({pct}% to the raising partner)"));
        }
        detail.push_str(". ");
        detail.push_str(&ruling.rationale);
        audit::record(
            conn,
            reviewer,
            Action::DisputeResolved,
            &subject(SubjectKind::Dispute, id),
            Some(&detail),
            now,
        )?;
        let d = dispute::find(conn, id)?.ok_or(DisputeError::NotFound)?;
        notify_resolved(conn, config, &d, &case, now)?;
        Ok(d)
    })
}

/// Approves the raiser's registration by the ruling, if nobody else holds its prospect.
fn reinstate(
    conn: &mut DbConnection,
    config: &Config,
    raiser: &Registration,
    acting: Acting,
    rationale: &str,
    now: NaiveDateTime,
) -> Result<(Registration, Transition), DisputeError> {
    let held_by_other =
        registration::find_holder(conn, &raiser.name_key, raiser.domain_key.as_deref())?
            .is_some_and(|h| h.id != raiser.id);
    Ok(transition::act_in_tx(
        conn,
        config,
        &raiser.id,
        acting,
        Command::Reinstate {
            rationale: rationale.to_owned(),
            held_by_other,
        },
        now,
    )?)
}

/// The ruling, to the raiser and to the other registration's partner.
fn notify_resolved(
    conn: &mut DbConnection,
    config: &Config,
    d: &Dispute,
    case: &Case,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let outcome = d.outcome();
    let mut lines = vec![format!(
        "Rationale: {}",
        d.rationale.clone().unwrap_or_default()
    )];
    if let Some(pct) = d.partner_share_pct {
        lines.push(format!(
            "Credit is split: {pct}% to the partner who raised the dispute, recorded for the \
             program's compensation rules."
        ));
    }
    let facts = vec![
        ("Prospect", d.prospect_name.clone()),
        ("Reason", d.reason_label().to_owned()),
        ("Ruling", d.outcome_label().to_owned()),
    ];
    let subject = format!("Dispute ruled: {} — {}", d.prospect_name, d.outcome_label());
    if let Some(raiser) = user::find(conn, &d.raised_by)?
        && raiser.disabled_at.is_none()
    {
        let mut mine = lines.clone();
        if outcome == Some(RulingOutcome::Reinstated) || outcome == Some(RulingOutcome::Transferred)
        {
            if case.raiser.is_some() {
                mine.push("Your registration is approved, with a fresh protection window.".into());
            } else {
                mine.push("The partner's registration was ended by this ruling.".into());
            }
        }
        send(
            conn,
            config,
            &raiser,
            Notice {
                kind: "dispute_resolved",
                subject: subject.clone(),
                headline: format!("Your dispute about {} was ruled on.", d.prospect_name),
                lines: mine,
                facts: facts.clone(),
                link: config.link(&raiser_path(d)),
                link_label: "Open the dispute",
            },
            now,
        )?;
    }
    if let Some(other) = &case.other {
        let mut theirs = lines;
        if outcome == Some(RulingOutcome::Transferred) {
            theirs.push(
                "Your registration of this prospect was ended by this ruling; the reason shows \
                 on its page."
                    .into(),
            );
        } else {
            theirs.push("Your registration stays as it was.".into());
        }
        for to in super::notify::partner_users(conn, other)? {
            if to.id == d.raised_by {
                continue;
            }
            send(
                conn,
                config,
                &to,
                Notice {
                    kind: "dispute_resolved",
                    subject: subject.clone(),
                    headline: format!(
                        "A dispute about your registration of {} was ruled on.",
                        other.company_name
                    ),
                    lines: theirs.clone(),
                    facts: facts.clone(),
                    link: config.link(&format!("/partner/deals/{}", other.id)),
                    link_label: "Open the registration",
                },
                now,
            )?;
        }
    }
    Ok(())
}

struct Notice {
    kind: &'static str,
    subject: String,
    headline: String,
    lines: Vec<String>,
    facts: Vec<(&'static str, String)>,
    link: String,
    link_label: &'static str,
}

fn send(
    conn: &mut DbConnection,
    config: &Config,
    to: &User,
    n: Notice,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let notice = RegistrationNotice {
        kind: n.kind,
        program: PROGRAM.into(),
        subject: n.subject,
        name: to.name.clone(),
        headline: n.headline,
        lines: n.lines,
        facts: n.facts,
        link: n.link,
        link_label: n.link_label,
    };
    mail::enqueue(conn, config, &to.email, &notice, now).map(drop)
}

/// Disputes escalated per transaction.
const BATCH: i64 = 100;

/// Escalates open disputes past their SLA to the channel managers, once each: the mark is a
/// conditional update, so another instance escalating at the same time skips the ones this
/// one took (and the other way round). Returns how many this call escalated.
pub fn escalate_overdue(
    conn: &mut DbConnection,
    config: &Config,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut total = 0;
    loop {
        let due = dispute::overdue(conn, now, BATCH)?;
        if due.is_empty() {
            return Ok(total);
        }
        let managers = user::active_with_role(conn, Role::Channel)?;
        let done = write_tx(conn, |conn| -> QueryResult<usize> {
            let mut done = 0;
            for d in &due {
                if !rules::escalation_due(d.due_at, d.sla_escalated_at, now)
                    || !dispute::mark_escalated(conn, &d.id, now)?
                {
                    continue;
                }
                for cm in &managers {
                    send(
                        conn,
                        config,
                        cm,
                        Notice {
                            kind: "dispute_sla_breached",
                            subject: format!("Dispute SLA breached: {}", d.prospect_name),
                            headline: format!(
                                "The dispute about {} is past its SLA deadline.",
                                d.prospect_name
                            ),
                            lines: vec!["Please rule on it now: both parties are waiting.".into()],
                            facts: vec![
                                ("Prospect", d.prospect_name.clone()),
                                ("Reason", d.reason_label().to_owned()),
                            ],
                            link: config.link(&format!("/review/disputes/{}", d.id)),
                            link_label: "Open the dispute",
                        },
                        now,
                    )?;
                }
                done += 1;
            }
            Ok(done)
        })?;
        total += done;
        if done == 0 {
            return Ok(total);
        }
    }
}

/// Whether a registration's status lets a ruling reinstate it (for the case page's hints).
pub fn reinstatable(status: Status) -> bool {
    matches!(status, Status::Rejected | Status::Declined | Status::Queued)
}
