//! GraphQL-over-HTTP endpoint (GET and POST), following the spec draft at
//! <https://graphql.github.io/graphql-over-http/draft/>.
//!
//! Parsing reuses async-graphql's own request types; this module adds the HTTP
//! rules on top: content negotiation, status codes, no `GET` mutations, and
//! `{"errors":[...]}` bodies with an `extensions.code` for rejected requests.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::parser::types::OperationType;
use async_graphql::{ErrorExtensionValues, Executor, ServerError};
use poem::error::ResponseError;
use poem::http::{header, HeaderValue, Method, StatusCode};
use poem::{Endpoint, Request, Response};

use crate::graphql::gate::Documents;

/// Largest accepted `POST` body unless changed with [`GraphQLHttp::body_limit`].
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";

/// Called for every request that is about to be executed, with the HTTP request
/// and the parsed GraphQL request; returns the request to execute (typically with
/// `.data(...)` added, e.g. the bearer token or the client address).
pub type Hook = dyn Fn(&Request, async_graphql::Request) -> async_graphql::Request + Send + Sync;

/// Name of the executed operation (if it has one), stored in the extensions of
/// every response that reached execution, so a metrics middleware can read it
/// with `response.extensions().get::<OperationName>()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationName(pub Option<String>);

/// The endpoint built by [`graphql_endpoint`]; mount it with `Route::at` (it
/// answers both `GET` and `POST` itself).
pub struct GraphQLHttp<E> {
    executor: E,
    hook: Arc<Hook>,
    body_limit: usize,
    /// Documents parsed before, shared with the executor's persisted queries.
    documents: Option<Documents>,
}

/// Longer query texts are parsed every time (and the kept ones stay small).
const DOCUMENT_BYTES: usize = 16 * 1024;

/// Serves `executor` (usually an `async_graphql::Schema`) over GraphQL-over-HTTP.
pub fn graphql_endpoint<E: Executor>(executor: E) -> GraphQLHttp<E> {
    GraphQLHttp { executor, hook: Arc::new(|_, request| request), body_limit: DEFAULT_BODY_LIMIT, documents: None }
}

/// A rejected request: the status and the message of its only error.
type Reject = (StatusCode, String);

impl<E> GraphQLHttp<E> {
    /// Sets the [`Hook`] that may attach per-request data. When the client sent
    /// no `operationName` but the document has exactly one named operation, the
    /// request's `operation_name` has already been set to that name.
    #[must_use]
    pub fn with_hook(
        mut self,
        hook: impl Fn(&Request, async_graphql::Request) -> async_graphql::Request + Send + Sync + 'static,
    ) -> Self {
        self.hook = Arc::new(hook);
        self
    }

    /// Keeps the documents it parses in `documents` and looks a query text up there first.
    #[must_use]
    pub fn with_documents(mut self, documents: Documents) -> Self {
        self.documents = Some(documents);
        self
    }

    /// Sets the largest accepted `POST` body in bytes (larger ones get 413).
    #[must_use]
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Reads and checks the GraphQL request carried by `req`.
    async fn prepare(&self, req: &mut Request) -> Result<async_graphql::Request, Reject> {
        let bad = |msg: String| (StatusCode::BAD_REQUEST, msg);
        let mut gql = match *req.method() {
            Method::GET => {
                let query = req.uri().query().unwrap_or_default();
                let mut gql = async_graphql::http::parse_query_string(query).map_err(|e| bad(e.to_string()))?;
                // async-graphql 7.2 reads `operation_name`; the spec's key is `operationName`.
                if gql.operation_name.is_none() {
                    let mut params = req.params::<HashMap<String, String>>().unwrap_or_default();
                    gql.operation_name = params.remove("operationName");
                }
                gql
            }
            Method::POST => {
                let content_type = req.content_type().unwrap_or_default();
                let essence = content_type.split(';').next().unwrap_or_default().trim();
                if !essence.eq_ignore_ascii_case("application/json") {
                    let msg = format!("Content-Type {content_type:?} is not application/json");
                    return Err((StatusCode::UNSUPPORTED_MEDIA_TYPE, msg));
                }
                // A body announced too large is refused before it is read.
                let announced = req.header(header::CONTENT_LENGTH).and_then(|length| length.parse::<usize>().ok());
                if announced.is_some_and(|length| length > self.body_limit) {
                    return Err((
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("bodies are limited to {} bytes", self.body_limit),
                    ));
                }
                let body = req.take_body().into_bytes_limit(self.body_limit).await;
                let body = body.map_err(|e| (e.status(), e.to_string()))?;
                async_graphql::http::receive_json(body.as_ref()).await.map_err(|e| bad(e.to_string()))?
            }
            _ => return Err((StatusCode::METHOD_NOT_ALLOWED, "Use GET or POST".into())),
        };
        // An automatic persisted query may send only the hash of a query sent before.
        if gql.query.is_empty() && !gql.extensions.contains_key("persistedQuery") {
            return Err(bad("Missing query".into()));
        }
        if let Some(documents) = self.documents.as_ref().filter(|_| (1..=DOCUMENT_BYTES).contains(&gql.query.len())) {
            let key = Documents::key(&gql.query);
            match documents.get(key.clone()).await {
                Some(document) => gql.set_parsed_query(document),
                None => {
                    if let Ok(document) = gql.parsed_query() {
                        documents.set(key, document.clone()).await;
                    }
                }
            }
        }
        let wanted = gql.operation_name.clone();
        // A document that does not parse is left to the executor, which reports it.
        if let Ok(doc) = gql.parsed_query() {
            let mut candidates = doc
                .operations
                .iter()
                .filter(|(name, _)| wanted.is_none() || name.map(|name| name.as_str()) == wanted.as_deref());
            let selected = match (candidates.next(), candidates.next()) {
                (Some((name, op)), None) => Some((name.map(|n| n.to_string()), op.node.ty)),
                _ => None, // unknown or ambiguous: the executor reports it
            };
            if let Some((name, ty)) = selected {
                if ty == OperationType::Mutation && *req.method() == Method::GET {
                    return Err((StatusCode::METHOD_NOT_ALLOWED, "Mutations need POST".into()));
                }
                gql.operation_name = wanted.or(name);
            }
        }
        Ok(gql)
    }
}

impl<E: Executor> Endpoint for GraphQLHttp<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let Some(media) = negotiate(req.header(header::ACCEPT)) else {
            let msg = "Accept must allow application/graphql-response+json or application/json";
            return Ok(reject(JSON, (StatusCode::NOT_ACCEPTABLE, msg.into())));
        };
        match self.prepare(&mut req).await {
            Ok(gql) => {
                let name = OperationName(gql.operation_name.clone());
                let gql = (self.hook)(&req, gql);
                let mut resp = render(media, self.executor.execute(gql).await);
                resp.extensions_mut().insert(name);
                Ok(resp)
            }
            Err(rejected) => {
                let mut resp = reject(media, rejected);
                if resp.status() == StatusCode::METHOD_NOT_ALLOWED {
                    // A GET is only refused with 405 because it carries a mutation.
                    let allow = match *req.method() {
                        Method::GET => "POST",
                        _ => "GET, POST",
                    };
                    let allow = HeaderValue::from_static(allow);
                    resp.headers_mut().insert(header::ALLOW, allow);
                }
                Ok(resp)
            }
        }
    }
}

/// Picks the response media type from an `Accept` header: the acceptable type
/// with the highest `q`, preferring `application/graphql-response+json` on ties
/// and mapping wildcards (and a missing header) to `application/json`.
fn negotiate(accept: Option<&str>) -> Option<&'static str> {
    let Some(accept) = accept.filter(|accept| !accept.trim().is_empty()) else {
        return Some(JSON);
    };
    let mut best: Option<(f32, u8, &'static str)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let essence = parts.next().unwrap_or_default().to_ascii_lowercase();
        let (rank, media) = match essence.as_str() {
            "application/graphql-response+json" => (3, GRAPHQL_RESPONSE_JSON),
            "application/json" => (2, JSON),
            "application/*" | "*/*" => (1, JSON),
            _ => continue,
        };
        let q = parts.find_map(|p| p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
        if q > 0.0 && best.is_none_or(|(bq, br, _)| (q, rank) > (bq, br)) {
            best = Some((q, rank, media));
        }
    }
    best.map(|(_, _, media)| media)
}

/// Turns an executed GraphQL response into an HTTP response. A response with no
/// data whose errors all lack a `path` failed before execution (parse, validation,
/// variable coercion): its `data` entry is dropped, its errors get the code
/// `BAD_USER_INPUT`, and with `application/graphql-response+json` it is a 400.
fn render(media: &'static str, mut resp: async_graphql::Response) -> Response {
    let request_error = resp.data == async_graphql::Value::Null
        && !resp.errors.is_empty()
        && resp.errors.iter().all(|e| e.path.is_empty());
    let status = if request_error && media == GRAPHQL_RESPONSE_JSON { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    if request_error {
        for error in &mut resp.errors {
            set_code(error, "BAD_USER_INPUT");
        }
    }
    // Written straight from the response, in the order the query asked for its fields; only a
    // request error goes through a JSON value, to drop its `data`.
    let body = if request_error {
        let mut body = serde_json::to_value(&resp).unwrap_or_default();
        if let Some(body) = body.as_object_mut() {
            body.remove("data");
        }
        body.to_string().into_bytes()
    } else {
        serde_json::to_vec(&resp).unwrap_or_default()
    };
    let mut out = Response::builder().status(status).content_type(media).body(body);
    if resp.is_ok() {
        if let Some(value) = resp.cache_control.value() {
            if let Ok(value) = value.try_into() {
                out.headers_mut().insert(header::CACHE_CONTROL, value);
            }
        }
    }
    out.headers_mut().extend(resp.http_headers);
    out
}

/// Builds the response for a request rejected before execution.
fn reject(media: &'static str, (status, message): Reject) -> Response {
    let code = match status {
        StatusCode::BAD_REQUEST => "BAD_USER_INPUT",
        StatusCode::METHOD_NOT_ALLOWED => "METHOD_NOT_ALLOWED",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UNSUPPORTED_MEDIA_TYPE",
        StatusCode::NOT_ACCEPTABLE => "NOT_ACCEPTABLE",
        StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
        _ => "BAD_REQUEST",
    };
    let mut error = ServerError::new(message, None);
    set_code(&mut error, code);
    let body = serde_json::json!({ "errors": [error] }).to_string();
    Response::builder().status(status).content_type(media).body(body)
}

/// Sets `extensions.code` on `error` unless it already has one.
fn set_code(error: &mut ServerError, code: &str) {
    let extensions = error.extensions.get_or_insert_with(ErrorExtensionValues::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code);
    }
}
