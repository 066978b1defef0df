//! Settings kept as numbered versions: the program policy and the compensation rules. The
//! newest version is in force; older ones stay, so every decision shows the version it was
//! made under and the history shows who changed what, when. Both are stored the same way (a
//! `*_versions` table of `version`, JSON `params`, `created_by`, `created_at`), so the
//! queries are written once here, for any table that says how to reach its columns.

use std::sync::Mutex;

use chrono::NaiveDateTime;
use diesel::QueryResult;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::db::{DbConnection, is_unique_violation};

/// One saved version of a settings document.
#[derive(Debug, Clone)]
pub struct Version<T> {
    pub version: i64,
    pub value: T,
    pub created_by: Option<String>,
    /// Who saved it, for the history; `None` for the defaults written at start-up.
    pub created_by_name: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A row as the tables hold it: version, JSON params, created_by, the user's name, created_at.
pub type Row = (i64, String, Option<String>, Option<String>, NaiveDateTime);

/// A settings document and the table its versions live in.
pub trait Versioned: Serialize + DeserializeOwned + Default + PartialEq + Clone + 'static {
    /// What a version is called in errors: "policy", "compensation rules".
    const WHAT: &'static str;
    /// The newest `limit` rows, newest first, with the saver's name.
    fn newest_rows(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<Row>>;
    /// The params of one version.
    fn params_of(conn: &mut DbConnection, version: i64) -> QueryResult<Option<String>>;
    fn max_version(conn: &mut DbConnection) -> QueryResult<Option<i64>>;
    /// The last text parsed and what it said, shared by every connection of the process.
    fn last_parsed() -> &'static LastParsed<Self>;
    fn insert_row(
        conn: &mut DbConnection,
        version: i64,
        params: &str,
        created_by: Option<&str>,
        now: NaiveDateTime,
    ) -> QueryResult<()>;
}

fn parse<T: Versioned>(version: i64, params: &str) -> QueryResult<T> {
    serde_json::from_str(params).map_err(|e| {
        diesel::result::Error::DeserializationError(
            format!("{} version {version} is unreadable: {e}", T::WHAT).into(),
        )
    })
}

/// The last settings text parsed and its value. Every page reads the policy in force (the
/// guard for two-step sign-in, the page for its rules) and parsing its JSON was a twentieth
/// of a page's work; the text is still read from the database each time, and only parsed
/// again when it differs from the last one, so what this keeps can never be stale: it is
/// keyed by the very text it was parsed from, whichever database or instance wrote it.
pub struct LastParsed<T>(Mutex<Option<(String, T)>>);

impl<T: Versioned> Default for LastParsed<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Versioned> LastParsed<T> {
    pub const fn new() -> Self {
        Self(Mutex::new(None))
    }

    fn parse(&self, version: i64, params: String) -> QueryResult<T> {
        let mut last = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((text, value)) = last.as_ref()
            && *text == params
        {
            return Ok(value.clone());
        }
        let value = parse::<T>(version, &params)?;
        *last = Some((params, value.clone()));
        Ok(value)
    }
}

fn version_of<T>((version, _params, created_by, name, created_at): Row, value: T) -> Version<T> {
    Version {
        version,
        value,
        created_by,
        created_by_name: name,
        created_at,
    }
}

/// The version in force. Version 1 (the defaults) is written at start-up, so there is one.
pub fn current<T: Versioned>(conn: &mut DbConnection) -> QueryResult<Version<T>> {
    let mut row = T::newest_rows(conn, 1)?
        .pop()
        .ok_or(diesel::result::Error::NotFound)?;
    let value = T::last_parsed().parse(row.0, std::mem::take(&mut row.1))?;
    Ok(version_of(row, value))
}

/// Every version, newest first.
pub fn history<T: Versioned>(conn: &mut DbConnection) -> QueryResult<Vec<Version<T>>> {
    T::newest_rows(conn, 1000)?
        .into_iter()
        .map(|row| {
            let value = parse(row.0, &row.1)?;
            Ok(version_of(row, value))
        })
        .collect()
}

/// One version's settings.
pub fn find<T: Versioned>(conn: &mut DbConnection, version: i64) -> QueryResult<Option<T>> {
    T::params_of(conn, version)?
        .map(|p| parse(version, &p))
        .transpose()
}

/// Saves `value` as the next version. Two admins saving at once: one of them gets a unique
/// violation and is asked to look again.
pub fn insert<T: Versioned>(
    conn: &mut DbConnection,
    value: &T,
    created_by: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let version = T::max_version(conn)?.unwrap_or(0) + 1;
    let params = serde_json::to_string(value)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    T::insert_row(conn, version, &params, created_by, now)?;
    Ok(version)
}

/// Saves `value` as a new version unless it equals the one in force (`None` then); call in a
/// write transaction.
pub fn save_if_changed<T: Versioned>(
    conn: &mut DbConnection,
    value: &T,
    created_by: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    if current::<T>(conn)?.value == *value {
        return Ok(None);
    }
    insert(conn, value, Some(created_by), now).map(Some)
}

/// Writes the defaults as version 1 if there is none yet; safe to race.
pub fn ensure_initial<T: Versioned>(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> QueryResult<()> {
    if T::max_version(conn)?.is_some() {
        return Ok(());
    }
    match insert(conn, &T::default(), None, now) {
        Err(e) if is_unique_violation(&e) => Ok(()),
        other => other.map(|_| ()),
    }
}

/// Implements [`Versioned`] for a settings type stored in `$table` (the columns every
/// versions table has), so the table-specific part is one line per table.
macro_rules! versioned_in {
    ($ty:ty, $table:ident, $what:literal) => {
        impl $crate::db::models::versions::Versioned for $ty {
            const WHAT: &'static str = $what;

            fn newest_rows(
                conn: &mut $crate::db::DbConnection,
                limit: i64,
            ) -> diesel::QueryResult<Vec<$crate::db::models::versions::Row>> {
                use diesel::prelude::*;
                use $crate::db::schema::{users, $table};
                $crate::db::on_backend!(conn, |c| $table::table
                    .left_join(users::table.on(users::id.nullable().eq($table::created_by)))
                    .select((
                        $table::version,
                        $table::params,
                        $table::created_by,
                        users::name.nullable(),
                        $table::created_at,
                    ))
                    .order($table::version.desc())
                    .limit(limit)
                    .load(c))
            }

            fn params_of(
                conn: &mut $crate::db::DbConnection,
                version: i64,
            ) -> diesel::QueryResult<Option<String>> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                $table::table
                    .find(version)
                    .select($table::params)
                    .first(conn)
                    .optional()
            }

            fn max_version(
                conn: &mut $crate::db::DbConnection,
            ) -> diesel::QueryResult<Option<i64>> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                $table::table
                    .select(diesel::dsl::max($table::version))
                    .first(conn)
            }

            fn last_parsed() -> &'static $crate::db::models::versions::LastParsed<Self> {
                static LAST: $crate::db::models::versions::LastParsed<$ty> =
                    $crate::db::models::versions::LastParsed::new();
                &LAST
            }

            fn insert_row(
                conn: &mut $crate::db::DbConnection,
                version: i64,
                params: &str,
                created_by: Option<&str>,
                now: chrono::NaiveDateTime,
            ) -> diesel::QueryResult<()> {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                diesel::insert_into($table::table)
                    .values((
                        $table::version.eq(version),
                        $table::params.eq(params),
                        $table::created_by.eq(created_by),
                        $table::created_at.eq(now),
                    ))
                    .execute(conn)
                    .map(drop)
            }
        }
    };
}

pub(crate) use versioned_in;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Policy;

    #[test]
    fn a_settings_text_is_parsed_again_whenever_it_differs_from_the_last() {
        let last = LastParsed::<Policy>::new();
        let first = Policy::default();
        let mut changed = first.clone();
        changed.approval_sla_hours += 7;
        let text = |p: &Policy| serde_json::to_string(p).unwrap();
        assert_eq!(last.parse(1, text(&first)).unwrap(), first);
        assert_eq!(last.parse(1, text(&first)).unwrap(), first);
        // The same version number with another text (a restored or another database):
        // the text decides, never the number.
        assert_eq!(last.parse(1, text(&changed)).unwrap(), changed);
        assert_eq!(last.parse(2, text(&first)).unwrap(), first);
        // An unreadable text is an error and leaves the last good one in place.
        assert!(last.parse(3, "{".to_owned()).is_err());
        assert_eq!(last.parse(2, text(&first)).unwrap(), first);
    }
}
