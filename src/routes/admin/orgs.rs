use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::{self, guard::AdminOnly, guard::Signed};
use crate::db::models::audit;
use crate::db::models::org::{self, Org, SaveOrgError};
use crate::db::{self, write_tx};
use crate::domain::audit::{Action, SubjectKind, describe_changes, subject};
use crate::domain::errors::FieldErrors;
use crate::domain::org::{OrgStatus, Tier, validate_org};
use crate::error::AppError;
use crate::routes::admin::browse::{self, Browse, Pager};
use crate::routes::export::{self, Orgs};
use crate::routes::layout::Layout;
use crate::routes::{Options, options, render, render_invalid, see_other};
use crate::state::AppState;

pub struct OrgRow {
    pub org: Org,
    pub users: i64,
}

#[derive(Template)]
#[template(path = "admin/orgs.html")]
struct ListPage {
    layout: Layout,
    orgs: Vec<OrgRow>,
    pager: Pager,
}

#[derive(Template)]
#[template(path = "admin/org_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    form: OrgForm,
    errors: FieldErrors,
    tiers: Options,
    statuses: Options,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    status: String,
}

impl FormPage {
    fn new(
        signed: &Signed<AdminOnly>,
        heading: String,
        action: String,
        form: OrgForm,
        errors: FieldErrors,
    ) -> Self {
        Self {
            layout: Layout::signed(signed, "/admin/orgs"),
            heading,
            action,
            form,
            errors,
            tiers: options(Tier::ALL, Tier::as_str, Tier::label),
            statuses: options(OrgStatus::ALL, OrgStatus::as_str, OrgStatus::label),
        }
    }
}

/// The organisations, a page at a time, searchable by name.
pub async fn list(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    browse: web::Query<Browse>,
) -> Result<HttpResponse, AppError> {
    let browse = browse.into_inner();
    let (q, after, limit) = (browse.q.clone(), browse.after.clone(), browse.limit());
    let mut page = db::run(&state.pool, move |conn| {
        let after = (!after.is_empty()).then_some(after.as_str());
        Ok(org::search_page(conn, &q, after, limit)?)
    })
    .await?;
    let pager = browse::page(
        "/admin/orgs",
        "Organisations",
        &browse,
        &mut page,
        |o: &Org| o.name_key.clone(),
    );
    let ids: Vec<String> = page.iter().map(|o| o.id.clone()).collect();
    let counts = db::run(&state.pool, move |conn| {
        Ok(org::user_counts_of(conn, &ids)?)
    })
    .await?;
    render(&ListPage {
        layout: Layout::signed(&signed, "/admin/orgs"),
        orgs: page
            .into_iter()
            .map(|o| OrgRow {
                users: counts.get(&o.id).copied().unwrap_or(0),
                org: o,
            })
            .collect(),
        pager,
    })
}

/// Every partner organisation as CSV, with its number of users.
pub async fn csv(
    _signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    export::download(&state, Orgs).await
}

pub async fn new(signed: Signed<AdminOnly>) -> Result<HttpResponse, AppError> {
    let form = OrgForm {
        name: String::new(),
        tier: Tier::Registered.as_str().into(),
        status: OrgStatus::Active.as_str().into(),
    };
    render(&FormPage::new(
        &signed,
        "Add a partner organisation".into(),
        "/admin/orgs".into(),
        form,
        FieldErrors::new(),
    ))
}

pub async fn create(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    form: web::Form<OrgForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let heading = "Add a partner organisation".to_owned();
    let fields = match validate_org(&form.name, &form.tier, &form.status) {
        Ok(f) => f,
        Err(errors) => {
            return render_invalid(&FormPage::new(
                &signed,
                heading,
                "/admin/orgs".into(),
                form,
                errors,
            ));
        }
    };
    let now = state.clock.naive_now();
    let who = signed.who();
    let saved = db::run(&state.pool, move |conn| {
        Ok(write_tx(conn, |conn| {
            let created = org::insert(conn, &fields, now)?;
            audit::record(
                conn,
                &who,
                Action::OrgCreated,
                &subject(SubjectKind::Org, &created.id),
                Some(&format!(
                    "{}, {}, {}",
                    created.name,
                    created.tier.label(),
                    created.status.label()
                )),
                now,
            )?;
            Ok(created)
        }))
    })
    .await?;
    match saved {
        Ok(created) => {
            tracing::info!(admin = %signed.user.id, org_id = %created.id, "partner organisation created");
            auth::flash(&signed.session, format!("{} was added.", created.name));
            Ok(see_other("/admin/orgs"))
        }
        Err(SaveOrgError::NameTaken) => {
            let mut errors = FieldErrors::new();
            errors.add("name", "An organisation with this name already exists.");
            render_invalid(&FormPage::new(
                &signed,
                heading,
                "/admin/orgs".into(),
                form,
                errors,
            ))
        }
        Err(SaveOrgError::Db(e)) => Err(e.into()),
    }
}

async fn load(state: &AppState, id: String) -> Result<Org, AppError> {
    db::run(&state.pool, move |conn| {
        org::find(conn, &id)?.ok_or(AppError::NotFound)
    })
    .await
}

pub async fn edit(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let found = load(&state, id.into_inner()).await?;
    let form = OrgForm {
        name: found.name.clone(),
        tier: found.tier.as_str().to_owned(),
        status: found.status.as_str().to_owned(),
    };
    let action = format!("/admin/orgs/{}", found.id);
    render(&FormPage::new(
        &signed,
        format!("Edit {}", found.name),
        action,
        form,
        FieldErrors::new(),
    ))
}

pub async fn update(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<OrgForm>,
) -> Result<HttpResponse, AppError> {
    let found = load(&state, id.into_inner()).await?;
    let form = form.into_inner();
    let heading = format!("Edit {}", found.name);
    let action = format!("/admin/orgs/{}", found.id);
    let fields = match validate_org(&form.name, &form.tier, &form.status) {
        Ok(f) => f,
        Err(errors) => {
            return render_invalid(&FormPage::new(&signed, heading, action, form, errors));
        }
    };
    let now = state.clock.naive_now();
    let org_id = found.id.clone();
    let who = signed.who();
    let changes = describe_changes(&[
        ("Name", found.name.clone(), fields.name.clone()),
        (
            "Tier",
            found.tier.label().to_owned(),
            fields.tier.label().to_owned(),
        ),
        (
            "Status",
            found.status.label().to_owned(),
            fields.status.label().to_owned(),
        ),
    ]);
    let saved = db::run(&state.pool, move |conn| {
        Ok(write_tx(conn, |conn| {
            let saved = org::update(conn, &org_id, &fields, now)?;
            if saved && !changes.is_empty() {
                audit::record(
                    conn,
                    &who,
                    Action::OrgUpdated,
                    &subject(SubjectKind::Org, &org_id),
                    Some(&changes),
                    now,
                )?;
            }
            Ok(saved)
        }))
    })
    .await?;
    match saved {
        Ok(true) => {
            tracing::info!(admin = %signed.user.id, org_id = %found.id, "partner organisation updated");
            auth::flash(&signed.session, "Organisation saved.");
            Ok(see_other("/admin/orgs"))
        }
        Ok(false) => Err(AppError::NotFound),
        Err(SaveOrgError::NameTaken) => {
            let mut errors = FieldErrors::new();
            errors.add("name", "Another organisation already has this name.");
            render_invalid(&FormPage::new(&signed, heading, action, form, errors))
        }
        Err(SaveOrgError::Db(e)) => Err(e.into()),
    }
}
