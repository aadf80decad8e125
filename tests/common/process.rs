//! The real binary as a child process: organization and credentials from
//! its CLI, and `serve` on a free port read from its JSON logs.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStderr, Command, Stdio};

/// `journeygraph` on database `db`, signing JWTs with `secret`, logging at `level`.
pub fn journeygraph(db: &str, secret: &str, level: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_journeygraph"));
    cmd.env("DATABASE_URL", db)
        .env("JOURNEYGRAPH_JWT_SECRET", secret)
        .env("RUST_LOG", level);
    cmd
}

/// Creates organization `acme` and returns a JWT of its ADMIN `ops`.
pub fn acme_admin(db: &str, secret: &str) -> String {
    let created = journeygraph(db, secret, "warn")
        .args(["org", "create", "acme", "--name", "Acme"])
        .output()
        .expect("org create");
    assert!(created.status.success(), "{created:?}");
    let minted = journeygraph(db, secret, "warn")
        .args([
            "token", "mint", "--org", "acme", "--role", "admin", "--sub", "ops",
        ])
        .output()
        .expect("mint");
    String::from_utf8(minted.stdout)
        .expect("utf8")
        .trim()
        .to_owned()
}

/// A serving child process, its port and the rest of its JSON logs.
pub struct Served {
    pub child: Child,
    pub port: u16,
    pub logs: BufReader<ChildStderr>,
}

/// Runs `cmd --log-format json serve --bind 127.0.0.1:0 <args>` and waits
/// for its "serving" line.
pub fn serve(mut cmd: Command, args: &[&str]) -> Served {
    let mut child = cmd
        .args(["--log-format", "json", "serve", "--bind", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut logs = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    let port = loop {
        line.clear();
        assert!(
            logs.read_line(&mut line).expect("read") > 0,
            "the server exited"
        );
        if let Ok(entry) = serde_json::from_str::<Value>(&line)
            && entry["fields"]["message"] == "serving"
        {
            break entry["fields"]["port"].as_u64().expect("port") as u16;
        }
    };
    Served { child, port, logs }
}

impl Served {
    /// The child and its port; its logs are read and dropped from now on,
    /// so it never blocks on a full pipe.
    pub fn draining_logs(self) -> (Child, u16) {
        let mut logs = self.logs;
        std::thread::spawn(move || {
            let mut sink = String::new();
            while logs.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        (self.child, self.port)
    }
}

/// The text of `/metrics` of the server at `base`.
pub async fn scrape(base: &str) -> String {
    reqwest::get(format!("{base}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text")
}

/// The value of an unlabelled metric on `/metrics` of the server at `base`
/// (0 when absent).
pub async fn metric(base: &str, name: &str) -> f64 {
    scrape(base)
        .await
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .map(|v| v.trim().parse().expect("number"))
        .unwrap_or(0.0)
}
