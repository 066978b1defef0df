//! actix-session's store, backed by the `sessions` table: sign-out, disabling a user and a
//! password change revoke sessions server-side, and several instances share them.
//!
//! Idle and absolute lifetimes are enforced here against the injected clock rather than by
//! cookie age, so they hold even for a cookie an attacker kept.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use chrono::TimeDelta;
use rand::distr::{Alphanumeric, SampleString};

use crate::auth::{USER_ID, VIA_COMPANY, principal};
use crate::clock::SharedClock;
use crate::db::models::session;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::ids;

type State = HashMap<String, String>;

/// How often a session's last-seen time is written: activity is tracked to the minute, not
/// with a write on every request.
const TOUCH_EVERY: TimeDelta = TimeDelta::seconds(60);
/// The longest a page waits to note that its session was seen.
const TOUCH_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

#[derive(Clone)]
pub struct DbSessionStore {
    pool: Pool,
    clock: SharedClock,
    idle: TimeDelta,
    max_age: TimeDelta,
}

impl DbSessionStore {
    pub fn new(pool: Pool, clock: SharedClock, idle: TimeDelta, max_age: TimeDelta) -> Self {
        Self {
            pool,
            clock,
            idle,
            max_age,
        }
    }
}

fn user_id_of(state: &State) -> Option<String> {
    state
        .get(USER_ID)
        .and_then(|v| serde_json::from_str::<String>(v).ok())
}

fn via_company_of(state: &State) -> bool {
    state
        .get(VIA_COMPANY)
        .and_then(|v| serde_json::from_str::<bool>(v).ok())
        .unwrap_or(false)
}

fn new_key() -> SessionKey {
    let raw = Alphanumeric.sample_string(&mut rand::rng(), 64);
    SessionKey::try_from(raw).expect("64 characters fit in a cookie")
}

fn other(e: impl Into<anyhow::Error>) -> anyhow::Error {
    e.into()
}

fn app_err(e: AppError) -> anyhow::Error {
    anyhow::anyhow!("session store: {e:?}")
}

impl SessionStore for DbSessionStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<State>, LoadError> {
        let id = ids::hash(session_key.as_ref());
        let now = self.clock.naive_now();
        let (idle, max_age) = (self.idle, self.max_age);
        let with_user = principal::wanted();
        let loaded = db::run(&self.pool, move |conn| {
            let Some(row) = session::find(conn, &id)? else {
                return Ok(None);
            };
            if now - row.last_seen_at > idle || now - row.created_at > max_age {
                session::delete(conn, &id)?;
                return Ok(None);
            }
            // Best effort: a page never waits behind a long write for this; the next
            // request tries again.
            if now - row.last_seen_at > TOUCH_EVERY
                && !db::write_if_free(conn, TOUCH_WAIT, |conn| session::touch(conn, &id, now))?
            {
                tracing::debug!("session not touched: the database is busy writing");
            }
            let state = match serde_json::from_str::<State>(&row.state) {
                Ok(state) => state,
                Err(e) => return Ok(Some(Err(e))),
            };
            // The guard's read of the user, in this trip (auth::principal).
            let user = match user_id_of(&state) {
                Some(user_id) if with_user => {
                    let via_company = via_company_of(&state);
                    let loaded = principal::load(conn, &user_id, via_company)?;
                    Some((user_id, via_company, loaded))
                }
                _ => None,
            };
            Ok(Some(Ok((state, user))))
        })
        .await
        .map_err(|e| LoadError::Other(app_err(e)))?;
        match loaded {
            None => Ok(None),
            Some(Ok((state, user))) => {
                if let Some((user_id, via_company, loaded)) = user {
                    principal::fill(user_id, via_company, loaded);
                }
                Ok(Some(state))
            }
            Some(Err(e)) => Err(LoadError::Deserialization(other(e))),
        }
    }

    async fn save(&self, state: State, _ttl: &Duration) -> Result<SessionKey, SaveError> {
        let key = new_key();
        let id = ids::hash(key.as_ref());
        let user_id = user_id_of(&state);
        let json = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(other(e)))?;
        let now = self.clock.naive_now();
        db::run(&self.pool, move |conn| {
            Ok(session::insert(conn, &id, user_id.as_deref(), &json, now)?)
        })
        .await
        .map_err(|e| SaveError::Other(app_err(e)))?;
        Ok(key)
    }

    async fn update(
        &self,
        session_key: SessionKey,
        mut state: State,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let id = ids::hash(session_key.as_ref());
        let user_id = user_id_of(&state);
        let json =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(other(e)))?;
        let now = self.clock.naive_now();
        let updated = db::run(&self.pool, move |conn| {
            Ok(session::update_state(
                conn,
                &id,
                user_id.as_deref(),
                &json,
                now,
            )?)
        })
        .await
        .map_err(|e| UpdateError::Other(app_err(e)))?;
        if updated {
            return Ok(session_key);
        }
        // The session was revoked while this request ran: keep the visitor's harmless state
        // (CSRF token, notices) in a new session, but never the sign-in.
        state.remove(USER_ID);
        self.save(state, ttl).await.map_err(|e| match e {
            SaveError::Serialization(e) => UpdateError::Serialization(e),
            SaveError::Other(e) => UpdateError::Other(e),
        })
    }

    async fn update_ttl(
        &self,
        _session_key: &SessionKey,
        _ttl: &Duration,
    ) -> Result<(), anyhow::Error> {
        // Activity is recorded in `load`; nothing to extend here.
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        let id = ids::hash(session_key.as_ref());
        db::run(&self.pool, move |conn| Ok(session::delete(conn, &id)?))
            .await
            .map_err(app_err)
    }
}
