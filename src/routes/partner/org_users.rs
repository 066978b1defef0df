//! A partner org admin manages the users of their own organisation, and only those: every
//! query here is scoped by the signed-in user's organisation.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth;
use crate::auth::guard::{OrgAdminOnly, Signed};
use crate::db::models::audit;
use crate::db::models::user::{self, SaveUserError, User};
use crate::db::{self, write_tx};
use crate::domain::audit::{Action, SubjectKind, subject};
use crate::domain::errors::FieldErrors;
use crate::domain::role::Role;
use crate::domain::user::{describe, validate_user};
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{render, render_invalid, see_other};
use crate::state::AppState;
use crate::workflow::links;

#[derive(Template)]
#[template(path = "partner/org_users.html")]
struct ListPage {
    layout: Layout,
    org_name: String,
    users: Vec<User>,
}

#[derive(Template)]
#[template(path = "partner/org_user_form.html")]
struct FormPage {
    layout: Layout,
    org_name: String,
    form: ColleagueForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ColleagueForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    org_admin: Option<String>,
}

fn org_name(signed: &Signed<OrgAdminOnly>) -> String {
    signed
        .org
        .as_ref()
        .map(|o| o.name.clone())
        .unwrap_or_default()
}

pub async fn list(
    signed: Signed<OrgAdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let org_id = signed.org_id()?.to_owned();
    let users = db::run(&state.pool, move |conn| {
        Ok(user::list_by_org(conn, &org_id)?)
    })
    .await?;
    render(&ListPage {
        layout: Layout::signed(&signed, "/org/users"),
        org_name: org_name(&signed),
        users,
    })
}

pub async fn new(signed: Signed<OrgAdminOnly>) -> Result<HttpResponse, AppError> {
    render(&FormPage {
        layout: Layout::signed(&signed, "/org/users"),
        org_name: org_name(&signed),
        form: ColleagueForm::default(),
        errors: FieldErrors::new(),
    })
}

pub async fn create(
    signed: Signed<OrgAdminOnly>,
    state: web::Data<AppState>,
    form: web::Form<ColleagueForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let org_id = signed.org_id()?.to_owned();
    let invalid = |form: ColleagueForm, errors: FieldErrors| {
        render_invalid(&FormPage {
            layout: Layout::signed(&signed, "/org/users"),
            org_name: org_name(&signed),
            form,
            errors,
        })
    };
    let fields = match validate_user(
        &form.email,
        &form.name,
        Role::Partner.as_str(),
        &org_id,
        form.org_admin.is_some(),
    ) {
        Ok(f) => f,
        Err(errors) => return invalid(form, errors),
    };
    let now = state.clock.naive_now();
    let app = state.clone();
    let org_name_for_email = org_name(&signed);
    let who = signed.who();
    let created = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| match user::insert(conn, &fields, None, now) {
            Ok(u) => {
                let detail = describe(&u.name, &u.email, u.role, Some(&org_name_for_email));
                links::invite(conn, &app.config, &u, Some(org_name_for_email), now)?;
                audit::record(
                    conn,
                    &who,
                    Action::UserCreated,
                    &subject(SubjectKind::User, &u.id),
                    Some(&detail),
                    now,
                )?;
                Ok(Some(u))
            }
            Err(SaveUserError::EmailTaken) => Ok(None),
            Err(SaveUserError::Db(e)) => Err(AppError::from(e)),
        })
    })
    .await?;
    let Some(created) = created else {
        let mut errors = FieldErrors::new();
        errors.add("email", "This email address already has an account. Ask your program administrator if it should join your organisation.");
        return invalid(form, errors);
    };
    tracing::info!(org_admin = %signed.user.id, user_id = %created.id, "partner colleague invited");
    auth::flash(
        &signed.session,
        format!(
            "{} was added and an invitation was emailed to {}.",
            created.name, created.email
        ),
    );
    Ok(see_other("/org/users"))
}
