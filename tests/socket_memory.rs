//! What an open subscription socket costs the server, and that closing
//! gives it back (the hardening issue, item 11): the release of the real
//! binary serves while this test opens 1,000 authenticated, subscribed
//! sockets, closes them, and does that again; the server's resident memory
//! (`VmRSS` of its process) is printed after every step.
//!
//! It asserts that a subscribed socket costs under 64 KiB, and that after
//! every round, once the sockets are closed, the server holds within 10 %
//! of what it held after the warm-up (each runtime worker gives its freed
//! pages back as it goes idle, `src/memory.rs`).

mod common;

use common::process::{acme_admin, journeygraph, metric, serve};
use common::ws::Client;
use common::{SECRET, claims, sign};
use futures::StreamExt;
use std::time::{Duration, Instant};

const SOCKETS: usize = 1_000;
const ROUNDS: usize = 5;
/// Sockets per credential (the server's default cap is 20).
const PER_CREDENTIAL: usize = 20;
/// Sockets being opened at once (the server lets 16 per address wait for
/// `connection_init`).
const OPENING_AT_ONCE: usize = 8;

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Waits until the server's `journeygraph_ws_connections` gauge is `wanted`.
async fn until_open_sockets(base: &str, wanted: f64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while metric(base, "journeygraph_ws_connections").await != wanted {
        assert!(
            Instant::now() < deadline,
            "the server never saw {wanted} sockets"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let the allocator and the runtime settle.
    tokio::time::sleep(Duration::from_millis(500)).await;
}

/// `n` authenticated sockets, each with one subscription, `PER_CREDENTIAL`
/// to a credential of `tokens`.
async fn open_subscribed(base: &str, tokens: &[String], n: usize) -> Vec<Client> {
    futures::stream::iter(0..n)
        .map(|i| {
            let token = &tokens[i / PER_CREDENTIAL];
            async move {
                let mut client = Client::authenticated(base, token).await;
                client
                    .subscribe("alerts", "subscription { frictionDetected { kind } }")
                    .await;
                client
            }
        })
        .buffer_unordered(OPENING_AT_ONCE)
        .collect()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_cost_little_and_closing_gives_memory_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}/memory.db?mode=rwc", dir.path().display());
    acme_admin(&db, SECRET);
    let mut command = journeygraph(&db, SECRET, "info");
    for (name, value) in std::env::vars().filter(|(n, _)| n.starts_with("MIMALLOC_")) {
        command.env(name, value);
    }
    let (mut server, port) = serve(command, &["--sweep-interval-secs", "0"]).draining_logs();
    let pid = server.id();
    let base = format!("http://127.0.0.1:{port}");
    let now = chrono::Utc::now().timestamp() as u64;
    let tokens: Vec<String> = (0..SOCKETS / PER_CREDENTIAL)
        .map(|i| {
            let mut c = claims("acme", "leader", now - 10, now + 3_600);
            c.sub = format!("dashboard-{i}");
            sign(&c)
        })
        .collect();

    // Warm up: the first sockets make what stays for the process's life
    // (the runtime's worker state, the credential and organization caches,
    // the database connections' statement caches).
    drop(open_subscribed(&base, &tokens[..2], 2 * PER_CREDENTIAL).await);
    until_open_sockets(&base, 0.0).await;
    let started = rss_kib(pid);
    println!("server RSS after a warm-up of 40 sockets: {started} KiB");
    let mut after_close = Vec::new();
    let mut per_socket = Vec::new();
    for round in 1..=ROUNDS {
        let clients = open_subscribed(&base, &tokens, SOCKETS).await;
        until_open_sockets(&base, SOCKETS as f64).await;
        let open = rss_kib(pid);
        drop(clients);
        until_open_sockets(&base, 0.0).await;
        let closed = rss_kib(pid);
        let cost = (open.saturating_sub(started) as f64) / SOCKETS as f64;
        println!(
            "round {round}: {SOCKETS} subscribed sockets open {open} KiB, \
             all closed {closed} KiB, {cost:.1} KiB per socket"
        );
        after_close.push(closed);
        per_socket.push(cost);
    }
    let _ = server.kill();
    let _ = server.wait();

    per_socket.sort_by(f64::total_cmp);
    let median = per_socket[ROUNDS / 2];
    let above: Vec<String> = after_close
        .iter()
        .map(|kib| format!("{:+.0} %", (*kib as f64 / started as f64 - 1.0) * 100.0))
        .collect();
    println!(
        "median {median:.1} KiB per subscribed socket; RSS after closing: {after_close:?} KiB \
         ({} against the warm start)",
        above.join(", ")
    );
    assert!(median < 64.0, "a subscribed socket costs {median:.1} KiB");
    for (round, closed) in after_close.iter().enumerate() {
        assert!(
            *closed as f64 <= started as f64 * 1.10,
            "after round {}, with every socket closed, RSS was {closed} KiB against {started} KiB \
             after the warm-up",
            round + 1
        );
    }
}
