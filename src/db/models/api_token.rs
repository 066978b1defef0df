//! Bearer tokens for the JSON API. Only the SHA-256 of a token is stored; the token itself
//! is shown once, when it is created.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::api_tokens;
use crate::domain::api::Scopes;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub label: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    /// `read` or `read,write` (`domain::api::Scopes`).
    pub scopes: String,
}

impl ApiToken {
    pub fn scopes(&self) -> Scopes {
        Scopes::parse(&self.scopes)
    }
}

/// Creates a token for `user_id` and returns it with the secret to hand over.
pub fn create(
    conn: &mut DbConnection,
    user_id: &str,
    label: &str,
    scopes: Scopes,
    now: NaiveDateTime,
) -> QueryResult<(ApiToken, String)> {
    let secret = format!("truce_{}", crate::ids::generate());
    let id = crate::ids::new_id();
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(&id),
            api_tokens::user_id.eq(user_id),
            api_tokens::label.eq(label),
            api_tokens::token_hash.eq(crate::ids::hash(&secret)),
            api_tokens::created_at.eq(now),
            api_tokens::scopes.eq(scopes.as_stored()),
        ))
        .execute(conn)?;
    let token = api_tokens::table
        .find(&id)
        .select(ApiToken::as_select())
        .first(conn)?;
    Ok((token, secret))
}

/// A user's tokens, newest first, revoked ones included (they say when).
pub fn for_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<ApiToken>> {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order((api_tokens::created_at.desc(), api_tokens::id.desc()))
        .select(ApiToken::as_select())
        .load(conn)
}

/// The live token with this secret, marked as used now. Use is recorded at most once a
/// minute, so a script polling the API does not write on every call.
pub fn authenticate(
    conn: &mut DbConnection,
    secret: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<ApiToken>> {
    let token: Option<ApiToken> = api_tokens::table
        .filter(api_tokens::token_hash.eq(crate::ids::hash(secret)))
        .filter(api_tokens::revoked_at.is_null())
        .select(ApiToken::as_select())
        .first(conn)
        .optional()?;
    if let Some(t) = &token
        && t.last_used_at
            .is_none_or(|at| now - at >= chrono::TimeDelta::minutes(1))
    {
        diesel::update(api_tokens::table.find(&t.id))
            .set(api_tokens::last_used_at.eq(now))
            .execute(conn)?;
    }
    Ok(token)
}

/// Revokes one of the user's own tokens; false when there is no such live token.
pub fn revoke(
    conn: &mut DbConnection,
    user_id: &str,
    token_id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        api_tokens::table
            .filter(api_tokens::id.eq(token_id))
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}
