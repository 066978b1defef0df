//! Who is signed in and what they may do: passwords, the database-backed session store,
//! CSRF protection, sign-in throttling and role guards.

pub mod client_addr;
pub mod csrf;
pub mod guard;
pub mod oidc;
pub mod password;
pub mod rate_limit;
pub mod session_store;

use actix_session::Session;

use crate::error::AppError;

/// Session state keys. The session store also reads `USER_ID` to index sessions by user.
pub const USER_ID: &str = "uid";
pub const FLASH: &str = "flash";

/// Starts a signed-in session: a new session id (against fixation) and a new CSRF token.
pub fn sign_in(session: &Session, user_id: &str) -> Result<(), AppError> {
    session.renew();
    session
        .insert(USER_ID, user_id)
        .map_err(AppError::internal)?;
    csrf::rotate(session)?;
    Ok(())
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
