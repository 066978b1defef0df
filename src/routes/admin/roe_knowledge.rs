//! Which rule is misunderstood and by whom: check accuracy per question, partners beside
//! direct sales, across versions; the questions organisations miss most; overdue re-checks.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::{AdminOnly, Signed};
use crate::db;
use crate::db::models::{roe as store, roe_knowledge};
use crate::domain::dates::date_time;
use crate::domain::roe_knowledge::{QuestionAccuracy, by_question, most_missed};
use crate::error::AppError;
use crate::routes::export::{self, RoeKnowledge};
use crate::routes::layout::Layout;
use crate::routes::render;
use crate::state::AppState;

/// How many (question, organisation) pairs and overdue people the page lists.
const SHOWN: usize = 50;

pub struct QuestionRow {
    pub version: i64,
    pub number: i32,
    pub prompt: String,
    pub explanation: String,
    pub partners: String,
    pub sales: String,
    pub gap: String,
}

pub struct MissedRow {
    pub version: i64,
    pub number: i32,
    pub prompt: String,
    pub org: String,
    pub answers: String,
}

pub struct OverdueRow {
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub org: String,
    pub due: String,
}

#[derive(Template)]
#[template(path = "admin/roe_knowledge.html")]
struct Page {
    layout: Layout,
    questions: Vec<QuestionRow>,
    missed: Vec<MissedRow>,
    overdue: Vec<OverdueRow>,
}

pub async fn show(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.naive_now();
    let (versions, questions, by_org, overdue) = db::run(&state.pool, move |conn| {
        Ok((
            store::history(conn)?,
            roe_knowledge::by_question(conn)?,
            roe_knowledge::by_org(conn)?,
            roe_knowledge::overdue(conn, now, SHOWN as i64)?,
        ))
    })
    .await?;
    // The question's words, from the version it belongs to.
    let question = |version: i64, index: i32| {
        versions
            .iter()
            .find(|v| v.version == version)
            .and_then(|v| v.questions.get(usize::try_from(index).ok()?))
    };
    let row = |q: &QuestionAccuracy| QuestionRow {
        version: q.version,
        number: q.question + 1,
        prompt: question(q.version, q.question).map_or(String::new(), |x| x.prompt.clone()),
        explanation: question(q.version, q.question)
            .map_or(String::new(), |x| x.explanation.clone()),
        partners: q.partners.label(),
        sales: q.sales.label(),
        gap: q.gap(),
    };
    render(&Page {
        layout: Layout::signed(&signed, "/admin/roe"),
        questions: by_question(&questions).iter().map(row).collect(),
        missed: most_missed(&by_org, SHOWN)
            .into_iter()
            .map(|m| MissedRow {
                version: m.version,
                number: m.question + 1,
                prompt: question(m.version, m.question).map_or(String::new(), |x| x.prompt.clone()),
                org: m.org,
                answers: m.answers.label(),
            })
            .collect(),
        overdue: overdue
            .into_iter()
            .map(|o| OverdueRow {
                name: o.name,
                email: o.email,
                role: o.role.label(),
                org: o.org.unwrap_or_default(),
                due: date_time(o.due_at),
            })
            .collect(),
    })
}

/// The per-question table as CSV.
pub async fn csv(
    _signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    export::download(&state, RoeKnowledge).await
}
