//! HTTP: the routes of API.md and an [`Application`] a test can start on port 0.

pub mod auth;
pub mod graphql_http;
pub mod limits;
pub mod metrics;
pub mod ws;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use poem::endpoint::make_sync;
use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::web::Html;
use poem::{get, EndpointExt, IntoResponse, Response, Route, Server};

use crate::auth::{Authenticator, Principal};
use crate::catalog::Catalog;
use crate::config::ServeOptions;
use crate::graphql::{build_schema, SchemaLimits};
use crate::search::Search;
use metrics::{measured, metrics_endpoint, Metrics};

/// A built server, bound to its port but not yet serving.
pub struct Application {
    acceptor: TcpAcceptor,
    port: u16,
    routes: poem::endpoint::BoxEndpoint<'static, Response>,
    grace: Duration,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Application").field("port", &self.port).finish()
    }
}

const LANDING_PAGE: &str = include_str!("landing.html");

fn routes(catalog: Catalog, search: Search, options: &ServeOptions) -> Route {
    let limits = SchemaLimits {
        max_depth: options.max_query_depth,
        max_complexity: options.max_query_complexity,
        anonymous_queries: !options.require_token,
    };
    let schema = build_schema(catalog.clone(), search.clone(), limits);
    let metrics = Metrics::default();
    let authenticator = Authenticator::new(catalog.db().clone());
    let subscriptions = ws::subscriptions(schema.clone(), authenticator.clone());
    let documents = schema.documents();
    let graphql = graphql_http::graphql_endpoint(schema)
        .body_limit(options.body_limit)
        .with_documents(documents)
        .with_hook(|request, graphql| {
            let graphql =
                graphql.data(request.extensions().get::<Principal>().copied().unwrap_or(Principal::Anonymous));
            match *request.method() {
                poem::http::Method::GET => graphql.data(crate::graphql::access::ReadOnlyRequest),
                _ => graphql,
            }
        });
    let graphql = auth::authenticated(authenticator, graphql);
    let limiter = Arc::new(
        limits::RateLimiter::new(options.rate_limit, options.rate_burst).trusting(options.trusted_proxies.clone()),
    );
    let timeout = Duration::from_millis(options.request_timeout_ms);
    let graphql = limits::limited(limiter.clone(), timeout, graphql);
    let subscriptions = limits::limited(limiter, timeout, subscriptions);
    let readiness_catalog = catalog.clone();
    Route::new()
        .at("/graphql", measured(metrics.clone(), "/graphql", graphql))
        .at("/graphql/ws", get(subscriptions))
        .at(
            "/graphiql",
            get(make_sync(|_| {
                Html(GraphiQLSource::build().endpoint("/graphql").subscription_endpoint("/graphql/ws").finish())
            })),
        )
        .at("/healthz", get(make_sync(|_| "ok")))
        .at(
            "/readyz",
            get(poem::endpoint::make(move |_| {
                let catalog = readiness_catalog.clone();
                let search = search.clone();
                async move {
                    let response = match catalog.db().ping().await {
                        Ok(()) => format!("ready: {} events searchable", search.index().len()).into_response(),
                        Err(error) => {
                            tracing::warn!(%error, "database unreachable");
                            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
                        }
                    };
                    Ok::<Response, poem::Error>(response)
                }
            })),
        )
        .at("/metrics", get(metrics_endpoint(metrics)))
        .at("/", get(make_sync(|_| Html(LANDING_PAGE))))
}

/// CORS for the configured origins (`*` for any).
fn cors(origins: &[String]) -> poem::middleware::Cors {
    let cors = poem::middleware::Cors::new()
        .allow_methods([poem::http::Method::GET, poem::http::Method::POST, poem::http::Method::OPTIONS])
        .allow_headers(["authorization", "content-type", "accept"])
        .max_age(3600);
    if origins.iter().any(|origin| origin == "*") {
        cors
    } else {
        cors.allow_origins(origins.iter().map(String::as_str))
    }
}

impl Application {
    /// Binds the listener and builds the routes over a migrated catalogue.
    pub async fn build(catalog: Catalog, search: Search, options: &ServeOptions) -> anyhow::Result<Self> {
        let acceptor = TcpListener::bind(options.bind).into_acceptor().await?;
        let port = acceptor
            .local_addr()
            .first()
            .and_then(|address| address.as_socket_addr().map(|socket| socket.port()))
            .unwrap_or(options.bind.port());
        let routes =
            routes(catalog, search, options).with(cors(&options.cors_origins)).with(poem::middleware::Tracing).boxed();
        Ok(Application { acceptor, port, routes, grace: Duration::from_secs(options.shutdown_grace_secs) })
    }

    /// The port it listens on (useful after binding port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish (up to the
    /// grace period) and returns.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(self.routes, shutdown, Some(self.grace))
            .await
    }
}
