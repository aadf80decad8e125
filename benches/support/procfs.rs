//! What a set of processes spent, read from `/proc`: CPU time (user +
//! system) and resident memory, sampled every 50 ms so that processes
//! which start during a phase (pgbench's backends, a cluster's workers)
//! count from their first tick.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which processes a [`Usage`] watches.
#[derive(Clone, Debug)]
pub enum Processes {
    /// A process and its children (a server, or a cluster's primary and
    /// its workers).
    Tree(u32),
    /// PostgreSQL backends serving the database of this name (their
    /// process title is `postgres: <user> <database> ...`).
    Backends(String),
}

#[derive(Default)]
struct Tally {
    /// CPU ticks of each pid when the phase began (absent: started later).
    baseline: HashMap<u32, u64>,
    /// CPU ticks of each pid when last seen.
    last: HashMap<u32, u64>,
    peak_rss_kb: u64,
}

/// CPU and peak memory of a set of processes, phase by phase.
pub struct Usage {
    tally: Arc<Mutex<Tally>>,
    stop: Arc<AtomicBool>,
    processes: Processes,
}

/// What a set of processes spent in one phase.
#[derive(Clone, Copy, Debug, Default)]
pub struct Spent {
    pub cpu_ms: f64,
    pub peak_rss_mb: f64,
}

impl Usage {
    /// Starts sampling `processes` (inside a tokio runtime).
    pub fn watch(processes: Processes) -> Usage {
        let tally = Arc::new(Mutex::new(Tally::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let usage = Usage {
            tally: tally.clone(),
            stop: stop.clone(),
            processes: processes.clone(),
        };
        usage.begin();
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                sample(&processes, &tally);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        usage
    }

    /// Starts a new phase: what was spent so far no longer counts.
    pub fn begin(&self) {
        let now = ticks_of(&self.processes);
        if let Ok(mut t) = self.tally.lock() {
            t.last = now.clone();
            t.baseline = now;
            t.peak_rss_kb = 0;
        }
    }

    /// What was spent since `begin`.
    pub fn spent(&self) -> Spent {
        sample(&self.processes, &self.tally);
        let Ok(t) = self.tally.lock() else {
            return Spent::default();
        };
        let ticks: u64 = t
            .last
            .iter()
            .map(|(pid, last)| last.saturating_sub(t.baseline.get(pid).copied().unwrap_or(0)))
            .sum();
        Spent {
            cpu_ms: ticks as f64 * 10.0,
            peak_rss_mb: t.peak_rss_kb as f64 / 1024.0,
        }
    }
}

impl Drop for Usage {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn sample(processes: &Processes, tally: &Mutex<Tally>) {
    let pids = pids_of(processes);
    let rss: u64 = pids.iter().filter_map(|p| rss_kb(*p)).sum();
    let ticks: Vec<(u32, u64)> = pids
        .iter()
        .filter_map(|p| Some((*p, cpu_ticks(*p)?)))
        .collect();
    if let Ok(mut t) = tally.lock() {
        t.peak_rss_kb = t.peak_rss_kb.max(rss);
        t.last.extend(ticks);
    }
}

fn ticks_of(processes: &Processes) -> HashMap<u32, u64> {
    pids_of(processes)
        .into_iter()
        .filter_map(|p| Some((p, cpu_ticks(p)?)))
        .collect()
}

/// The pids of `processes` now.
fn pids_of(processes: &Processes) -> Vec<u32> {
    let all = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok());
    match processes {
        Processes::Tree(root) => all
            .filter(|p| p == root || parent(*p) == Some(*root))
            .collect(),
        Processes::Backends(database) => {
            let needle = format!(" {database} ");
            all.filter(|p| {
                std::fs::read(format!("/proc/{p}/cmdline")).is_ok_and(|c| {
                    let title = String::from_utf8_lossy(&c);
                    title.starts_with("postgres: ") && title.contains(&needle)
                })
            })
            .collect()
        }
    }
}

/// The fields of `/proc/<pid>/stat` after the parenthesized command name.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

fn parent(pid: u32) -> Option<u32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

/// utime + stime (the 14th and 15th fields of the whole line), in clock
/// ticks of 10 ms.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let fields = stat_fields(pid)?;
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some(user + system)
}

/// Resident memory of `pid` in kB.
pub fn rss_kb(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
