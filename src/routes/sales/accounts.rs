//! A CRM account as a rep works it: its facts, its direct opportunities, and a form to log a
//! new one. The last activity date keeps "active engagement" true to the field.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::{LockCheckers, Signed};
use crate::auth::{self};
use crate::db::models::crm::{self, Account, NewOpportunity, Opportunity};
use crate::db::models::policy;
use crate::db::{self, write_tx};
use crate::domain::errors::FieldErrors;
use crate::domain::opportunity::{OpportunityForm, STAGES, validate};
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{Options, render, render_invalid, see_other};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "sales/account.html")]
struct AccountPage {
    layout: Layout,
    account: Account,
    /// The lock check for this account's name.
    back_link: String,
    opportunities: Vec<Opportunity>,
    /// Activity on or after this date counts as active engagement.
    active_since: chrono::NaiveDate,
    my_email: String,
    form: OpportunityForm,
    errors: FieldErrors,
    stages: Options,
    currencies: Options,
}

async fn page(
    signed: &Signed<LockCheckers>,
    state: &AppState,
    id: String,
    form: Option<OpportunityForm>,
    errors: FieldErrors,
) -> Result<AccountPage, AppError> {
    let today = state.clock.naive_now().date();
    let (account, opportunities, policy) = db::run(&state.pool, move |conn| {
        let account = crm::find(conn, &id)?.ok_or(AppError::NotFound)?;
        let opportunities = crm::opportunities_of(conn, &account.id)?;
        Ok((account, opportunities, policy::current(conn)?.value))
    })
    .await?;
    let form = form.unwrap_or_else(|| OpportunityForm {
        stage: STAGES[0].to_owned(),
        currency: policy.currency.clone(),
        last_activity_on: crate::domain::dates::iso_day(today),
        ..OpportunityForm::default()
    });
    let q: String = url::form_urlencoded::byte_serialize(account.name.as_bytes()).collect();
    Ok(AccountPage {
        layout: Layout::signed(signed, "/sales"),
        back_link: format!("/sales?q={q}"),
        account,
        opportunities,
        active_since: policy.active_since(today),
        my_email: signed.user.email.clone(),
        form,
        errors,
        stages: STAGES
            .iter()
            .map(|s| (s.to_string(), s.to_string()))
            .collect(),
        currencies: policy
            .accepted_currencies()
            .into_iter()
            .map(|c| (c.to_owned(), c.to_owned()))
            .collect(),
    })
}

pub async fn show(
    signed: Signed<LockCheckers>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    render(&page(&signed, &state, path.into_inner(), None, FieldErrors::new()).await?)
}

pub async fn log_opportunity(
    signed: Signed<LockCheckers>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<OpportunityForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let form = form.into_inner();
    let now = state.clock.naive_now();
    let policy = db::run(&state.pool, |conn| Ok(policy::current(conn)?.value)).await?;
    let valid = match validate(&form, &policy, now.date()) {
        Ok(v) => v,
        Err(errors) => {
            return render_invalid(&page(&signed, &state, id, Some(form), errors).await?);
        }
    };
    let (account_id, owner) = (id.clone(), signed.user.email.clone());
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            crm::find(conn, &account_id)?.ok_or(AppError::NotFound)?;
            crm::insert_opportunity(
                conn,
                &NewOpportunity {
                    account_id: &account_id,
                    owner_email: &owner,
                    stage: valid.stage,
                    amount_minor: valid.amount_minor,
                    currency: valid.currency,
                    last_activity_on: valid.last_activity_on,
                },
                now,
            )?;
            Ok::<_, AppError>(())
        })
    })
    .await?;
    tracing::info!(user_id = %signed.user.id, account_id = %id, "direct opportunity logged");
    auth::flash(
        &signed.session,
        "Opportunity logged. Partners registering this account now see the direct engagement.",
    );
    Ok(see_other(&format!("/sales/accounts/{id}")))
}

pub async fn record_activity(
    signed: Signed<LockCheckers>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let opportunity_id = path.into_inner();
    let today = state.clock.naive_now().date();
    let (id, owner) = (opportunity_id.clone(), signed.user.email.clone());
    let account = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            Ok(crm::record_activity(conn, &id, &owner, today)?)
        })
    })
    .await?;
    let Some(account_id) = account else {
        tracing::warn!(user_id = %signed.user.id, opportunity_id = %opportunity_id, "activity refused: not this rep's opportunity");
        return Err(AppError::NotFound);
    };
    auth::flash(&signed.session, "Activity recorded for today.");
    Ok(see_other(&format!("/sales/accounts/{account_id}")))
}
