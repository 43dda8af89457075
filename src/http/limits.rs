//! What keeps the server up under careless and hostile clients: a rate limit per token (or per
//! address without one) and a time limit per request.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use poem::http::{header, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response};

/// A token bucket per client: `per_second` requests sustained, `burst` at once.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    trusted_proxies: Vec<IpAddr>,
}

/// Buckets kept before full ones are forgotten.
const MAX_BUCKETS: usize = 100_000;

impl RateLimiter {
    /// A limiter; `per_second` 0 lets everything through.
    pub fn new(per_second: f64, burst: f64) -> Self {
        RateLimiter { per_second, burst: burst.max(1.0), buckets: Mutex::default(), trusted_proxies: Vec::new() }
    }

    /// Counts requests from these reverse proxies against the client they forward for.
    pub fn trusting(mut self, proxies: Vec<IpAddr>) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    /// Who a request counts against: its bearer token, else its client's address. Behind trusted
    /// proxies that is the nearest `X-Forwarded-For` address that is not a trusted proxy (as
    /// nginx's `real_ip_recursive` and Express's `trust proxy` read it).
    fn client_key(&self, request: &Request) -> String {
        let trusted = &self.trusted_proxies;
        if let Some(token) = request.headers().get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()) {
            return format!("token:{}", crate::auth::hash_token(token));
        }
        let Some(peer) = request.remote_addr().as_socket_addr().map(|address| address.ip()) else {
            return "address:unknown".to_string();
        };
        let mut client = peer;
        if trusted.contains(&peer) {
            let forwarded = request.headers().get_all("x-forwarded-for").iter().filter_map(|value| value.to_str().ok());
            let hops: Vec<IpAddr> =
                forwarded.flat_map(|value| value.split(',')).filter_map(|hop| hop.trim().parse().ok()).collect();
            for hop in hops.iter().rev() {
                client = *hop;
                if !trusted.contains(hop) {
                    break;
                }
            }
        }
        format!("address:{client}")
    }

    /// Takes one request from the client's bucket, or says how long to wait.
    pub fn check(&self, client: &str) -> Result<(), Duration> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().expect("rate limiter");
        if buckets.len() >= MAX_BUCKETS {
            let (per_second, burst) = (self.per_second, self.burst);
            buckets.retain(|_, (tokens, at)| *tokens + at.elapsed().as_secs_f64() * per_second < burst);
        }
        let (tokens, at) = buckets.entry(client.to_string()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.per_second))
        }
    }
}

fn graphql_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"errors": [{"message": message, "extensions": {"code": code}}]});
    Response::builder().status(status).content_type("application/json; charset=utf-8").body(body.to_string())
}

/// Wraps an endpoint with the rate limit and the per-request time limit.
pub fn limited<E: Endpoint>(
    limiter: Arc<RateLimiter>,
    timeout: Duration,
    endpoint: E,
) -> impl Endpoint<Output = Response> {
    let endpoint = Arc::new(endpoint);
    poem::endpoint::make(move |request: Request| {
        let limiter = limiter.clone();
        let endpoint = endpoint.clone();
        async move {
            if let Err(wait) = limiter.check(&limiter.client_key(&request)) {
                let mut response =
                    graphql_error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", "too many requests; retry later");
                let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
                response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
                return Ok::<Response, poem::Error>(response);
            }
            Ok(match tokio::time::timeout(timeout, endpoint.call(request)).await {
                Ok(Ok(output)) => output.into_response(),
                Ok(Err(error)) => error.into_response(),
                Err(_) => graphql_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "INTERNAL",
                    &format!("the request took longer than {} ms", timeout.as_millis()),
                ),
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use poem::Endpoint;

    use super::{limited, RateLimiter};

    #[tokio::test]
    async fn slow_requests_are_cut_off() {
        let slow = poem::endpoint::make(|_| async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            Ok::<&str, poem::Error>("late")
        });
        let endpoint = limited(Arc::new(RateLimiter::new(0.0, 1.0)), Duration::from_millis(20), slow);
        let response = endpoint.call(poem::Request::default()).await.unwrap();
        assert_eq!(response.status(), 503);
        let body = response.into_body().into_string().await.unwrap();
        assert!(body.contains("the request took longer than 20 ms"), "{body}");
    }

    #[test]
    fn buckets_refill_and_are_per_client() {
        let limiter = RateLimiter::new(10.0, 3.0);
        assert!((0..3).all(|_| limiter.check("a").is_ok()));
        let wait = limiter.check("a").unwrap_err();
        assert!(wait.as_millis() > 0 && wait.as_millis() <= 100, "{wait:?}");
        assert!(limiter.check("b").is_ok(), "another client has its own bucket");
        std::thread::sleep(wait);
        assert!(limiter.check("a").is_ok());
        assert!(RateLimiter::new(0.0, 1.0).check("a").is_ok(), "0 disables the limit");
    }
}
