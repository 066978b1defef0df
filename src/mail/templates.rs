//! The emails Truce sends. Each has a folder under `templates/email/` with `subject.txt`,
//! `body.txt` and `body.html`; text parts are not escaped, the HTML part is.

use super::{EmailContent, Rendered};

macro_rules! email {
    ($(#[$doc:meta])* $data:ident, $kind:literal, $subject:literal, $text:literal, $html:literal, { $($field:ident: $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        pub struct $data {
            $(pub $field: $ty),*
        }

        const _: () = {
            #[derive(askama::Template)]
            #[template(path = $subject)]
            struct Subject<'a> {
                d: &'a $data,
            }
            #[derive(askama::Template)]
            #[template(path = $text)]
            struct Text<'a> {
                d: &'a $data,
            }
            #[derive(askama::Template)]
            #[template(path = $html)]
            struct Html<'a> {
                d: &'a $data,
            }
            impl EmailContent for $data {
                fn render(&self) -> Result<Rendered, askama::Error> {
                    use askama::Template;
                    Ok(Rendered {
                        kind: $kind,
                        subject: Subject { d: self }.render()?.trim().to_owned(),
                        text: Text { d: self }.render()?,
                        html: Html { d: self }.render()?,
                    })
                }
            }
        };
    };
}

email!(
    /// A new user's invitation, with the link to choose a first password.
    Invitation,
    "invitation",
    "email/invitation/subject.txt",
    "email/invitation/body.txt",
    "email/invitation/body.html",
    {
        program: String,
        name: String,
        email: String,
        role_label: &'static str,
        org_name: Option<String>,
        link: String,
        expires: String,
        sign_in: String,
    }
);

email!(
    /// A set-password link for an existing user: "forgot password" or an admin's reset.
    PasswordLink,
    "password_link",
    "email/password_link/subject.txt",
    "email/password_link/body.txt",
    "email/password_link/body.html",
    {
        program: String,
        name: String,
        reason: &'static str,
        link: String,
        expires: String,
    }
);

email!(
    /// A new version of the rules of engagement, to every partner user and sales rep, with
    /// the admin's summary of what changed.
    RoeChanged,
    "roe_changed",
    "email/roe_changed/subject.txt",
    "email/roe_changed/body.txt",
    "email/roe_changed/body.html",
    {
        program: String,
        name: String,
        version: i64,
        summary: String,
        link: String,
        consequence: &'static str,
    }
);

/// A change to a registration, for the partner or the channel team: one layout for every
/// lifecycle email, with its own kind in the outbox (`registration_approved`, ...).
#[derive(Clone)]
pub struct RegistrationNotice {
    pub kind: &'static str,
    pub program: String,
    pub subject: String,
    pub name: String,
    pub headline: String,
    pub lines: Vec<String>,
    pub facts: Vec<(&'static str, String)>,
    pub link: String,
    pub link_label: &'static str,
}

const _: () = {
    #[derive(askama::Template)]
    #[template(path = "email/registration_notice/subject.txt")]
    struct Subject<'a> {
        d: &'a RegistrationNotice,
    }
    #[derive(askama::Template)]
    #[template(path = "email/registration_notice/body.txt")]
    struct Text<'a> {
        d: &'a RegistrationNotice,
    }
    #[derive(askama::Template)]
    #[template(path = "email/registration_notice/body.html")]
    struct Html<'a> {
        d: &'a RegistrationNotice,
    }
    impl EmailContent for RegistrationNotice {
        fn render(&self) -> Result<Rendered, askama::Error> {
            use askama::Template;
            Ok(Rendered {
                kind: self.kind,
                subject: Subject { d: self }.render()?.trim().to_owned(),
                text: Text { d: self }.render()?,
                html: Html { d: self }.render()?,
            })
        }
    }
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let email = Invitation {
            program: "Truce".into(),
            name: "<b>Pat</b> & Co".into(),
            email: "pat@example.com".into(),
            role_label: "Partner",
            org_name: Some("Acme".into()),
            link: "https://p.example/password/set/abc".into(),
            expires: "2026-12-01 10:00".into(),
            sign_in: "https://p.example/login".into(),
        }
        .render()
        .unwrap();
        assert_eq!(email.subject, "You are invited to the Truce partner portal");
        assert!(email.text.contains("Hello <b>Pat</b> & Co,"));
        assert!(!email.html.contains("<b>Pat</b>"));
        assert!(email.html.contains("&#60;b&#62;Pat") || email.html.contains("&lt;b&gt;Pat"));
        assert!(email.text.contains("https://p.example/password/set/abc"));
        assert!(email.html.contains("for <strong>Acme</strong>"));
    }
}
