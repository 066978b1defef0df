//! Enums the product stores and sends as text ("pending", "mid_market", "outside_territory").
//!
//! Their codes are derived from the variant names once (strum, snake_case), never written
//! by hand beside the variants, and the database maps each of them to a text column in one
//! place (`db::text`), so rows hold the enum and a value the code does not know is an error
//! when read, never silently taken for another.

/// Declares an enum stored as text: the derives (codes by strum; `AsExpression` and
/// `FromSqlRow` so rows and queries take the enum itself), and `as_str`, `parse` and `ALL`.
/// Attributes before the enum and its variants pass through (a variant whose code is not its
/// snake_case name says so with `#[strum(serialize = "...")]`).
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            strum::IntoStaticStr,
            strum::Display,
            strum::EnumString,
            diesel::AsExpression,
            diesel::FromSqlRow,
        )]
        #[strum(serialize_all = "snake_case")]
        #[diesel(sql_type = diesel::sql_types::Text)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),*
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable code: stored, sent in URLs and JSON.
            pub fn as_str(self) -> &'static str {
                self.into()
            }

            /// The variant with this code, if any.
            pub fn parse(code: &str) -> Option<$name> {
                code.parse().ok()
            }
        }
    };
}

pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    text_enum! {
        /// For the test only.
        enum Sample {
            First,
            InfoRequested,
            #[strum(serialize = "ending")]
            EndingSoon,
        }
    }

    #[test]
    fn codes_are_snake_case_names_unless_a_variant_says_otherwise() {
        let codes: Vec<&str> = Sample::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(codes, ["first", "info_requested", "ending"]);
        for s in Sample::ALL {
            assert_eq!(Sample::parse(s.as_str()), Some(*s));
        }
        assert_eq!(Sample::parse("First"), None);
        assert_eq!(Sample::parse(""), None);
    }
}
