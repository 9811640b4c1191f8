//! A sweep asked to stop (Ctrl-C's SIGINT, or the SIGTERM a scheduler sends at a time limit
//! or a preemption) stops taking runs, lets the runs in progress finish into the journal,
//! releases its lock and says how to resume: what it finished is kept either way, but a
//! silent exit left the user guessing and a stale lock behind. A second signal, while the
//! runs in progress finish, ends the process at once (the journal still holds every row
//! written whole).

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::SigId;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The signals a sweep stops on, and the exit status a second one ends it with (128 + the
/// signal, as a shell reports a process the signal killed).
const SIGNALS: [(i32, i32); 2] = [(SIGINT, 130), (SIGTERM, 143)];

/// A request to stop, set by a signal while it is installed; dropping it restores the
/// signals' previous handling.
pub struct Stop {
    flag: Arc<AtomicBool>,
    ids: Vec<SigId>,
}

impl Stop {
    /// Listens for SIGINT and SIGTERM. Where a handler cannot be installed, the sweep runs
    /// as before: a signal ends it at once, and `--resume` still finds its journal.
    pub fn install() -> Stop {
        let flag = Arc::new(AtomicBool::new(false));
        let mut ids = Vec::new();
        for (signal, status) in SIGNALS {
            // First the second signal's exit (it tests the flag a first one set), then the
            // flag itself.
            let second =
                signal_hook::flag::register_conditional_shutdown(signal, status, Arc::clone(&flag));
            let first = signal_hook::flag::register(signal, Arc::clone(&flag));
            ids.extend(second.into_iter().chain(first));
        }
        Stop { flag, ids }
    }

    /// Whether a signal asked the sweep to stop.
    pub fn requested(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

impl Drop for Stop {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}
