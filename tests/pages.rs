//! The pages compiled into the binary, the console at `/` and GraphiQL at
//! `/graphiql`: each page, its scripts and styles come from this server
//! (nothing from a CDN), the vendored files byte for byte what their
//! folder's `SHA256SUMS` records, their licences beside them, and a
//! Content-Security-Policy that lets scripts come from this server only
//! (the console's without inline styles either).

mod common;

use common::TestApp;
use sha2::{Digest, Sha256};

const GRAPHIQL_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    font-src data:; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

const CONSOLE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
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

/// One page of the binary and what it must load.
struct Page {
    path: &'static str,
    assets: &'static str,
    folder: &'static str,
    policy: &'static str,
    references: &'static [&'static str],
    vendored: usize,
    licences: &'static [&'static str],
}

async fn served_from_the_binary_alone(app: &TestApp, page: Page) {
    let response = app
        .client
        .get(format!("{}{}", app.base, page.path))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["content-security-policy"], page.policy);
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let html = response.text().await.expect("html");
    assert!(!html.contains("<script>"), "no inline script: {html}");
    assert!(!html.contains("style="), "no inline style: {html}");
    let references = references(&html);
    let local: Vec<&String> = references.iter().filter(|r| r.starts_with('/')).collect();
    assert_eq!(local, page.references, "{}", page.path);

    // Each is served, with its type; the vendored ones are what the sums say.
    let sums = std::fs::read_to_string(format!(
        "{}/assets/{}/SHA256SUMS",
        env!("CARGO_MANIFEST_DIR"),
        page.folder
    ))
    .expect("SHA256SUMS");
    let mut checked = 0;
    for path in page
        .references
        .iter()
        .filter(|p| p.starts_with(page.assets))
    {
        let response = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 200, "{path}");
        let media = match path.rsplit_once('.').map(|(_, ext)| ext) {
            Some("js") => "text/javascript; charset=utf-8",
            Some("svg") => "image/svg+xml",
            _ => "text/css; charset=utf-8",
        };
        assert_eq!(response.headers()["content-type"], media, "{path}");
        assert_eq!(response.headers()["content-security-policy"], page.policy);
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
            // Our own files call nothing outside this server (an SVG names
            // its XML namespace by URL, which is never fetched).
            let text = String::from_utf8(body.to_vec())
                .expect("text")
                .replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
            assert!(
                !text.contains("http://") && !text.contains("https://"),
                "{name}"
            );
        }
    }
    assert_eq!(checked, page.vendored);

    // The licences travel with the files.
    for licence in page.licences {
        let response = app
            .client
            .get(format!("{}{}{licence}", app.base, page.assets))
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
            .get(format!("{}{}{path}", app.base, page.assets))
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn graphiql_is_served_from_the_binary_alone() {
    let app = TestApp::sqlite().await;
    served_from_the_binary_alone(
        &app,
        Page {
            path: "/graphiql",
            assets: "/graphiql/assets/",
            folder: "graphiql",
            policy: GRAPHIQL_POLICY,
            references: &[
                "/graphiql/assets/react.production.min.js",
                "/graphiql/assets/react-dom.production.min.js",
                "/graphiql/assets/graphiql.min.js",
                "/graphiql/assets/boot.js",
                "/graphiql/assets/graphiql.min.css",
                "/graphiql/assets/page.css",
            ],
            vendored: 4,
            licences: &["LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom"],
        },
    )
    .await;
}

#[tokio::test]
async fn the_console_is_served_from_the_binary_alone() {
    let app = TestApp::sqlite().await;
    served_from_the_binary_alone(
        &app,
        Page {
            path: "/",
            assets: "/console/assets/",
            folder: "console",
            policy: CONSOLE_POLICY,
            references: &[
                "/console/assets/chart.umd.min.js",
                "/console/assets/console.js",
                "/console/assets/favicon.svg",
                "/console/assets/console.css",
            ],
            vendored: 1,
            licences: &["LICENSE.chartjs"],
        },
    )
    .await;
    // The modules console.js imports: every script of the folder is served
    // as JavaScript and calls nothing outside this server.
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/console");
    let mut modules = 0;
    for entry in std::fs::read_dir(folder).expect("assets/console") {
        let name = entry
            .expect("entry")
            .file_name()
            .into_string()
            .expect("name");
        if !name.ends_with(".js") || name.starts_with("chart.") {
            continue;
        }
        let response = app
            .client
            .get(format!("{}/console/assets/{name}", app.base))
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 200, "{name}");
        assert_eq!(
            response.headers()["content-type"],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            response.headers()["content-security-policy"],
            CONSOLE_POLICY
        );
        let text = response.text().await.expect("text");
        assert!(
            !text.contains("http://") && !text.contains("https://"),
            "{name}"
        );
        modules += 1;
    }
    assert!(modules >= 10, "{modules}");
    // Without the console, / is not served.
    let off = TestApp::sqlite_with(|s| s.serve.no_console = true).await;
    let response = off
        .client
        .get(format!("{}/", off.base))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 404);
}
