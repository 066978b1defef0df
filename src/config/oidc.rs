//! Single sign-on settings: the company's OpenID provider, this portal's client there, and
//! whose accounts may sign in with it. All four `TRUCE_OIDC_*` values name one setup, so
//! some without the others is an error, not a half-working button.

use clap::Args;
use url::Url;

use crate::domain::role::Role;

#[derive(Debug, Clone, Default, Args)]
pub struct OidcArgs {
    /// The company's OpenID provider (issuer URL, e.g. https://login.example.com/realms/staff):
    /// turns on "Sign in with your company account" for internal staff.
    #[arg(long, env = "TRUCE_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,

    /// This portal's client id at the provider.
    #[arg(long, env = "TRUCE_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,

    /// This portal's client secret at the provider.
    #[arg(long, env = "TRUCE_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,

    /// The email domains whose accounts may sign in this way, comma-separated
    /// (e.g. example.com,example.co.uk).
    #[arg(long, env = "TRUCE_OIDC_EMAIL_DOMAINS", value_delimiter = ',')]
    pub oidc_email_domains: Vec<String>,

    /// Create a user with this role (sales or channel) on a first company sign-in by someone
    /// with no account yet. Without it, only existing users can sign in this way.
    #[arg(long, env = "TRUCE_OIDC_CREATE_ROLE")]
    pub oidc_create_role: Option<String>,
}

/// Validated single sign-on settings.
#[derive(Clone)]
pub struct OidcSettings {
    pub issuer: Url,
    pub client_id: String,
    pub client_secret: String,
    /// Lower case, without a leading '@'.
    pub email_domains: Vec<String>,
    pub create_role: Option<Role>,
}

impl std::fmt::Debug for OidcSettings {
    // The secret stays out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer.as_str())
            .field("client_id", &self.client_id)
            .field("email_domains", &self.email_domains)
            .field("create_role", &self.create_role)
            .finish_non_exhaustive()
    }
}

impl OidcArgs {
    /// `None` when single sign-on is off (no issuer).
    pub fn validate(&self) -> Result<Option<OidcSettings>, String> {
        fn given(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        let Some(issuer) = given(&self.oidc_issuer) else {
            if given(&self.oidc_client_id).is_some() || given(&self.oidc_client_secret).is_some() {
                return Err("TRUCE_OIDC_CLIENT_ID/SECRET are set without TRUCE_OIDC_ISSUER; set the issuer too, or neither".into());
            }
            return Ok(None);
        };
        let issuer = Url::parse(issuer).map_err(|e| {
            format!("TRUCE_OIDC_ISSUER: '{issuer}' is not a URL ({e}); use the provider's issuer, e.g. https://login.example.com")
        })?;
        if !matches!(issuer.scheme(), "http" | "https") {
            return Err("TRUCE_OIDC_ISSUER must be an https:// URL".into());
        }
        let client_id = given(&self.oidc_client_id)
            .ok_or("TRUCE_OIDC_ISSUER is set: set TRUCE_OIDC_CLIENT_ID to this portal's client id at the provider")?
            .to_owned();
        let client_secret = given(&self.oidc_client_secret)
            .ok_or("TRUCE_OIDC_ISSUER is set: set TRUCE_OIDC_CLIENT_SECRET to this portal's client secret at the provider")?
            .to_owned();
        let email_domains: Vec<String> = self
            .oidc_email_domains
            .iter()
            .map(|d| d.trim().trim_start_matches('@').to_lowercase())
            .filter(|d| !d.is_empty())
            .collect();
        if email_domains.is_empty() {
            return Err("TRUCE_OIDC_ISSUER is set: set TRUCE_OIDC_EMAIL_DOMAINS to your staff's email domains (e.g. example.com), so partners' accounts cannot sign in this way".into());
        }
        let create_role = match given(&self.oidc_create_role) {
            None => None,
            Some(raw) => match Role::parse(&raw.to_lowercase()) {
                Some(role @ (Role::Sales | Role::Channel)) => Some(role),
                _ => {
                    return Err(format!(
                        "TRUCE_OIDC_CREATE_ROLE: '{raw}' is not sales or channel (admins and partners are never created by a sign-in)"
                    ));
                }
            },
        };
        Ok(Some(OidcSettings {
            issuer,
            client_id,
            client_secret,
            email_domains,
            create_role,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(
        issuer: Option<&str>,
        id: Option<&str>,
        secret: Option<&str>,
        domains: &[&str],
    ) -> OidcArgs {
        OidcArgs {
            oidc_issuer: issuer.map(str::to_owned),
            oidc_client_id: id.map(str::to_owned),
            oidc_client_secret: secret.map(str::to_owned),
            oidc_email_domains: domains.iter().map(|d| (*d).to_owned()).collect(),
            oidc_create_role: None,
        }
    }

    #[test]
    fn off_without_an_issuer_and_refused_when_half_set() {
        assert!(args(None, None, None, &[]).validate().unwrap().is_none());
        let half = args(None, Some("truce"), None, &[]).validate().unwrap_err();
        assert!(half.contains("without TRUCE_OIDC_ISSUER"), "{half}");
        let no_secret = args(
            Some("https://login.example.com"),
            Some("truce"),
            None,
            &["example.com"],
        )
        .validate()
        .unwrap_err();
        assert!(
            no_secret.contains("TRUCE_OIDC_CLIENT_SECRET"),
            "{no_secret}"
        );
        let no_domains = args(
            Some("https://login.example.com"),
            Some("truce"),
            Some("s"),
            &[],
        )
        .validate()
        .unwrap_err();
        assert!(
            no_domains.contains("TRUCE_OIDC_EMAIL_DOMAINS"),
            "{no_domains}"
        );
    }

    #[test]
    fn domains_are_kept_lower_case_without_at_and_roles_are_staff_only() {
        let mut a = args(
            Some("https://login.example.com"),
            Some("truce"),
            Some("s"),
            &[" @Example.COM ", "example.co.uk"],
        );
        let s = a.validate().unwrap().unwrap();
        assert_eq!(s.email_domains, ["example.com", "example.co.uk"]);
        assert!(
            !format!("{s:?}").contains("\"s\""),
            "the secret stays out of Debug"
        );
        a.oidc_create_role = Some("Sales".into());
        assert_eq!(
            a.validate().unwrap().unwrap().create_role,
            Some(Role::Sales)
        );
        a.oidc_create_role = Some("admin".into());
        assert!(a.validate().unwrap_err().contains("never created"));
    }
}
