//! Webhook endpoints (admins only): add one (its signing secret shown once), change what it
//! receives or turn it off, rotate its secret (the old one signs for another day), and read
//! its delivery log, with "redeliver" for any event.

use actix_web::{HttpResponse, web};
use askama::Template;
use rand::RngCore;

use crate::auth::{self, guard::AdminOnly, guard::Signed};
use crate::db::models::audit;
use crate::db::models::webhook::{self, Endpoint, LoggedAttempt, Summary, Waiting};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::audit::{Action, SubjectKind, subject};
use crate::domain::errors::FieldErrors;
use crate::domain::webhook::{
    EVENT_TYPES, EndpointFields, ROTATION_OVERLAP, secret_text, validate_endpoint,
};
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{render, render_invalid, see_other};
use crate::state::AppState;
use crate::workflow::webhooks::check_address;

const NAV: &str = "/admin/webhooks";
/// Lines of the delivery log shown on an endpoint's page.
const LOGGED: i64 = 100;
/// Waiting events listed on an endpoint's page.
const WAITING: i64 = 20;

pub struct EndpointRow {
    pub endpoint: Endpoint,
    pub summary: Summary,
}

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<EndpointRow>,
}

/// The endpoint form as typed.
#[derive(Default)]
pub struct Form {
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub enabled: bool,
}

impl Form {
    fn read(pairs: &[(String, String)]) -> Form {
        let one = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Form {
            url: one("url"),
            description: one("description"),
            event_types: pairs
                .iter()
                .filter(|(k, _)| k == "event_types")
                .map(|(_, v)| v.clone())
                .collect(),
            enabled: pairs.iter().any(|(k, v)| k == "enabled" && v == "on"),
        }
    }

    fn of(e: &Endpoint) -> Form {
        Form {
            url: e.url.clone(),
            description: e.description.clone(),
            event_types: e.event_type_list().into_iter().map(str::to_owned).collect(),
            enabled: e.enabled,
        }
    }

    pub fn has(&self, event_type: &&str) -> bool {
        self.event_types.iter().any(|t| t == event_type)
    }
}

#[derive(Template)]
#[template(path = "admin/webhook.html")]
struct EndpointPage {
    layout: Layout,
    /// `None` on the "add an endpoint" page.
    endpoint: Option<Endpoint>,
    form: Form,
    errors: FieldErrors,
    event_types: &'static [(&'static str, &'static str)],
    /// A secret just made: shown this once.
    secret: Option<String>,
    waiting_count: i64,
    waiting: Vec<Waiting>,
    log: Vec<LoggedAttempt>,
}

impl EndpointPage {
    fn new(layout: Layout, endpoint: Option<Endpoint>, form: Form, errors: FieldErrors) -> Self {
        EndpointPage {
            layout,
            endpoint,
            form,
            errors,
            event_types: EVENT_TYPES,
            secret: None,
            waiting_count: 0,
            waiting: Vec::new(),
            log: Vec::new(),
        }
    }

    /// The page of the stored endpoint `id`, its form filled from it.
    fn stored(conn: &mut DbConnection, layout: Layout, id: &str) -> Result<Self, AppError> {
        let endpoint = webhook::find_endpoint(conn, id)?.ok_or(AppError::NotFound)?;
        let form = Form::of(&endpoint);
        Ok(EndpointPage::new(layout, Some(endpoint), form, FieldErrors::new()).with_log(conn)?)
    }

    fn with_log(mut self, conn: &mut DbConnection) -> diesel::QueryResult<Self> {
        if let Some(e) = &self.endpoint {
            (self.waiting_count, self.waiting) = webhook::waiting(conn, &e.id, WAITING)?;
            self.log = webhook::log(conn, &e.id, LOGGED)?;
        }
        Ok(self)
    }
}

pub async fn list(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let rows = db::run(&state.pool, |conn| {
        let mut summaries = webhook::summaries(conn)?;
        Ok(webhook::list_endpoints(conn)?
            .into_iter()
            .map(|endpoint| EndpointRow {
                summary: summaries.remove(&endpoint.id).unwrap_or_default(),
                endpoint,
            })
            .collect())
    })
    .await?;
    render(&ListPage {
        layout: Layout::signed(&signed, NAV),
        rows,
    })
}

pub async fn new(signed: Signed<AdminOnly>) -> Result<HttpResponse, AppError> {
    let form = Form {
        enabled: true,
        ..Form::default()
    };
    render(&EndpointPage::new(
        Layout::signed(&signed, NAV),
        None,
        form,
        FieldErrors::new(),
    ))
}

/// Checks the form, the address included (resolved off the async workers).
async fn check(
    state: &AppState,
    form: &Form,
) -> Result<Result<EndpointFields, FieldErrors>, AppError> {
    let checked = validate_endpoint(&form.url, &form.description, &form.event_types);
    let (Ok(fields), false) = (&checked, state.config.webhooks_allow_private) else {
        return Ok(checked);
    };
    let url = fields.url.clone();
    let refused = web::block(move || check_address(&url))
        .await
        .map_err(AppError::internal)?;
    Ok(match refused {
        Some(message) => {
            let mut errors = FieldErrors::new();
            errors.add("url", message);
            Err(errors)
        }
        None => checked,
    })
}

fn new_secret(state: &AppState, endpoint_id: &str) -> (String, String) {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let secret = secret_text(&bytes);
    let sealed = state.seal_key.seal(secret.as_bytes(), endpoint_id);
    (secret, sealed)
}

pub async fn create(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let form = Form::read(&form);
    let fields = match check(&state, &form).await? {
        Ok(fields) => fields,
        Err(errors) => {
            let page = EndpointPage::new(Layout::signed(&signed, NAV), None, form, errors);
            return render_invalid(&page);
        }
    };
    let id = crate::ids::new_id();
    let (secret, sealed) = new_secret(&state, &id);
    let now = state.clock.naive_now();
    let who = signed.who();
    let layout = Layout::signed(&signed, NAV);
    let mut page = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            webhook::insert_endpoint(conn, &id, &fields, &sealed, now)?;
            audit::record(
                conn,
                &who,
                Action::WebhookCreated,
                &subject(SubjectKind::Webhook, &id),
                Some(&fields.describe()),
                now,
            )?;
            Ok::<_, AppError>(())
        })?;
        EndpointPage::stored(conn, layout, &id)
    })
    .await?;
    tracing::info!(admin = %signed.user.id, "webhook endpoint added");
    page.secret = Some(secret);
    render(&page)
}

pub async fn show(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let layout = Layout::signed(&signed, NAV);
    let page = db::run(&state.pool, move |conn| {
        EndpointPage::stored(conn, layout, &id)
    })
    .await?;
    render(&page)
}

pub async fn update(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let form = Form::read(&form);
    let checked = check(&state, &form).await?;
    let now = state.clock.naive_now();
    let who = signed.who();
    let layout = Layout::signed(&signed, NAV);
    let enabled = form.enabled;
    let target = format!("{NAV}/{id}");
    let invalid = db::run(&state.pool, move |conn| {
        let endpoint = webhook::find_endpoint(conn, &id)?.ok_or(AppError::NotFound)?;
        let fields = match checked {
            Ok(fields) => fields,
            Err(errors) => {
                return Ok(Some(
                    EndpointPage::new(layout, Some(endpoint), form, errors).with_log(conn)?,
                ));
            }
        };
        write_tx(conn, |conn| {
            webhook::update_endpoint(conn, &id, &fields, enabled, now)?;
            let mut detail = fields.describe();
            if enabled != endpoint.enabled {
                detail.push_str(if enabled {
                    "; turned on"
                } else {
                    "; turned off"
                });
            }
            audit::record(
                conn,
                &who,
                Action::WebhookChanged,
                &subject(SubjectKind::Webhook, &id),
                Some(&detail),
                now,
            )?;
            Ok::<_, AppError>(())
        })?;
        Ok(None)
    })
    .await?;
    if let Some(page) = invalid {
        return render_invalid(&page);
    }
    tracing::info!(admin = %signed.user.id, enabled, "webhook endpoint changed");
    auth::flash(&signed.session, "Endpoint saved.");
    Ok(see_other(&target))
}

pub async fn rotate(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (secret, sealed) = new_secret(&state, &id);
    let now = state.clock.naive_now();
    let who = signed.who();
    let layout = Layout::signed(&signed, NAV);
    let mut page = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let endpoint = webhook::find_endpoint(conn, &id)?.ok_or(AppError::NotFound)?;
            webhook::rotate_secret(
                conn,
                &id,
                &sealed,
                &endpoint.secret_sealed,
                now + ROTATION_OVERLAP,
                now,
            )?;
            audit::record(
                conn,
                &who,
                Action::WebhookSecretRotated,
                &subject(SubjectKind::Webhook, &id),
                Some(&endpoint.url),
                now,
            )?;
            Ok::<_, AppError>(())
        })?;
        EndpointPage::stored(conn, layout, &id)
    })
    .await?;
    tracing::info!(admin = %signed.user.id, "webhook secret rotated");
    page.secret = Some(secret);
    render(&page)
}

pub async fn redeliver(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, delivery) = path.into_inner();
    let now = state.clock.naive_now();
    let endpoint_id = id.clone();
    let queued = db::run(&state.pool, move |conn| {
        match webhook::find_delivery(conn, &delivery)? {
            Some((of, _)) if of == endpoint_id => {}
            _ => return Err(AppError::NotFound),
        }
        Ok(write_tx(conn, |conn| {
            webhook::redeliver(conn, &delivery, &endpoint_id, now)
        })?)
    })
    .await?;
    tracing::info!(admin = %signed.user.id, queued, "webhook redelivery asked");
    auth::flash(
        &signed.session,
        if queued {
            "The event is queued again and goes out with the next delivery run."
        } else {
            "That event is being sent right now; look again in a moment."
        },
    );
    Ok(see_other(&format!("{NAV}/{id}")))
}
