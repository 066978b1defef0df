//! Single sign-on rules: who may sign in with the company's account, and for how long a
//! started sign-in stays valid. The protocol itself (discovery, code exchange, ID token
//! checks) is the `openidconnect` crate's, in `auth::oidc`.

use chrono::{NaiveDateTime, TimeDelta};

use super::role::Role;

/// How long the provider may take to send the user back: long enough to type a password
/// and a second factor there, short enough that a stolen link is soon worthless.
pub const PENDING_FOR: TimeDelta = TimeDelta::minutes(10);

/// Why a company sign-in did not sign anyone in; each says what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No sign-in was started in this browser, it was finished already, or the state differs.
    NotStarted,
    Expired,
    /// The provider said no (the user cancelled, or it refused).
    Provider(String),
    /// The provider's answer did not check out (token exchange or ID token).
    Invalid,
    Unreachable,
    NoEmail,
    EmailDomain(String),
    NoAccount(String),
    Disabled,
    /// Partners sign in with their password.
    NotStaff,
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::NotStarted => {
                "That company sign-in was already used or was not started in this browser. Start again with \"Sign in with your company account\".".into()
            }
            Refusal::Expired => {
                "That company sign-in took longer than 10 minutes and has expired. Start again.".into()
            }
            Refusal::Provider(what) => format!(
                "Your company's sign-in did not complete ({what}). Start again, or sign in with your password."
            ),
            Refusal::Invalid => {
                "Your company's sign-in sent an answer Truce could not verify, so nobody was signed in. Start again; if it happens again, tell your administrator.".into()
            }
            Refusal::Unreachable => {
                "Your company's sign-in service cannot be reached right now. Try again in a minute, or sign in with your password.".into()
            }
            Refusal::NoEmail => {
                "Your company account did not share a verified email address, so Truce cannot tell who you are. Ask your administrator to release the email claim to Truce.".into()
            }
            Refusal::EmailDomain(email) => format!(
                "{email} is not a staff address this portal accepts for company sign-in. Sign in with your password."
            ),
            Refusal::NoAccount(email) => format!(
                "There is no Truce account for {email}. Ask a Truce administrator to add you, then sign in again."
            ),
            Refusal::Disabled => {
                "Your Truce account is disabled. Ask a Truce administrator if you need access again.".into()
            }
            Refusal::NotStaff => {
                "Company sign-in is for internal staff; partners sign in with their email and password.".into()
            }
        }
    }
}

/// Whether a started sign-in is still valid at `now`.
pub fn still_pending(started_at: NaiveDateTime, now: NaiveDateTime) -> bool {
    now >= started_at && now - started_at <= PENDING_FOR
}

/// Whether `email` is at one of the allowed domains (lower case, no '@'); subdomains are not
/// the domain (`mail.example.com` is not `example.com`).
pub fn email_allowed(email: &str, domains: &[String]) -> bool {
    let Some((_, domain)) = email.rsplit_once('@') else {
        return false;
    };
    let domain = domain.to_lowercase();
    domains.contains(&domain)
}

/// Company sign-in is for internal staff.
pub fn may_use_sso(role: Role) -> bool {
    role != Role::Partner
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn t0() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 6)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    }

    #[test]
    fn a_started_sign_in_lasts_ten_minutes() {
        assert!(still_pending(t0(), t0()));
        assert!(still_pending(t0(), t0() + TimeDelta::minutes(10)));
        assert!(!still_pending(
            t0(),
            t0() + TimeDelta::minutes(10) + TimeDelta::seconds(1)
        ));
        assert!(
            !still_pending(t0(), t0() - TimeDelta::seconds(1)),
            "from the future"
        );
    }

    #[test]
    fn only_the_listed_domains_and_not_their_subdomains() {
        let domains = vec!["example.com".to_owned(), "example.co.uk".to_owned()];
        assert!(email_allowed("ada@example.com", &domains));
        assert!(email_allowed("Ada@EXAMPLE.com", &domains));
        assert!(email_allowed("bo@example.co.uk", &domains));
        assert!(!email_allowed("ada@mail.example.com", &domains));
        assert!(!email_allowed("ada@example.com.evil.test", &domains));
        assert!(!email_allowed("ada@partner.test", &domains));
        assert!(!email_allowed("example.com", &domains));
    }

    #[test]
    fn partners_use_their_password() {
        assert!(!may_use_sso(Role::Partner));
        for role in [Role::Sales, Role::Channel, Role::Admin] {
            assert!(may_use_sso(role));
        }
    }

    #[test]
    fn every_refusal_says_what_to_do() {
        let all = [
            Refusal::NotStarted,
            Refusal::Expired,
            Refusal::Provider("access_denied".into()),
            Refusal::Invalid,
            Refusal::Unreachable,
            Refusal::NoEmail,
            Refusal::EmailDomain("a@b.test".into()),
            Refusal::NoAccount("a@example.com".into()),
            Refusal::Disabled,
            Refusal::NotStaff,
        ];
        for r in all {
            let m = r.message();
            assert!(m.ends_with('.'), "{m}");
            let lower = m.to_lowercase();
            assert!(
                ["start again", "ask", "sign in", "try again", "tell"]
                    .iter()
                    .any(|w| lower.contains(w)),
                "{m}"
            );
        }
    }
}
