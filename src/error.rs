//! One error type for the whole app. 4xx errors carry a message the user can act on; 5xx
//! errors show a generic page with a reference id, and the cause goes to the log only. How
//! an error becomes a page is the routes' business (`routes::error_page`): this module sits
//! on the ground floor, below the database, and knows no page.

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("page not found")]
    NotFound,
    #[error("you do not have access to this page")]
    Forbidden,
    #[error("sign in required")]
    Unauthenticated { next: String },
    /// The password was right; the sign-in waits for the code from the authenticator app.
    #[error("the sign-in waits for its second step")]
    SecondStepPending,
    /// Signed in, but the program requires two-step sign-in of this role and the user has not
    /// set it up: nothing else until they do.
    #[error("two-step sign-in must be set up first")]
    TwoStepSetupRequired,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("the form was stale or not sent from this site")]
    Csrf,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(message.into())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        match err {
            diesel::result::Error::NotFound => Self::NotFound,
            other => Self::internal(other),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(err: askama::Error) -> Self {
        Self::internal(err)
    }
}
