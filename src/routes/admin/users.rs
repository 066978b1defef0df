use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth;
use crate::auth::guard::{AdminOnly, Signed};
use crate::db::models::token::{self as tokens, Purpose};
use crate::db::models::user::{self, SaveUserError, User, UserListing};
use crate::db::models::{audit, org, session as sessions, two_step};
use crate::db::{self, write_tx};
use crate::domain::audit::{Action, SubjectKind, describe_changes, subject};
use crate::domain::errors::FieldErrors;
use crate::domain::role::Role;
use crate::domain::user::{self as rules, UserFields, validate_user};
use crate::error::AppError;
use crate::routes::admin::browse::{self, Browse, Pager};
use crate::routes::export::{self, Users};
use crate::routes::layout::Layout;
use crate::routes::{Options, options, render, render_invalid, see_other};
use crate::state::AppState;
use crate::workflow::links::{self, LinkReason};

#[derive(Template)]
#[template(path = "admin/users.html")]
struct ListPage {
    layout: Layout,
    users: Vec<UserListing>,
    pager: Pager,
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    form: UserForm,
    errors: FieldErrors,
    roles: Options,
    orgs: Options,
    user_id: Option<String>,
    status: Option<&'static str>,
    disabled: bool,
    /// Two-step sign-in is on for the user edited.
    two_step_on: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UserForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    org_id: String,
    org_admin: Option<String>,
}

impl UserForm {
    fn of(user: &User) -> Self {
        Self {
            name: user.name.clone(),
            email: user.email.clone(),
            role: user.role.as_str().to_owned(),
            org_id: user.org_id.clone().unwrap_or_default(),
            org_admin: user.org_admin.then(|| "on".to_owned()),
        }
    }
}

async fn org_options(state: &AppState) -> Result<Options, AppError> {
    let orgs = db::run(&state.pool, |conn| Ok(org::list(conn)?)).await?;
    let mut options = vec![(String::new(), "None (not a partner user)".to_owned())];
    options.extend(orgs.into_iter().map(|o| (o.id, o.name)));
    Ok(options)
}

fn role_options() -> Options {
    options(Role::ALL, Role::as_str, Role::label)
}

struct Editing<'a> {
    heading: String,
    action: String,
    user: Option<&'a User>,
}

async fn form_page(
    signed: &Signed<AdminOnly>,
    state: &AppState,
    editing: Editing<'_>,
    form: UserForm,
    errors: FieldErrors,
) -> Result<FormPage, AppError> {
    let two_step_on = match editing.user.map(|u| u.id.clone()) {
        Some(id) => {
            db::run(&state.pool, move |conn| {
                Ok(two_step::enabled_since(conn, &id)?.is_some())
            })
            .await?
        }
        None => false,
    };
    Ok(FormPage {
        two_step_on,
        layout: Layout::signed(signed, "/admin/users"),
        heading: editing.heading,
        action: editing.action,
        form,
        errors,
        roles: role_options(),
        orgs: org_options(state).await?,
        user_id: editing.user.map(|u| u.id.clone()),
        status: editing.user.map(|u| u.status().label()),
        disabled: editing.user.is_some_and(|u| u.disabled_at.is_some()),
    })
}

/// Validates the form, including that the chosen organisation exists.
async fn validate(
    state: &AppState,
    form: &UserForm,
) -> Result<Result<UserFields, FieldErrors>, AppError> {
    let mut result = validate_user(
        &form.email,
        &form.name,
        &form.role,
        &form.org_id,
        form.org_admin.is_some(),
    );
    if let Ok(fields) = &result
        && let Some(org_id) = fields.org_id.clone()
    {
        let exists = db::run(&state.pool, move |conn| {
            Ok(org::find(conn, &org_id)?.is_some())
        })
        .await?;
        if !exists {
            let mut errors = FieldErrors::new();
            errors.add("org_id", "Choose an organisation from the list.");
            result = Err(errors);
        }
    }
    Ok(result)
}

fn email_taken() -> FieldErrors {
    let mut errors = FieldErrors::new();
    errors.add("email", "Another user already has this email address.");
    errors
}

/// The users in email order, a page at a time, searchable by email or name.
pub async fn list(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    browse: web::Query<Browse>,
) -> Result<HttpResponse, AppError> {
    let browse = browse.into_inner();
    let (q, after, limit) = (browse.q.clone(), browse.after.clone(), browse.limit());
    let mut users = db::run(&state.pool, move |conn| {
        let after = (!after.is_empty()).then_some(after.as_str());
        Ok(user::list_page(conn, None, &q, after, limit)?)
    })
    .await?;
    let pager = browse::page(
        "/admin/users",
        "Users",
        &browse,
        &mut users,
        |u: &UserListing| u.user.email.clone(),
    );
    render(&ListPage {
        layout: Layout::signed(&signed, "/admin/users"),
        users,
        pager,
    })
}

/// Every user as CSV.
pub async fn csv(
    _signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    export::download(&state, Users).await
}

fn new_user_editing() -> Editing<'static> {
    Editing {
        heading: "Add a user".into(),
        action: "/admin/users".into(),
        user: None,
    }
}

pub async fn new(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = UserForm {
        role: Role::Partner.as_str().into(),
        ..UserForm::default()
    };
    render(
        &form_page(
            &signed,
            &state,
            new_user_editing(),
            form,
            FieldErrors::new(),
        )
        .await?,
    )
}

pub async fn create(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    form: web::Form<UserForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let fields = match validate(&state, &form).await? {
        Ok(f) => f,
        Err(errors) => {
            return render_invalid(
                &form_page(&signed, &state, new_user_editing(), form, errors).await?,
            );
        }
    };
    let now = state.clock.naive_now();
    let app = state.clone();
    let who = signed.who();
    let created = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| match user::insert(conn, &fields, None, now) {
            Ok(u) => {
                let org_name = org::find_opt(conn, u.org_id.as_deref())?.map(|o| o.name);
                let detail = rules::describe(&u.name, &u.email, u.role, org_name.as_deref());
                links::invite(conn, &app.config, &u, org_name, now)?;
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
        return render_invalid(
            &form_page(&signed, &state, new_user_editing(), form, email_taken()).await?,
        );
    };
    tracing::info!(admin = %signed.user.id, user_id = %created.id, role = %created.role, "user invited");
    auth::flash(
        &signed.session,
        format!(
            "{} was added and an invitation was emailed to {}.",
            created.name, created.email
        ),
    );
    Ok(see_other(&format!("/admin/users/{}", created.id)))
}

fn fields_of(u: &User) -> UserFields {
    UserFields {
        email: u.email.clone(),
        name: u.name.clone(),
        role: u.role,
        org_id: u.org_id.clone(),
        org_admin: u.org_admin,
    }
}

async fn load(state: &AppState, id: String) -> Result<User, AppError> {
    db::run(&state.pool, move |conn| {
        user::find(conn, &id)?.ok_or(AppError::NotFound)
    })
    .await
}

fn editing(found: &User) -> Editing<'_> {
    Editing {
        heading: format!("Edit {}", found.name),
        action: format!("/admin/users/{}", found.id),
        user: Some(found),
    }
}

pub async fn edit(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let found = load(&state, id.into_inner()).await?;
    let form = UserForm::of(&found);
    render(&form_page(&signed, &state, editing(&found), form, FieldErrors::new()).await?)
}

pub async fn update(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<UserForm>,
) -> Result<HttpResponse, AppError> {
    let found = load(&state, id.into_inner()).await?;
    let form = form.into_inner();
    let mut validated = validate(&state, &form).await?;
    if found.id == signed.user.id
        && let Ok(fields) = &validated
        && fields.role != Role::Admin
    {
        let mut errors = FieldErrors::new();
        errors.add(
            "role",
            "You cannot take away your own administrator role. Ask another admin.",
        );
        validated = Err(errors);
    }
    let fields = match validated {
        Ok(f) => f,
        Err(errors) => {
            return render_invalid(
                &form_page(&signed, &state, editing(&found), form, errors).await?,
            );
        }
    };
    let now = state.clock.naive_now();
    let before = found.clone();
    let app = state.clone();
    let email_changed = fields.email != found.email;
    let who = signed.who();
    let saved = db::run(&state.pool, move |conn| {
        Ok(write_tx(conn, |conn| {
            if !user::update_identity(conn, &before.id, &fields, now)? {
                return Ok(false);
            }
            let org_before = org::find_opt(conn, before.org_id.as_deref())?.map(|o| o.name);
            let org_after = org::find_opt(conn, fields.org_id.as_deref())?.map(|o| o.name);
            let changes = rules::changes(
                &fields_of(&before),
                org_before.as_deref(),
                &fields,
                org_after.as_deref(),
            );
            if fields.email != before.email {
                // Links and sessions belong to the old address: end them. An invited user
                // gets a new invitation at the corrected address.
                tokens::revoke(conn, Purpose::SetPassword, Some(&before.id), now)?;
                sessions::delete_for_user(conn, &before.id)?;
                if before.password_hash.is_none()
                    && let Some(updated) = user::find(conn, &before.id)?
                {
                    let org_name = org::find_opt(conn, updated.org_id.as_deref())?.map(|o| o.name);
                    links::invite(conn, &app.config, &updated, org_name, now)?;
                }
            }
            if !changes.is_empty() {
                let action = if fields.role == before.role {
                    Action::UserUpdated
                } else {
                    Action::RoleChanged
                };
                audit::record(
                    conn,
                    &who,
                    action,
                    &subject(SubjectKind::User, &before.id),
                    Some(&describe_changes(&changes)),
                    now,
                )?;
            }
            Ok::<_, SaveUserError>(true)
        }))
    })
    .await?;
    match saved {
        Ok(true) => {
            tracing::info!(admin = %signed.user.id, user_id = %found.id, email_changed, "user updated");
            auth::flash(
                &signed.session,
                if email_changed {
                    "User saved. Their email address changed, so their sessions and sign-in links ended; an invited user was sent a new invitation."
                } else {
                    "User saved. Changes apply from their next request."
                },
            );
            Ok(see_other("/admin/users"))
        }
        Ok(false) => Err(AppError::NotFound),
        Err(SaveUserError::EmailTaken) => {
            render_invalid(&form_page(&signed, &state, editing(&found), form, email_taken()).await?)
        }
        Err(SaveUserError::Db(e)) => Err(e.into()),
    }
}

pub async fn disable(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let found = load(&state, id.into_inner()).await?;
    if found.id == signed.user.id {
        return Err(AppError::bad_request(
            "You cannot disable your own account. Ask another administrator.",
        ));
    }
    let now = state.clock.naive_now();
    let user_id = found.id.clone();
    let (who, email) = (signed.who(), found.email.clone());
    let ended = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            user::set_disabled(conn, &user_id, Some(now), now)?;
            let ended = sessions::delete_for_user(conn, &user_id)?;
            audit::record(
                conn,
                &who,
                Action::UserDisabled,
                &subject(SubjectKind::User, &user_id),
                Some(&email),
                now,
            )?;
            Ok::<_, AppError>(ended)
        })
    })
    .await?;
    tracing::info!(admin = %signed.user.id, user_id = %found.id, sessions_ended = ended, "user disabled");
    auth::flash(
        &signed.session,
        format!("{} is disabled and was signed out everywhere.", found.name),
    );
    Ok(see_other(&format!("/admin/users/{}", found.id)))
}

pub async fn enable(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let found = load(&state, id.into_inner()).await?;
    let now = state.clock.naive_now();
    let user_id = found.id.clone();
    let (who, email) = (signed.who(), found.email.clone());
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            user::set_disabled(conn, &user_id, None, now)?;
            audit::record(
                conn,
                &who,
                Action::UserEnabled,
                &subject(SubjectKind::User, &user_id),
                Some(&email),
                now,
            )?;
            Ok::<_, AppError>(())
        })
    })
    .await?;
    tracing::info!(admin = %signed.user.id, user_id = %found.id, "user enabled");
    auth::flash(
        &signed.session,
        format!("{} can sign in again.", found.name),
    );
    Ok(see_other(&format!("/admin/users/{}", found.id)))
}

/// Turns the user's two-step sign-in off (a lost phone and lost recovery codes): their
/// password alone signs them in again, unless the policy sends them to set it up anew.
pub async fn turn_off_two_step(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let found = load(&state, id.into_inner()).await?;
    let now = state.clock.naive_now();
    let (user_id, admin_id) = (found.id.clone(), signed.user.id.clone());
    let was_on = db::run(&state.pool, move |conn| {
        Ok(crate::workflow::two_step::turn_off_for(
            conn, &user_id, &admin_id, now,
        )?)
    })
    .await?;
    if was_on {
        tracing::info!(admin = %signed.user.id, user_id = %found.id, "two-step sign-in turned off by an admin");
        auth::flash(
            &signed.session,
            format!(
                "Two-step sign-in is off for {}: their password alone signs them in (or, where the policy requires it, takes them to set it up again).",
                found.name
            ),
        );
    }
    Ok(see_other(&format!("/admin/users/{}", found.id)))
}

pub async fn reset_password(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let found = load(&state, id.into_inner()).await?;
    let now = state.clock.naive_now();
    let app = state.clone();
    let owner = found.clone();
    let who = signed.who();
    db::run(&state.pool, move |conn| {
        Ok(write_tx(conn, |conn| {
            links::send_password_link(conn, &app.config, &owner, LinkReason::AdminReset, now)?;
            audit::record(
                conn,
                &who,
                Action::PasswordLinkSent,
                &subject(SubjectKind::User, &owner.id),
                Some(&owner.email),
                now,
            )
        })?)
    })
    .await?;
    tracing::info!(admin = %signed.user.id, user_id = %found.id, "set-password link emailed");
    auth::flash(
        &signed.session,
        format!(
            "A new sign-in link was emailed to {}. It works once, for 24 hours.",
            found.email
        ),
    );
    Ok(see_other(&format!("/admin/users/{}", found.id)))
}
