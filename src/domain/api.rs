//! Who may call which part of the JSON API: a token's scopes (chosen when it is made) and its
//! user's role both have to allow the operation. The role rules are the pages' own (reviewers
//! decide, admins keep the CRM accounts, reps and admins check locks); a scope can only narrow
//! what the role allows, never widen it. Also the API's opaque page cursors.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::role::Role;

/// What a token may do, whatever its user may do: `read` answers questions, `write` changes
/// data. Stored in `api_tokens.scopes` as `read` or `read,write`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Read,
    Write,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }
}

/// A token's scopes. Write without read is not offered: a script that changes data reads
/// it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes {
    pub write: bool,
}

impl Scopes {
    pub const READ: Scopes = Scopes { write: false };
    pub const READ_WRITE: Scopes = Scopes { write: true };

    /// The stored text; an unknown word grants nothing beyond read.
    pub fn parse(stored: &str) -> Scopes {
        Scopes {
            write: stored.split(',').any(|s| s.trim() == "write"),
        }
    }

    pub fn as_stored(self) -> &'static str {
        if self.write { "read,write" } else { "read" }
    }

    pub fn has(self, scope: Scope) -> bool {
        match scope {
            Scope::Read => true,
            Scope::Write => self.write,
        }
    }
}

/// The API's operations, each with the scope it needs and the roles that may do it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `GET /lock`: the sales lock check.
    LockCheck,
    /// Registrations, their timelines and evidence: what the review pages show.
    ReadRegistrations,
    /// Approve, reject, request information: the review pages' buttons.
    DecideRegistration,
    /// Disputes and their rulings (`/review/disputes`).
    ReadDisputes,
    /// CRM accounts and direct opportunities: upsert and delete. Admins only, as the CSV
    /// import: a rep logs their own opportunities on the account page, but a CRM sync writes
    /// every rep's, which no rep may do on the pages.
    WriteCrm,
}

impl Operation {
    pub fn scope(self) -> Scope {
        match self {
            Operation::LockCheck | Operation::ReadRegistrations | Operation::ReadDisputes => {
                Scope::Read
            }
            Operation::DecideRegistration | Operation::WriteCrm => Scope::Write,
        }
    }

    pub fn roles(self) -> &'static [Role] {
        match self {
            Operation::LockCheck => &[Role::Sales, Role::Admin],
            Operation::ReadRegistrations
            | Operation::DecideRegistration
            | Operation::ReadDisputes => &[Role::Channel, Role::Admin],
            Operation::WriteCrm => &[Role::Admin],
        }
    }

    /// Who may use it, as an error message names them.
    pub fn who(self) -> &'static str {
        match self {
            Operation::LockCheck => "sales and admin users",
            Operation::ReadRegistrations
            | Operation::DecideRegistration
            | Operation::ReadDisputes => "channel managers and admins",
            Operation::WriteCrm => "admins",
        }
    }
}

/// Why a token may not do something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The token lacks the scope (its user might be allowed with another token).
    Scope(Scope),
    /// The token's user's role may not do it, whatever the token.
    Role,
}

/// Whether a token with `scopes` of a user with `role` may do `op`. The role is checked
/// first: a write token of a sales rep is told it is the role, not the scope, that is wrong.
pub fn permits(op: Operation, role: Role, scopes: Scopes) -> Result<(), Denied> {
    if !op.roles().contains(&role) {
        return Err(Denied::Role);
    }
    if !scopes.has(op.scope()) {
        return Err(Denied::Scope(op.scope()));
    }
    Ok(())
}

/// Roles that may hold API tokens: those with at least one operation.
pub fn may_hold_tokens(role: Role) -> bool {
    role != Role::Partner
}

/// An opaque page cursor from its parts (a sort key and an id): callers pass it back as is,
/// so the keyset behind it can change without breaking them.
/// How long the first answer to an `Idempotency-Key` is kept: a retry comes within
/// minutes, and a day also covers a sync that fails at night and resumes in the morning.
pub const IDEMPOTENCY_KEPT: chrono::TimeDelta = chrono::TimeDelta::hours(24);

pub fn encode_cursor(parts: &[&str]) -> String {
    URL_SAFE_NO_PAD.encode(parts.join("\u{1f}"))
}

/// The parts of a cursor made by [`encode_cursor`], or `None` for anything else.
pub fn decode_cursor(cursor: &str, parts: usize) -> Option<Vec<String>> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let split: Vec<String> = text.split('\u{1f}').map(str::to_owned).collect();
    (split.len() == parts).then_some(split)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_and_the_scope_must_both_allow() {
        use Operation::*;
        let rw = Scopes::READ_WRITE;
        let r = Scopes::READ;
        assert_eq!(permits(LockCheck, Role::Sales, r), Ok(()));
        assert_eq!(permits(LockCheck, Role::Channel, rw), Err(Denied::Role));
        assert_eq!(permits(ReadRegistrations, Role::Channel, r), Ok(()));
        assert_eq!(
            permits(ReadRegistrations, Role::Sales, rw),
            Err(Denied::Role)
        );
        assert_eq!(
            permits(DecideRegistration, Role::Channel, r),
            Err(Denied::Scope(Scope::Write))
        );
        assert_eq!(permits(DecideRegistration, Role::Admin, rw), Ok(()));
        assert_eq!(permits(WriteCrm, Role::Admin, rw), Ok(()));
        assert_eq!(permits(WriteCrm, Role::Channel, rw), Err(Denied::Role));
        assert_eq!(permits(WriteCrm, Role::Sales, rw), Err(Denied::Role));
        for op in [
            LockCheck,
            ReadRegistrations,
            DecideRegistration,
            ReadDisputes,
            WriteCrm,
        ] {
            assert_eq!(permits(op, Role::Partner, rw), Err(Denied::Role));
        }
        assert!(!may_hold_tokens(Role::Partner));
    }

    #[test]
    fn scopes_round_trip_and_unknown_words_grant_only_read() {
        assert_eq!(
            Scopes::parse(Scopes::READ_WRITE.as_stored()),
            Scopes::READ_WRITE
        );
        assert_eq!(Scopes::parse("read"), Scopes::READ);
        assert_eq!(Scopes::parse("admin,everything"), Scopes::READ);
    }

    #[test]
    fn cursors_round_trip_and_refuse_strangers() {
        let c = encode_cursor(&["2026-01-02T03:04:05", "0193abc"]);
        assert_eq!(
            decode_cursor(&c, 2),
            Some(vec!["2026-01-02T03:04:05".into(), "0193abc".into()])
        );
        assert_eq!(decode_cursor(&c, 3), None);
        assert_eq!(decode_cursor("not base64!", 2), None);
    }
}
