//! Logging setup. `RUST_LOG` refines the default level (info).

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a person at a terminal: written to a file or a journal, escape codes
    // are noise.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()));
    // A second init (tests) is harmless: the first subscriber stays.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// The route pattern a request matched, as the metrics and the logs name it.
///
/// Why not `match_pattern()` alone: actix keeps no record of the pattern it routed by, so it
/// matches the path against the routes again, a regular expression for each route with a
/// parameter before the one that matches (some 35,000 instructions of "My deals"' 1.2
/// million). A static route's pattern is its path, so each worker thread remembers the
/// static routes it has served and answers those by one lookup. Only static routes are
/// kept: a path with a parameter may carry a live token, and the set stays as small as the
/// list of routes.
pub fn route_of(req: &actix_web::HttpRequest) -> Option<String> {
    use std::cell::RefCell;
    use std::collections::HashSet;
    thread_local! {
        static STATIC_ROUTES: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
    }
    let path = req.path();
    if STATIC_ROUTES.with_borrow(|known| known.contains(path)) {
        return Some(path.to_owned());
    }
    let pattern = req.match_pattern()?;
    if pattern == path {
        STATIC_ROUTES.with_borrow_mut(|known| known.insert(pattern.clone()));
    }
    Some(pattern)
}

/// One span and one log line per request. It names the route pattern, never the path, since
/// paths of one-time links carry live tokens (`/password/set/{token}`).
pub async fn trace_requests(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use tracing::Instrument;

    let route = route_of(req.request()).unwrap_or_else(|| "(no route)".to_owned());
    let method = req.method().clone();
    let request_id = crate::ids::short_reference();
    let span = tracing::info_span!("request", %method, %route, %request_id);
    let metrics = req
        .app_data::<actix_web::web::Data<crate::metrics::Metrics>>()
        .cloned();
    let started = std::time::Instant::now();
    let mut result = next.call(req).instrument(span.clone()).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    // Server time, for browsers' dev tools and the benchmarks.
    if let Ok(res) = &mut result
        && let Ok(value) =
            actix_web::http::header::HeaderValue::from_str(&format!("app;dur={elapsed_ms:.2}"))
    {
        res.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("server-timing"),
            value,
        );
    }
    if let Some(metrics) = metrics {
        let status = match &result {
            Ok(res) => res.status().as_u16(),
            Err(e) => e.as_response_error().status_code().as_u16(),
        };
        metrics.request(&route, method.as_str(), status, started.elapsed());
    }
    span.in_scope(|| match &result {
        Ok(res) => tracing::info!(status = res.status().as_u16(), elapsed_ms, "request done"),
        Err(e) => tracing::warn!(
            status = e.as_response_error().status_code().as_u16(),
            elapsed_ms,
            "request failed"
        ),
    });
    result
}
