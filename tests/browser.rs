//! The pages in a real headless Chromium, driven over WebDriver
//! (chromedriver): GraphiQL renders from the binary's own files, runs a
//! query with the token from its Headers tab, and fetches nothing from
//! anywhere but this server. Without Chromium and chromedriver the test
//! says it was skipped; with `JOURNEYGRAPH_REQUIRE_BROWSER=1` (as `.ci/run`
//! sets) it fails instead. A screenshot goes to `target/browser/`.

mod common;

use common::TestApp;
use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver, or None after saying the test is skipped.
fn driver(test: &str) -> Option<Driver> {
    let present =
        std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !present {
        if std::env::var("JOURNEYGRAPH_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!(
                "{test}: JOURNEYGRAPH_REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)"
            );
        }
        eprintln!(
            "{test}: skipped: no Chromium (apt-get install chromium chromium-driver to run it)"
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver");
    Some(Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    })
}

async fn browser(driver: &Driver) -> fantoccini::Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({"binary": CHROMIUM, "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"]}),
    );
    for _ in 0..50 {
        // chromedriver speaks plain HTTP on loopback: no TLS stack needed.
        if let Ok(client) = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&driver.url)
            .await
        {
            return client;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start at {}", driver.url);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_runs_offline_in_chromium() {
    let Some(driver) = driver("graphiql_runs_offline_in_chromium") else {
        return;
    };
    let app = TestApp::sqlite().await;
    let page = browser(&driver).await;
    page.goto(&format!("{}/graphiql", app.base))
        .await
        .expect("open");
    // The token and the query, as a person would leave them in the tab.
    let headers = json!({"Authorization": format!("Bearer {}", app.leader())}).to_string();
    page.execute(
        "sessionStorage.setItem('graphiql:headers', arguments[0]); sessionStorage.setItem('graphiql:query', arguments[1]);",
        vec![json!(headers), json!("{ viewer { organization role } }")],
    )
    .await
    .expect("storage");
    page.refresh().await.expect("reload");
    let run = page
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(".graphiql-execute-button"))
        .await
        .expect("GraphiQL renders");
    run.click().await.expect("run");
    let mut answer = String::new();
    for _ in 0..100 {
        answer = page
            .execute(
                "const r = document.querySelector('.graphiql-response'); return r ? r.innerText : '';",
                vec![],
            )
            .await
            .expect("read")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if answer.contains("LEADER") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answer.contains("\"organization\": \"acme\""), "{answer}");
    assert!(answer.contains("\"role\": \"LEADER\""), "{answer}");

    // Everything the page loaded came from this server.
    let loaded: Value = page
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name);",
            vec![],
        )
        .await
        .expect("resources");
    let loaded: Vec<&str> = loaded
        .as_array()
        .expect("list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(loaded.len() >= 6, "{loaded:?}");
    for url in &loaded {
        assert!(url.starts_with(&app.base), "{url} is not from this server");
    }

    let shot = page.screenshot().await.expect("screenshot");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("graphiql.png"), shot).expect("write");
    page.close().await.expect("close");
}
