//! The review queue: new registrations and renewal requests, most urgent first, each with
//! its SLA state and a summary of the conflict evidence.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::guard::{Reviewer, Signed};
use crate::db;
use crate::db::models::flag::{self, Flag};
use crate::db::models::registration::{self, Cursor, Waiting};
use crate::domain::flag::FlagKind;
use crate::domain::money::count_of;
use crate::error::AppError;
use crate::routes::export::{self, ReviewQueue};
use crate::routes::layout::Layout;
use crate::routes::render;
use crate::routes::view::{RegistrationView, decode_cursor, encode_cursor};
use crate::state::AppState;
use crate::workflow::review_queue::{PageSize, QueueMemo};

const PAGE_SIZE: i64 = 25;

/// How many registrations waiting for their partner's answer the first page lists, the
/// oldest first; the rest are a link away, in the list of every registration filtered to
/// them.
const WAITING_SHOWN: usize = 10;

/// Where every registration waiting for its partner's answer is listed, the oldest first.
const WAITING_HREF: &str = "/review/registrations?status=info_requested&sort=oldest";

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

/// A line of the queue as the page shows it (see [`crate::workflow::review_queue::QueueItem`]).
pub struct QueueLine {
    pub reg: RegistrationView,
    pub evidence: String,
    pub has_conflicts: bool,
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
    items: Vec<QueueLine>,
    waiting: Vec<Waiting>,
    /// Where the rest of the waiting registrations are, when there are more than shown.
    waiting_more_href: Option<&'static str>,
    shared: Vec<SharedItem>,
    /// "3,500 items".
    total: String,
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
    memo: web::Data<QueueMemo>,
    params: web::Query<QueueParams>,
) -> Result<HttpResponse, AppError> {
    let after = match decode_cursor(&params.after) {
        Some(Cursor::At(at, id)) => Some((at, id)),
        _ => None,
    };
    let first_page = after.is_none();
    let now = state.clock.naive_now();
    let size = PageSize {
        lines: PAGE_SIZE + 1,
        waiting: WAITING_SHOWN as i64 + 1,
    };
    let (page, shared) = db::run(&state.pool, move |conn| {
        let page = memo.page(conn, after, size, now)?;
        // Read at every request, not kept: a shared prospect's line shows its registration's
        // status, which the version of the queue does not follow outside review.
        let shared = if first_page {
            open_shared(conn)?
        } else {
            Vec::new()
        };
        Ok((page, shared))
    })
    .await?;
    let next_href = (page.items.len() as i64 > PAGE_SIZE)
        .then(|| page.items.get(PAGE_SIZE as usize - 1))
        .flatten()
        .and_then(|item| {
            let l = &item.line;
            l.review_due_at.map(|at| Cursor::At(at, l.id.clone()))
        })
        .map(|c| format!("/review?after={}", encode_cursor(&c)));
    let items = page
        .items
        .iter()
        .take(PAGE_SIZE as usize)
        .map(|item| QueueLine {
            reg: RegistrationView::line(item.line.clone(), now),
            has_conflicts: !item.evidence.is_empty(),
            evidence: item.evidence.text(),
            flags: item.flags.clone(),
        })
        .collect();
    let waiting_more_href = (page.waiting.len() > WAITING_SHOWN).then_some(WAITING_HREF);
    let waiting = page.waiting.iter().take(WAITING_SHOWN).cloned().collect();
    render(&QueuePage {
        layout: Layout::signed(&signed, "/review"),
        items,
        waiting,
        waiting_more_href,
        shared: shared
            .into_iter()
            .map(|(l, message)| SharedItem {
                reg: RegistrationView::listed(&l, now),
                message,
            })
            .collect(),
        total: count_of(page.total, "item", "items"),
        next_href,
        first_page,
    })
}
