//! The audit log (`/admin/audit`): every recorded event, newest first, filtered by actor,
//! action, record and dates, 50 a page by the chain's sequence number, and as CSV with the
//! same filters. Whether the log was tampered with is `truce audit verify`'s question, not
//! this page's.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use crate::auth::guard::{AdminOnly, Signed};
use crate::db;
use crate::db::models::audit::{self, Filter, Listed};
use crate::domain::audit::{
    Action, SubjectKind, action_label, parse_subject, subject, subjects_matching,
};
use crate::domain::dates::date_time_seconds;
use crate::domain::errors::FieldErrors;
use crate::domain::role::Role;
use crate::domain::user::normalize_email;
use crate::error::AppError;
use crate::routes::export::{self, AuditEvents};
use crate::routes::layout::Layout;
use crate::routes::render;
use crate::routes::view::href;
use crate::state::AppState;

const PATH: &str = "/admin/audit";

/// Events a page shows.
pub const PAGE: i64 = 50;

/// The filters as typed (kept in the form) and `?after=` (the sequence number of the last
/// event shown).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub actor: String,
    pub action: String,
    pub record: String,
    pub from: String,
    pub to: String,
    pub after: String,
}

impl AuditQuery {
    /// The filters without the page position, as links and the CSV carry them.
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("actor", self.actor.trim()),
            ("action", self.action.trim()),
            ("record", self.record.trim()),
            ("from", self.from.trim()),
            ("to", self.to.trim()),
        ]
    }

    fn is_filtered(&self) -> bool {
        self.pairs().iter().any(|(_, v)| !v.is_empty())
    }
}

/// What the query asks for, and what could not be read (shown next to its field; that
/// filter is then left out).
fn read_query(q: &AuditQuery) -> (Filter, Option<String>, FieldErrors) {
    let mut errors = FieldErrors::new();
    let mut day = |field: &'static str, text: &str| -> Option<NaiveDate> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        if parsed.is_none() {
            errors.add(field, "Enter a date as YYYY-MM-DD, or leave it empty.");
        }
        parsed
    };
    let from = day("from", &q.from);
    let mut to = day("to", &q.to);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        errors.add("to", "The end date is before the start date.");
        to = None;
    }
    let action = q.action.trim();
    let action = if action.is_empty() {
        None
    } else if Action::parse(action).is_some() {
        Some(action.to_owned())
    } else {
        errors.add("action", "Choose an action from the list.");
        None
    };
    let record = q.record.trim();
    let email = record.contains('@').then(|| normalize_email(record));
    let filter = Filter {
        actor: q.actor.trim().to_owned(),
        action,
        subjects: subjects_matching(record),
        from: from.map(start_of),
        until: to.and_then(|t| t.succ_opt()).map(start_of),
    };
    (filter, email, errors)
}

fn start_of(d: NaiveDate) -> NaiveDateTime {
    d.and_time(chrono::NaiveTime::MIN)
}

/// Reads the filter's record as a user's email address too, when it looks like one.
fn with_user_record(
    conn: &mut db::DbConnection,
    mut filter: Filter,
    email: Option<&str>,
) -> diesel::QueryResult<Filter> {
    if let Some(email) = email
        && let Some(id) = audit::user_id_by_email(conn, email)?
    {
        filter.subjects.push(subject(SubjectKind::User, &id));
    }
    Ok(filter)
}

/// An event as a row of the page.
pub struct EventRow {
    pub seq: i64,
    pub when: String,
    /// For `<time datetime>`.
    pub when_iso: String,
    /// The actor's name, or who acted when nobody was signed in.
    pub who: String,
    pub who_email: Option<String>,
    pub role: Option<String>,
    pub action: String,
    pub record_kind: String,
    /// The record's name (a user's email, a registration's prospect), else its id.
    pub record_name: String,
    pub record_href: Option<String>,
    pub client_addr: Option<String>,
    pub detail: Option<String>,
}

impl EventRow {
    fn new(l: &Listed, names: &HashMap<String, String>) -> Self {
        let e = &l.event;
        let who = match (&l.actor_name, &e.actor_id, &e.client_addr) {
            (Some(name), _, _) => name.clone(),
            (None, Some(id), _) => format!("Deleted user {id}"),
            (None, None, Some(_)) => "Not signed in".into(),
            (None, None, None) => "Truce (the server or its command line)".into(),
        };
        let role = e
            .actor_role
            .as_deref()
            .map(|r| Role::parse(r).map_or_else(|| r.to_owned(), |r| r.label().to_owned()));
        let (record_kind, record_name, record_href) = match parse_subject(&e.subject) {
            Some((SubjectKind::User, "")) => {
                ("User".into(), "No account with that email".into(), None)
            }
            Some((kind, id)) => (
                kind.label().to_owned(),
                names
                    .get(&e.subject)
                    .cloned()
                    .unwrap_or_else(|| id.to_owned()),
                kind.href(id),
            ),
            None => ("Record".into(), e.subject.clone(), None),
        };
        EventRow {
            seq: e.seq,
            when: date_time_seconds(e.at),
            when_iso: e.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            who,
            who_email: l.actor_email.clone(),
            role,
            action: action_label(&e.action),
            record_kind,
            record_name,
            record_href,
            client_addr: e.client_addr.clone(),
            detail: e.detail.clone().filter(|d| !d.is_empty()),
        }
    }
}

/// The action filter's choices, under their headings, in the order the log's reader
/// thinks of them.
pub struct ActionGroup {
    pub label: &'static str,
    pub actions: Vec<(&'static str, &'static str)>,
}

fn action_groups() -> Vec<ActionGroup> {
    let mut groups: Vec<ActionGroup> = Vec::new();
    for a in Action::ALL {
        let pair = (a.as_str(), a.label());
        match groups.iter_mut().find(|g| g.label == a.group()) {
            Some(g) => g.actions.push(pair),
            None => groups.push(ActionGroup {
                label: a.group(),
                actions: vec![pair],
            }),
        }
    }
    groups
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct ListPage {
    layout: Layout,
    query: AuditQuery,
    errors: FieldErrors,
    groups: Vec<ActionGroup>,
    events: Vec<EventRow>,
    next: Option<String>,
    first: Option<String>,
    csv_href: String,
    filtered: bool,
}

pub async fn list(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let (filter, email, errors) = read_query(&query);
    let after = query.after.trim().parse::<i64>().ok();
    let (mut listed, names) = db::run(&state.pool, move |conn| {
        let filter = with_user_record(conn, filter, email.as_deref())?;
        let listed = audit::page(conn, &filter, after, PAGE + 1)?;
        let subjects: Vec<&str> = listed.iter().map(|l| l.event.subject.as_str()).collect();
        let names = audit::record_names(conn, &subjects)?;
        Ok((listed, names))
    })
    .await?;
    let more = listed.len() as i64 > PAGE;
    listed.truncate(PAGE as usize);
    let pairs = query.pairs();
    let next = more.then(|| listed.last()).flatten().map(|l| {
        let seq = l.event.seq.to_string();
        let mut with_after = pairs.clone();
        with_after.push(("after", &seq));
        href(PATH, &with_after)
    });
    let first = after.map(|_| href(PATH, &pairs));
    let csv_href = href("/admin/audit.csv", &pairs);
    let events = listed.iter().map(|l| EventRow::new(l, &names)).collect();
    let filtered = query.is_filtered();
    render(&ListPage {
        layout: Layout::signed(&signed, PATH),
        query,
        errors,
        groups: action_groups(),
        events,
        next,
        first,
        csv_href,
        filtered,
    })
}

/// Every event the page's filters select, as CSV.
pub async fn csv(
    _signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let (filter, email, _) = read_query(&query);
    let filter = db::run(&state.pool, move |conn| {
        Ok(with_user_record(conn, filter, email.as_deref())?)
    })
    .await?;
    export::download(&state, AuditEvents(filter)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(from: &str, to: &str, action: &str, record: &str) -> AuditQuery {
        AuditQuery {
            from: from.into(),
            to: to.into(),
            action: action.into(),
            record: record.into(),
            ..AuditQuery::default()
        }
    }

    #[test]
    fn dates_cover_whole_days_and_bad_ones_are_named() {
        let (f, _, errors) = read_query(&query("2026-12-01", "2026-12-06", "", ""));
        assert!(errors.is_empty());
        assert_eq!(f.from.unwrap().to_string(), "2026-12-01 00:00:00");
        assert_eq!(f.until.unwrap().to_string(), "2026-12-07 00:00:00");

        let (f, _, errors) = read_query(&query("1 Dec", "2026-11-01", "", ""));
        assert!(errors.get("from").is_some());
        assert!(f.from.is_none());
        assert!(f.until.is_some());

        let (f, _, errors) = read_query(&query("2026-12-06", "2026-12-01", "", ""));
        assert!(errors.get("to").is_some());
        assert!(f.until.is_none());
    }

    #[test]
    fn actions_come_from_the_list_and_records_by_id_or_email() {
        let (f, _, errors) = read_query(&query("", "", "role_changed", ""));
        assert!(errors.is_empty());
        assert_eq!(f.action.as_deref(), Some("role_changed"));
        let (f, _, errors) = read_query(&query("", "", "drop table", ""));
        assert!(errors.get("action").is_some());
        assert_eq!(f.action, None);

        let (f, email, _) = read_query(&query("", "", "", " Ann@Acme.example "));
        assert_eq!(email.as_deref(), Some("ann@acme.example"));
        assert!(f.subjects.contains(&"Ann@Acme.example".to_owned()));
        let (f, email, _) = read_query(&query("", "", "", "r-1"));
        assert_eq!(email, None);
        assert!(f.subjects.contains(&"registration:r-1".to_owned()));
    }
}
