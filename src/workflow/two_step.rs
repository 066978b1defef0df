//! Two-step sign-in, each step one transaction: starting and confirming the setup, checking a
//! code or a recovery code at sign-in, turning it off, new recovery codes. Enrolling,
//! turning it off and spending a recovery code write an audit record in the same
//! transaction. The rules are `domain::two_step`'s; the secret is opened with the portal's
//! key (`sealed`) only inside these steps and never leaves them except to be shown during
//! setup.

use chrono::NaiveDateTime;
use rand::RngCore;

use crate::db::models::{audit, two_step as store};
use crate::db::{DbConnection, write_tx};
use crate::domain::two_step::{
    self, CodeCheck, RECOVERY_CODE_CHARS, RECOVERY_CODES, SECRET_BYTES, check_code,
    normalize_recovery_code, recovery_code, recovery_code_hash,
};
use crate::sealed::{SealKey, Unopenable};

/// What the user typed as their second step.
#[derive(Debug, Clone, Copy)]
pub enum Answer<'a> {
    /// A code from the authenticator app.
    App(&'a str),
    /// One of the recovery codes.
    Recovery(&'a str),
}

/// A second step that was good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passed {
    App,
    /// A recovery code, now spent; how many are left.
    Recovery {
        left: i64,
    },
}

/// Why a second step was refused: the user's to fix, shown next to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not six digits (or not a recovery code's shape).
    Malformed,
    /// Not the current code, or no such unused recovery code.
    Wrong,
    /// A code already used: each is good once.
    Replayed,
    /// Two-step sign-in is not (or no longer) on for this user.
    NotOn,
}

impl Refusal {
    /// The message shown next to the code field.
    pub fn message(self, answer: &Answer<'_>) -> &'static str {
        match (self, answer) {
            (Refusal::Malformed, Answer::App(_)) => {
                "Enter the 6-digit code your authenticator app shows now."
            }
            (Refusal::Malformed, Answer::Recovery(_)) => {
                "Enter one of your recovery codes: 16 letters and digits, such as 7k2m-q9wx-3hfp-t4rn."
            }
            (Refusal::Wrong, Answer::App(_)) => {
                "That code is not right. Check that your phone's clock is right and enter the code the app shows now."
            }
            (Refusal::Wrong, Answer::Recovery(_)) => {
                "That is not one of your unused recovery codes. Each code works once."
            }
            (Refusal::Replayed, _) => {
                "That code was used already. Wait for the app to show the next one and enter that."
            }
            (Refusal::NotOn, _) => "Two-step sign-in is not on for this account.",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TwoStepError {
    #[error("second step refused: {0:?}")]
    Refused(Refusal),
    #[error(transparent)]
    Unopenable(#[from] Unopenable),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

impl From<Refusal> for TwoStepError {
    fn from(r: Refusal) -> Self {
        Self::Refused(r)
    }
}

/// Where a user's two-step sign-in stands, as their account page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    pub on_since: Option<NaiveDateTime>,
    pub recovery_codes_left: i64,
}

pub fn status(conn: &mut DbConnection, user_id: &str) -> diesel::QueryResult<Status> {
    Ok(Status {
        on_since: store::enabled_since(conn, user_id)?,
        recovery_codes_left: store::recovery_codes_left(conn, user_id)?,
    })
}

/// The setup page's state.
pub enum Setup {
    /// Already on: nothing to set up.
    AlreadyOn,
    /// The secret to show (as a QR code and as text) until the first code confirms it.
    Secret(Vec<u8>),
}

/// The secret to set up: the one shown before if setup was started and not finished (so
/// reloading the page, or coming back to it, shows the code already scanned), else a new one.
pub fn begin_setup(
    conn: &mut DbConnection,
    key: &SealKey,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<Setup, TwoStepError> {
    write_tx(conn, |conn| {
        if let Some(row) = store::find(conn, user_id)? {
            if row.confirmed_at.is_some() {
                return Ok(Setup::AlreadyOn);
            }
            return Ok(Setup::Secret(key.open(&row.secret_sealed, user_id)?));
        }
        let mut secret = vec![0u8; SECRET_BYTES];
        rand::rng().fill_bytes(&mut secret);
        store::insert_unconfirmed(conn, user_id, &key.seal(&secret, user_id), now)?;
        Ok(Setup::Secret(secret))
    })
}

/// Turns two-step sign-in on with the first code from the app, and returns the recovery
/// codes to show (once: only their hashes are kept).
pub fn confirm_setup(
    conn: &mut DbConnection,
    key: &SealKey,
    user_id: &str,
    code: &str,
    now: NaiveDateTime,
) -> Result<Vec<String>, TwoStepError> {
    write_tx(conn, |conn| {
        let row = store::find(conn, user_id)?.ok_or(Refusal::NotOn)?;
        if row.confirmed_at.is_some() {
            // Confirmed in another tab meanwhile: its recovery codes stand.
            return Err(Refusal::Replayed.into());
        }
        let secret = key.open(&row.secret_sealed, user_id)?;
        let step = match check_code(&secret, code, step_now(now), None) {
            CodeCheck::Accepted(step) => step,
            CodeCheck::Malformed => return Err(Refusal::Malformed.into()),
            CodeCheck::Wrong | CodeCheck::Replayed => return Err(Refusal::Wrong.into()),
        };
        if !store::confirm(conn, user_id, step, now)? {
            return Err(Refusal::Replayed.into());
        }
        let codes = replace_recovery_codes(conn, user_id, now)?;
        audit::insert(
            conn,
            Some(user_id),
            "mfa_enrolled",
            &subject(user_id),
            None,
            now,
        )?;
        Ok(codes)
    })
}

/// Checks the second step of a sign-in. A good app code is used up (its step and every
/// earlier one are refused from now on); a good recovery code is spent and audited.
pub fn check(
    conn: &mut DbConnection,
    key: &SealKey,
    user_id: &str,
    answer: Answer<'_>,
    now: NaiveDateTime,
) -> Result<Passed, TwoStepError> {
    write_tx(conn, |conn| check_in_tx(conn, key, user_id, answer, now))
}

fn check_in_tx(
    conn: &mut DbConnection,
    key: &SealKey,
    user_id: &str,
    answer: Answer<'_>,
    now: NaiveDateTime,
) -> Result<Passed, TwoStepError> {
    let row = store::find(conn, user_id)?
        .filter(|r| r.confirmed_at.is_some())
        .ok_or(Refusal::NotOn)?;
    match answer {
        Answer::App(code) => {
            let secret = key.open(&row.secret_sealed, user_id)?;
            match check_code(&secret, code, step_now(now), row.last_used_step) {
                // Conditional on the step still being new: a request with the same code
                // that committed first wins, this one is a replay.
                CodeCheck::Accepted(step) if store::use_step(conn, user_id, step)? => {
                    Ok(Passed::App)
                }
                CodeCheck::Accepted(_) | CodeCheck::Replayed => Err(Refusal::Replayed.into()),
                CodeCheck::Wrong => Err(Refusal::Wrong.into()),
                CodeCheck::Malformed => Err(Refusal::Malformed.into()),
            }
        }
        Answer::Recovery(typed) => {
            let code = normalize_recovery_code(typed).ok_or(Refusal::Malformed)?;
            let hash = recovery_code_hash(user_id, &code);
            if !store::use_recovery_code(conn, user_id, &hash, now)? {
                return Err(Refusal::Wrong.into());
            }
            audit::insert(
                conn,
                Some(user_id),
                "mfa_recovery_used",
                &subject(user_id),
                None,
                now,
            )?;
            Ok(Passed::Recovery {
                left: store::recovery_codes_left(conn, user_id)?,
            })
        }
    }
}

/// Turns two-step sign-in off after a good code or recovery code (the caller has checked the
/// password): the secret and the recovery codes are deleted.
pub fn turn_off(
    conn: &mut DbConnection,
    key: &SealKey,
    user_id: &str,
    answer: Answer<'_>,
    now: NaiveDateTime,
) -> Result<(), TwoStepError> {
    write_tx(conn, |conn| {
        check_in_tx(conn, key, user_id, answer, now)?;
        store::delete(conn, user_id)?;
        audit::insert(
            conn,
            Some(user_id),
            "mfa_disabled",
            &subject(user_id),
            None,
            now,
        )?;
        Ok(())
    })
}

/// Turns a user's two-step sign-in off for them, by an admin: the way back for someone who
/// lost both their phone and their recovery codes. The admin is the audit record's actor.
/// False when it was not on (nor being set up).
pub fn turn_off_for(
    conn: &mut DbConnection,
    user_id: &str,
    admin_id: &str,
    now: NaiveDateTime,
) -> diesel::QueryResult<bool> {
    write_tx(conn, |conn| {
        if store::find(conn, user_id)?.is_none() {
            return Ok(false);
        }
        store::delete(conn, user_id)?;
        audit::insert(
            conn,
            Some(admin_id),
            "mfa_disabled",
            &subject(user_id),
            None,
            now,
        )?;
        Ok(true)
    })
}

/// New recovery codes in place of the old ones (the caller has checked the password);
/// `None` when two-step sign-in is not on.
pub fn renew_recovery_codes(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> Result<Vec<String>, TwoStepError> {
    write_tx(conn, |conn| {
        if store::enabled_since(conn, user_id)?.is_none() {
            return Err(Refusal::NotOn.into());
        }
        let codes = replace_recovery_codes(conn, user_id, now)?;
        audit::insert(
            conn,
            Some(user_id),
            "mfa_recovery_renewed",
            &subject(user_id),
            None,
            now,
        )?;
        Ok(codes)
    })
}

fn replace_recovery_codes(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> diesel::QueryResult<Vec<String>> {
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let mut random = [0u8; RECOVERY_CODE_CHARS];
            rand::rng().fill_bytes(&mut random);
            recovery_code(&random)
        })
        .collect();
    let hashes: Vec<String> = codes
        .iter()
        .filter_map(|c| normalize_recovery_code(c))
        .map(|c| recovery_code_hash(user_id, &c))
        .collect();
    store::replace_recovery_codes(conn, user_id, &hashes, now)?;
    Ok(codes)
}

/// The audit subject of a user's own security settings.
fn subject(user_id: &str) -> String {
    format!("user:{user_id}")
}

/// The time step of `now` (a UTC time as stored).
pub fn step_now(now: NaiveDateTime) -> i64 {
    two_step::step_at(now.and_utc().timestamp())
}
