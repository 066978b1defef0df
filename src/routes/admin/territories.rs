//! Territories (admins only): the list with the block/flag choice, and the create/edit form
//! whose "Preview" button shows what saving would affect before anything is saved.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::{self, guard::AdminOnly, guard::Signed};
use crate::db::models::territory::{self, SaveError};
use crate::db::models::{audit, org, user};
use crate::db::{self, write_tx};
use crate::domain::audit::{Action, SubjectKind, subject};
use crate::domain::errors::FieldErrors;
use crate::domain::registration::INDUSTRIES;
use crate::domain::territory::{
    Eligibility, Kind, Mode, Preview, Territory, TerritoryForm, preview, validate, with_change,
};
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{Options, options, render, render_invalid, see_other};
use crate::state::AppState;

const NAV: &str = "/admin/territories";

pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// A multi-select's checkboxes, the chosen ones first so they are seen without scrolling
/// through two thousand organisations, and how many are chosen.
pub struct Picker {
    pub choices: Vec<Choice>,
    pub chosen: usize,
}

pub struct TerritoryRow {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub covers: String,
    pub eligibility: &'static str,
    pub orgs: String,
    pub reps: usize,
}

#[derive(Template)]
#[template(path = "admin/territories.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<TerritoryRow>,
    modes: Options,
    mode: String,
    mode_changed: Option<String>,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "admin/territory_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    form: TerritoryForm,
    errors: FieldErrors,
    kinds: Options,
    eligibilities: Options,
    industries: Picker,
    orgs: Picker,
    reps: Picker,
    preview: Option<Preview>,
}

/// The people and organisations a territory may name: (id, label).
struct Known {
    orgs: Vec<(String, String)>,
    reps: Vec<(String, String)>,
}

fn load_known(conn: &mut db::DbConnection) -> Result<Known, AppError> {
    let orgs = org::list(conn)?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let reps = user::list_all(conn)?
        .into_iter()
        .filter(|u| u.user.role == crate::domain::role::Role::Sales)
        .map(|u| (u.user.id, format!("{} ({})", u.user.name, u.user.email)))
        .collect();
    Ok(Known { orgs, reps })
}

fn choices(all: &[(String, String)], chosen: &[String]) -> Picker {
    let chosen: std::collections::HashSet<&str> = chosen.iter().map(String::as_str).collect();
    let mut choices: Vec<Choice> = all
        .iter()
        .map(|(value, label)| Choice {
            value: value.clone(),
            label: label.clone(),
            checked: chosen.contains(value.as_str()),
        })
        .collect();
    // Stable: each group keeps the list's order.
    choices.sort_by_key(|c| !c.checked);
    let chosen = choices.iter().filter(|c| c.checked).count();
    Picker { choices, chosen }
}

impl FormPage {
    fn new(
        layout: Layout,
        known: &Known,
        heading: String,
        action: String,
        form: TerritoryForm,
        errors: FieldErrors,
        preview: Option<Preview>,
    ) -> Self {
        let industries: Vec<(String, String)> = INDUSTRIES
            .iter()
            .map(|i| ((*i).to_owned(), (*i).to_owned()))
            .collect();
        Self {
            layout,
            heading,
            action,
            industries: choices(&industries, &form.industries),
            orgs: choices(&known.orgs, &form.orgs),
            reps: choices(&known.reps, &form.reps),
            form,
            errors,
            kinds: options(Kind::ALL, Kind::as_str, Kind::label),
            eligibilities: options(Eligibility::ALL, Eligibility::as_str, Eligibility::label),
            preview,
        }
    }
}

/// Reads the form by hand: checkbox lists repeat their field name.
fn read_form(pairs: Vec<(String, String)>) -> (TerritoryForm, bool) {
    let mut form = TerritoryForm::default();
    let mut preview = false;
    for (k, v) in pairs {
        match k.as_str() {
            "name" => form.name = v,
            "kind" => form.kind = v,
            "countries" => form.countries = v,
            "regions" => form.regions = v,
            "industries" => form.industries.push(v),
            "eligibility" => form.eligibility = v,
            "orgs" => form.orgs.push(v),
            "reps" => form.reps.push(v),
            "double_credit" => form.double_credit = v,
            "intent" => preview = v == "preview",
            _ => {}
        }
    }
    (form, preview)
}

/// The partners assigned to a territory, as the list names them: up to three by name, then
/// how many more ("Alpha, Beta, Gamma and 47 more"), so a territory every partner works
/// stays one line.
fn assigned_summary(known: &[(String, String)], assigned: &[String]) -> String {
    const NAMED: usize = 3;
    let assigned: std::collections::HashSet<&str> = assigned.iter().map(String::as_str).collect();
    let names: Vec<&str> = known
        .iter()
        .filter(|(id, _)| assigned.contains(id.as_str()))
        .map(|(_, n)| n.as_str())
        .collect();
    match names.len() {
        n if n > NAMED + 1 => format!("{} and {} more", names[..NAMED].join(", "), n - NAMED),
        _ => names.join(", "),
    }
}

/// "Denmark, Sweden, Norway" for DK SE NO (a code that names no country stays as it is).
fn country_names(codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| crate::domain::registration::country_name(c).unwrap_or(c))
        .collect::<Vec<_>>()
        .join(", ")
}

fn form_of(t: &Territory) -> TerritoryForm {
    TerritoryForm {
        name: t.name.clone(),
        kind: t.kind.as_str().into(),
        // By name, as a reader would write them; the form reads names and codes alike.
        countries: country_names(&t.countries),
        regions: t.regions.join("\n"),
        industries: t.industries.clone(),
        eligibility: t.eligibility.as_str().into(),
        orgs: t.orgs.clone(),
        reps: t.reps.clone(),
        double_credit: if t.double_credit { "yes" } else { "" }.into(),
    }
}

pub async fn list(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let layout = Layout::signed(&signed, NAV);
    let page = db::run(&state.pool, move |conn| {
        list_page(conn, layout, FieldErrors::new())
    })
    .await?;
    render(&page)
}

fn list_page(
    conn: &mut db::DbConnection,
    layout: Layout,
    errors: FieldErrors,
) -> Result<ListPage, AppError> {
    let known = load_known(conn)?;
    let choice = territory::current_mode(conn)?;
    let rows = territory::list(conn)?
        .into_iter()
        .map(|t| TerritoryRow {
            covers: match t.kind {
                Kind::Geographic => {
                    let mut s = country_names(&t.countries);
                    if !t.regions.is_empty() {
                        s.push_str(&format!(" ({})", t.regions.join(", ")));
                    }
                    s
                }
                Kind::Vertical => t.industries.join(", "),
            },
            orgs: assigned_summary(&known.orgs, &t.orgs),
            reps: t.reps.len(),
            kind: t.kind.label(),
            eligibility: t.eligibility.label(),
            id: t.id,
            name: t.name,
        })
        .collect();
    Ok(ListPage {
        layout,
        rows,
        modes: options(Mode::ALL, Mode::as_str, Mode::label),
        mode: choice.mode.as_str().into(),
        mode_changed: match (choice.changed_by, choice.changed_at) {
            (Some(by), Some(at)) => Some(format!(
                "Chosen by {by} on {}.",
                crate::domain::dates::date_time(at)
            )),
            _ => None,
        },
        errors,
    })
}

pub async fn set_mode(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let mode = form
        .iter()
        .find(|(k, _)| k == "mode")
        .and_then(|(_, v)| Mode::parse(v));
    let now = state.clock.naive_now();
    let Some(mode) = mode else {
        let layout = Layout::signed(&signed, NAV);
        let page = db::run(&state.pool, move |conn| {
            let mut errors = FieldErrors::new();
            errors.add(
                "mode",
                "Choose what happens outside a partner's territories.",
            );
            list_page(conn, layout, errors)
        })
        .await?;
        return render_invalid(&page);
    };
    let by = signed.user.id.clone();
    let who = signed.who();
    db::run(&state.pool, move |conn| {
        Ok(write_tx(conn, |conn| {
            territory::set_mode(conn, mode, &by, now)?;
            audit::record(
                conn,
                &who,
                Action::TerritoryMode,
                &subject(SubjectKind::TerritoryCheck, ""),
                Some(mode.label()),
                now,
            )
        })?)
    })
    .await?;
    tracing::info!(admin = %signed.user.id, mode = mode.as_str(), "territory mode chosen");
    auth::flash(&signed.session, "Territory check saved.");
    Ok(see_other(NAV))
}

pub async fn new(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let known = db::run(&state.pool, load_known).await?;
    let form = TerritoryForm {
        kind: Kind::Geographic.as_str().into(),
        eligibility: Eligibility::Partner.as_str().into(),
        ..TerritoryForm::default()
    };
    render(&FormPage::new(
        Layout::signed(&signed, NAV),
        &known,
        "Add a territory".into(),
        NAV.into(),
        form,
        FieldErrors::new(),
        None,
    ))
}

pub async fn create(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    save(signed, state, None, form.into_inner()).await
}

pub async fn edit(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (known, found) = db::run(&state.pool, move |conn| {
        let found = territory::find(conn, &id)?.ok_or(AppError::NotFound)?;
        Ok((load_known(conn)?, found))
    })
    .await?;
    render(&FormPage::new(
        Layout::signed(&signed, NAV),
        &known,
        format!("Edit {}", found.name),
        format!("{NAV}/{}", found.id),
        form_of(&found),
        FieldErrors::new(),
        None,
    ))
}

pub async fn update(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    save(signed, state, Some(id.into_inner()), form.into_inner()).await
}

enum FormResult {
    Page(Box<FormPage>, bool),
    Saved(String),
}

/// Validates, then previews or saves. Saving never touches existing registrations: only
/// new submissions are checked against the territories.
async fn save(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    id: Option<String>,
    pairs: Vec<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (form, wants_preview) = read_form(pairs);
    let now = state.clock.naive_now();
    let by = signed.user.id.clone();
    let who = signed.who();
    let layout = Layout::signed(&signed, NAV);
    let outcome = db::run(&state.pool, move |conn| {
        let existing = territory::list(conn)?;
        let (heading, action) = match &id {
            None => ("Add a territory".to_owned(), NAV.to_owned()),
            Some(id) => {
                let found = existing
                    .iter()
                    .find(|t| &t.id == id)
                    .ok_or(AppError::NotFound)?;
                (format!("Edit {}", found.name), format!("{NAV}/{id}"))
            }
        };
        let known = load_known(conn)?;
        let org_ids: Vec<String> = known.orgs.iter().map(|(i, _)| i.clone()).collect();
        let rep_ids: Vec<String> = known.reps.iter().map(|(i, _)| i.clone()).collect();
        let page = |form: TerritoryForm, errors: FieldErrors, preview: Option<Preview>| {
            Box::new(FormPage::new(
                layout.clone(),
                &known,
                heading.clone(),
                action.clone(),
                form,
                errors,
                preview,
            ))
        };
        let fields = match validate(&form, &org_ids, &rep_ids) {
            Ok(f) => f,
            Err(errors) => return Ok(FormResult::Page(page(form, errors, None), true)),
        };
        if wants_preview {
            let changed = fields
                .clone()
                .into_territory(id.clone().unwrap_or_else(|| "new".into()));
            let after = with_change(&existing, &changed);
            let counts = preview(
                &existing,
                &after,
                &changed,
                &territory::active_registrations(conn)?,
                &territory::account_places(conn)?,
            );
            return Ok(FormResult::Page(
                page(form, FieldErrors::new(), Some(counts)),
                false,
            ));
        }
        let added = id.is_none();
        let saved = write_tx(conn, |conn| {
            let id = match &id {
                Some(id) => {
                    if !territory::update(conn, id, &fields, &by, now)? {
                        return Err(SaveError::Db(diesel::result::Error::NotFound));
                    }
                    id.clone()
                }
                None => {
                    let id = crate::ids::new_id();
                    territory::insert(conn, &id, &fields, &by, now)?;
                    id
                }
            };
            let detail = if added {
                format!("{} (added)", fields.name)
            } else {
                fields.name.clone()
            };
            audit::record(
                conn,
                &who,
                Action::TerritorySaved,
                &subject(SubjectKind::Territory, &id),
                Some(&detail),
                now,
            )
            .map_err(SaveError::Db)?;
            Ok(id)
        });
        match saved {
            Ok(_) => Ok(FormResult::Saved(fields.name)),
            Err(SaveError::NameTaken) => {
                let mut errors = FieldErrors::new();
                errors.add("name", "Another territory already has this name.");
                Ok(FormResult::Page(page(form, errors, None), true))
            }
            Err(SaveError::Db(diesel::result::Error::NotFound)) => Err(AppError::NotFound),
            Err(SaveError::Db(e)) => Err(e.into()),
        }
    })
    .await?;
    match outcome {
        FormResult::Page(page, true) => render_invalid(page.as_ref()),
        FormResult::Page(page, false) => render(page.as_ref()),
        FormResult::Saved(name) => {
            tracing::info!(admin = %signed.user.id, territory = %name, "territory saved");
            auth::flash(&signed.session, format!("{name} was saved."));
            Ok(see_other(NAV))
        }
    }
}
