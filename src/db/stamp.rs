//! Timestamps read from SQLite without chrono's format interpreter, for the rows lists read
//! by the dozen.
//!
//! SQLite keeps a timestamp as text, written by diesel as `2026-12-06 21:59:41.123456`.
//! diesel reads it back by trying chrono's `parse_from_str` with each of eighteen formats;
//! the first matches, but interpreting a format string costs about 2,300 instructions a
//! value, and the 26 lines of "My deals" hold some 56 timestamps: a tenth of the page's work.
//! [`Stamp`] reads diesel's own form digit by digit and hands anything else (another
//! separator, a zone, a Julian day) to diesel's reader, so it accepts exactly what diesel
//! accepts. PostgreSQL sends timestamps in binary and is read by diesel as before.
//!
//! A field opts in with `#[diesel(deserialize_as = Stamp)]` (or [`MaybeStamp`] for a
//! nullable column); its Rust type stays `NaiveDateTime`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::Pg;
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::{Sqlite, SqliteType};

use super::MultiBackend;

/// A `Timestamp` column read into a `NaiveDateTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct Stamp(pub NaiveDateTime);

/// A `Nullable<Timestamp>` column read into an `Option<NaiveDateTime>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct MaybeStamp(pub Option<NaiveDateTime>);

impl From<Stamp> for NaiveDateTime {
    fn from(s: Stamp) -> Self {
        s.0
    }
}

impl From<MaybeStamp> for Option<NaiveDateTime> {
    fn from(s: MaybeStamp) -> Self {
        s.0
    }
}

/// `YYYY-MM-DD HH:MM:SS` with an optional fraction of one to nine digits, as diesel writes
/// it; `None` for any other form.
fn parse_stored(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            num(20, b.len())? * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?.and_hms_nano_opt(
        num(11, 13)?,
        num(14, 16)?,
        num(17, 19)?,
        nanos,
    )
}

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(mut value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        if value.value_type() == Some(SqliteType::Text)
            && let Some(at) = parse_stored(value.read_text())
        {
            return Ok(Stamp(at));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Timestamp, MultiBackend> for Stamp {
    fn from_sql(value: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Timestamp>()
    }
}

impl<DB: Backend> FromSql<Nullable<Timestamp>, DB> for MaybeStamp
where
    Stamp: FromSql<Timestamp, DB>,
{
    fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
        <Stamp as FromSql<Timestamp, DB>>::from_sql(value).map(|s| MaybeStamp(Some(s.0)))
    }

    fn from_nullable_sql(value: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        match value {
            Some(value) => Self::from_sql(value),
            None => Ok(MaybeStamp(None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diesels_stored_form_reads_as_chrono_reads_it() {
        for text in [
            "2026-12-06 21:59:41",
            "2026-12-06 21:59:41.1",
            "2026-12-06 21:59:41.123456",
            "2026-12-06 21:59:41.123456789",
            "2024-02-29 00:00:00.000001",
            "0999-01-01 23:59:59",
        ] {
            let chrono = NaiveDateTime::parse_from_str(text, "%F %T%.f").unwrap();
            assert_eq!(parse_stored(text), Some(chrono), "{text}");
        }
    }

    #[test]
    fn every_other_form_is_left_to_diesels_reader() {
        for text in [
            "2026-12-06T21:59:41",
            "2026-12-06 21:59:41Z",
            "2026-12-06 21:59:41+01:00",
            "2026-12-06 21:59",
            "2026-02-30 10:00:00",
            "2026-12-06 24:00:00",
            "2026-12-06 21:59:41.",
            "2026-12-06 21:59:41.1234567890",
            "2461016.5",
            "",
        ] {
            assert_eq!(parse_stored(text), None, "{text}");
        }
    }

    /// Through a real SQLite connection, as the models read them: diesel's form, another
    /// form diesel accepts, and NULL.
    #[test]
    fn a_stored_timestamp_reads_as_diesel_reads_it() {
        use diesel::RunQueryDsl;
        use diesel::dsl::sql;

        let dir = tempfile::tempdir().unwrap();
        let url = crate::db::DatabaseUrl::Sqlite(dir.path().join("t.db").display().to_string());
        let mut conn = crate::db::open(&url).unwrap();
        for literal in ["'2026-12-06 21:59:41.25'", "'2026-12-06T21:59:41'"] {
            let ours: Stamp = diesel::select(sql::<Timestamp>(literal))
                .get_result(&mut conn)
                .unwrap();
            let diesels: NaiveDateTime = diesel::select(sql::<Timestamp>(literal))
                .get_result(&mut conn)
                .unwrap();
            assert_eq!(ours.0, diesels, "{literal}");
        }
        let null: MaybeStamp = diesel::select(sql::<Nullable<Timestamp>>("NULL"))
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(null, MaybeStamp(None));
        let some: MaybeStamp = diesel::select(sql::<Nullable<Timestamp>>("'2026-12-06 10:00:00'"))
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(
            some.0.map(|t| t.to_string()),
            Some("2026-12-06 10:00:00".to_owned())
        );
    }
}
