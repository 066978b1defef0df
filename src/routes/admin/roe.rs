//! The rules of engagement, for admins: publish a new version (document, "what changed",
//! comprehension check), each version with its diff against the previous one, and who has
//! acknowledged the version in force.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::{self, guard::AdminOnly, guard::Signed};
use crate::db::models::roe::{self as store, RoeVersion};
use crate::db::{self, is_unique_violation};
use crate::domain::dates::date_time;
use crate::domain::errors::FieldErrors;
use crate::domain::roe::{
    ACCURACY_DAYS, DiffLine, Question, RoeForm, SLOT_FIELDS, SlotForm, line_diff, render_markdown,
    validate,
};
use crate::error::AppError;
use crate::routes::export::{self, Acknowledgements};
use crate::routes::layout::Layout;
use crate::routes::{render, render_invalid, see_other};
use crate::state::AppState;

use super::settings::HistoryRow;
use crate::workflow::roe::{self as flow, OrgStanding, Overview, PersonStanding, PublishError};

/// A question slot on the form, with its field names.
pub struct SlotView {
    pub number: usize,
    pub names: [&'static str; 4],
    pub slot: SlotForm,
}

pub struct VersionRow {
    pub version: i64,
    pub summary: String,
    pub by: String,
    pub at: String,
    pub questions: usize,
}

fn row(v: &RoeVersion) -> VersionRow {
    VersionRow {
        version: v.version,
        summary: v.summary.clone(),
        by: v.published_by_name.clone(),
        at: date_time(v.published_at),
        questions: v.questions.len(),
    }
}

#[derive(Template)]
#[template(path = "admin/roe.html")]
struct RoePage {
    layout: Layout,
    form: RoeForm,
    slots: Vec<SlotView>,
    errors: FieldErrors,
    /// Set when the draft is valid and waits for the admin to confirm: who would be emailed.
    confirm: Option<usize>,
    current: Option<i64>,
    history: Vec<HistoryRow>,
}

async fn page(
    signed: &Signed<AdminOnly>,
    state: &AppState,
    form: Option<RoeForm>,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    page_with(signed, state, form, errors, None).await
}

async fn page_with(
    signed: &Signed<AdminOnly>,
    state: &AppState,
    form: Option<RoeForm>,
    errors: FieldErrors,
    confirm: Option<usize>,
) -> Result<HttpResponse, AppError> {
    let history = db::run(&state.pool, |conn| Ok(store::history(conn)?)).await?;
    let current = history.first();
    let form = form.unwrap_or_else(|| {
        current.map_or_else(RoeForm::default, |c| {
            RoeForm::from_version(&c.body, &c.questions)
        })
    });
    let slots = form
        .slots
        .iter()
        .zip(SLOT_FIELDS)
        .enumerate()
        .map(|(i, (slot, names))| SlotView {
            number: i + 1,
            names,
            slot: slot.clone(),
        })
        .collect();
    let invalid = !errors.is_empty();
    let page = RoePage {
        layout: Layout::signed(signed, "/admin/roe"),
        slots,
        form,
        errors,
        confirm,
        current: current.map(|c| c.version),
        history: history
            .iter()
            .map(|v| {
                let r = row(v);
                HistoryRow {
                    version: r.version,
                    href: Some(format!("/admin/roe/versions/{}", r.version)),
                    by: r.by,
                    at: r.at,
                    lines: vec![
                        r.summary,
                        format!(
                            "{} question{}",
                            r.questions,
                            if r.questions == 1 { "" } else { "s" }
                        ),
                    ],
                }
            })
            .collect(),
    };
    if invalid {
        render_invalid(&page)
    } else {
        render(&page)
    }
}

pub async fn show(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    page(&signed, &state, None, FieldErrors::new()).await
}

pub async fn publish(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    // Publishing emails every partner user and sales rep at once: a valid draft is shown
    // back with the number of people it will reach, and goes out only from that button.
    let confirmed = form.iter().any(|(k, v)| k == "confirm" && v == "yes");
    let form = RoeForm::from_pairs(&form);
    let draft = match validate(&form) {
        Ok(d) => d,
        Err(errors) => return page(&signed, &state, Some(form), errors).await,
    };
    if !confirmed {
        let checked = draft.clone();
        let preview = db::run(&state.pool, move |conn| Ok(flow::preview(conn, &checked))).await?;
        return match preview {
            Ok(people) => {
                page_with(
                    &signed,
                    &state,
                    Some(form),
                    FieldErrors::new(),
                    Some(people),
                )
                .await
            }
            Err(PublishError::Unchanged) => {
                let mut errors = FieldErrors::new();
                errors.add(
                    "form",
                    "The document and the questions are the same as the version in force, so there is nothing to publish.",
                );
                page(&signed, &state, Some(form), errors).await
            }
            Err(PublishError::Db(e)) => Err(e.into()),
        };
    }
    let config = state.config.clone();
    let admin = signed.who();
    let now = state.clock.naive_now();
    let result = db::run(&state.pool, move |conn| {
        Ok(flow::publish(conn, &config, &admin, &draft, now))
    })
    .await?;
    match result {
        Ok(done) => {
            tracing::info!(admin = %signed.user.id, version = done.version, emailed = done.emailed, "rules of engagement published");
            auth::flash(
                &signed.session,
                format!(
                    "Version {} of the rules of engagement is in force. {} partner users and sales reps were emailed; each must acknowledge it.",
                    done.version, done.emailed
                ),
            );
            Ok(see_other(&format!("/admin/roe/versions/{}", done.version)))
        }
        Err(PublishError::Unchanged) => {
            let mut errors = FieldErrors::new();
            errors.add(
                "form",
                "The document and the questions are the same as the version in force, so nothing was published.",
            );
            page(&signed, &state, Some(form), errors).await
        }
        Err(PublishError::Db(e)) if is_unique_violation(&e) => {
            let mut errors = FieldErrors::new();
            errors.add(
                "form",
                "Another admin published a version at the same moment. Check the history below, then publish again.",
            );
            page(&signed, &state, Some(form), errors).await
        }
        Err(PublishError::Db(e)) => Err(e.into()),
    }
}

/// A question as the version page lists it.
pub struct QuestionView {
    pub prompt: String,
    pub options: Vec<(String, bool)>,
    pub explanation: String,
}

pub fn question_views(questions: &[Question]) -> Vec<QuestionView> {
    questions
        .iter()
        .map(|q| QuestionView {
            prompt: q.prompt.clone(),
            options: q
                .options
                .iter()
                .enumerate()
                .map(|(i, o)| (o.clone(), i == q.correct))
                .collect(),
            explanation: q.explanation.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/roe_version.html")]
struct VersionPage {
    layout: Layout,
    v: VersionRow,
    html: String,
    questions: Vec<QuestionView>,
    previous: Option<i64>,
    diff: Vec<Vec<DiffLine>>,
    questions_changed: bool,
}

pub async fn version(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let number: i64 = path.parse().map_err(|_| AppError::NotFound)?;
    let (this, previous) = db::run(&state.pool, move |conn| {
        Ok(store::with_previous(conn, number)?)
    })
    .await?;
    let this = this.ok_or(AppError::NotFound)?;
    let diff = line_diff(
        previous.as_ref().map_or("", |p| p.body.as_str()),
        &this.body,
    );
    render(&VersionPage {
        layout: Layout::signed(&signed, "/admin/roe"),
        v: row(&this),
        html: render_markdown(&this.body),
        questions: question_views(&this.questions),
        previous: previous.as_ref().map(|p| p.version),
        questions_changed: previous
            .as_ref()
            .is_some_and(|p| p.questions != this.questions),
        diff,
    })
}

#[derive(Template)]
#[template(path = "admin/roe_acknowledgements.html")]
struct AcknowledgementsPage {
    layout: Layout,
    overview: Overview,
    days: i64,
}

/// "3 of 4 (75%)" or "no answers".
pub fn accuracy(correct: i64, answered: i64) -> String {
    if answered == 0 {
        "no answers".to_owned()
    } else {
        format!(
            "{correct} of {answered} correct ({}%)",
            correct * 100 / answered
        )
    }
}

pub fn person_accuracy(p: &PersonStanding) -> String {
    accuracy(p.correct, p.answered)
}

pub fn org_accuracy(o: &OrgStanding) -> String {
    accuracy(o.correct(), o.answered())
}

pub fn acknowledged(p: &PersonStanding) -> String {
    p.acknowledged_at.map(date_time).unwrap_or_default()
}

pub async fn acknowledgements(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.naive_now();
    let overview = db::run(&state.pool, move |conn| Ok(flow::overview(conn, now)?)).await?;
    render(&AcknowledgementsPage {
        layout: Layout::signed(&signed, "/admin/roe"),
        overview,
        days: ACCURACY_DAYS,
    })
}

/// One row per person who must acknowledge the rules, as CSV.
pub async fn acknowledgements_csv(
    _signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.naive_now();
    export::download(&state, Acknowledgements { now }).await
}
