//! API tokens on the user's profile: create one (shown once), see when each was last used,
//! revoke it. For staff (sales, channel, admin), who may call the JSON API; the scopes
//! (read, or read and write) are chosen here and cannot change afterwards.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::guard::{Signed, TokenHolders};
use crate::auth::{self};
use crate::db::models::api_token::{self, ApiToken};
use crate::db::models::audit;
use crate::db::{self, write_tx};
use crate::domain::api::Scopes;
use crate::domain::audit::{Action, SubjectKind, subject};
use crate::domain::errors::FieldErrors;
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{render, render_invalid, see_other};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "account/tokens.html")]
struct TokensPage {
    layout: Layout,
    tokens: Vec<ApiToken>,
    /// The name typed for a new token, kept when it is refused.
    typed_label: String,
    errors: FieldErrors,
    /// The secret of a token just created: shown this once.
    created: Option<String>,
    base_url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTokenForm {
    #[serde(default)]
    label: String,
    /// "write" for a token that may change data; anything else reads only.
    #[serde(default)]
    access: String,
}

const MAX_LABEL: usize = 80;

async fn page(
    signed: &Signed<TokenHolders>,
    state: &AppState,
    label: String,
    errors: FieldErrors,
    created: Option<String>,
) -> Result<TokensPage, AppError> {
    let user_id = signed.user.id.clone();
    let tokens = db::run(&state.pool, move |conn| {
        Ok(api_token::for_user(conn, &user_id)?)
    })
    .await?;
    Ok(TokensPage {
        layout: Layout::signed(signed, "/account/tokens"),
        tokens,
        typed_label: label,
        errors,
        created,
        base_url: state
            .config
            .base_url
            .to_string()
            .trim_end_matches('/')
            .to_owned(),
    })
}

pub async fn show(
    signed: Signed<TokenHolders>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    render(&page(&signed, &state, String::new(), FieldErrors::new(), None).await?)
}

pub async fn create(
    signed: Signed<TokenHolders>,
    state: web::Data<AppState>,
    form: web::Form<NewTokenForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let label = form.label.trim().to_owned();
    let scopes = if form.access == "write" {
        Scopes::READ_WRITE
    } else {
        Scopes::READ
    };
    let mut errors = FieldErrors::new();
    if label.is_empty() {
        errors.add(
            "label",
            "Name the token after where it will be used, for example “CRM sidebar”.",
        );
    } else if label.chars().count() > MAX_LABEL {
        errors.add("label", "Keep the name to 80 characters.");
    }
    if !errors.is_empty() {
        return render_invalid(&page(&signed, &state, label, errors, None).await?);
    }
    let now = state.clock.naive_now();
    let (user_id, kept) = (signed.user.id.clone(), label.clone());
    let who = signed.who();
    let (token, secret) = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let (token, secret) = api_token::create(conn, &user_id, &kept, scopes, now)?;
            audit::record(
                conn,
                &who,
                Action::ApiTokenCreated,
                &subject(SubjectKind::ApiToken, &token.id),
                Some(&kept),
                now,
            )?;
            Ok::<_, AppError>((token, secret))
        })
    })
    .await?;
    tracing::info!(user_id = %signed.user.id, token_id = %token.id, scopes = %token.scopes, "API token created");
    render(
        &page(
            &signed,
            &state,
            String::new(),
            FieldErrors::new(),
            Some(secret),
        )
        .await?,
    )
}

pub async fn revoke(
    signed: Signed<TokenHolders>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token_id = path.into_inner();
    let now = state.clock.naive_now();
    let (user_id, id) = (signed.user.id.clone(), token_id.clone());
    let who = signed.who();
    let revoked = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let revoked = api_token::revoke(conn, &user_id, &id, now)?;
            if revoked {
                audit::record(
                    conn,
                    &who,
                    Action::ApiTokenRevoked,
                    &subject(SubjectKind::ApiToken, &id),
                    None,
                    now,
                )?;
            }
            Ok::<_, AppError>(revoked)
        })
    })
    .await?;
    if !revoked {
        tracing::warn!(user_id = %signed.user.id, token_id = %token_id, "revoke refused: not this user's live token");
        return Err(AppError::NotFound);
    }
    tracing::info!(user_id = %signed.user.id, token_id = %token_id, "API token revoked");
    auth::flash(&signed.session, "Token revoked: it no longer works.");
    Ok(see_other("/account/tokens"))
}
