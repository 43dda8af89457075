//! Who may run what: a bad token is refused on every operation, and queries and
//! subscriptions need a reader token when the server is configured so; a `GET` never mutates.

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{ServerError, ServerResult};

use super::error::ErrorCode;
use crate::auth::{Principal, Role};

/// Request data for a request that came by `GET`, which must not change anything. The HTTP
/// layer refuses a `GET` whose query text holds a mutation with 405; this catches the one it
/// cannot see: a persisted query sent by its hash alone.
#[derive(Debug, Clone, Copy)]
pub struct ReadOnlyRequest;

/// The access rules that do not depend on a resolver.
#[derive(Debug, Clone, Copy)]
pub struct AccessPolicy {
    pub anonymous_queries: bool,
}

fn refuse(code: ErrorCode, message: &str) -> ServerError {
    let mut error = ServerError::new(message, None);
    error.extensions.get_or_insert_with(Default::default).set("code", code.as_str());
    error
}

impl AccessPolicy {
    /// Refuses a mutation that came by `GET` (`read_only`), any operation of an invalid token,
    /// and queries and subscriptions without a reader token when anonymous queries are off.
    pub fn check(&self, document: &ExecutableDocument, principal: Principal, read_only: bool) -> ServerResult<()> {
        let has_mutation =
            document.operations.iter().any(|(_, operation)| operation.node.ty == OperationType::Mutation);
        if has_mutation && read_only {
            return Err(refuse(ErrorCode::BadUserInput, "mutations need POST, not GET"));
        }
        if principal == Principal::Invalid {
            return Err(refuse(ErrorCode::Unauthenticated, "the bearer token is unknown or revoked"));
        }
        if !has_mutation
            && !self.anonymous_queries
            && !matches!(principal, Principal::Token(role) if role >= Role::Reader)
        {
            return Err(refuse(ErrorCode::Unauthenticated, "queries need a bearer token on this server"));
        }
        Ok(())
    }
}
