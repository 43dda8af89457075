//! What every GraphQL request passes around the schema: automatic persisted queries and the
//! access policy before it runs, error codes after. They are not schema extensions because
//! async-graphql sends every field of every response through the extension chain as soon as
//! one extension is installed: a search page resolves about 350 fields, and the chain cost it
//! about half a millisecond of CPU (see BENCHMARKS.md).

use std::any::TypeId;
use std::sync::Arc;

use async_graphql::extensions::apollo_persisted_queries::{CacheStorage, LruCacheStorage};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Data, Executor, Request, Response, ServerError};
use futures_util::stream::{self, BoxStream, StreamExt};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::access::{AccessPolicy, ReadOnlyRequest};
use super::error::ensure_codes;
use super::{mutation::Mutation, subscription::Subscription, Query};
use crate::auth::Principal;

/// How many parsed documents each process remembers.
const DOCUMENTS: usize = 2_048;

/// Parsed documents by the SHA-256 of their text: Apollo's automatic persisted queries look a
/// document up by that hash, and the HTTP endpoint skips parsing a text sent before (clients
/// resend the same few texts with other variables; parsing the search's was 3% of its CPU).
#[derive(Clone)]
pub struct Documents(LruCacheStorage);

impl Documents {
    /// The key of a query text: its SHA-256, in hex, as persisted queries name it.
    pub fn key(text: &str) -> String {
        format!("{:x}", Sha256::digest(text.as_bytes()))
    }

    /// The document kept under `key`.
    pub async fn get(&self, key: String) -> Option<ExecutableDocument> {
        self.0.get(key).await
    }

    /// Keeps `document` under `key`.
    pub async fn set(&self, key: String, document: ExecutableDocument) {
        self.0.set(key, document).await;
    }
}

/// The `persistedQuery` request extension of Apollo's automatic persisted queries.
#[derive(Deserialize)]
struct PersistedQuery {
    version: i32,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

/// The schema as served: run it with [`ConveneSchema::execute`] (or as an [`Executor`]).
#[derive(Clone)]
pub struct ConveneSchema {
    schema: async_graphql::Schema<Query, Mutation, Subscription>,
    documents: Documents,
    policy: AccessPolicy,
}

impl ConveneSchema {
    pub(super) fn new(schema: async_graphql::Schema<Query, Mutation, Subscription>, policy: AccessPolicy) -> Self {
        ConveneSchema { schema, documents: Documents(LruCacheStorage::new(DOCUMENTS)), policy }
    }

    /// The parsed documents this schema's persisted queries use, for an endpoint to share.
    pub fn documents(&self) -> Documents {
        self.documents.clone()
    }

    /// Runs a query or mutation: its errors all carry a code.
    pub async fn execute(&self, request: impl Into<Request>) -> Response {
        let mut response = match self.admit(request.into(), None).await {
            Ok(request) => self.schema.execute(request).await,
            Err(error) => Response::from_errors(vec![error]),
        };
        ensure_codes(&mut response);
        response
    }

    /// Resolves a persisted query and applies the access policy; `session` is a WebSocket
    /// connection's data (its principal).
    async fn admit(&self, mut request: Request, session: Option<&Data>) -> Result<Request, ServerError> {
        self.resolve_persisted(&mut request).await?;
        let principal = data_of::<Principal>(&request.data)
            .or_else(|| session.and_then(data_of::<Principal>))
            .copied()
            .unwrap_or(Principal::Anonymous);
        let read_only = data_of::<ReadOnlyRequest>(&request.data).is_some();
        // A document that does not parse is left to the schema, which reports it.
        if let Ok(document) = request.parsed_query() {
            self.policy.check(document, principal, read_only)?;
        }
        Ok(request)
    }

    /// Apollo's automatic persisted queries: a request may carry only the hash of a query
    /// sent (with its text) before.
    async fn resolve_persisted(&self, request: &mut Request) -> Result<(), ServerError> {
        let Some(value) = request.extensions.remove("persistedQuery") else { return Ok(()) };
        let persisted: PersistedQuery = async_graphql::from_value(value)
            .map_err(|_| ServerError::new("Invalid \"PersistedQuery\" extension configuration.", None))?;
        if persisted.version != 1 {
            return Err(ServerError::new(
                format!("Only version 1 of the \"PersistedQuery\" extension is supported, not {}.", persisted.version),
                None,
            ));
        }
        if request.query.is_empty() {
            let document = self.documents.get(persisted.sha256_hash).await;
            request.set_parsed_query(document.ok_or_else(|| ServerError::new("PersistedQueryNotFound", None))?);
            return Ok(());
        }
        let hash = Documents::key(&request.query);
        if persisted.sha256_hash != hash {
            return Err(ServerError::new("provided sha does not match query", None));
        }
        let document = request.parsed_query()?.clone();
        self.documents.set(hash, document).await;
        Ok(())
    }
}

fn data_of<T: 'static>(data: &Data) -> Option<&T> {
    data.get(&TypeId::of::<T>()).and_then(|value| value.downcast_ref::<T>())
}

impl Executor for ConveneSchema {
    async fn execute(&self, request: Request) -> Response {
        ConveneSchema::execute(self, request).await
    }

    fn execute_stream(&self, request: Request, session_data: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        let gate = self.clone();
        let responses = async move {
            match gate.admit(request, session_data.as_deref()).await {
                Ok(request) => gate.schema.execute_stream_with_session_data(request, session_data.unwrap_or_default()),
                Err(error) => stream::once(async move { Response::from_errors(vec![error]) }).boxed(),
            }
        };
        stream::once(responses)
            .flatten()
            .map(|mut response| {
                ensure_codes(&mut response);
                response
            })
            .boxed()
    }
}
