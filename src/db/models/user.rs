use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{partner_orgs, users};
use crate::db::stamp::{MaybeStamp, Stamp};
use crate::domain::role::Role;
use crate::domain::user::UserFields;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub org_id: Option<String>,
    pub org_admin: bool,
    pub password_hash: Option<String>,
    #[diesel(deserialize_as = MaybeStamp)]
    pub disabled_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
}

/// Where a user's account stands, as the admin list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    /// Created, but no password chosen yet.
    Invited,
    Active,
    Disabled,
}

impl UserStatus {
    /// The code files other programs read ("invited", "active", "disabled").
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Invited => "invited",
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UserStatus::Invited => "Invited",
            UserStatus::Active => "Active",
            UserStatus::Disabled => "Disabled",
        }
    }
}

impl User {
    pub fn role(&self) -> Role {
        self.role
    }

    pub fn role_label(&self) -> &'static str {
        self.role.label()
    }

    pub fn status(&self) -> UserStatus {
        if self.disabled_at.is_some() {
            UserStatus::Disabled
        } else if self.password_hash.is_none() {
            UserStatus::Invited
        } else {
            UserStatus::Active
        }
    }
}

/// A user with the name of their organisation, for lists.
#[derive(Debug, Clone)]
pub struct UserListing {
    pub user: User,
    pub org_name: Option<String>,
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<User>> {
    crate::db::on_backend!(conn, |c| users::table
        .find(id)
        .select(User::as_select())
        .first(c)
        .optional())
}

/// These users, in no particular order; ids that match no user are left out.
pub fn find_many(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<User>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    users::table
        .filter(users::id.eq_any(ids))
        .select(User::as_select())
        .load(conn)
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(crate::domain::user::normalize_email(email)))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// A user of one organisation; `None` for a user of any other, so ids from other orgs are
/// indistinguishable from ids that do not exist.
pub fn find_in_org(conn: &mut DbConnection, id: &str, org_id: &str) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .filter(users::org_id.eq(org_id))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn list_all(conn: &mut DbConnection) -> QueryResult<Vec<UserListing>> {
    let rows: Vec<(User, Option<String>)> = users::table
        .left_join(partner_orgs::table)
        .order((users::role.asc(), users::email.asc()))
        .select((User::as_select(), partner_orgs::name.nullable()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user, org_name)| UserListing { user, org_name })
        .collect())
}

/// One page of users in email order, after the user with email `after` (keyset on the
/// unique email): the export reads all of them a page at a time, and the admin's list a
/// page of those whose email or name holds `search` (any case; empty: all). `active_in`
/// narrows it to users of these roles who can sign in (not disabled, password chosen).
pub fn list_page(
    conn: &mut DbConnection,
    active_in: Option<&[Role]>,
    search: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<UserListing>> {
    use crate::db::search::{contains, lower};
    let mut query = users::table
        .left_join(partner_orgs::table)
        .select((User::as_select(), partner_orgs::name.nullable()))
        .into_boxed();
    if let Some(roles) = active_in {
        query = query
            .filter(users::role.eq_any(roles.to_vec()))
            .filter(users::disabled_at.is_null())
            .filter(users::password_hash.is_not_null());
    }
    let text = search.trim().to_lowercase();
    if !text.is_empty() {
        let pattern = contains(&text);
        query = query.filter(
            users::email
                .like(pattern.clone())
                .escape('\\')
                .or(lower(users::name).like(pattern).escape('\\')),
        );
    }
    if let Some(email) = after {
        query = query.filter(users::email.gt(email.to_owned()));
    }
    let rows: Vec<(User, Option<String>)> =
        query.order(users::email.asc()).limit(limit).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user, org_name)| UserListing { user, org_name })
        .collect())
}

pub fn list_by_org(conn: &mut DbConnection, org_id: &str) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::org_id.eq(org_id))
        .order(users::email.asc())
        .select(User::as_select())
        .load(conn)
}

/// Why a user could not be saved, for the form to show.
#[derive(Debug)]
pub enum SaveUserError {
    EmailTaken,
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for SaveUserError {
    fn from(e: diesel::result::Error) -> Self {
        if crate::db::is_unique_violation(&e) {
            Self::EmailTaken
        } else {
            Self::Db(e)
        }
    }
}

/// Inserts a user; `password_hash` is `None` for an invited user who will choose one.
pub fn insert(
    conn: &mut DbConnection,
    fields: &UserFields,
    password_hash: Option<&str>,
    now: NaiveDateTime,
) -> Result<User, SaveUserError> {
    let id = crate::ids::new_id();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::email.eq(&fields.email),
            users::name.eq(&fields.name),
            users::role.eq(fields.role),
            users::org_id.eq(&fields.org_id),
            users::org_admin.eq(fields.org_admin),
            users::password_hash.eq(password_hash),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(find(conn, &id)?.ok_or(diesel::result::Error::NotFound)?)
}

pub fn update_identity(
    conn: &mut DbConnection,
    id: &str,
    fields: &UserFields,
    now: NaiveDateTime,
) -> Result<bool, SaveUserError> {
    let n = diesel::update(users::table.find(id))
        .set((
            users::email.eq(&fields.email),
            users::name.eq(&fields.name),
            users::role.eq(fields.role),
            users::org_id.eq(&fields.org_id),
            users::org_admin.eq(fields.org_admin),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn set_password_hash(
    conn: &mut DbConnection,
    id: &str,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(users::table.find(id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Disables (`Some(now)`) or re-enables (`None`) a user.
pub fn set_disabled(
    conn: &mut DbConnection,
    id: &str,
    disabled_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(users::table.find(id))
        .set((
            users::disabled_at.eq(disabled_at),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Users of a role who can act on email: not disabled and with a password set.
pub fn active_with_role(conn: &mut DbConnection, role: Role) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::role.eq(role))
        .filter(users::disabled_at.is_null())
        .filter(users::password_hash.is_not_null())
        .order(users::email.asc())
        .select(User::as_select())
        .load(conn)
}

/// An organisation's active org admins: who hears about a registration whose submitter left.
pub fn active_org_admins(conn: &mut DbConnection, org_id: &str) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::org_id.eq(org_id))
        .filter(users::org_admin.eq(true))
        .filter(users::disabled_at.is_null())
        .order(users::email.asc())
        .select(User::as_select())
        .load(conn)
}
