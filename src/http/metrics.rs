//! Prometheus metrics: request counts and latencies by GraphQL operation and by route.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, Request, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use super::graphql_http::OperationName;

/// Operation names beyond this many distinct ones are counted as `other`, so a client
/// cannot blow up the number of series.
const MAX_OPERATION_NAMES: usize = 200;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    status: u16,
}

type LatencyFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

/// The registry and the metrics the server records.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    operations: Family<OperationLabels, Counter>,
    operation_seconds: LatencyFamily<OperationLabels>,
    routes: Family<RouteLabels, Counter>,
    route_seconds: LatencyFamily<RouteLabels>,
    seen_operations: Arc<Mutex<HashSet<String>>>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("convene");
        let operations = Family::<OperationLabels, Counter>::default();
        let operation_seconds: LatencyFamily<OperationLabels> = Family::new_with_constructor(latency_histogram);
        let routes = Family::<RouteLabels, Counter>::default();
        let route_seconds: LatencyFamily<RouteLabels> = Family::new_with_constructor(latency_histogram);
        registry.register("graphql_requests", "GraphQL requests by operation name and HTTP status", operations.clone());
        registry.register(
            "graphql_request_seconds",
            "GraphQL request latency by operation name",
            operation_seconds.clone(),
        );
        registry.register("http_requests", "HTTP requests by route and status", routes.clone());
        registry.register("http_request_seconds", "HTTP request latency by route", route_seconds.clone());
        Metrics {
            registry: Arc::new(registry),
            operations,
            operation_seconds,
            routes,
            route_seconds,
            seen_operations: Arc::default(),
        }
    }
}

impl Metrics {
    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry).expect("writing to a string cannot fail");
        text
    }

    fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name else { return "anonymous".to_string() };
        let well_formed =
            name.len() <= 64 && name.chars().all(|character| character.is_ascii_alphanumeric() || character == '_');
        let mut seen = self.seen_operations.lock().expect("metrics lock");
        if well_formed && (seen.contains(name) || seen.len() < MAX_OPERATION_NAMES) {
            seen.insert(name.to_string());
            name.to_string()
        } else {
            "other".to_string()
        }
    }

    /// Records one request: by route always, by operation when GraphQL executed it.
    fn record(&self, route: &str, response: &Response, started: Instant) {
        let seconds = started.elapsed().as_secs_f64();
        let status = response.status().as_u16();
        let route_labels = RouteLabels { route: route.to_string(), status };
        self.routes.get_or_create(&route_labels).inc();
        self.route_seconds.get_or_create(&route_labels).observe(seconds);
        if let Some(OperationName(name)) = response.extensions().get::<OperationName>() {
            let labels = OperationLabels { operation: self.operation_label(name.as_deref()), status };
            self.operations.get_or_create(&labels).inc();
            self.operation_seconds.get_or_create(&labels).observe(seconds);
        }
    }
}

/// Wraps an endpoint so that every request through it is counted and timed under `route`.
pub fn measured<E: Endpoint>(metrics: Metrics, route: &'static str, endpoint: E) -> impl Endpoint<Output = Response> {
    let endpoint = Arc::new(endpoint);
    poem::endpoint::make(move |request: Request| {
        let metrics = metrics.clone();
        let endpoint = endpoint.clone();
        async move {
            let started = Instant::now();
            let response = match endpoint.call(request).await {
                Ok(output) => output.into_response(),
                Err(error) => error.into_response(),
            };
            metrics.record(route, &response, started);
            Ok::<Response, poem::Error>(response)
        }
    })
}

/// `GET /metrics`.
pub fn metrics_endpoint(metrics: Metrics) -> impl Endpoint<Output = Response> {
    poem::endpoint::make_sync(move |_| {
        Response::builder()
            .status(StatusCode::OK)
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(metrics.render())
    })
}
