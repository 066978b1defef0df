//! The review queue: new registrations and renewal requests, most urgent first, each with
//! its SLA state and a summary of the conflict evidence.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::guard::{Reviewer, Signed};
use crate::db::models::flag::{self, Flag};
use crate::db::models::policy;
use crate::db::models::registration::{self, Cursor};
use crate::db::{self};
use crate::domain::flag::FlagKind;
use crate::error::AppError;
use crate::routes::export::{self, ReviewQueue};
use crate::routes::layout::Layout;
use crate::routes::render;
use crate::routes::view::{RegistrationView, decode_cursor, encode_cursor};
use crate::state::AppState;
use crate::workflow::review_evidence;

const PAGE_SIZE: i64 = 25;

/// How many shared prospects the queue lists; more would mean a key change went wrong.
const SHARED_SHOWN: i64 = 100;

/// The shared-prospect flags still waiting for a decision, on registrations that still hold
/// their prospect (one rejected or withdrawn meanwhile needs none), oldest first.
fn open_shared(
    conn: &mut crate::db::DbConnection,
) -> diesel::QueryResult<Vec<(registration::Listed, String)>> {
    let flags = flag::open_of_kind(conn, FlagKind::SharedProspect, SHARED_SHOWN)?;
    let ids: Vec<String> = flags.iter().map(|f| f.registration_id.clone()).collect();
    let mut rows = registration::listed_by_ids(conn, &ids)?;
    Ok(flags
        .into_iter()
        .filter_map(|f| {
            let at = rows
                .iter()
                .position(|l| l.registration.id == f.registration_id)?;
            let l = rows.swap_remove(at);
            l.registration
                .status()
                .holds_prospect()
                .then_some((l, f.message))
        })
        .collect())
}

pub struct QueueItem {
    pub reg: RegistrationView,
    pub evidence: String,
    pub has_conflicts: bool,
    /// What the reviewer must weigh besides the evidence: outside the partner's
    /// territories, another partner's customer, a shared prospect.
    pub flags: Vec<Flag>,
}

/// A registration set aside because it names the same prospect as another holder, waiting
/// for the channel team's decision.
pub struct SharedItem {
    pub reg: RegistrationView,
    pub message: String,
}

#[derive(Template)]
#[template(path = "review/queue.html")]
struct QueuePage {
    layout: Layout,
    items: Vec<QueueItem>,
    waiting: Vec<RegistrationView>,
    shared: Vec<SharedItem>,
    total: i64,
    next_href: Option<String>,
    first_page: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QueueParams {
    after: String,
}

/// The whole queue as CSV (every page), with each item's SLA state and evidence.
pub async fn csv(
    _signed: Signed<Reviewer>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.naive_now();
    export::download(&state, ReviewQueue { now }).await
}

pub async fn show(
    signed: Signed<Reviewer>,
    state: web::Data<AppState>,
    params: web::Query<QueueParams>,
) -> Result<HttpResponse, AppError> {
    let after = match decode_cursor(&params.after) {
        Some(Cursor::At(at, id)) => Some((at, id)),
        _ => None,
    };
    let first_page = after.is_none();
    let now = state.clock.naive_now();
    let (rows, evidence, waiting, total, mut flags, shared) = db::run(&state.pool, move |conn| {
        let rows = registration::review_queue(conn, after, PAGE_SIZE + 1)?;
        let policy = policy::current(conn)?.value;
        let ids: Vec<String> = rows
            .iter()
            .take(PAGE_SIZE as usize)
            .map(|l| l.id.clone())
            .collect();
        let found = review_evidence::summarize_all(conn, &ids, &policy, now.date())?;
        let waiting = if first_page {
            registration::waiting_for_partner(conn, 50)?
        } else {
            Vec::new()
        };
        let flags = flag::open_for(conn, &ids)?;
        let shared = if first_page {
            open_shared(conn)?
        } else {
            Vec::new()
        };
        Ok((
            rows,
            found,
            waiting,
            registration::count_in_review(conn)?,
            flags,
            shared,
        ))
    })
    .await?;
    let next_href = (rows.len() as i64 > PAGE_SIZE)
        .then(|| rows.get(PAGE_SIZE as usize - 1))
        .flatten()
        .and_then(|l| l.review_due_at.map(|at| Cursor::At(at, l.id.clone())))
        .map(|c| format!("/review?after={}", encode_cursor(&c)));
    let items = rows
        .into_iter()
        .zip(evidence)
        .map(|(l, e)| QueueItem {
            flags: flags.remove(&l.id).unwrap_or_default(),
            reg: RegistrationView::line(l, now),
            has_conflicts: !e.is_empty(),
            evidence: e.text(),
        })
        .collect();
    render(&QueuePage {
        layout: Layout::signed(&signed, "/review"),
        items,
        waiting: waiting
            .into_iter()
            .map(|l| RegistrationView::line(l, now))
            .collect(),
        shared: shared
            .into_iter()
            .map(|(l, message)| SharedItem {
                reg: RegistrationView::listed(&l, now),
                message,
            })
            .collect(),
        total,
        next_href,
        first_page,
    })
}
