//! The plan's progress on stderr: on a terminal, the setting running now on one line,
//! rewritten; elsewhere (a pipe, a batch job's log), a line from ten seconds on, then at most
//! once a minute (a trial's 12-day plan printed nothing for five minutes and was killed).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(super) struct Progress {
    terminal: bool,
    started: Instant,
    last_line: Mutex<Instant>,
}

impl Progress {
    pub(super) fn new() -> Progress {
        Progress {
            terminal: std::io::stderr().is_terminal(),
            started: Instant::now(),
            // The first line ten seconds in: a quick plan prints none.
            last_line: Mutex::new(
                (Instant::now().checked_sub(Duration::from_secs(50))).unwrap_or_else(Instant::now),
            ),
        }
    }

    /// Says which setting runs next, `n` evaluated so far.
    pub(super) fn tell(&self, n: usize, label: &str) {
        if self.terminal {
            let mut e = std::io::stderr();
            let _ = write!(e, "\r\x1b[Kplan: {label} ({n} evaluated so far)");
            let _ = e.flush();
        } else if let Ok(mut last) = self.last_line.lock() {
            if last.elapsed() < Duration::from_secs(60) {
                return;
            }
            *last = Instant::now();
            let secs = self.started.elapsed().as_secs();
            let took = match secs < 120 {
                true => format!("{secs} s"),
                false => format!("{} min", secs / 60),
            };
            eprintln!("plan: {n} settings evaluated in {took}; now {label}");
        }
    }

    /// Clears the terminal's line.
    pub(super) fn done(&self) {
        if self.terminal {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
    }
}
