//! Who may run what: a bad token is refused on every operation, and queries and
//! subscriptions need a reader token when the server is configured so; a `GET` never mutates.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{ServerError, ServerResult, Variables};

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

impl ExtensionFactory for AccessPolicy {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

fn refuse(code: ErrorCode, message: &str) -> ServerError {
    let mut error = ServerError::new(message, None);
    error.extensions.get_or_insert_with(Default::default).set("code", code.as_str());
    error
}

#[async_graphql::async_trait::async_trait]
impl Extension for AccessPolicy {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let has_mutation =
            document.operations.iter().any(|(_, operation)| operation.node.ty == OperationType::Mutation);
        if has_mutation && ctx.data_opt::<ReadOnlyRequest>().is_some() {
            return Err(refuse(ErrorCode::BadUserInput, "mutations need POST, not GET"));
        }
        let principal = ctx.data_opt::<Principal>().copied().unwrap_or(Principal::Anonymous);
        if principal == Principal::Invalid {
            return Err(refuse(ErrorCode::Unauthenticated, "the bearer token is unknown or revoked"));
        }
        if !has_mutation
            && !self.anonymous_queries
            && !matches!(principal, Principal::Token(role) if role >= Role::Reader)
        {
            return Err(refuse(ErrorCode::Unauthenticated, "queries need a bearer token on this server"));
        }
        Ok(document)
    }
}
