//! A sweep's progress on stderr: a bar with an ETA on a terminal; elsewhere (a batch job's
//! log, a pipe) a plain line at most once a minute, so that `tail` on a Slurm or Kubernetes
//! log shows how far a shard is, and a short sweep prints nothing.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a line is printed when stderr is not a terminal.
const EVERY: Duration = Duration::from_secs(60);

pub(super) enum Progress {
    Off,
    Bar(indicatif::ProgressBar),
    Lines(Mutex<Lines>),
}

pub(super) struct Lines {
    done: u64,
    total: u64,
    /// Runs done before this process started (resumed), not counted in the rate.
    resumed: u64,
    start: Instant,
    last: Instant,
}

impl Progress {
    /// Progress over `total` runs of which `done` are finished already; `Off` unless `show`.
    pub(super) fn new(show: bool, total: u64, done: u64) -> Progress {
        use std::io::IsTerminal;
        if !show {
            return Progress::Off;
        }
        if !std::io::stderr().is_terminal() {
            let now = Instant::now();
            return Progress::Lines(Mutex::new(Lines {
                done,
                total,
                resumed: done,
                start: now,
                last: now,
            }));
        }
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} runs · ETA {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_position(done);
        bar.reset_eta();
        Progress::Bar(bar)
    }

    /// One more run finished.
    pub(super) fn inc(&self) {
        match self {
            Progress::Off => {}
            Progress::Bar(b) => b.inc(1),
            Progress::Lines(l) => {
                let mut l = l.lock().unwrap_or_else(|e| e.into_inner());
                l.done += 1;
                if l.last.elapsed() >= EVERY {
                    l.last = Instant::now();
                    eprintln!("{}", l.line());
                }
            }
        }
    }

    pub(super) fn finish(&self) {
        if let Progress::Bar(b) = self {
            b.finish_and_clear();
        }
    }
}

impl Lines {
    /// "progress: 12/24 runs (50 %), 3 min elapsed, about 3 min left".
    fn line(&self) -> String {
        let elapsed = self.start.elapsed().as_secs_f64();
        let ran = (self.done - self.resumed) as f64;
        let left = (self.total - self.done) as f64 * elapsed / ran.max(1.0);
        format!(
            "progress: {}/{} runs ({:.0} %), {} elapsed, about {} left",
            self.done,
            self.total,
            100.0 * self.done as f64 / self.total.max(1) as f64,
            minutes(elapsed),
            minutes(left)
        )
    }
}

fn minutes(secs: f64) -> String {
    if secs < 90.0 {
        format!("{secs:.0} s")
    } else if secs < 5400.0 {
        format!("{:.0} min", secs / 60.0)
    } else {
        format!("{:.1} h", secs / 3600.0)
    }
}
