//! How registrations read on a page: labels, dates in UTC, amounts with their currency, SLA
//! and protection clocks. Shared by the partner, review and admin areas.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;

use crate::db::models::registration::{Cursor, Event, Line, Listed, Registration};
use crate::domain::dates::{date, date_time, day, iso_day};
use crate::domain::flag::FlagKind;
use crate::domain::lifecycle::{Renewal, Status};
use crate::domain::money::format_amount;
use crate::domain::role::Role;
use crate::domain::sla::{SlaState, days_left, describe_due, sla_state};
use crate::workflow::availability::Availability;

/// The notice's CSS class for a partner's availability check: green to go, amber to know
/// what the channel team will weigh, red where a submission is refused or declined.
pub fn availability_css(a: &Availability) -> &'static str {
    if *a == Availability::Available {
        "ok"
    } else if a.warns() {
        "warn"
    } else {
        "bad"
    }
}

/// The badge's CSS class for a flag: one that asks for a decision is louder.
pub fn flag_css(kind: FlagKind) -> &'static str {
    if kind.asks_for_decision() {
        "bad"
    } else {
        "warn"
    }
}

/// A registration as lists and pages show it.
pub struct RegistrationView {
    pub id: String,
    pub company_name: String,
    pub org_name: String,
    pub status: Status,
    pub status_label: &'static str,
    pub segment: &'static str,
    pub amount: String,
    pub submitted: String,
    /// "12 Mar 2027" while protected or once it was.
    pub protection_ends: Option<String>,
    pub days_left: Option<i64>,
    pub renewal: Option<&'static str>,
    pub sla: Option<SlaState>,
    /// "due in 5 h 10 min", "overdue by 2 h", "paused".
    pub sla_text: Option<String>,
    pub review_due: Option<String>,
    pub is_renewal_review: bool,
}

impl RegistrationView {
    /// A whole registration, on its own page.
    pub fn new(r: &Registration, org_name: &str, now: NaiveDateTime) -> Self {
        Self::line(Line::of(r, org_name), now)
    }

    /// A list's line, taken whole: its texts move into the view, not copied (a list shows
    /// dozens).
    pub fn line(l: Line, now: NaiveDateTime) -> Self {
        let status = l.status;
        let renewal = l.renewal;
        Self {
            id: l.id,
            company_name: l.company_name,
            org_name: l.org_name,
            status,
            status_label: status.label(),
            segment: l.segment.label(),
            amount: format_amount(l.amount_minor, &l.currency),
            submitted: date_time(l.submitted_at),
            protection_ends: l.protection_ends_at.map(date),
            days_left: l
                .protection_ends_at
                .filter(|_| status == Status::Approved)
                .map(|end| days_left(end, now)),
            renewal: renewal.map(Renewal::label),
            sla: sla_state(l.review_due_at, l.sla_paused_secs, now),
            sla_text: match (l.review_due_at, l.sla_paused_secs) {
                (Some(due), _) => Some(describe_due(due, now)),
                (None, Some(_)) => Some("paused".into()),
                _ => None,
            },
            review_due: l.review_due_at.map(date_time),
            is_renewal_review: l.review_due_at.is_some() && renewal == Some(Renewal::Requested),
        }
    }

    pub fn listed(l: &Listed, now: NaiveDateTime) -> Self {
        Self::new(&l.registration, &l.org_name, now)
    }

    /// CSS class for the status badge.
    pub fn status_css(&self) -> &'static str {
        match self.status {
            Status::Approved | Status::Won => "ok",
            Status::Pending | Status::InfoRequested | Status::Queued => "warn",
            _ => "muted",
        }
    }
}

/// One line of a registration's timeline.
pub struct TimelineEntry {
    pub at: String,
    pub what: &'static str,
    pub who: String,
    pub note: Option<String>,
    pub policy_version: i64,
}

impl TimelineEntry {
    /// `show_names`: reviewers see who acted; partners see their own colleagues' names, the
    /// direct rep who asked to assist (named in the request anyway), and "Channel team" for
    /// reviewers.
    pub fn new(e: &Event, show_names: bool) -> Self {
        let role = e.actor_role;
        let who = match (&e.actor_name, role) {
            (None, _) => "Truce (automatic)".to_owned(),
            (Some(name), Some(Role::Partner)) => name.clone(),
            (Some(name), Some(Role::Sales)) => format!("{name}, direct sales"),
            (Some(name), _) if show_names => name.clone(),
            (Some(_), _) => "Channel team".to_owned(),
        };
        Self {
            at: date_time(e.at),
            what: e.label(),
            who,
            note: e.note.clone(),
            policy_version: e.policy_version,
        }
    }
}

/// A page cursor as it travels in a link: opaque, URL-safe.
pub fn encode_cursor(cursor: &Cursor) -> String {
    let raw = match cursor {
        Cursor::At(at, id) => format!("t{}|{id}", at.format("%Y-%m-%dT%H:%M:%S%.f")),
        Cursor::Name(name, id) => format!("n{name}|{id}"),
    };
    URL_SAFE_NO_PAD.encode(raw)
}

/// `None` for anything that is not a cursor this app made (the list starts over).
pub fn decode_cursor(text: &str) -> Option<Cursor> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
    let (key, id) = raw.rsplit_once('|')?;
    match key.split_at_checked(1)? {
        ("t", at) => NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S%.f")
            .ok()
            .map(|at| Cursor::At(at, id.to_owned())),
        ("n", name) => Some(Cursor::Name(name.to_owned(), id.to_owned())),
        _ => None,
    }
}

/// Builds a query string from pairs, skipping empty values.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            out.append_pair(k, v);
        }
    }
    out.finish()
}

/// `path` with a query string of the non-empty pairs (no `?` when there are none).
pub fn href(path: &str, pairs: &[(&str, &str)]) -> String {
    let query = query_string(pairs);
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// Everything a registration's own page shows, for partners and reviewers alike.
pub struct Detail {
    pub reg: RegistrationView,
    pub details: crate::db::models::registration::Details,
    pub country: String,
    pub expected_close: String,
    pub timeline: Vec<TimelineEntry>,
    /// The reviewer's open question, while information is requested.
    pub question: Option<String>,
    pub renewal_note: Option<String>,
    pub outcome_reason: Option<String>,
    pub closed: Option<String>,
    pub decided_policy_version: Option<i64>,
    pub submitted_policy_version: i64,
    pub currency: String,
    pub today: String,
    pub can_renew: bool,
    /// How the deal was compensated, once closed won.
    pub compensation: Option<CompensationView>,
    /// Co-selling: reps who asked to assist or were assigned.
    pub assists: Vec<AssistView>,
}

/// A won deal's compensation as its page shows it.
pub struct CompensationView {
    pub within_window: bool,
    pub rules_version: i64,
    pub ends: String,
    pub credits: Vec<crate::routes::credits::CreditRow>,
}

pub struct AssistView {
    pub id: String,
    pub rep_name: String,
    pub status: &'static str,
    pub pending: bool,
    pub active: bool,
    pub note: String,
    pub asked: String,
}

impl Detail {
    pub fn load(
        conn: &mut crate::db::DbConnection,
        r: &Registration,
        org_name: &str,
        now: NaiveDateTime,
        show_names: bool,
    ) -> diesel::QueryResult<Self> {
        use crate::db::models::{policy, registration};
        use crate::domain::lifecycle::EventKind;
        let details = registration::details(conn, &r.id)?;
        let events = registration::events(conn, &r.id)?;
        let status = r.status();
        let question = (status == Status::InfoRequested)
            .then(|| {
                events
                    .iter()
                    .rev()
                    .find(|e| e.kind == EventKind::InfoRequested)
                    .and_then(|e| e.note.clone())
            })
            .flatten();
        let policy = policy::current(conn)?.value;
        let s = &r.state;
        use crate::db::models::{assist, compensation};
        let compensation = match compensation::find(conn, &r.id)? {
            Some(c) => Some(CompensationView {
                within_window: c.within_window(),
                rules_version: c.rules_version,
                ends: s.protection_ends_at.map(date).unwrap_or_default(),
                credits: compensation::list(conn, compensation::Whose::Registration(&r.id))?
                    .iter()
                    // Partners see their own commission; reps' quota credit is internal.
                    .filter(|c| show_names || c.org_id.as_deref() == Some(r.org_id.as_str()))
                    .map(crate::routes::credits::CreditRow::new)
                    .collect(),
            }),
            None => None,
        };
        let assists = assist::for_registration(conn, &r.id)?
            .iter()
            .map(|a| AssistView {
                id: a.id.clone(),
                rep_name: a.rep_name.clone(),
                status: a.status().label(),
                pending: a.status() == assist::AssistStatus::Requested,
                active: a.status().is_active(),
                note: a.note.clone(),
                asked: date_time(a.requested_at),
            })
            .collect();
        Ok(Self {
            reg: RegistrationView::new(r, org_name, now),
            country: crate::domain::registration::country_name(&details.country)
                .unwrap_or("Unknown")
                .to_owned(),
            expected_close: day(details.expected_close),
            details,
            timeline: events
                .iter()
                .map(|e| TimelineEntry::new(e, show_names))
                .collect(),
            question,
            renewal_note: s.renewal_note.clone(),
            outcome_reason: s.outcome_reason.clone(),
            closed: match (s.close_amount_minor, s.close_date) {
                (Some(amount), Some(on)) => Some(format!(
                    "{} on {}",
                    format_amount(amount, &r.currency),
                    day(on)
                )),
                _ => None,
            },
            decided_policy_version: s.decided_policy_version,
            submitted_policy_version: r.policy_version,
            currency: r.currency.clone(),
            today: iso_day(now.date()),
            can_renew: status == Status::Approved
                && s.renewal.is_none()
                && policy.renewals_allowed
                && s.protection_ends_at.is_some_and(|end| end > now),
            compensation,
            assists,
        })
    }

    /// Where the registration stands, for the stepper.
    pub fn steps(&self) -> [crate::domain::lifecycle::Step; 4] {
        crate::domain::lifecycle::steps(self.reg.status, self.decided_policy_version.is_some())
    }

    pub fn can_withdraw(&self) -> bool {
        matches!(
            self.reg.status,
            Status::Queued | Status::Pending | Status::InfoRequested | Status::Approved
        )
    }

    pub fn can_close(&self) -> bool {
        self.reg.status == Status::Approved
    }

    pub fn awaiting_answer(&self) -> bool {
        self.reg.status == Status::InfoRequested
    }

    pub fn in_review(&self) -> bool {
        matches!(self.reg.status, Status::Pending | Status::InfoRequested)
    }

    pub fn renewal_requested(&self) -> bool {
        self.reg.is_renewal_review
    }
}

/// What the user typed into an action form, put back when it is refused.
pub struct Kept(pub std::collections::BTreeMap<&'static str, String>);

impl Kept {
    pub fn none() -> Self {
        Self(Default::default())
    }

    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map_or("", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_junk_is_ignored() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_micro_opt(9, 1, 2, 345_678)
            .unwrap();
        for c in [
            Cursor::At(at, "0193-ab".into()),
            Cursor::Name("acme | co".into(), "x".into()),
        ] {
            assert_eq!(decode_cursor(&encode_cursor(&c)), Some(c));
        }
        assert_eq!(decode_cursor("not a cursor!"), None);
        assert_eq!(decode_cursor(""), None);
    }
}
