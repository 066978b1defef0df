//! "Ask to assist": a sales rep offers to co-sell on a partner's locked registration. The
//! rules of engagement in force must be acknowledged first.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{self, guard::SalesOnly, guard::Signed};
use crate::db::models::{assist, registration};
use crate::db::{self};
use crate::domain::dates::date;
use crate::domain::lifecycle::Status;
use crate::domain::money::format_amount;
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{render_with, see_other};
use crate::state::AppState;
use crate::workflow::assist::{AssistError, rep_in_territory, request};

#[derive(Template)]
#[template(path = "sales/assist.html")]
struct AssistPage {
    layout: Layout,
    id: String,
    company_name: String,
    amount: String,
    protected_until: String,
    locked: bool,
    /// This rep's request, if any, in words.
    mine: Option<&'static str>,
    outside_territory: bool,
    /// The rules-of-engagement version to acknowledge before asking.
    must_acknowledge: Option<i64>,
    problem: Option<String>,
    note: String,
}

#[derive(Deserialize)]
pub struct AssistForm {
    #[serde(default)]
    note: String,
}

async fn page(
    signed: &Signed<SalesOnly>,
    state: &AppState,
    id: String,
    status: StatusCode,
    problem: Option<String>,
    note: String,
) -> Result<HttpResponse, AppError> {
    let rep = signed.user.id.clone();
    let (reg, mine, in_territory, must) = db::run(&state.pool, move |conn| {
        let reg = registration::find(conn, &id)?.ok_or(AppError::NotFound)?;
        let mine = assist::for_registration(conn, &reg.id)?
            .into_iter()
            .find(|a| a.rep_id == rep)
            .map(|a| a.status().label());
        let in_territory = rep_in_territory(conn, &rep, &reg)?;
        let must = crate::workflow::roe::version_to_acknowledge(
            conn,
            &rep,
            crate::domain::role::Role::Sales,
        )?;
        Ok((reg, mine, in_territory, must))
    })
    .await?;
    render_with(
        status,
        &AssistPage {
            layout: Layout::signed(signed, "/sales"),
            id: reg.id.clone(),
            company_name: reg.company_name.clone(),
            amount: format_amount(reg.amount_minor, &reg.currency),
            protected_until: reg.state.protection_ends_at.map(date).unwrap_or_default(),
            locked: reg.status() == Status::Approved,
            mine,
            outside_territory: !in_territory,
            must_acknowledge: must,
            problem,
            note,
        },
    )
}

pub async fn show(
    signed: Signed<SalesOnly>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    page(
        &signed,
        &state,
        path.into_inner(),
        StatusCode::OK,
        None,
        String::new(),
    )
    .await
}

pub async fn ask(
    signed: Signed<SalesOnly>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<AssistForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let note = form.into_inner().note;
    if note.chars().count() > 2000 {
        return page(
            &signed,
            &state,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Keep the note under 2,000 characters.".into()),
            note,
        )
        .await;
    }
    let now = state.clock.naive_now();
    let config = state.config.clone();
    let rep = signed.user.clone();
    let (rid, n) = (id.clone(), note.clone());
    let result = db::run(&state.pool, move |conn| {
        Ok(request(conn, &config, &rid, &rep, &n, now))
    })
    .await?;
    match result {
        Ok(reg) => {
            tracing::info!(rep = %signed.user.id, registration = %reg.id, "asked to assist");
            auth::flash(
                &signed.session,
                format!(
                    "Your request to assist on {} was sent to the partner.",
                    reg.company_name
                ),
            );
            Ok(see_other(&format!(
                "/sales/registrations/{}/assist",
                reg.id
            )))
        }
        Err(AssistError::NotFound) => Err(AppError::NotFound),
        Err(AssistError::MustAcknowledge(v)) => {
            page(
                &signed,
                &state,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(format!(
                    "Acknowledge the rules of engagement (version {v}) before you ask to assist."
                )),
                note,
            )
            .await
        }
        Err(AssistError::Refused(message)) => {
            page(
                &signed,
                &state,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message.into()),
                note,
            )
            .await
        }
        Err(AssistError::Db(e)) => Err(e.into()),
    }
}
