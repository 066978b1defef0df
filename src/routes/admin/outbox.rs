//! Recent emails and their delivery state; failed ones can be retried.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::{self, guard::AdminOnly, guard::Signed};
use crate::db::models::outbox::{self, OutboxRow};
use crate::db::{self, write_tx};
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{render, see_other};
use crate::state::AppState;

const SHOWN: i64 = 200;

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage {
    layout: Layout,
    rows: Vec<OutboxRow>,
}

pub async fn list(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let rows = db::run(&state.pool, |conn| Ok(outbox::list_recent(conn, SHOWN)?)).await?;
    render(&OutboxPage {
        layout: Layout::signed(&signed, "/admin/outbox"),
        rows,
    })
}

pub async fn retry(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.naive_now();
    let retried = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            if outbox::find(conn, &id)?.is_none() {
                return Err(AppError::NotFound);
            }
            Ok(outbox::retry_failed(conn, &id, now)?)
        })
    })
    .await?;
    tracing::info!(admin = %signed.user.id, retried, "outbox retry requested");
    auth::flash(
        &signed.session,
        if retried {
            "The email is queued again and goes out with the next delivery run."
        } else {
            "Only failed emails can be retried; this one is already on its way."
        },
    );
    Ok(see_other("/admin/outbox"))
}
