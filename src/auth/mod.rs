//! Who is signed in and what they may do: passwords, the database-backed session store,
//! CSRF protection, sign-in throttling and role guards.

pub mod client_addr;
pub mod csrf;
pub mod guard;
pub mod oidc;
pub mod password;
pub mod principal;
pub mod rate_limit;
pub mod session_store;

use actix_session::Session;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Session state keys. The session store also reads `USER_ID` to index sessions by user.
pub const USER_ID: &str = "uid";
pub const FLASH: &str = "flash";
/// A sign-in whose password was right and that waits for the second step. Never together
/// with `USER_ID`: the guard (`Signed<R>`) reads only `USER_ID`, so such a session is not
/// signed in and can open no page but the second step's.
pub const PENDING: &str = "pending_sign_in";
/// Set when the session was signed in through the company's OpenID provider (single
/// sign-on): that provider vouched for the user, second factor included.
pub const VIA_COMPANY: &str = "via_company";

/// Starts a signed-in session: a new session id (against fixation) and a new CSRF token.
pub fn sign_in(session: &Session, user_id: &str) -> Result<(), AppError> {
    session.renew();
    session.remove(PENDING);
    session
        .insert(USER_ID, user_id)
        .map_err(AppError::internal)?;
    csrf::rotate(session)?;
    Ok(())
}

/// A sign-in half done: who gave the right password, when, and where they were going.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub user_id: String,
    /// When the password was checked (Unix seconds): the second step must follow soon.
    pub since: i64,
    /// The user's `updated_at` then: a change since (a new password, disabling) ends it.
    pub stamp: String,
    /// The page asked for before signing in.
    pub next: String,
}

/// After the right password of a user with two-step sign-in: a new session id that holds
/// the half-done sign-in only. It signs nobody in; `sign_in` follows the second step.
pub fn await_second_step(session: &Session, pending: &PendingSignIn) -> Result<(), AppError> {
    session.renew();
    session.remove(USER_ID);
    session
        .insert(PENDING, pending)
        .map_err(AppError::internal)?;
    csrf::rotate(session)?;
    Ok(())
}

pub fn pending_sign_in(session: &Session) -> Option<PendingSignIn> {
    session.get::<PendingSignIn>(PENDING).ok().flatten()
}

/// Signs in a user the company's provider vouched for. Such a session needs no Truce
/// password and counts as two-step: the provider is where staff prove who they are, and where
/// the company enforces its second factor.
pub fn sign_in_with_company(session: &Session, user_id: &str) -> Result<(), AppError> {
    sign_in(session, user_id)?;
    session
        .insert(VIA_COMPANY, true)
        .map_err(AppError::internal)
}

pub fn signed_in_via_company(session: &Session) -> bool {
    session
        .get::<bool>(VIA_COMPANY)
        .ok()
        .flatten()
        .unwrap_or(false)
}

pub fn signed_in_user_id(session: &Session) -> Option<String> {
    session.get::<String>(USER_ID).ok().flatten()
}

/// A one-line notice shown on the next page the user sees.
pub fn flash(session: &Session, message: impl Into<String>) {
    // A lost notice is not worth failing the action the user just completed.
    let _ = session.insert(FLASH, message.into());
}

pub fn take_flash(session: &Session) -> Option<String> {
    // `remove` marks the session changed even when there is nothing to remove, which would
    // make every page write its session row (and wait behind any write transaction).
    if !session.contains_key(FLASH) {
        return None;
    }
    session.remove_as::<String>(FLASH).and_then(Result::ok)
}
