//! Giving freed memory back to the system.
//!
//! mimalloc purges the pages a thread freed only when that thread next
//! allocates or frees: a runtime worker that goes idle after a thousand
//! dashboards disconnect would keep their memory until the next burst of
//! work (3,000 closed sockets once left 455 MiB resident). Each worker
//! therefore collects its own heap as it parks, at most once per
//! [`COLLECT_EVERY`].

use std::cell::Cell;
use std::time::{Duration, Instant};

/// The least time between two collections of one worker's heap. A forced
/// collection of a heap of 200,000 live small blocks took about 6.5 µs
/// (measured once, outside this repository), so this bounds its cost to
/// under 0.1 % of a core however often a busy worker parks, and what an
/// idle worker can keep to what it freed in its last 10 ms.
const COLLECT_EVERY: Duration = Duration::from_millis(10);

thread_local! {
    static LAST_COLLECTED: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// For the runtime's `on_thread_park`: returns this thread's free pages to
/// the system, unless it did so within [`COLLECT_EVERY`].
pub fn collect_when_idle() {
    let now = Instant::now();
    let due = LAST_COLLECTED.with(|last| match last.get() {
        Some(at) if now.duration_since(at) < COLLECT_EVERY => false,
        _ => {
            last.set(Some(now));
            true
        }
    });
    if due {
        #[allow(unsafe_code)]
        // SAFETY: mi_collect has no precondition; it frees only what this
        // thread's heap no longer uses.
        unsafe {
            libmimalloc_sys::mi_collect(true);
        }
    }
}
