//! The pages in a real headless Chromium, driven over WebDriver
//! (chromedriver): GraphiQL renders from the binary's own files, runs a
//! query with the token from its Headers tab, and fetches nothing from
//! anywhere but this server; the console signs in from its link, shows the
//! API's figures, logs no error, and sends an expired credential back to
//! sign-in and an AGENT to no leader view. Without Chromium and chromedriver the test
//! says it was skipped; with `JOURNEYGRAPH_REQUIRE_BROWSER=1` (as `.ci/run`
//! sets) it fails instead. A screenshot goes to `target/browser/`.

mod common;

use common::TestApp;
use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use journeygraph::time::now_millis;
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
        json!({"binary": CHROMIUM, "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]}),
    );
    capabilities.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
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
    all_from(&page, &app.base, 6).await;

    screenshot("graphiql.png", &page.screenshot().await.expect("shot"));
    page.close().await.expect("close");
}

/// chromedriver's browser log (what the page wrote to its console, and
/// what Chromium reported: failed loads, policy violations), emptied as
/// it is read.
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

/// The entries of the browser log at WARNING or above.
async fn complaints(page: &fantoccini::Client) -> Vec<String> {
    let log = page.issue_cmd(BrowserLog).await.expect("browser log");
    log.as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["level"] == "SEVERE" || e["level"] == "WARNING")
                .map(|e| format!("{} {}", e["timestamp"], e["message"]))
                .collect()
        })
        .unwrap_or_default()
}

/// Polls until `body[data-loaded]` is `want`, or panics after 20 s.
async fn until_loaded(page: &fantoccini::Client, want: &str) {
    for _ in 0..200 {
        let loaded = page
            .execute("return document.body.dataset.loaded || '';", vec![])
            .await
            .expect("read");
        if loaded == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the console did not load {want}");
}

/// The text of every element matching `css`.
async fn texts(page: &fantoccini::Client, css: &str) -> Vec<String> {
    let found = page
        .execute(
            "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent);",
            vec![json!(css)],
        )
        .await
        .expect("read");
    found
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Asserts the page loaded at least `at_least` resources, every one from `base`.
async fn all_from(page: &fantoccini::Client, base: &str, at_least: usize) {
    let loaded = page
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
    assert!(loaded.len() >= at_least, "{loaded:?}");
    for url in loaded {
        assert!(url.starts_with(base), "{url} is not from this server");
    }
}

fn screenshot(name: &str, png: &[u8]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join(name), png).expect("write");
}

/// A fraction as the console writes it: "43.7 %".
fn percent(value: &Value) -> String {
    match value.as_f64() {
        Some(v) => format!("{:.1} %", v * 100.0),
        None => "—".into(),
    }
}

/// Polls `script` (a JavaScript expression) until it is true, or panics
/// after `seconds` saying `what`.
async fn until(page: &fantoccini::Client, script: &str, seconds: u64, what: &str) {
    for _ in 0..seconds * 20 {
        let done = page
            .execute(&format!("return Boolean({script});"), vec![])
            .await
            .expect("poll");
        if done == json!(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: not within {seconds} s ({script})");
}

/// Opens view `route` (`friction`, `customers/ID` ...) and waits for it.
async fn open_view(page: &fantoccini::Client, route: &str, view: &str) {
    page.execute(
        "document.body.dataset.loaded = ''; location.hash = arguments[0];",
        vec![json!(format!("#/{route}"))],
    )
    .await
    .expect("route");
    until_loaded(page, view).await;
}

async fn click(page: &fantoccini::Client, css: &str) {
    page.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_shows_the_apis_figures_in_chromium() {
    let Some(driver) = driver("the_console_shows_the_apis_figures_in_chromium") else {
        return;
    };
    let app = TestApp::sqlite().await;
    app.seed_demo(300).await;
    let now = now_millis();
    let leader = app.jwt("demo", "LEADER");
    let page = browser(&driver).await;

    // The sign-in link: the token in the fragment, which the server never sees.
    page.goto(&format!("{}/#token={leader}", app.base))
        .await
        .expect("open");
    until_loaded(&page, "overview").await;
    let address = page.current_url().await.expect("url");
    assert!(
        !address.as_str().contains("token"),
        "the token leaves the address: {address}"
    );
    let nav = texts(&page, "#views a").await;
    assert_eq!(
        nav,
        [
            "Overview",
            "Friction",
            "Contact reasons",
            "Handoffs",
            "Journeys",
            "Outreach",
            "Customers",
            "Insights",
            "Live"
        ]
    );

    // The tiles and the friction table show the API's figures for the same window.
    let (_, api) = app
        .gql(
            Some(&leader),
            r#"{ kpis(window: {lastDays: 90}) { csatRate { value previous } fcrRate { value } slaAttainment { value } onboardingCompletionRate { value } }
                frictionPoints(window: {lastDays: 90}, first: 5) { subject affectedCustomers rate } }"#,
            json!({}),
        )
        .await;
    let kpis = &api["data"]["kpis"];
    for (kpi, value) in [
        ("csatRate", &kpis["csatRate"]["value"]),
        ("fcrRate", &kpis["fcrRate"]["value"]),
        ("slaAttainment", &kpis["slaAttainment"]["value"]),
        (
            "onboardingCompletionRate",
            &kpis["onboardingCompletionRate"]["value"],
        ),
    ] {
        let shown = texts(&page, &format!("[data-kpi={kpi}] .value")).await;
        assert_eq!(shown, [percent(value)], "{kpi}: {api}");
    }
    let previous = texts(&page, "[data-kpi=csatRate] .previous").await;
    assert_eq!(
        previous,
        [format!(
            "previous window: {}",
            percent(&kpis["csatRate"]["previous"])
        )]
    );
    let points = api["data"]["frictionPoints"].as_array().expect("points");
    assert!(!points.is_empty(), "{api}");
    let subjects = texts(&page, "#friction tbody td:nth-child(2)").await;
    let affected = texts(&page, "#friction tbody td:nth-child(3)").await;
    let rates = texts(&page, "#friction tbody td:nth-child(4)").await;
    for (i, point) in points.iter().enumerate() {
        assert_eq!(subjects[i], point["subject"].as_str().expect("subject"));
        assert_eq!(
            affected[i].replace(',', ""),
            point["affectedCustomers"].to_string()
        );
        assert_eq!(rates[i], percent(&point["rate"]));
    }
    // Ten tiles, each with its trend line drawn.
    let drawn = page
        .execute(
            "return [...document.querySelectorAll('.tile canvas')].filter(c => c.width > 0 && Chart.getChart(c)).length;",
            vec![],
        )
        .await
        .expect("charts");
    assert_eq!(drawn, json!(10));
    tokio::time::sleep(Duration::from_millis(500)).await;
    screenshot(
        "console-overview.png",
        &page.screenshot().await.expect("shot"),
    );
    page.set_window_size(390, 844).await.expect("phone width");
    screenshot(
        "console-overview-phone.png",
        &page.screenshot().await.expect("shot"),
    );
    page.set_window_size(1280, 900).await.expect("back");

    // Another window: the page asks again and shows that window's figures.
    page.execute(
        "const s = document.getElementById('window'); s.value = '30'; s.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await
    .expect("30 days");
    let (_, month) = app
        .gql(
            Some(&leader),
            "{ kpis(window: {lastDays: 30}) { csatRate { value } } }",
            json!({}),
        )
        .await;
    let want = percent(&month["data"]["kpis"]["csatRate"]["value"]);
    until(
        &page,
        &format!(
            "document.querySelector('[data-kpi=csatRate] .value')?.textContent === {}",
            json!(want)
        ),
        5,
        "30 days",
    )
    .await;
    page.execute(
        "const s = document.getElementById('window'); s.value = '90'; s.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await
    .expect("90 days");
    until_loaded(&page, "overview").await;

    // Friction: ranked as the API ranks; a point opens to its detail, where
    // an insight is added and voted for.
    open_view(&page, "friction", "friction").await;
    let (_, ranked) = app
        .gql(
            Some(&leader),
            "{ frictionPoints(window: {lastDays: 90}, first: 25) { kind subject subjectKey } }",
            json!({}),
        )
        .await;
    let first = &ranked["data"]["frictionPoints"][0];
    assert_eq!(
        texts(
            &page,
            "#friction-points tbody tr:first-child td:nth-child(2)"
        )
        .await,
        [first["subject"].as_str().expect("subject")]
    );
    click(&page, "#friction-points tbody tr:first-child button").await;
    until_loaded(&page, "friction-detail").await;
    until(
        &page,
        "document.querySelector('#friction-detail canvas')",
        5,
        "the trend",
    )
    .await;
    page.find(Locator::Css("#insight-text"))
        .await
        .expect("field")
        .send_keys("Customers ask for a setup call before this step")
        .await
        .expect("type");
    click(&page, "#friction-detail form button").await;
    until(
        &page,
        "[...document.querySelectorAll('.insights li')].some(li => li.textContent.includes('setup call'))",
        5,
        "the new insight",
    )
    .await;
    click(&page, ".insights li button").await;
    until(
        &page,
        "document.querySelector('.insights .votes')?.textContent === '1 ▲'",
        5,
        "the vote",
    )
    .await;
    let (_, insights) = app
        .gql(
            Some(&leader),
            "query($k: FrictionKind!, $s: String!) { insights(first: 5, frictionKind: $k, subject: $s) { edges { node { text votes } } } }",
            json!({"k": first["kind"], "s": first["subjectKey"]}),
        )
        .await;
    assert_eq!(
        insights["data"]["insights"]["edges"],
        json!([{"node": {"text": "Customers ask for a setup call before this step", "votes": 1}}])
    );
    screenshot(
        "console-friction.png",
        &page.screenshot().await.expect("shot"),
    );

    // Contact reasons, handoffs and journeys show the API's rows.
    open_view(&page, "reasons", "reasons").await;
    let (_, reasons) = app
        .gql(Some(&leader), "{ contactReasons(window: {lastDays: 90}, first: 15) { reason } journeyPaths(window: {lastDays: 90}, steps: 4, first: 10) { customers } }", json!({}))
        .await;
    let listed: Vec<String> = reasons["data"]["contactReasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r["reason"].as_str().expect("reason").to_owned())
        .collect();
    assert_eq!(texts(&page, "#reasons tbody td:first-child").await, listed);
    open_view(&page, "handoffs", "handoffs").await;
    assert_eq!(texts(&page, "#handoff-matrix tbody tr").await.len(), 6);
    open_view(&page, "journeys", "journeys").await;
    assert_eq!(
        texts(&page, "#paths tbody tr").await.len(),
        reasons["data"]["journeyPaths"]
            .as_array()
            .expect("paths")
            .len()
    );
    until(
        &page,
        "document.querySelector('#funnel tbody tr')",
        5,
        "the funnel",
    )
    .await;

    // Outreach: a task created from the queue, then marked contacted.
    open_view(&page, "outreach", "outreach").await;
    click(&page, "#queue [data-create]").await;
    until(
        &page,
        "document.querySelectorAll('#tasks tbody tr').length === 1",
        5,
        "the task",
    )
    .await;
    click(&page, "#tasks [data-contacted]").await;
    until(&page, "document.querySelector('#tasks') && document.querySelectorAll('#tasks tbody tr').length === 0", 5, "contacted").await;
    let (_, tasks) = app
        .gql(
            Some(&leader),
            "{ outreachTasks(first: 5, status: CONTACTED) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(tasks["data"]["outreachTasks"]["totalCount"], 1, "{tasks}");

    // Customer 360: the list, then one customer's timeline.
    open_view(&page, "customers", "customers").await;
    click(&page, "#customer-list tbody tr:first-child a").await;
    until(
        &page,
        "document.querySelector('#timeline .event')",
        5,
        "the timeline",
    )
    .await;
    let name = texts(&page, "#customer-name").await;
    assert_eq!(name.len(), 1);
    click(&page, "#timeline details summary").await;
    screenshot(
        "console-customer.png",
        &page.screenshot().await.expect("shot"),
    );

    // Live: an alert appears within 2 s of the ticket that raises it.
    open_view(&page, "live", "live").await;
    until(
        &page,
        "document.body.dataset.live === 'listening'",
        5,
        "the socket",
    )
    .await;
    let admin = app.jwt("demo", "ADMIN");
    let at = |hours: i64| {
        chrono::DateTime::from_timestamp_millis(now - hours * 3_600_000)
            .expect("time")
            .to_rfc3339()
    };
    let ticket = |id: &str, hours: i64| {
        json!({"source": "helpdesk", "externalId": id, "customer": {"source": "crm", "externalId": "LIVE-1"},
            "reason": "billing", "channel": "email", "priority": "HIGH", "team": "tier1", "openedAt": at(hours)})
    };
    let mutation = "mutation($input: [TicketInput!]!) { ingestTickets(input: $input) { created } }";
    app.ingest(&admin, mutation, json!([ticket("LIVE-T1", 30)]))
        .await;
    let sent = std::time::Instant::now();
    app.ingest(&admin, mutation, json!([ticket("LIVE-T2", 1)]))
        .await;
    until(
        &page,
        "[...document.querySelectorAll('#alerts li')].some(li => li.dataset.kind === 'REPEAT_CONTACT')",
        2,
        "the alert",
    )
    .await;
    assert!(sent.elapsed() < Duration::from_secs(2));

    // Nothing logged on any view, and everything came from this server.
    assert_eq!(complaints(&page).await, Vec::<String>::new());
    all_from(&page, &app.base, 12).await;

    // An expired credential lands on sign-in, saying why.
    let past = now as u64 / 1000 - 7200;
    let expired = common::sign(&common::claims("demo", "LEADER", past - 3600, past));
    page.goto("about:blank").await.expect("blank");
    page.goto(&format!("{}/#token={expired}", app.base))
        .await
        .expect("open");
    until_loaded(&page, "sign-in").await;
    assert_eq!(
        texts(&page, "#sign-in-reason").await,
        ["Your sign-in has expired or was revoked. Sign in again."]
    );
    screenshot(
        "console-sign-in.png",
        &page.screenshot().await.expect("shot"),
    );
    // Pasting a good one signs in.
    page.find(Locator::Css("#token"))
        .await
        .expect("field")
        .send_keys(&leader)
        .await
        .expect("type");
    let pasted = chrono::Utc::now().timestamp_millis();
    click(&page, "#sign-in-form button").await;
    until_loaded(&page, "overview").await;
    // Chromium's log can deliver the refusal's entry late; it is older.
    let after: Vec<String> = complaints(&page)
        .await
        .into_iter()
        .filter(|c| {
            c.split(' ')
                .next()
                .and_then(|t| t.parse::<i64>().ok())
                .is_none_or(|t| t >= pasted)
        })
        .collect();
    assert_eq!(after, Vec::<String>::new(), "signing in again");

    // An AGENT is offered no leader view, and a leader's route shows it none.
    let agent = app.jwt("demo", "AGENT");
    page.goto("about:blank").await.expect("blank");
    page.goto(&format!("{}/#token={agent}", app.base))
        .await
        .expect("open");
    until_loaded(&page, "outreach").await;
    assert_eq!(
        complaints(&page).await,
        Vec::<String>::new(),
        "signing in as an agent"
    );
    assert_eq!(
        texts(&page, "#views a").await,
        ["Outreach", "Customers", "Insights", "Live"]
    );
    assert!(
        texts(&page, "#effect").await.is_empty(),
        "effectiveness is analytics"
    );
    open_view(&page, "overview", "outreach").await;
    assert!(texts(&page, "#tiles").await.is_empty());
    // The agent's insight, and the leader's from the friction view, with a vote.
    open_view(&page, "insights", "insights").await;
    page.find(Locator::Css("#new-text"))
        .await
        .expect("field")
        .send_keys("The SSO reset mail lands in spam")
        .await
        .expect("type");
    click(&page, "#new-insight button").await;
    until(
        &page,
        "[...document.querySelectorAll('#insight-list td')].some(td => td.textContent === 'The SSO reset mail lands in spam')",
        5,
        "the agent's insight",
    )
    .await;
    assert_eq!(texts(&page, "#insight-list tbody tr").await.len(), 2);
    assert_eq!(complaints(&page).await, Vec::<String>::new());
    page.close().await.expect("close");
}
