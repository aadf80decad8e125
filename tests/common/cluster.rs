//! Throwaway PostgreSQL clusters for tests that need a server of their own:
//! a primary made with `initdb` and a streaming replica of it made with
//! `pg_basebackup -R`, each in a temporary directory, on a free port, with
//! its socket in its own directory. PostgreSQL refuses to run as root, so
//! as root the commands run as the `postgres` user (`runuser`). Dropping a
//! cluster stops it at once and removes its directory.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The newest installed PostgreSQL's `bin/`, if any.
pub fn binaries() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_string_lossy().parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// One running cluster.
pub struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Whether this process runs as root (its effective uid, from /proc).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let uids = status.lines().find(|l| l.starts_with("Uid:"))?.to_owned();
            uids.split_whitespace().nth(2).map(|euid| euid == "0")
        })
        .unwrap_or(false)
}

/// `program` of `bin`, to run as the user PostgreSQL runs as.
fn command(bin: &Path, program: &str) -> Command {
    let path = bin.join(program);
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(path);
        command
    } else {
        Command::new(path)
    }
}

/// Runs `program` of `bin` with `args`; the test fails if it does.
fn run(bin: &Path, program: &str, args: &[&str]) {
    let output = command(bin, program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Cluster {
    fn empty_dir() -> tempfile::TempDir {
        let dir = tempfile::Builder::new()
            .prefix("jg-cluster-")
            .tempdir()
            .expect("dir");
        if is_root() {
            let status = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(status.success());
        }
        dir
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn start(bin: PathBuf, dir: tempfile::TempDir) -> Cluster {
        let cluster = Cluster {
            bin,
            port: free_port(),
            dir,
        };
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
            cluster.port,
            cluster.dir.path().display()
        );
        let log = cluster.dir.path().join("log").display().to_string();
        run(
            &cluster.bin,
            "pg_ctl",
            &[
                "start",
                "-w",
                "-D",
                &cluster.data(),
                "-l",
                &log,
                "-o",
                &options,
            ],
        );
        cluster
    }

    /// A new primary that allows streaming replication from 127.0.0.1.
    pub fn primary(bin: &Path) -> Cluster {
        let dir = Cluster::empty_dir();
        let data = dir.path().join("data").display().to_string();
        run(
            bin,
            "initdb",
            &["-D", &data, "-U", "postgres", "--auth=trust", "--no-sync"],
        );
        Cluster::start(bin.to_owned(), dir)
    }

    /// A hot-standby replica of `primary`, streaming from it.
    pub fn replica_of(primary: &Cluster) -> Cluster {
        let dir = Cluster::empty_dir();
        let data = dir.path().join("data").display().to_string();
        let port = primary.port.to_string();
        run(
            &primary.bin,
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-D",
                &data,
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ],
        );
        Cluster::start(primary.bin.clone(), dir)
    }

    /// The URL of database `name` on this cluster.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = command(&self.bin, "pg_ctl")
            .args(["stop", "-m", "immediate", "-D", &data])
            .output();
    }
}

/// Waits until `check` holds, for at most `limit`.
pub async fn eventually<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
