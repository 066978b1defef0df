//! Search and paging for the admin's long lists (organisations, users): the query they
//! take, and the links and wording the page shows. A page is read one row longer than it
//! shows, so "next page" appears only when there is one.

use serde::Deserialize;

use crate::routes::view::href;

/// Rows a page shows.
pub const PAGE: i64 = 50;

/// `?q=` (the search as typed) and `?after=` (the sort key of the last row shown).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Browse {
    pub q: String,
    pub after: String,
}

impl Browse {
    pub fn after(&self) -> Option<&str> {
        (!self.after.is_empty()).then_some(self.after.as_str())
    }

    /// Rows to read: one more than a page.
    pub fn limit(&self) -> i64 {
        PAGE + 1
    }
}

/// What the page says about where the reader is in the list.
pub struct Pager {
    pub q: String,
    /// The next page, when there is one.
    pub next: Option<String>,
    /// Back to the first page, when this is not it.
    pub first: Option<String>,
    /// "Organisations 1–50", "Users matching “ann”: 3".
    pub summary: String,
}

/// Cuts `rows` to a page and says where the next one starts (`key` of the last row shown).
pub fn page<T>(
    path: &str,
    what: &str,
    browse: &Browse,
    rows: &mut Vec<T>,
    key: impl Fn(&T) -> String,
) -> Pager {
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let q = browse.q.trim().to_owned();
    let next = more
        .then(|| rows.last().map(&key))
        .flatten()
        .map(|after| href(path, &[("q", q.as_str()), ("after", after.as_str())]));
    let first = browse.after().map(|_| href(path, &[("q", q.as_str())]));
    let shown = rows.len();
    let summary = match (q.is_empty(), browse.after().is_some(), more) {
        (true, false, false) => format!("{what}: {shown}"),
        (true, _, _) => format!("{what}, {PAGE} a page, in order"),
        (false, false, false) => format!("{what} matching “{q}”: {shown}"),
        (false, _, _) => format!("{what} matching “{q}”, {PAGE} a page"),
    };
    Pager {
        q,
        next,
        first,
        summary,
    }
}
