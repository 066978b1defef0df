//! Single sign-on with the company's OpenID provider: discovery, the authorization code flow
//! with PKCE, state and nonce, and the ID token's checks (issuer, audience, expiry, signature
//! by the provider's published keys), all by the `openidconnect` crate. Who may then sign in
//! is `domain::sso`'s; the pages are `routes::account::sso`.
//!
//! The provider's metadata and keys are fetched on first use, not at start-up (a provider
//! that is down must not stop the portal), kept for an hour, and fetched again at once when
//! a token is signed by a key not among them (the provider rotated its keys).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse,
};
use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::config::OidcSettings;
use crate::domain::sso::Refusal;

/// Where the provider sends the user back.
pub const CALLBACK_PATH: &str = "/login/sso/callback";
/// How long discovered metadata is trusted before it is fetched again.
const METADATA_FOR: Duration = Duration::from_secs(3600);
/// Outbound requests to the provider give up after this.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A sign-in in progress, kept in the user's session between the redirect to the provider
/// and its answer, and removed when the answer comes (so it is used once).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub state: String,
    pub verifier: String,
    pub nonce: String,
    /// Where to go after signing in (checked as a local path when followed).
    pub next: String,
    pub started_at: chrono::NaiveDateTime,
}

/// Who the provider says signed in.
#[derive(Debug, Clone)]
pub struct Identity {
    pub email: String,
    pub name: Option<String>,
    pub subject: String,
}

pub struct Sso {
    settings: OidcSettings,
    redirect: RedirectUrl,
    http: reqwest::Client,
    clock: SharedClock,
    metadata: Mutex<Option<(CoreProviderMetadata, Instant)>>,
}

impl Sso {
    /// `base` is the portal's public address (the callback is under it).
    pub fn new(settings: OidcSettings, base: &str, clock: SharedClock) -> Result<Self, String> {
        let redirect =
            RedirectUrl::new(format!("{}{CALLBACK_PATH}", base.trim_end_matches('/')))
                .map_err(|e| format!("cannot build the single sign-on callback address: {e}"))?;
        // No redirects: a provider endpoint that redirects elsewhere is refused, not followed
        // (the crate's advice against request forgery).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| format!("cannot build the single sign-on HTTP client: {e}"))?;
        Ok(Self {
            settings,
            redirect,
            http,
            clock,
            metadata: Mutex::new(None),
        })
    }

    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    async fn metadata(&self, fresh: bool) -> Result<CoreProviderMetadata, Refusal> {
        if !fresh
            && let Some((m, at)) = self.metadata.lock().expect("metadata lock").as_ref()
            && at.elapsed() < METADATA_FOR
        {
            return Ok(m.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer.as_str().trim_end_matches('/').into())
            .map_err(|_| Refusal::Unreachable)?;
        let m = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "single sign-on: provider discovery failed");
                Refusal::Unreachable
            })?;
        *self.metadata.lock().expect("metadata lock") = Some((m.clone(), Instant::now()));
        Ok(m)
    }

    fn client(&self, m: CoreProviderMetadata) -> Client {
        CoreClient::from_provider_metadata(
            m,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect.clone())
    }

    /// The provider's sign-in address to send the user to, and what to keep until they
    /// come back.
    pub async fn start(&self, next: &str) -> Result<(String, Pending), Refusal> {
        let client = self.client(self.metadata(false).await?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        let pending = Pending {
            state: state.secret().clone(),
            verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
            next: next.to_owned(),
            started_at: self.clock.naive_now(),
        };
        Ok((url.to_string(), pending))
    }

    /// Exchanges the provider's code for tokens and checks the ID token; the identity in it.
    pub async fn finish(&self, pending: &Pending, code: &str) -> Result<Identity, Refusal> {
        let client = self.client(self.metadata(false).await?);
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|_| Refusal::Unreachable)?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                // A code issued to another client, replayed, or expired lands here.
                tracing::warn!(error = %e, "single sign-on: the code exchange failed");
                Refusal::Invalid
            })?;
        let Some(id_token) = tokens.id_token() else {
            tracing::warn!("single sign-on: no ID token in the provider's answer");
            return Err(Refusal::Invalid);
        };
        let nonce = Nonce::new(pending.nonce.clone());
        let check = |client: &Client| {
            let clock = self.clock.clone();
            let verifier = client
                .id_token_verifier()
                .set_time_fn(move || -> DateTime<Utc> { clock.now() });
            id_token.claims(&verifier, &nonce).map(|c| {
                let email = c.email().map(|e| e.as_str().to_owned());
                (
                    c.subject().clone(),
                    email,
                    c.email_verified(),
                    name_of(c.name()),
                )
            })
        };
        let (subject, email, verified, name) = match check(&client) {
            // Signed by a key published since the metadata was fetched: fetch the keys once
            // more and check the same token again.
            Err(ClaimsVerificationError::SignatureVerification(e)) => {
                tracing::info!(error = %e, "single sign-on: unknown signing key; fetching the provider's keys again");
                check(&self.client(self.metadata(true).await?))
            }
            other => other,
        }
        .map_err(|e| {
            tracing::warn!(error = %e, "single sign-on: the ID token failed its checks");
            Refusal::Invalid
        })?;
        if let Some(email) = email {
            return identity(subject, email, verified, name);
        }
        // Providers that keep the ID token small (as the spec's defaults do) give the email
        // from the UserInfo endpoint, for the token's subject only.
        let info: openidconnect::core::CoreUserInfoClaims = client
            .user_info(tokens.access_token().clone(), Some(subject.clone()))
            .map_err(|_| Refusal::NoEmail)?
            .request_async(&self.http)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "single sign-on: the UserInfo request failed");
                Refusal::Invalid
            })?;
        let email = info.email().ok_or(Refusal::NoEmail)?.as_str().to_owned();
        identity(subject, email, info.email_verified(), name_of(info.name()))
    }
}

fn name_of(
    name: Option<&openidconnect::LocalizedClaim<openidconnect::EndUserName>>,
) -> Option<String> {
    name.and_then(|n| n.get(None))
        .map(|n| n.as_str().to_owned())
}

/// The identity, once the provider vouches for the email address (an address it says is
/// unverified is not an identity).
fn identity(
    subject: openidconnect::SubjectIdentifier,
    email: String,
    verified: Option<bool>,
    name: Option<String>,
) -> Result<Identity, Refusal> {
    if verified == Some(false) {
        return Err(Refusal::NoEmail);
    }
    Ok(Identity {
        email,
        name,
        subject: subject.as_str().to_owned(),
    })
}

type Client = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;
