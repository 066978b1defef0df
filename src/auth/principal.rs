//! Who the session's user is, read in the same trip to the database as the session itself.
//!
//! Every signed-in page asks the database twice before its own work: the session store loads
//! the session by its cookie, then the guard (`Signed<R>`) re-reads the user, their
//! organisation and their two-step sign-in. Each ask is a hop to the blocking pool and a
//! connection checkout, and on a light page those hops cost as much as the page's query. So
//! the store, which reads the user id out of the session anyway, reads the user with it and
//! hands the result to the guard through a slot that lives exactly as long as the request
//! (`scope`). The guard takes it only if it is for the same user and the same kind of
//! sign-in; otherwise, or where no store filled the slot, it reads the user itself. Either
//! way the user is read during the request that uses them, so disabling a user or changing
//! their role still takes effect at the next request.

use std::cell::RefCell;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::db::DbConnection;
use crate::db::models::org::{self, Org};
use crate::db::models::user::{self, User};
use crate::db::models::{policy, two_step};
use crate::error::AppError;

/// Where the signed-in user's two-step sign-in stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwoStep {
    On,
    /// Off, and the program does not require it of the user's role.
    Off,
    /// Off, and the program requires it: only `TwoStepSetup` pages are served.
    MustSetUp,
}

/// The user behind a session, with their organisation and two-step standing; `None` when
/// the user no longer exists.
pub type Loaded = Option<(User, Option<Org>, TwoStep)>;

/// Reads the user `user_id` as the guard needs them. A company sign-in's second factor is
/// the provider's (`auth::sign_in_with_company`), so `via_company` is never sent to set one
/// up.
pub fn load(conn: &mut DbConnection, user_id: &str, via_company: bool) -> Result<Loaded, AppError> {
    let Some(user) = user::find(conn, user_id)? else {
        return Ok(None);
    };
    let org = org::find_opt(conn, user.org_id.as_deref())?;
    let two_step = if two_step::enabled_since(conn, &user.id)?.is_some() {
        TwoStep::On
    } else if !via_company && policy::current(conn)?.value.two_step_required(user.role()) {
        TwoStep::MustSetUp
    } else {
        TwoStep::Off
    };
    Ok(Some((user, org, two_step)))
}

enum Slot {
    /// The request may need the user: the store should read them with the session.
    Wanted,
    Filled {
        user_id: String,
        via_company: bool,
        /// Boxed: a user with their organisation is some 300 bytes, and the slot sits in
        /// every request's future, filled or not.
        loaded: Box<Loaded>,
    },
    Taken,
}

tokio::task_local! {
    static SLOT: RefCell<Slot>;
}

/// Middleware, outside the session middleware: gives each request its slot. Static assets
/// never reach a guard, so they get none and their session load reads nothing more.
pub async fn scope(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.path().starts_with("/static/") {
        return next.call(req).await;
    }
    SLOT.scope(RefCell::new(Slot::Wanted), next.call(req)).await
}

/// Whether this request's session load should read the user too.
pub fn wanted() -> bool {
    SLOT.try_with(|slot| matches!(*slot.borrow(), Slot::Wanted))
        .unwrap_or(false)
}

/// Leaves what the session load read for the guard.
pub fn fill(user_id: String, via_company: bool, loaded: Loaded) {
    let _ = SLOT.try_with(|slot| {
        *slot.borrow_mut() = Slot::Filled {
            user_id,
            via_company,
            loaded: Box::new(loaded),
        }
    });
}

/// What the session load read, if it was for this user and this kind of sign-in. Taken
/// once: a second guard in the same request reads for itself.
pub fn take(user_id: &str, via_company: bool) -> Option<Loaded> {
    SLOT.try_with(|slot| match slot.replace(Slot::Taken) {
        Slot::Filled {
            user_id: for_user,
            via_company: for_company,
            loaded,
        } if for_user == user_id && for_company == via_company => Some(*loaded),
        _ => None,
    })
    .ok()
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_a_request(check: impl FnOnce()) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        rt.block_on(SLOT.scope(RefCell::new(Slot::Wanted), async { check() }));
    }

    #[test]
    fn the_guard_is_handed_only_what_was_read_for_its_own_user_and_sign_in() {
        in_a_request(|| {
            assert!(
                wanted(),
                "a new request wants the user read with its session"
            );
            fill("u1".into(), false, None);
            assert!(!wanted(), "read once");
            assert!(take("u1", false).is_some());
            assert!(take("u1", false).is_none(), "taken once");
        });
        in_a_request(|| {
            fill("u1".into(), false, None);
            assert!(take("u2", false).is_none(), "another user's read");
        });
        in_a_request(|| {
            fill("u1".into(), true, None);
            assert!(take("u1", false).is_none(), "another kind of sign-in");
        });
    }

    #[test]
    fn outside_a_request_nothing_is_wanted_or_handed_over() {
        assert!(!wanted());
        fill("u1".into(), false, None);
        assert!(take("u1", false).is_none());
    }
}
