//! One-time links: the first-admin setup link, and set-password links for invited users and
//! admin resets. A new link of a kind cancels the earlier unused ones.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::QueryResult;

use crate::config::Config;
use crate::db::DbConnection;
use crate::db::models::token::Purpose;
use crate::db::models::user::User;
use crate::ids;
use crate::mail::{
    self,
    templates::{Invitation, PasswordLink},
};

use crate::db::models::{token as tokens, user};
use crate::mail::PROGRAM;

pub const SETUP_TTL: TimeDelta = TimeDelta::hours(1);
/// An invited user may take a week to choose a password.
pub const INVITE_TTL: TimeDelta = TimeDelta::days(7);
/// A link an admin sends to an existing user.
pub const RESET_TTL: TimeDelta = TimeDelta::hours(24);
/// How soon "forgot password" may email the same account again.
pub const RESEND_COOLDOWN: TimeDelta = TimeDelta::minutes(2);
/// A "forgot password" link: short, since anyone can ask for one.
pub const FORGOT_TTL: TimeDelta = TimeDelta::hours(1);

/// Issues a link token (returned in clear once; only its hash is stored).
pub fn issue(
    conn: &mut DbConnection,
    purpose: Purpose,
    user_id: Option<&str>,
    now: NaiveDateTime,
    ttl: TimeDelta,
) -> QueryResult<(String, NaiveDateTime)> {
    tokens::revoke(conn, purpose, user_id, now)?;
    let secret = ids::generate();
    let expires_at = now + ttl;
    tokens::insert(conn, &ids::hash(&secret), purpose, user_id, now, expires_at)?;
    Ok((secret, expires_at))
}

/// With no users yet, a fresh setup link path (`/setup/TOKEN`); otherwise `None`.
pub fn setup_path_if_needed(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    if user::count(conn)? > 0 {
        return Ok(None);
    }
    let (secret, _) = issue(conn, Purpose::Setup, None, now, SETUP_TTL)?;
    Ok(Some(format!("/setup/{secret}")))
}

/// Emails a new user their invitation: a set-password link valid for [`INVITE_TTL`].
pub fn invite(
    conn: &mut DbConnection,
    config: &Config,
    invitee: &User,
    org_name: Option<String>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let (secret, expires_at) = issue(
        conn,
        Purpose::SetPassword,
        Some(&invitee.id),
        now,
        INVITE_TTL,
    )?;
    let email = Invitation {
        program: PROGRAM.into(),
        name: invitee.name.clone(),
        email: invitee.email.clone(),
        role_label: invitee.role_label(),
        org_name,
        link: config.link(&format!("/password/set/{secret}")),
        expires: crate::domain::dates::date_time(expires_at),
        sign_in: config.link("/login"),
    };
    mail::enqueue(conn, config, &invitee.email, &email, now)?;
    Ok(())
}

/// Why a user gets a set-password link, in the email's words.
#[derive(Debug, Clone, Copy)]
pub enum LinkReason {
    Forgotten,
    AdminReset,
}

/// Emails an existing user a link to choose a new password.
pub fn send_password_link(
    conn: &mut DbConnection,
    config: &Config,
    owner: &User,
    reason: LinkReason,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let (ttl, why) = match reason {
        LinkReason::Forgotten => (
            FORGOT_TTL,
            "Someone, hopefully you, asked to reset the password of your account.",
        ),
        LinkReason::AdminReset => (
            RESET_TTL,
            "An administrator sent you a new sign-in link for your account.",
        ),
    };
    let (secret, expires_at) = issue(conn, Purpose::SetPassword, Some(&owner.id), now, ttl)?;
    let email = PasswordLink {
        program: PROGRAM.into(),
        name: owner.name.clone(),
        reason: why,
        link: config.link(&format!("/password/set/{secret}")),
        expires: crate::domain::dates::date_time(expires_at),
    };
    mail::enqueue(conn, config, &owner.email, &email, now)?;
    Ok(())
}
