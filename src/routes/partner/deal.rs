//! A registration's page for its partner: all fields, the timeline, and the actions its
//! state allows (withdraw, renew, answer, close won or lost).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::{self, guard::PartnerOnly, guard::Signed};
use crate::db::models::{dispute, registration};
use crate::db::{self};
use crate::domain::dispute::Raiser;
use crate::domain::errors::FieldErrors;
use crate::domain::lifecycle::Actor;
use crate::error::AppError;
use crate::routes::actions::{self, Action, ActionForm, ActionResult};
use crate::routes::layout::Layout;
use crate::routes::view::{Detail, Kept};
use crate::routes::{render_with, see_other};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "partner/deal.html")]
struct DealPage {
    layout: Layout,
    d: Detail,
    /// The organisation's disputes about this registration, newest first.
    disputes: Vec<crate::routes::disputes::DisputeView>,
    can_dispute: bool,
    errors: FieldErrors,
    kept: Kept,
    problem: Option<String>,
}

async fn page(
    signed: &Signed<PartnerOnly>,
    state: &AppState,
    id: String,
    status: StatusCode,
    errors: FieldErrors,
    kept: Kept,
    problem: Option<String>,
) -> Result<HttpResponse, AppError> {
    let org = signed.org.clone().ok_or(AppError::Forbidden)?;
    let now = state.clock.naive_now();
    let user_id = signed.user.id.clone();
    let (d, disputes, can_dispute) = db::run(&state.pool, move |conn| {
        let Some(r) = registration::find_in_org(conn, &id, &org.id)? else {
            tracing::warn!(user = %user_id, registration = %id, "partner asked for a registration outside their organisation (or none)");
            return Err(AppError::NotFound);
        };
        let disputes: Vec<_> = dispute::on_registration(conn, &r.id)?
            .into_iter()
            .filter(|d| d.raiser_org_id.as_deref() == Some(org.id.as_str()))
            .map(|d| crate::routes::disputes::DisputeView::new(&d, now))
            .collect();
        let can_dispute = crate::domain::dispute::may_raise(Raiser::Partner, r.status()).is_ok()
            && dispute::open_on(conn, &r.id)?.is_none();
        Ok((
            Detail::load(conn, &r, &org.name, now, false)?,
            disputes,
            can_dispute,
        ))
    })
    .await?;
    render_with(
        status,
        &DealPage {
            layout: Layout::signed(signed, "/partner"),
            d,
            disputes,
            can_dispute,
            errors,
            kept,
            problem,
        },
    )
}

pub async fn show(
    signed: Signed<PartnerOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    page(
        &signed,
        &state,
        id.into_inner(),
        StatusCode::OK,
        FieldErrors::new(),
        Kept::none(),
        None,
    )
    .await
}

async fn act(
    signed: Signed<PartnerOnly>,
    state: web::Data<AppState>,
    id: String,
    action: Action,
    form: ActionForm,
) -> Result<HttpResponse, AppError> {
    let org_id = signed.org_id()?.to_owned();
    let kept = Kept(form.kept());
    let outcome = actions::perform(
        &state,
        signed.who(),
        Some(org_id),
        Actor::Partner,
        id.clone(),
        action,
        form,
    )
    .await;
    match outcome {
        Ok(ActionResult::Done(message)) => {
            tracing::info!(user = %signed.user.id, registration = %id, ?action, "partner action done");
            auth::flash(&signed.session, message);
            Ok(see_other(&format!("/partner/deals/{id}")))
        }
        Ok(ActionResult::Invalid(errors)) => {
            page(
                &signed,
                &state,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                kept,
                None,
            )
            .await
        }
        Ok(ActionResult::Refused(message)) => {
            page(
                &signed,
                &state,
                id,
                StatusCode::CONFLICT,
                FieldErrors::new(),
                kept,
                Some(message),
            )
            .await
        }
        Err(AppError::NotFound) => {
            tracing::warn!(user = %signed.user.id, registration = %id, ?action, "partner acted on a registration outside their organisation (or none)");
            Err(AppError::NotFound)
        }
        Err(e) => Err(e),
    }
}

macro_rules! partner_action {
    ($name:ident, $action:expr) => {
        pub async fn $name(
            signed: Signed<PartnerOnly>,
            state: web::Data<AppState>,
            id: web::Path<String>,
            form: web::Form<ActionForm>,
        ) -> Result<HttpResponse, AppError> {
            act(signed, state, id.into_inner(), $action, form.into_inner()).await
        }
    };
}

partner_action!(withdraw, Action::Withdraw);
partner_action!(renew, Action::Renew);
partner_action!(answer, Action::Answer);
partner_action!(close_won, Action::CloseWon);
partner_action!(close_lost, Action::CloseLost);

async fn answer_assist(
    signed: Signed<PartnerOnly>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    accept: bool,
) -> Result<HttpResponse, AppError> {
    use crate::workflow::assist::{AssistError, answer};
    let org_id = signed.org_id()?.to_owned();
    let (id, assist_id) = path.into_inner();
    let now = state.clock.naive_now();
    let config = state.config.clone();
    let by = signed.user.id.clone();
    let rid = id.clone();
    let result = db::run(&state.pool, move |conn| {
        Ok(answer(
            conn, &config, &rid, &org_id, &assist_id, accept, &by, now,
        ))
    })
    .await?;
    match result {
        Ok(()) => {
            tracing::info!(user = %signed.user.id, registration = %id, accept, "partner answered an assist request");
            auth::flash(
                &signed.session,
                if accept {
                    "The rep is now assisting on this deal. Your commission stays protected."
                } else {
                    "The assist request was declined."
                },
            );
            Ok(see_other(&format!("/partner/deals/{id}")))
        }
        Err(AssistError::NotFound) => Err(AppError::NotFound),
        Err(AssistError::Refused(message)) => {
            page(
                &signed,
                &state,
                id,
                StatusCode::CONFLICT,
                FieldErrors::new(),
                Kept::none(),
                Some(message.into()),
            )
            .await
        }
        Err(AssistError::MustAcknowledge(_)) => Err(AppError::Forbidden),
        Err(AssistError::Db(e)) => Err(e.into()),
    }
}

pub async fn accept_assist(
    signed: Signed<PartnerOnly>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    answer_assist(signed, state, path, true).await
}

pub async fn decline_assist(
    signed: Signed<PartnerOnly>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    answer_assist(signed, state, path, false).await
}
