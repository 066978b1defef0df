//! "Register a deal": the form, the availability check (server-side button, and live when
//! JavaScript is on), and the submission.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{self, guard::PartnerOnly, guard::Signed};
use crate::db::models::{policy, territory};
use crate::db::{self};
use crate::domain::errors::FieldErrors;
use crate::domain::lifecycle::Status;
use crate::domain::registration::{INDUSTRIES, RegistrationForm, countries, prospect_keys};
use crate::domain::territory as territory_rules;
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{Options, render, render_invalid, render_with, see_other};
use crate::state::AppState;
use crate::workflow::availability::{self, Availability};
use crate::workflow::roe;
use crate::workflow::submit::{self, SubmitError};

#[derive(Template)]
#[template(path = "partner/register.html")]
struct RegisterPage {
    layout: Layout,
    form: RegistrationForm,
    errors: FieldErrors,
    availability: Option<Availability>,
    countries: Options,
    industries: Options,
    currencies: Options,
    amount_hint: String,
    /// The rules-of-engagement version the partner must acknowledge before submitting.
    roe_required: Option<i64>,
    /// On the page the territory's word stands next to the country field (an error).
    territory: Option<Territory>,
}

/// What the territories say about the prospect's country and industry, when they object.
struct Territory {
    message: String,
    /// The registration would be refused (block mode, or reserved for direct sales); else
    /// it may be submitted and is flagged.
    blocks: bool,
}

/// For the templates: whether the territories refuse the registration.
fn territory_blocks(t: &Option<Territory>) -> bool {
    t.as_ref().is_some_and(|t| t.blocks)
}

#[derive(Template)]
#[template(path = "partner/availability.html")]
struct AvailabilityFragment {
    availability: Option<Availability>,
    territory: Option<Territory>,
}

/// The territories' objection to a prospect in `country` and `industry` for this partner, as
/// (the field it is about, the objection).
async fn territory_check(
    state: &AppState,
    (org_id, org_name): (String, String),
    country: &str,
    industry: &str,
) -> Result<Option<(&'static str, Territory)>, AppError> {
    let (country, industry) = (country.trim().to_uppercase(), industry.trim().to_owned());
    db::run(&state.pool, move |conn| {
        let territories = territory::as_seen_by(conn, Some(&org_id))?;
        let decision =
            territory_rules::check(&territories, &org_id, &org_name, &country, &industry);
        let mode = territory::current_mode(conn)?.mode;
        let blocks = matches!(decision, territory_rules::Decision::DirectReserved { .. })
            || mode == territory_rules::Mode::Block;
        Ok(territory_rules::advice(&decision, mode)
            .map(|(field, message)| (field, Territory { message, blocks })))
    })
    .await
}

impl RegisterPage {
    fn new(
        signed: &Signed<PartnerOnly>,
        form: RegistrationForm,
        errors: FieldErrors,
        availability: Option<Availability>,
        policy: &crate::domain::policy::Policy,
    ) -> Self {
        let mut country_options = vec![(String::new(), "Choose a country".to_owned())];
        country_options.extend(countries().map(|(c, n)| (c.to_owned(), n.to_owned())));
        let mut industries = vec![(String::new(), "Choose an industry".to_owned())];
        industries.extend(INDUSTRIES.iter().map(|i| (i.to_string(), i.to_string())));
        Self {
            layout: Layout::signed(signed, "/partner/deals/new"),
            form,
            errors,
            availability,
            countries: country_options,
            industries,
            currencies: policy
                .accepted_currencies()
                .into_iter()
                .map(|c| (c.to_owned(), c.to_owned()))
                .collect(),
            territory: None,
            amount_hint: format!(
                "Annual contract value, for example 40,000. Deals above {} {} are reserved for \
                 direct sales and cannot be registered.",
                crate::domain::money::group_thousands(policy.direct_threshold),
                policy.currency
            ),
            roe_required: None,
        }
    }
}

pub async fn new(
    signed: Signed<PartnerOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let user_id = signed.user.id.clone();
    let role = signed.role;
    let (policy, roe_required) = db::run(&state.pool, move |conn| {
        Ok((
            policy::current(conn)?.value,
            roe::version_to_acknowledge(conn, &user_id, role)?,
        ))
    })
    .await?;
    let form = RegistrationForm {
        currency: policy.currency.clone(),
        ..RegistrationForm::default()
    };
    let mut page = RegisterPage::new(&signed, form, FieldErrors::new(), None, &policy);
    page.roe_required = roe_required;
    render(&page)
}

/// Looks the prospect up for this partner: the verdict names no other partner.
async fn check(
    state: &AppState,
    org_id: String,
    company_name: &str,
    website: &str,
    contact_email: &str,
) -> Result<Option<Availability>, AppError> {
    let (name_key, domain_key) = prospect_keys(company_name, website, contact_email);
    if name_key.is_empty() && domain_key.is_none() {
        return Ok(None);
    }
    let now = state.clock.naive_now();
    let (company_name, website, contact_email) = (
        company_name.to_owned(),
        website.to_owned(),
        contact_email.to_owned(),
    );
    db::run(&state.pool, move |conn| {
        let policy = policy::current(conn)?.value;
        let typed = availability::Typed {
            company_name: &company_name,
            website: &website,
            contact_email: &contact_email,
        };
        Ok(Some(availability::hint(
            conn, &org_id, &typed, &policy, now,
        )?))
    })
    .await
}

pub async fn create(
    signed: Signed<PartnerOnly>,
    state: web::Data<AppState>,
    form: web::Form<RegistrationForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let org = signed.org.clone().ok_or(AppError::Forbidden)?;
    if form.intent != "check" {
        // Refused here, not only announced on the form: the rules of engagement in force
        // must be acknowledged before a new registration.
        let user_id = signed.user.id.clone();
        let role = signed.role;
        let required = db::run(&state.pool, move |conn| {
            Ok(roe::version_to_acknowledge(conn, &user_id, role)?)
        })
        .await?;
        if let Some(version) = required {
            tracing::info!(user_id = %signed.user.id, version, "registration refused: rules of engagement not acknowledged");
            let policy = db::run(&state.pool, |conn| Ok(policy::current(conn)?.value)).await?;
            let mut errors = FieldErrors::new();
            errors.add(
                "form",
                format!(
                    "Before you can register a deal, acknowledge version {version} of the rules of engagement. Your entries are kept below."
                ),
            );
            let mut page = RegisterPage::new(&signed, form, errors, None, &policy);
            page.roe_required = Some(version);
            return render_with(StatusCode::FORBIDDEN, &page);
        }
    }
    if form.intent == "check" {
        let availability = check(
            &state,
            org.id.clone(),
            &form.company_name,
            &form.website,
            &form.contact_email,
        )
        .await?;
        let territory = territory_check(
            &state,
            (org.id.clone(), org.name.clone()),
            &form.country,
            &form.industry,
        )
        .await?;
        let policy = db::run(&state.pool, |conn| Ok(policy::current(conn)?.value)).await?;
        let mut errors = FieldErrors::new();
        let mut objection = None;
        if let Some((field, t)) = territory {
            errors.add(field, t.message.clone());
            objection = Some(t);
        }
        if availability.is_none() {
            errors.add(
                "company_name",
                "Enter the prospect's company name or website to check it.",
            );
        }
        let mut page = RegisterPage::new(&signed, form, errors, availability, &policy);
        page.territory = objection;
        return render(&page);
    }
    let config = state.config.clone();
    let now = state.clock.naive_now();
    let user = signed.user.clone();
    let submitted_form = form.clone();
    let result = db::run(&state.pool, move |conn| {
        Ok(submit::submit(
            conn,
            &config,
            &user,
            &org,
            &submitted_form,
            now,
        ))
    })
    .await?;
    match result {
        Ok(done) => {
            tracing::info!(registration = %done.id, status = done.status.as_str(), "registration submitted");
            let message = match done.status {
                Status::Pending => "Registered. A channel manager will review it; you will get an email with the decision.".to_owned(),
                _ => done.note.unwrap_or_default(),
            };
            auth::flash(&signed.session, message);
            Ok(see_other(&format!("/partner/deals/{}", done.id)))
        }
        Err(SubmitError::Invalid(errors)) => {
            let policy = db::run(&state.pool, |conn| Ok(policy::current(conn)?.value)).await?;
            render_invalid(&RegisterPage::new(&signed, form, errors, None, &policy))
        }
        Err(SubmitError::Blocked(errors, verdict)) => {
            let policy = db::run(&state.pool, |conn| Ok(policy::current(conn)?.value)).await?;
            render_invalid(&RegisterPage::new(
                &signed,
                form,
                errors,
                Some(verdict),
                &policy,
            ))
        }
        Err(SubmitError::Db(e)) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CheckParams {
    company_name: String,
    website: String,
    contact_email: String,
    country: String,
    industry: String,
}

/// The live check: an HTML fragment the form's script puts in its status area.
pub async fn availability(
    signed: Signed<PartnerOnly>,
    state: web::Data<AppState>,
    params: web::Query<CheckParams>,
) -> Result<HttpResponse, AppError> {
    let org = signed.org.clone().ok_or(AppError::Forbidden)?;
    let availability = check(
        &state,
        org.id.clone(),
        &params.company_name,
        &params.website,
        &params.contact_email,
    )
    .await?;
    // Only once both are chosen: a half-filled form is not outside anything yet.
    let territory = if params.country.trim().is_empty() || params.industry.trim().is_empty() {
        None
    } else {
        territory_check(
            &state,
            (org.id, org.name),
            &params.country,
            &params.industry,
        )
        .await?
        .map(|(_, t)| t)
    };
    render(&AvailabilityFragment {
        availability,
        territory,
    })
}
