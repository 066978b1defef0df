//! CRM accounts a page at a time, for the admin's list: found by the beginning of their
//! name or by their website's domain, in name order, with their direct opportunities
//! counted. At a million accounts each page is a range of the name index.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::dsl::{count_star, max};
use diesel::prelude::*;

use super::crm::Account;
use crate::db::DbConnection;
use crate::db::schema::{crm_accounts, direct_opportunities};
use crate::domain::prospect::{domain_key, name_key};

/// The keyset cursor of an account in the list: its name key and id.
pub fn cursor(a: &Account) -> String {
    format!("{}|{}", a.name_key, a.id)
}

/// The first key after every key starting with `prefix` (its last character moved up one),
/// so the prefix is a range of the index.
fn after_prefix(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    let last = chars.pop()?;
    chars.push(char::from_u32(u32::from(last) + 1)?);
    Some(chars.into_iter().collect())
}

/// Up to `limit` accounts after `after` (a [`cursor`]): those whose website is `search`'s
/// domain when it names one ("acme.com"), else those whose name begins with it.
pub fn search_page(
    conn: &mut DbConnection,
    search: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Account>> {
    let mut query = crm_accounts::table.into_boxed();
    let search = search.trim();
    match domain_key(search).filter(|_| search.contains('.') && !search.contains(' ')) {
        Some(domain) => query = query.filter(crm_accounts::domain_key.eq(domain)),
        None => {
            let key = name_key(search);
            if !key.is_empty() {
                query = query.filter(
                    crm_accounts::name_key
                        .like(format!("{}%", crate::db::search::escape(&key)))
                        .escape('\\'),
                );
                // The same rows as a range of the name index, which LIKE alone may not use.
                query = query.filter(crm_accounts::name_key.ge(key.clone()));
                if let Some(end) = after_prefix(&key) {
                    query = query.filter(crm_accounts::name_key.lt(end));
                }
            }
        }
    }
    if let Some((key, id)) = after.and_then(|a| a.rsplit_once('|')) {
        query = query.filter(
            crm_accounts::name_key
                .gt(key.to_owned())
                .or(crm_accounts::name_key
                    .eq(key.to_owned())
                    .and(crm_accounts::id.gt(id.to_owned()))),
        );
    }
    query
        .order((crm_accounts::name_key.asc(), crm_accounts::id.asc()))
        .limit(limit)
        .select(Account::as_select())
        .load(conn)
}

/// The direct opportunities of these accounts: (how many, the latest activity).
pub fn opportunity_counts(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<HashMap<String, (i64, Option<NaiveDate>)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, i64, Option<NaiveDate>)> = direct_opportunities::table
        .filter(direct_opportunities::account_id.eq_any(ids))
        .group_by(direct_opportunities::account_id)
        .select((
            direct_opportunities::account_id,
            count_star(),
            max(direct_opportunities::last_activity_on),
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, n, at)| (id, (n, at))).collect())
}

#[cfg(test)]
mod tests {
    use super::after_prefix;

    #[test]
    fn a_prefix_is_the_range_up_to_its_next_key() {
        assert_eq!(after_prefix("acme").as_deref(), Some("acmf"));
        assert_eq!(after_prefix("a"), Some("b".into()));
        assert_eq!(after_prefix(""), None);
    }
}
