//! Resolves the `Authorization: Bearer` header to a principal before GraphQL runs.

use std::sync::Arc;

use poem::http::header;
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::auth::{Authenticator, Principal};

/// Wraps an endpoint so that each request carries its [`Principal`] as a request extension.
pub fn authenticated<E: Endpoint>(authenticator: Authenticator, endpoint: E) -> impl Endpoint<Output = Response> {
    let endpoint = Arc::new(endpoint);
    poem::endpoint::make(move |mut request: Request| {
        let authenticator = authenticator.clone();
        let endpoint = endpoint.clone();
        async move {
            let header =
                request.headers().get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()).map(str::to_string);
            let principal = authenticator.principal(header.as_deref()).await.unwrap_or_else(|error| {
                tracing::error!(%error, "cannot look up the bearer token; treating it as invalid");
                Principal::Invalid
            });
            request.extensions_mut().insert(principal);
            Ok::<Response, poem::Error>(match endpoint.call(request).await {
                Ok(output) => output.into_response(),
                Err(error) => error.into_response(),
            })
        }
    })
}
