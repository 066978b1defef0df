//! Searching text columns the same way on both backends: a LIKE pattern for "contains" with
//! the user's `%`, `_` and `\` taken literally (used with `.escape('\\')`), and SQL's
//! `lower()`, which both SQLite and PostgreSQL have.

diesel::define_sql_function! {
    /// The text in lower case (ASCII on SQLite; enough for emails and names typed to search).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// `text` with LIKE's wildcards escaped by `\`.
pub fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// `%text%` with LIKE's wildcards in `text` escaped by `\`.
pub fn contains(text: &str) -> String {
    format!("%{}%", escape(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_typed_are_taken_literally() {
        assert_eq!(contains("acme"), "%acme%");
        assert_eq!(contains("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
