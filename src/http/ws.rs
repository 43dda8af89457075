//! `GET /graphql/ws`: subscriptions over `graphql-transport-ws` (and the older `graphql-ws`),
//! authenticated by the bearer token in `connection_init`.

use async_graphql::Data;
use async_graphql_poem::{GraphQLProtocol, GraphQLWebSocket};
use poem::web::websocket::WebSocket;
use poem::{Endpoint, FromRequest, IntoResponse, Request, Response};

use crate::auth::{Authenticator, Principal};
use crate::graphql::ConveneSchema;

/// The token from a `connection_init` payload: `{"Authorization": "Bearer …"}` (any case) or
/// `{"token": "…"}`.
fn authorization(payload: &serde_json::Value) -> Option<String> {
    let object = payload.as_object()?;
    let header =
        object.iter().find(|(key, _)| key.eq_ignore_ascii_case("authorization")).and_then(|(_, value)| value.as_str());
    match header {
        Some(header) => Some(header.to_string()),
        None => object.get("token").and_then(|token| token.as_str()).map(|token| format!("Bearer {token}")),
    }
}

/// The subscription endpoint.
pub fn subscriptions(schema: ConveneSchema, authenticator: Authenticator) -> impl Endpoint<Output = Response> {
    poem::endpoint::make(move |request: Request| {
        let schema = schema.clone();
        let authenticator = authenticator.clone();
        async move {
            let (request, mut body) = request.split();
            let websocket = WebSocket::from_request(&request, &mut body).await?;
            let protocol = GraphQLProtocol::from_request(&request, &mut body).await?;
            let response = websocket
                .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
                .on_upgrade(move |stream| {
                    GraphQLWebSocket::new(stream, schema, protocol)
                        .on_connection_init(move |payload| async move {
                            let principal = authenticator
                                .principal(authorization(&payload).as_deref())
                                .await
                                .unwrap_or(Principal::Invalid);
                            if principal == Principal::Invalid {
                                return Err(async_graphql::Error::new("the bearer token is unknown or revoked"));
                            }
                            let mut data = Data::default();
                            data.insert(principal);
                            Ok(data)
                        })
                        .serve()
                })
                .into_response();
            Ok::<Response, poem::Error>(response)
        }
    })
}
