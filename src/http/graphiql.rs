//! GraphiQL at `/graphiql`, from files compiled into the binary
//! (`assets/graphiql`, rebuilt by its `fetch.sh`), so the explorer works
//! with no internet access. Its responses carry a Content-Security-Policy
//! that lets scripts come only from this server.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use rust_embed::RustEmbed;

/// The vendored GraphiQL and React (with their licences) and our page.
#[derive(RustEmbed)]
#[folder = "assets/graphiql"]
#[include = "*.html"]
#[include = "*.js"]
#[include = "*.css"]
#[include = "LICENSE.*"]
pub struct Assets;

/// Scripts and styles from this server only (GraphiQL's editor sets style
/// attributes, hence inline styles); fonts are data URIs in its CSS; the
/// page talks to this server only, over HTTP and its socket.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    font-src data:; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// GET /: the explorer, until the console takes its place.
pub async fn root() -> Redirect {
    Redirect::temporary("/graphiql")
}

/// GET /graphiql.
pub async fn page() -> Response {
    file("index.html")
}

/// GET /graphiql/assets/{file}.
pub async fn asset(Path(name): Path<String>) -> Response {
    file(&name)
}

fn file(name: &str) -> Response {
    let Some(found) = Assets::get(name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let media = match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        _ if name.starts_with("LICENSE.") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    let mut response = ([(header::CONTENT_TYPE, media)], found.data.into_owned()).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-cache"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
