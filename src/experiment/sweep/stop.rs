//! A sweep asked to stop (Ctrl-C's SIGINT, or the SIGTERM a scheduler sends at a time limit
//! or a preemption) stops taking runs, lets the runs in progress finish into the journal,
//! releases its lock and says how to resume: what it finished is kept either way, but a
//! silent exit left the user guessing and a stale lock behind. A second signal, while the
//! runs in progress finish, ends the process at once (the journal still holds every row
//! written whole).
//!
//! The handlers are installed once per process and stay: signal-hook cannot give a signal
//! back its default action once handled (unregistering leaves it ignored). Outside a
//! sweep's runs they end the process at once, as the default action would.

use signal_hook::consts::{SIGINT, SIGTERM};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// The signals a sweep stops on, and the exit status they end the process with when they
/// do (128 + the signal, as a shell reports a process the signal killed).
const SIGNALS: [(i32, i32); 2] = [(SIGINT, 130), (SIGTERM, 143)];

/// The handlers' two flags: a signal came during the runs, and the next signal ends the
/// process (outside the runs, or after a first signal).
struct Flags {
    requested: Arc<AtomicBool>,
    exit_now: Arc<AtomicBool>,
}

static FLAGS: OnceLock<Option<Flags>> = OnceLock::new();

/// Registers, for each signal: the exit when `exit_now` is set, then the setting of both
/// flags. `None` where a handler cannot be installed (a signal then ends the sweep at once,
/// as before, and `--resume` still finds its journal).
fn install() -> Option<Flags> {
    let flags = Flags {
        requested: Arc::new(AtomicBool::new(false)),
        exit_now: Arc::new(AtomicBool::new(true)),
    };
    for (signal, status) in SIGNALS {
        signal_hook::flag::register_conditional_shutdown(
            signal,
            status,
            Arc::clone(&flags.exit_now),
        )
        .ok()?;
        signal_hook::flag::register(signal, Arc::clone(&flags.requested)).ok()?;
        signal_hook::flag::register(signal, Arc::clone(&flags.exit_now)).ok()?;
    }
    Some(flags)
}

/// A sweep's runs, listening for a request to stop until dropped.
pub struct Stop {
    flags: Option<&'static Flags>,
}

impl Stop {
    /// Starts listening: the first signal from now asks the runs to stop.
    pub fn listen() -> Stop {
        let flags = FLAGS.get_or_init(install).as_ref();
        if let Some(f) = flags {
            f.requested.store(false, Ordering::SeqCst);
            f.exit_now.store(false, Ordering::SeqCst);
        }
        Stop { flags }
    }

    /// Whether a signal asked the sweep to stop.
    pub fn requested(&self) -> bool {
        self.flags
            .is_some_and(|f| f.requested.load(Ordering::SeqCst))
    }
}

impl Drop for Stop {
    /// The runs are over: a signal ends the process at once again.
    fn drop(&mut self) {
        if let Some(f) = self.flags {
            f.exit_now.store(true, Ordering::SeqCst);
        }
    }
}
