//! The rules of engagement for partners and sales reps: read the version in force, answer
//! its check and acknowledge it; later, answer one spaced re-check question at a time.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::{Acknowledgers, Allowed, Signed};
use crate::auth::{self};
use crate::db::{self};
use crate::domain::dates::{date, date_time};
use crate::domain::errors::FieldErrors;
use crate::domain::roe::{ANSWER_FIELDS, Graded, Question, parse_answers, render_markdown};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{render, render_with, see_other};
use crate::state::AppState;
use crate::workflow::roe::{self as flow, AckOutcome, RecheckOutcome};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/roe", web::get().to(show))
        .route("/roe", web::post().to(acknowledge))
        .route("/roe/recheck", web::get().to(recheck))
        .route("/roe/recheck", web::post().to(answer_recheck));
}

/// The notice on a user's home page: acknowledge the rules, or answer a due re-check.
pub struct Prompt {
    pub tone: &'static str,
    pub text: String,
    pub href: &'static str,
    pub link: &'static str,
}

/// What the home page of `signed` should prompt for, if anything.
pub async fn prompt<R: Allowed>(
    signed: &Signed<R>,
    state: &AppState,
) -> Result<Option<Prompt>, AppError> {
    let (role, user_id) = (signed.role, signed.user.id.clone());
    let now = state.clock.naive_now();
    db::run(&state.pool, move |conn| {
        Ok(prompt_in(conn, role, &user_id, now)?)
    })
    .await
}

/// [`prompt`] on the caller's connection, for a page that reads its data in one go.
pub fn prompt_in(
    conn: &mut crate::db::DbConnection,
    role: Role,
    user_id: &str,
    now: chrono::NaiveDateTime,
) -> diesel::QueryResult<Option<Prompt>> {
    if !crate::domain::roe::acknowledges(role) {
        return Ok(None);
    }
    let must = flow::version_to_acknowledge(conn, user_id, role)?;
    let due = match must {
        Some(_) => false,
        None => flow::due_recheck(conn, user_id, role, now)?.is_some(),
    };
    Ok(match (must, due) {
        (Some(version), _) => Some(Prompt {
            tone: "warn",
            text: format!(
                "Version {version} of the rules of engagement is in force. {}",
                if role == Role::Sales {
                    "Acknowledge it before you ask to assist on a partner's deal."
                } else {
                    "Acknowledge it before you register new deals."
                }
            ),
            href: "/roe",
            link: "Read and acknowledge the rules",
        }),
        (None, true) => Some(Prompt {
            tone: "",
            text: "One quick question on the rules of engagement, to keep them fresh.".into(),
            href: "/roe/recheck",
            link: "Answer it now",
        }),
        (None, false) => None,
    })
}

/// A question on a page, with the user's answer and, after grading, its result.
pub struct QuestionView {
    pub number: usize,
    pub name: &'static str,
    pub prompt: String,
    /// (value, text, checked)
    pub options: Vec<(String, String, bool)>,
    /// After grading: right or wrong.
    pub result: Option<bool>,
    pub explanation: String,
}

fn question_view(
    i: usize,
    name: &'static str,
    q: &Question,
    chosen: Option<usize>,
    result: Option<bool>,
) -> QuestionView {
    QuestionView {
        number: i + 1,
        name,
        prompt: q.prompt.clone(),
        options: q
            .options
            .iter()
            .enumerate()
            .map(|(j, o)| ((j + 1).to_string(), o.clone(), chosen == Some(j)))
            .collect(),
        result,
        explanation: q.explanation.clone(),
    }
}

#[derive(Template)]
#[template(path = "roe/show.html")]
struct RoePage {
    layout: Layout,
    version: Option<i64>,
    published: String,
    summary: String,
    html: String,
    acknowledged: Option<String>,
    questions: Vec<QuestionView>,
    read: bool,
    errors: FieldErrors,
    wrong: usize,
    consequence: &'static str,
}

/// The answers as sent, and their grades once graded.
type Answered = (Vec<Option<usize>>, Option<Vec<Graded>>);

async fn page(
    signed: &Signed<Acknowledgers>,
    state: &AppState,
    answers: Option<Answered>,
    read: bool,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let user_id = signed.user.id.clone();
    let role = signed.role;
    let standing = db::run(&state.pool, move |conn| {
        Ok(flow::standing(conn, &user_id, role)?)
    })
    .await?;
    let (chosen, graded) = answers.unwrap_or_default();
    let current = standing.current.as_ref();
    let questions = current
        .map(|c| {
            c.questions
                .iter()
                .zip(ANSWER_FIELDS)
                .enumerate()
                .map(|(i, (q, name))| {
                    question_view(
                        i,
                        name,
                        q,
                        chosen.get(i).copied().flatten(),
                        graded.as_ref().and_then(|g| g.get(i)).map(|g| g.correct),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let wrong = graded
        .as_ref()
        .map_or(0, |g| g.iter().filter(|g| !g.correct).count());
    let status = if wrong > 0 || !errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_with(
        status,
        &RoePage {
            layout: Layout::signed(signed, "/roe"),
            version: current.map(|c| c.version),
            published: current.map(|c| date(c.published_at)).unwrap_or_default(),
            summary: current.map(|c| c.summary.clone()).unwrap_or_default(),
            html: current
                .map(|c| render_markdown(&c.body))
                .unwrap_or_default(),
            acknowledged: standing.acknowledged_at.map(date_time),
            questions,
            read,
            errors,
            wrong,
            consequence: if signed.role == Role::Sales {
                "Until you do, you cannot ask to assist on a partner's deal."
            } else {
                "Until you do, you cannot register new deals."
            },
        },
    )
}

pub async fn show(
    signed: Signed<Acknowledgers>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    page(&signed, &state, None, false, FieldErrors::new()).await
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Where a user goes once acknowledged: a partner back to the registration form.
fn after_acknowledging(role: Role) -> &'static str {
    match role {
        Role::Partner => "/partner/deals/new",
        other => other.home_path(),
    }
}

pub async fn acknowledge(
    signed: Signed<Acknowledgers>,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.into_inner();
    let version: i64 = field(&pairs, "version")
        .parse()
        .map_err(|_| AppError::bad_request("The form did not say which version you read."))?;
    let read = !field(&pairs, "read").is_empty();
    let answers = parse_answers(&pairs, ANSWER_FIELDS.len());
    if !read {
        let mut errors = FieldErrors::new();
        errors.add(
            "read",
            "Confirm that you have read the rules and will follow them.",
        );
        return page(&signed, &state, Some((answers, None)), read, errors).await;
    }
    let who = signed.who();
    let now = state.clock.naive_now();
    let given = answers.clone();
    let outcome = db::run(&state.pool, move |conn| {
        Ok(flow::acknowledge(conn, &who, version, &given, now)?)
    })
    .await?;
    match outcome {
        AckOutcome::Acknowledged => {
            tracing::info!(user_id = %signed.user.id, version, "rules of engagement acknowledged");
            auth::flash(
                &signed.session,
                format!(
                    "Thank you: you have acknowledged version {version} of the rules of engagement."
                ),
            );
            Ok(see_other(after_acknowledging(signed.role)))
        }
        AckOutcome::Already => {
            auth::flash(
                &signed.session,
                format!("You had already acknowledged version {version}."),
            );
            Ok(see_other(after_acknowledging(signed.role)))
        }
        AckOutcome::Stale => {
            auth::flash(
                &signed.session,
                "A new version of the rules was published while you were reading. Read this one and answer its questions.",
            );
            Ok(see_other("/roe"))
        }
        AckOutcome::Wrong(graded) => {
            page(
                &signed,
                &state,
                Some((answers, Some(graded))),
                read,
                FieldErrors::new(),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "roe/recheck.html")]
struct RecheckPage {
    layout: Layout,
    home: &'static str,
    due: Option<(i64, usize)>,
    question: Option<QuestionView>,
    /// After a wrong answer: when it is asked again.
    next: Option<String>,
    error: Option<&'static str>,
}

impl RecheckPage {
    /// The page asking the question that is due, if any.
    fn asking(
        signed: &Signed<Acknowledgers>,
        due: Option<flow::DueRecheck>,
        error: Option<&'static str>,
    ) -> Self {
        RecheckPage {
            layout: Layout::signed(signed, "/roe"),
            home: signed.role.home_path(),
            question: due
                .as_ref()
                .map(|d| question_view(d.index, "answer", &d.question, None, None)),
            due: due.map(|d| (d.version, d.index)),
            next: None,
            error,
        }
    }
}

pub async fn recheck(
    signed: Signed<Acknowledgers>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let user_id = signed.user.id.clone();
    let role = signed.role;
    let now = state.clock.naive_now();
    let due = db::run(&state.pool, move |conn| {
        Ok(flow::due_recheck(conn, &user_id, role, now)?)
    })
    .await?;
    render(&RecheckPage::asking(&signed, due, None))
}

pub async fn answer_recheck(
    signed: Signed<Acknowledgers>,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.into_inner();
    let version: i64 = field(&pairs, "version").parse().unwrap_or(0);
    let index: usize = field(&pairs, "question").parse().unwrap_or(usize::MAX);
    let chosen = field(&pairs, "answer")
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1));
    let user_id = signed.user.id.clone();
    let role = signed.role;
    let now = state.clock.naive_now();
    if chosen.is_none() {
        let due = db::run(&state.pool, move |conn| {
            Ok(flow::due_recheck(conn, &user_id, role, now)?)
        })
        .await?;
        return render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &RecheckPage::asking(&signed, due, Some("Choose one of the answers.")),
        );
    }
    let outcome = db::run(&state.pool, move |conn| {
        Ok(flow::answer_recheck(
            conn, &user_id, role, version, index, chosen, now,
        )?)
    })
    .await?;
    match outcome {
        RecheckOutcome::Correct { next_due } => {
            auth::flash(
                &signed.session,
                format!("Right. The next question comes around {}.", date(next_due)),
            );
            Ok(see_other(signed.role.home_path()))
        }
        RecheckOutcome::Wrong {
            due,
            chosen,
            next_due,
        } => render(&RecheckPage {
            layout: Layout::signed(&signed, "/roe"),
            home: signed.role.home_path(),
            question: Some(question_view(
                due.index,
                "answer",
                &due.question,
                chosen,
                Some(false),
            )),
            due: None,
            next: Some(date(next_due)),
            error: None,
        }),
        RecheckOutcome::NotDue => {
            auth::flash(&signed.session, "There is no question to answer now.");
            Ok(see_other(signed.role.home_path()))
        }
    }
}
