//! The one error type of the layers below HTTP (domain rules, auth, flows,
//! the WeChat client): what kind of failure it is, and one sentence a client
//! developer can act on. The HTTP layer maps each kind to a status code.

/// What went wrong, in the terms of the API, not of HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request is malformed or breaks a field rule.
    Invalid,
    /// No credential, or one that does not prove who the caller is.
    Unauthenticated,
    /// The caller is known but may not do this.
    Forbidden,
    NotFound,
    /// The request clashes with the current state (taken, already done).
    Conflict,
    /// Too many attempts, here or at WeChat.
    TooManyAttempts,
    /// An upstream service (WeChat) failed or answered unusably.
    Upstream,
    /// The data store is overloaded; the same request may succeed later.
    Unavailable,
    /// A bug or a broken deployment; the cause is logged, not shown.
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    /// When a refusal ends by itself: seconds until the same request may
    /// succeed (a lockout window, a rate limit's minute).
    retry_after: Option<u64>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The same error, saying that it ends in `seconds` (at least one).
    pub fn retry_after(self, seconds: u64) -> Self {
        Self {
            retry_after: Some(seconds.max(1)),
            ..self
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// A valid token whose user no longer exists.
    pub fn user_gone() -> Self {
        Self::not_found("The user of this token no longer exists.")
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    pub fn too_many_attempts(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::TooManyAttempts, message)
    }

    pub fn upstream(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Upstream, message)
    }

    /// An unexpected failure: the cause goes to the log, the client gets a
    /// sentence that leaks nothing.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            ErrorKind::Internal,
            "The service failed to handle this request; try again later.",
        )
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn retry_after_seconds(&self) -> Option<u64> {
        self.retry_after
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Error {}
