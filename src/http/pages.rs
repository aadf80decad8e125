//! The pages compiled into the binary, so they work with no internet
//! access: the leadership console at `/` (`assets/console`) and GraphiQL at
//! `/graphiql` (`assets/graphiql`), each rebuilt from the npm registry by its
//! folder's `fetch.sh`. Their responses carry a Content-Security-Policy that
//! lets scripts come only from this server, and the usual security headers.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

/// The vendored GraphiQL and React (with their licences) and our page.
#[derive(RustEmbed)]
#[folder = "assets/graphiql"]
#[include = "*.html"]
#[include = "*.js"]
#[include = "*.css"]
#[include = "LICENSE.*"]
pub struct Graphiql;

/// The console's page, script and style, and the vendored Chart.js (with
/// its licence).
#[derive(RustEmbed)]
#[folder = "assets/console"]
#[include = "*.html"]
#[include = "*.svg"]
#[include = "*.js"]
#[include = "*.css"]
#[include = "LICENSE.*"]
pub struct Console;

/// GraphiQL: scripts and styles from this server only (its editor sets
/// style attributes, hence inline styles); fonts are data URIs in its CSS;
/// the page talks to this server only, over HTTP and its socket.
const GRAPHIQL_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    font-src data:; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// The console: the same, without inline styles (Chart.js sizes its
/// canvases through the DOM, which the policy allows).
const CONSOLE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// GET /: the console.
pub async fn console_page() -> Response {
    file::<Console>("index.html", CONSOLE_POLICY)
}

/// GET /console/assets/{file}.
pub async fn console_asset(Path(name): Path<String>) -> Response {
    file::<Console>(&name, CONSOLE_POLICY)
}

/// GET /graphiql.
pub async fn page() -> Response {
    file::<Graphiql>("index.html", GRAPHIQL_POLICY)
}

/// GET /graphiql/assets/{file}.
pub async fn asset(Path(name): Path<String>) -> Response {
    file::<Graphiql>(&name, GRAPHIQL_POLICY)
}

fn file<E: RustEmbed>(name: &str, policy: &'static str) -> Response {
    let Some(found) = E::get(name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let media = match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ if name.starts_with("LICENSE.") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    let mut response = ([(header::CONTENT_TYPE, media)], found.data.into_owned()).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, policy),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-cache"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
