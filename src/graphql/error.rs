//! The one table from domain errors to GraphQL error codes (`extensions.code`).

use async_graphql::ErrorExtensions;

use crate::catalog::CatalogError;

/// The error codes of API.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    BadUserInput,
    Unauthenticated,
    Forbidden,
    NotFound,
    QueryTooComplex,
    RateLimited,
    Internal,
}

impl ErrorCode {
    /// The code as clients see it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::QueryTooComplex => "QUERY_TOO_COMPLEX",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::Internal => "INTERNAL",
        }
    }

    /// A GraphQL error with this code.
    pub fn error(self, message: impl Into<String>) -> async_graphql::Error {
        async_graphql::Error::new(message).extend_with(|_, extensions| extensions.set("code", self.as_str()))
    }
}

fn code_of(error: &CatalogError) -> ErrorCode {
    match error {
        CatalogError::InvalidInput { .. } => ErrorCode::BadUserInput,
        CatalogError::NotFound(_) => ErrorCode::NotFound,
        CatalogError::Database(_) | CatalogError::Internal(_) => ErrorCode::Internal,
    }
}

/// Converts a domain error for the client; internal causes are logged, not shown.
pub fn to_graphql(error: CatalogError) -> async_graphql::Error {
    shared_to_graphql(&error)
}

/// Converts a domain error shared by the callers of one DataLoader batch.
pub fn loader_error(error: std::sync::Arc<CatalogError>) -> async_graphql::Error {
    shared_to_graphql(&error)
}

fn shared_to_graphql(error: &CatalogError) -> async_graphql::Error {
    let code = code_of(error);
    if code == ErrorCode::Internal {
        tracing::error!(error = ?error, "internal error while answering a query");
        return code.error("internal error");
    }
    code.error(error.to_string())
}

/// Shorthand for resolvers: `service_call().await.map_err(to_graphql)?` reads as `.api()?`.
pub trait ApiResult<T> {
    /// Maps a domain error to a GraphQL error with its code.
    fn api(self) -> async_graphql::Result<T>;
}

impl<T> ApiResult<T> for Result<T, CatalogError> {
    fn api(self) -> async_graphql::Result<T> {
        self.map_err(to_graphql)
    }
}

/// Gives every error of a response a code. Request-level errors (parse, validation) and
/// arguments that failed to parse are the client's; anything else without a code is ours, and
/// its message is logged, not shown.
pub fn ensure_codes(response: &mut async_graphql::Response) {
    for error in &mut response.errors {
        let has_code = error.extensions.as_ref().is_some_and(|extensions| extensions.get("code").is_some());
        if has_code {
            continue;
        }
        let too_complex = ["Query is too complex.", "Query is nested too deep."].contains(&error.message.as_str())
            || error.message.starts_with("The recursion depth of the query cannot be greater than");
        if too_complex {
            error.extensions.get_or_insert_with(Default::default).set("code", ErrorCode::QueryTooComplex.as_str());
            continue;
        }
        let clients_fault = error.path.is_empty()
            || ["Failed to parse", "Expected input type", "Invalid value for argument"]
                .iter()
                .any(|prefix| error.message.starts_with(prefix));
        let code = if clients_fault { ErrorCode::BadUserInput } else { ErrorCode::Internal };
        if code == ErrorCode::Internal {
            tracing::error!(message = %error.message, path = ?error.path, "uncoded error in a resolver");
            error.message = "internal error".to_string();
        }
        error.extensions.get_or_insert_with(Default::default).set("code", code.as_str());
    }
}
