//! GraphiQL from the binary: the page, its scripts and styles all come from
//! this server (nothing from a CDN), with the vendored files byte for byte
//! what `assets/graphiql/SHA256SUMS` records, and a Content-Security-Policy
//! that lets scripts come from this server only.

mod common;

use common::TestApp;
use sha2::{Digest, Sha256};

const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    font-src data:; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// The `src` and `href` values of `html`.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attribute) {
            rest = &rest[at + attribute.len()..];
            let end = rest.find('"').expect("a closing quote");
            found.push(rest[..end].to_owned());
        }
    }
    found
}

#[tokio::test]
async fn graphiql_is_served_from_the_binary_alone() {
    let app = TestApp::sqlite().await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let root = no_redirects
        .get(format!("{}/", app.base))
        .send()
        .await
        .expect("get");
    assert_eq!(root.status(), 307);
    assert_eq!(root.headers()["location"], "/graphiql");

    let page = app
        .client
        .get(format!("{}/graphiql", app.base))
        .send()
        .await
        .expect("get");
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["content-security-policy"], POLICY);
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let html = page.text().await.expect("html");
    assert!(!html.contains("<script>"), "no inline script: {html}");
    let references = references(&html);
    assert_eq!(
        references,
        [
            "/graphiql/assets/react.production.min.js",
            "/graphiql/assets/react-dom.production.min.js",
            "/graphiql/assets/graphiql.min.js",
            "/graphiql/assets/boot.js",
            "/graphiql/assets/graphiql.min.css",
            "/graphiql/assets/page.css",
        ]
    );

    // Each is served, with its type; the vendored ones are what the sums say.
    let sums = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/graphiql/SHA256SUMS"
    ))
    .expect("SHA256SUMS");
    let mut checked = 0;
    for path in &references {
        let response = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 200, "{path}");
        let media = if path.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else {
            "text/css; charset=utf-8"
        };
        assert_eq!(response.headers()["content-type"], media, "{path}");
        assert_eq!(response.headers()["content-security-policy"], POLICY);
        let body = response.bytes().await.expect("body");
        let name = path.rsplit('/').next().expect("name");
        if let Some(line) = sums.lines().find(|l| l.ends_with(&format!("  {name}"))) {
            let digest: String = Sha256::digest(&body)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(&line[..64], digest, "{name} differs from SHA256SUMS");
            checked += 1;
        } else {
            // Our own files call nothing outside this server.
            let text = String::from_utf8(body.to_vec()).expect("text");
            assert!(
                !text.contains("http://") && !text.contains("https://"),
                "{name}"
            );
        }
    }
    assert_eq!(checked, 4);

    // The licences travel with the files.
    for licence in ["LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom"] {
        let response = app
            .client
            .get(format!("{}/graphiql/assets/{licence}", app.base))
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 200);
        assert!(response.text().await.expect("text").contains("MIT License"));
    }
    // Nothing else is served from there: not the script that fetches them,
    // not the sums, not a path out of the folder.
    for path in ["fetch.sh", "SHA256SUMS", "..%2FCargo.toml", "missing.js"] {
        let response = app
            .client
            .get(format!("{}/graphiql/assets/{path}", app.base))
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 404, "{path}");
    }
}
