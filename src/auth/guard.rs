//! Role guards. Every handler names who may call it through its extractor type, e.g.
//! `Signed<AdminOnly>`; the user is re-read from the database on every request (with the
//! session where it can, `auth::principal`), so disabling a user or changing their role takes
//! effect at once.
//!
//! Two-step sign-in: a session whose password was right but whose code is still due holds no
//! user id (`auth::PENDING` only), so no guard accepts it; it is sent to the second step. A
//! signed-in user whom the program policy requires to use two-step sign-in and who has not
//! set it up is sent to set it up from every page but the setup pages (`TwoStepSetup`); the
//! policy is read on every request, like the user, so requiring it applies at once.

/// Where the signed-in user's two-step sign-in stands (read with the user, `auth::principal`).
pub use crate::auth::principal::TwoStep;

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpRequest, dev::Payload, http::Method, web};

use crate::auth::{self, client_addr, csrf, principal};
use crate::db::models::org::Org;
use crate::db::models::user::User;
use crate::db::{self, Pool};
use crate::domain::audit::Who;
use crate::domain::role::Role;
use crate::error::AppError;

/// Who a route serves.
pub trait Allowed {
    /// Shown in logs when someone else is refused.
    const NAME: &'static str;
    /// Served to a user who must set up two-step sign-in before anything else: only the
    /// setup pages say yes.
    const DURING_TWO_STEP_SETUP: bool = false;
    fn permits(user: &User, role: Role) -> bool;
}

macro_rules! roles {
    ($(#[$doc:meta])* $name:ident: $($role:path),+) => {
        $(#[$doc])*
        pub struct $name;
        impl Allowed for $name {
            const NAME: &'static str = stringify!($name);
            fn permits(_user: &User, role: Role) -> bool {
                matches!(role, $($role)|+)
            }
        }
    };
}

roles!(/// Any signed-in user.
    AnyRole: Role::Partner, Role::Sales, Role::Channel, Role::Admin);
roles!(AdminOnly: Role::Admin);
roles!(PartnerOnly: Role::Partner);
roles!(SalesOnly: Role::Sales);
roles!(ChannelOnly: Role::Channel);
roles!(/// Who checks whether an account is locked and holds API tokens: direct sales, and
    /// admins as program owners.
    LockCheckers: Role::Sales, Role::Admin);
roles!(/// Who holds API tokens: everyone with an API operation (`domain::api`), so all
    /// staff; partners have none.
    TokenHolders: Role::Sales, Role::Channel, Role::Admin);
roles!(/// Who acknowledges the rules of engagement: the people who claim or pursue accounts.
    Acknowledgers: Role::Partner, Role::Sales);
roles!(/// Who reviews registrations: channel managers, and admins as program owners.
    Reviewer: Role::Channel, Role::Admin);

/// A partner user with the org-admin flag: manages their own organisation's users.
pub struct OrgAdminOnly;
impl Allowed for OrgAdminOnly {
    const NAME: &'static str = "OrgAdminOnly";
    fn permits(user: &User, role: Role) -> bool {
        role == Role::Partner && user.org_admin
    }
}

/// Any signed-in user, including one who must set up two-step sign-in first: the setup page
/// and its form.
pub struct TwoStepSetup;
impl Allowed for TwoStepSetup {
    const NAME: &'static str = "TwoStepSetup";
    const DURING_TWO_STEP_SETUP: bool = true;
    fn permits(_user: &User, _role: Role) -> bool {
        true
    }
}

/// The signed-in user, allowed by `R`.
pub struct Signed<R: Allowed> {
    pub user: User,
    pub role: Role,
    /// The partner organisation, for partner users.
    pub org: Option<Org>,
    pub csrf: String,
    /// A notice left by the previous request (shown once, on pages only).
    pub flash: Option<String>,
    pub session: Session,
    pub two_step: TwoStep,
    /// Where the request came from (through the trusted proxies), for the audit log.
    pub client_addr: Option<std::net::IpAddr>,
    _allowed: PhantomData<R>,
}

impl<R: Allowed> Signed<R> {
    /// The partner org id of a partner user. Partner queries are scoped by this, never by an
    /// id taken from the request.
    pub fn org_id(&self) -> Result<&str, AppError> {
        self.org
            .as_ref()
            .map(|o| o.id.as_str())
            .ok_or(AppError::Forbidden)
    }

    /// Who is acting, as the audit log records it: this user, the role they hold now and
    /// their client address. Handlers pass it down to the workflow that writes the event,
    /// so no layer below needs the request.
    pub fn who(&self) -> Who {
        Who::user(
            &self.user.id,
            self.role,
            self.client_addr.map(|ip| ip.to_string()),
        )
    }
}

impl<R: Allowed + 'static> FromRequest for Signed<R> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        // The pool alone, not the app state: the guard sits below the state and the pages.
        let pool = req.app_data::<web::Data<Pool>>().cloned();
        let is_page = req.method() == Method::GET;
        let next = if is_page {
            req.uri()
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default()
        } else {
            String::new()
        };
        // The route's pattern is only for the log line of a refusal: finding it walks every
        // route registered, so it is looked up then and not on each request.
        let refused_req = req.clone();
        let client_addr = client_addr::of_request(req);
        Box::pin(async move {
            let pool =
                pool.ok_or_else(|| AppError::internal(anyhow::anyhow!("no database pool")))?;
            let Some(user_id) = auth::signed_in_user_id(&session) else {
                if session.contains_key(auth::PENDING) {
                    return Err(AppError::SecondStepPending);
                }
                return Err(AppError::Unauthenticated { next });
            };
            let via_company = auth::signed_in_via_company(&session);
            let loaded = match principal::take(&user_id, via_company) {
                Some(loaded) => loaded,
                None => {
                    db::run(&pool, move |conn| {
                        principal::load(conn, &user_id, via_company)
                    })
                    .await?
                }
            };
            let usable = loaded.and_then(|(user, org, two_step)| {
                let role = user.role();
                let org_ok = !role.needs_org() || org.as_ref().is_some_and(Org::is_active);
                let can_sign_in = user.password_hash.is_some() || via_company;
                (user.disabled_at.is_none() && can_sign_in && org_ok)
                    .then_some((user, role, org, two_step))
            });
            let Some((user, role, org, two_step)) = usable else {
                // Deleted, disabled or suspended since sign-in: the session is over.
                session.purge();
                return Err(AppError::Unauthenticated { next });
            };
            if two_step == TwoStep::MustSetUp && !R::DURING_TWO_STEP_SETUP {
                return Err(AppError::TwoStepSetupRequired);
            }
            if !R::permits(&user, role) {
                tracing::warn!(
                    user_id = %user.id,
                    role = %role,
                    route = %crate::telemetry::route_of(&refused_req).unwrap_or_default(),
                    needs = R::NAME,
                    "access refused: role not allowed on this route"
                );
                return Err(AppError::Forbidden);
            }
            let csrf = csrf::token(&session)?;
            let flash = if is_page {
                auth::take_flash(&session)
            } else {
                None
            };
            Ok(Signed {
                user,
                role,
                org,
                csrf,
                flash,
                session,
                two_step,
                client_addr,
                _allowed: PhantomData,
            })
        })
    }
}
