//! The domain's text-coded enums (`domain::code`) in text columns, on both backends: one
//! generic mapping, so rows and queries hold the enum, and a code the program does not know
//! is an error when read instead of a silent fallback.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

macro_rules! text_columns {
    ($($ty:ty),* $(,)?) => {$(
        impl<DB> FromSql<Text, DB> for $ty
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let code = <String as FromSql<Text, DB>>::from_sql(bytes)?;
                <$ty>::parse(&code).ok_or_else(|| {
                    format!("{code:?} is not a known {}", stringify!($ty)).into()
                })
            }
        }

        impl<DB> ToSql<Text, DB> for $ty
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <str as ToSql<Text, DB>>::to_sql(self.as_str(), out)
            }
        }
    )*};
}

text_columns!(
    crate::domain::lifecycle::Status,
    crate::domain::lifecycle::Renewal,
    crate::domain::lifecycle::EventKind,
    crate::domain::policy::Segment,
    crate::domain::role::Role,
    crate::domain::org::Tier,
    crate::domain::org::OrgStatus,
    crate::domain::dispute::Reason,
    crate::domain::dispute::RulingOutcome,
    crate::domain::compensation::CreditKind,
    crate::domain::flag::FlagKind,
    crate::domain::territory::Kind,
    crate::domain::territory::Eligibility,
    crate::domain::territory::Mode,
    super::models::assist::AssistStatus,
    super::models::outbox::EmailStatus,
    super::models::webhook::DeliveryStatus,
    super::models::token::Purpose,
    super::models::registration::Sort,
);
