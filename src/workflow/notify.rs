//! Who hears about a registration's change, and what they read. Emails are queued in the
//! transition's own transaction.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::config::Config;
use crate::db::DbConnection;
use crate::db::models::flag::Flag;
use crate::db::models::registration::Registration;
use crate::db::models::user::{self, User};
use crate::domain::dates;
use crate::domain::flag::FlagKind;
use crate::domain::lifecycle::{EventKind, Transition};
use crate::domain::money::format_amount;
use crate::domain::role::Role;
use crate::mail::templates::RegistrationNotice;
use crate::mail::{self, Composed, PROGRAM};

enum Audience {
    Partner,
    Reviewers,
}

/// Who gets told, looked up once per transaction: a sweep notifying many partners of one
/// organisation reads each user once.
#[derive(Default)]
pub struct Recipients {
    partners: HashMap<(String, String), Vec<User>>,
    reviewers: Option<Vec<User>>,
}

impl Recipients {
    /// The partner users to tell: the submitter while active, else the org's admins.
    fn partner(&mut self, conn: &mut DbConnection, reg: &Registration) -> QueryResult<Vec<User>> {
        let key = (reg.submitted_by.clone(), reg.org_id.clone());
        if let Some(found) = self.partners.get(&key) {
            return Ok(found.clone());
        }
        let found = match user::find(conn, &reg.submitted_by)? {
            Some(u) if u.disabled_at.is_none() => vec![u],
            _ => user::active_org_admins(conn, &reg.org_id)?,
        };
        self.partners.insert(key, found.clone());
        Ok(found)
    }

    /// Looks up, in one query, the partner users of these registrations not yet known, and
    /// the reviewers: the sweeps call it before they take the write lock, so the lock is not
    /// held for reads. A user disabled between this read and the write may still get that
    /// one email.
    pub fn prefetch(&mut self, conn: &mut DbConnection, regs: &[Registration]) -> QueryResult<()> {
        let mut wanted: Vec<String> = regs
            .iter()
            .filter(|r| {
                !self
                    .partners
                    .contains_key(&(r.submitted_by.clone(), r.org_id.clone()))
            })
            .map(|r| r.submitted_by.clone())
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let found: HashMap<String, User> = user::find_many(conn, &wanted)?
            .into_iter()
            .map(|u| (u.id.clone(), u))
            .collect();
        for reg in regs {
            let key = (reg.submitted_by.clone(), reg.org_id.clone());
            if self.partners.contains_key(&key) {
                continue;
            }
            let users = match found.get(&reg.submitted_by) {
                Some(u) if u.disabled_at.is_none() => vec![u.clone()],
                _ => user::active_org_admins(conn, &reg.org_id)?,
            };
            self.partners.insert(key, users);
        }
        self.reviewers(conn).map(drop)
    }

    fn reviewers(&mut self, conn: &mut DbConnection) -> QueryResult<Vec<User>> {
        if self.reviewers.is_none() {
            self.reviewers = Some(user::active_with_role(conn, Role::Channel)?);
        }
        Ok(self.reviewers.clone().unwrap_or_default())
    }
}

/// The partner users told about `reg`: its submitter while active, else the org's admins.
pub fn partner_users(conn: &mut DbConnection, reg: &Registration) -> QueryResult<Vec<User>> {
    Recipients::default().partner(conn, reg)
}

struct Text {
    kind: &'static str,
    subject: String,
    headline: String,
    lines: Vec<String>,
}

fn text(reg: &Registration, t: &Transition, audience: &Audience) -> Option<Text> {
    let company = &reg.company_name;
    let note = t.note.clone();
    let until = t
        .next
        .protection_ends_at
        .map(dates::date)
        .unwrap_or_default();
    let (kind, subject, headline, lines): (&'static str, String, String, Vec<String>) = match (t.event, audience) {
        (EventKind::Submitted, Audience::Partner) => (
            "registration_submitted",
            format!("Registration received: {company}"),
            format!("Your registration of {company} is in review."),
            vec!["A channel manager decides within the program's approval SLA. We will email you the decision.".into()],
        ),
        (EventKind::Submitted | EventKind::Advanced, Audience::Reviewers) => (
            "registration_to_review",
            format!("To review: {company}"),
            format!("A registration of {company} is waiting for review."),
            vec![],
        ),
        (EventKind::Advanced, Audience::Partner) => (
            "registration_advanced",
            format!("Now in review: {company}"),
            format!("Your registration of {company} is first in line and now in review."),
            vec!["The registration ahead of yours was not approved.".into()],
        ),
        (EventKind::Queued, Audience::Partner) => (
            "registration_queued",
            format!("Registration queued: {company}"),
            format!("Your registration of {company} is queued."),
            note.into_iter().collect(),
        ),
        (EventKind::Declined, Audience::Partner) => (
            "registration_declined",
            format!("Registration declined: {company}"),
            format!("Your registration of {company} was declined as a duplicate."),
            note.into_iter().collect(),
        ),
        (EventKind::Approved, Audience::Partner) => (
            "registration_approved",
            format!("Approved: {company}, protected until {until}"),
            format!("Your registration of {company} is approved."),
            vec![format!("The prospect is locked to your organisation until {until} (UTC). Close the deal in the portal when it is won or lost.")],
        ),
        (EventKind::Rejected, Audience::Partner) => (
            "registration_rejected",
            format!("Registration rejected: {company}"),
            format!("Your registration of {company} was rejected."),
            note.map(|n| format!("Reason: {n}")).into_iter().collect(),
        ),
        (EventKind::InfoRequested, Audience::Partner) => (
            "registration_info_requested",
            format!("Information needed: {company}"),
            format!("The channel manager needs more information about {company}."),
            vec![format!("Question: {}", note.unwrap_or_default()), "The review clock is paused until you answer.".into()],
        ),
        (EventKind::InfoAnswered, Audience::Reviewers) => (
            "registration_info_answered",
            format!("Partner answered: {company}"),
            format!("The partner answered your question about {company}."),
            note.into_iter().collect(),
        ),
        (EventKind::RenewalRequested, Audience::Reviewers) => (
            "renewal_to_review",
            format!("Renewal to review: {company}"),
            format!("The partner asks to renew the registration of {company}."),
            note.map(|n| format!("Status update: {n}")).into_iter().collect(),
        ),
        (EventKind::RenewalApproved, Audience::Partner) => (
            "renewal_decided",
            format!("Renewal approved: {company}, protected until {until}"),
            format!("The renewal of {company} is approved."),
            vec![format!("The prospect stays locked to your organisation until {until} (UTC).")],
        ),
        (EventKind::RenewalRejected, Audience::Partner) => (
            "renewal_decided",
            format!("Renewal rejected: {company}"),
            format!("The renewal of {company} was rejected."),
            vec![format!("Reason: {}", note.unwrap_or_default()), format!("The protection still ends on {until} (UTC).")],
        ),
        (EventKind::ReminderSent, Audience::Partner) => (
            "registration_reminder",
            format!("Protection ends {until}: {company}"),
            format!("The protection of {company} ends on {until} (UTC)."),
            vec!["Close the deal, or ask for a renewal with a status update before then.".into()],
        ),
        (EventKind::Expired, Audience::Partner) => (
            "registration_expired",
            format!("Protection expired: {company}"),
            format!("The protection of {company} has ended."),
            vec!["The prospect is open again to direct sales and other partners.".into()],
        ),
        (EventKind::SlaEscalated, Audience::Reviewers) => (
            "registration_sla_breached",
            format!("SLA breached: {company}"),
            format!("The review of {company} is past its SLA deadline."),
            vec!["Please decide it now: the partner is waiting.".into()],
        ),
        _ => return None,
    };
    Some(Text {
        kind,
        subject,
        headline,
        lines,
    })
}

/// Queues the emails a transition causes.
pub fn transition(
    conn: &mut DbConnection,
    config: &Config,
    reg: &Registration,
    t: &Transition,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let emails = of_transition(conn, config, &mut Recipients::default(), reg, t)?;
    mail::enqueue_all(conn, &emails, now)
}

/// The emails a transition causes, looking recipients up through `recipients`, for the
/// caller to queue (a sweep's batch queues all of its rows' emails together).
pub fn of_transition(
    conn: &mut DbConnection,
    config: &Config,
    recipients: &mut Recipients,
    reg: &Registration,
    t: &Transition,
) -> QueryResult<Vec<Composed>> {
    let mut out = Vec::new();
    for audience in [Audience::Partner, Audience::Reviewers] {
        let Some(text) = text(reg, t, &audience) else {
            continue;
        };
        let (to_users, link) = match audience {
            Audience::Partner => (
                recipients.partner(conn, reg)?,
                config.link(&format!("/partner/deals/{}", reg.id)),
            ),
            Audience::Reviewers => (
                recipients.reviewers(conn)?,
                config.link(&format!("/review/{}", reg.id)),
            ),
        };
        let mut facts = vec![
            ("Prospect", reg.company_name.clone()),
            ("Deal size", format_amount(reg.amount_minor, &reg.currency)),
            ("Segment", reg.segment().label().to_owned()),
            ("Status", t.next.status.label().to_owned()),
        ];
        if let Some(due) = t.next.review_due_at
            && matches!(audience, Audience::Reviewers)
        {
            facts.push(("Decision due", dates::date_time(due)));
        }
        for to in to_users {
            let notice = RegistrationNotice {
                kind: text.kind,
                program: PROGRAM.into(),
                subject: text.subject.clone(),
                name: to.name.clone(),
                headline: text.headline.clone(),
                lines: text.lines.clone(),
                facts: facts.clone(),
                link: link.clone(),
                link_label: "Open the registration",
            };
            out.push(mail::compose(config, &to.email, &notice)?);
        }
    }
    Ok(out)
}

/// Tells the channel managers what a flag asks them to look at.
pub fn flagged(
    conn: &mut DbConnection,
    config: &Config,
    reg: &Registration,
    flag: &Flag,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let company = &reg.company_name;
    let (subject, headline) = match flag.kind {
        FlagKind::SharedProspect => (
            format!("Decide: {company} names a prospect another registration holds"),
            format!("The registration of {company} names the same prospect as an earlier one."),
        ),
        kind => (
            format!("{}: {company}", kind.badge()),
            format!("The registration of {company} is flagged for review."),
        ),
    };
    let notice = RegistrationNotice {
        kind: "registration_flagged",
        program: PROGRAM.into(),
        subject,
        name: String::new(),
        headline,
        lines: vec![
            flag.message.clone(),
            "Nothing changes for the partner until you decide.".into(),
        ],
        facts: vec![
            ("Prospect", reg.company_name.clone()),
            ("Deal size", format_amount(reg.amount_minor, &reg.currency)),
            ("Status", reg.status().label().to_owned()),
        ],
        link: config.link(&format!("/review/{}", reg.id)),
        link_label: "Open the registration",
    };
    for to in Recipients::default().reviewers(conn)? {
        let notice = RegistrationNotice {
            name: to.name.clone(),
            ..notice.clone()
        };
        mail::enqueue(conn, config, &to.email, &notice, now)?;
    }
    Ok(())
}
