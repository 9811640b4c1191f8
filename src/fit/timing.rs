//! How the client learned outcomes: from the flags, or, with neither, from whether the
//! durations sit on a poll grid (`grid.rs`), the one test of that question (it also refuses
//! a `--callback` claim that the durations contradict).
//!
//! The first poll's delay, or the callback's, is measured from the outcomes answered at once
//! (429s and 503s of a closed bank), whose learning is nothing but that delay. Where the log
//! cannot tell polls from callbacks (too few durations past the first grid point; nearly all
//! durations one value), the timing taken is said to be assumed, with the flag that says
//! otherwise: a fit that read the log one way without saying so would look as sure as one
//! that knew.

use super::grid::{self, Grid, Reading};
use super::log::{Log, Seen};
use super::{Hint, Timing};
use crate::error::{Error, Result};

/// How the timing was decided: said in the summary, the file's header and its `[platform]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Basis {
    /// The timing and what decided it: "polled every 10 s (--poll-interval)", "…, inferred
    /// from the durations' grid", "ASSUMED … (the log cannot tell)".
    pub decided: String,
    /// Without a flag, what the durations showed and the flag that says otherwise.
    pub evidence: Option<String>,
    /// How the first poll's delay, or the callback's, was measured.
    pub delay: String,
    /// The log could not tell polls from callbacks: the timing is an assumption.
    pub assumed: bool,
}

impl Basis {
    /// From a flag: nothing inferred, nothing assumed.
    fn given(decided: String, delay: String) -> Basis {
        Basis {
            decided,
            evidence: None,
            delay,
            assumed: false,
        }
    }
}

/// The timing, and how it was decided.
pub fn timing(log: &Log, hint: Hint) -> Result<(Timing, Basis)> {
    let immediate = median(
        log.rows
            .iter()
            .filter(|r| matches!(r.seen, Seen::RateLimited | Seen::Outage))
            .map(|r| r.learned - r.submitted)
            .collect(),
    );
    let durations: Vec<i64> = log
        .rows
        .iter()
        .filter(|r| r.seen.admitted())
        .map(|r| r.learned - r.submitted)
        .collect();
    let tick = || grid::clock_tick(log.rows.iter().flat_map(|r| [r.submitted, r.learned]));
    match hint {
        Hint::Poll { interval_us } => {
            if interval_us <= 0 {
                return Err(Error::input("--poll-interval: must be longer than zero"));
            }
            let min = crate::scenario::MIN_POLL;
            if interval_us < min.as_micros() as i64 {
                return Err(Error::input(format!(
                    "--poll-interval: {} s is below the shortest poll interval a scenario \
                     accepts ({min}; the vendors poll every 5 to 10 s), so the fitted file \
                     could not be run",
                    secs(interval_us)
                )));
            }
            // A claim of polls at another interval than the durations' grid is refused, as
            // a claim of callbacks is.
            if let Reading::Grid(g) = grid::read(&durations, tick()) {
                if !g.agrees_with(interval_us) {
                    return Err(Error::input(grid::contradicts_poll(&g, interval_us)));
                }
            }
            let (timing, delay) = polled(interval_us, immediate);
            let decided = format!("polled every {} s (--poll-interval)", secs(interval_us));
            Ok((timing, Basis::given(decided, delay)))
        }
        Hint::Callback => match grid::read(&durations, tick()) {
            // A claim of callbacks that the durations contradict is refused, not fitted.
            Reading::Grid(g) => Err(Error::input(grid::contradicts_callback(&g))),
            _ => {
                let (timing, delay) = callback(immediate);
                Ok((timing, Basis::given("callbacks (--callback)".into(), delay)))
            }
        },
        Hint::Infer => {
            let tick = tick();
            Ok(inferred(grid::read(&durations, tick), immediate, tick))
        }
    }
}

fn median(mut v: Vec<i64>) -> Option<i64> {
    v.sort_unstable();
    v.get(v.len() / 2).copied()
}

fn secs(us: i64) -> String {
    super::bank_file::sig(us as f64 / 1e6, 4)
}

/// Polls every `interval_us`, the first as the 429s were learned (when that is within two
/// intervals), else one interval after submission.
fn polled(interval_us: i64, immediate: Option<i64>) -> (Timing, String) {
    let first = immediate.filter(|&d| d > 0 && d <= interval_us.saturating_mul(2));
    let delay = match first {
        Some(f) => format!(
            "first poll {} s after submission, as the 429s were learned",
            secs(f)
        ),
        None => "first poll taken as one interval (no 429s to measure it)".to_string(),
    };
    let timing = Timing::Poll {
        interval_us,
        first_us: first.unwrap_or(interval_us),
    };
    (timing, delay)
}

/// Callbacks, their delay as the 429s were learned (0 without any).
fn callback(immediate: Option<i64>) -> (Timing, String) {
    let delay = match immediate {
        Some(d) => format!("callback delay {} s, as the 429s were learned", secs(d)),
        None => "callback delay taken as 0 (no 429s to measure it)".to_string(),
    };
    let timing = Timing::Callback {
        delay_us: immediate.unwrap_or(0).max(0),
    };
    (timing, delay)
}

/// Polls on `g`: the first at the grid's first point, or at the earlier point of the grid
/// where the 429s (answered at once) were learned, when there is one: a slow bank's calls
/// may all outlast the first poll, which only the 429s then show.
fn on_grid(g: &Grid, immediate: Option<i64>) -> (Timing, String) {
    let earlier = immediate
        .filter(|&d| d > 0 && g.holds(d))
        .map(|d| ((g.first_us - d) as f64 / g.interval_us as f64).round() as i64)
        .filter(|&k| k > 0);
    let (first_us, how) = match earlier {
        Some(k) => (
            g.first_us - k * g.interval_us,
            "where the 429s were learned, on the grid (every call outlasted it)",
        ),
        None => (g.first_us, "the grid's first point"),
    };
    let timing = Timing::Poll {
        interval_us: g.interval_us,
        first_us,
    };
    (
        timing,
        format!("first poll {} s after submission, {how}", secs(first_us)),
    )
}

/// What share of the durations sit where on `g`.
fn on(g: &Grid) -> String {
    format!(
        "{} % of the {} admitted calls' durations (learned_at − submitted_at) sit at {} s plus \
         a multiple of {} s",
        grid::share(g.on, g.of),
        g.of,
        secs(g.first_us),
        secs(g.interval_us),
    )
}

/// The timing the durations' reading gives, and how it was decided.
fn inferred(reading: Reading, immediate: Option<i64>, tick_us: i64) -> (Timing, Basis) {
    let (timing, decided, evidence, delay);
    let assumed = matches!(reading, Reading::Thin(_) | Reading::OneValue { .. });
    match reading {
        Reading::Grid(g) => {
            (timing, delay) = on_grid(&g, immediate);
            let p = secs(g.interval_us);
            decided = format!("polled every {p} s, inferred from the durations' grid");
            evidence = format!(
                "{} ({} of them past the first, on {} multiples), as polls every {p} s put them \
                 and callbacks would not; --poll-interval or --callback overrides",
                on(&g),
                g.beyond,
                g.multiples
            );
        }
        Reading::Thin(g) => {
            (timing, delay) = on_grid(&g, immediate);
            let p = secs(g.interval_us);
            decided = format!("ASSUMED polled every {p} s (the log cannot tell)");
            evidence = format!(
                "{}, as polls every {p} s put them, but past the first only {} of them, on \
                 {} multiple(s) of {p} s (a grid is sure with 30 on 3): too few to rule out \
                 constant service times learned by callback; pass --poll-interval {p}s if the \
                 client polled, or --callback",
                on(&g),
                g.beyond,
                g.multiples
            );
        }
        Reading::OneValue { value_us, on, of } => {
            (timing, delay) = callback(immediate);
            decided = "ASSUMED callbacks (the log cannot tell)".to_string();
            let bounded = match immediate {
                // Polled, the 429s were learned at that first poll too.
                Some(_) => {
                    " (read as callbacks whose delay is the 429s', a duration within it \
                            is only bounded by it, as a poll would bound it)"
                }
                None => "",
            };
            evidence = format!(
                "{} % of the {of} admitted calls' durations are about {} s: a constant service \
                 time under callbacks, or polls whose first came after every call had \
                 ended{bounded}; pass --poll-interval or --callback to say which",
                grid::share(on, of),
                secs(value_us)
            );
        }
        Reading::NoGrid { of } => {
            (timing, delay) = callback(immediate);
            decided = "callbacks (exact durations), inferred: the durations sit on no poll grid"
                .to_string();
            evidence = format!(
                "no interval from {} s to {} min (coarser than the log's clock) holds 90 % of \
                 the {of} admitted calls' durations (learned_at − submitted_at) on one residue, \
                 and of those past its first point, as polls would; --poll-interval overrides",
                secs(grid::shortest_interval_us(tick_us)),
                grid::MAX_INTERVAL_MS / 60_000
            );
        }
    }
    let basis = Basis {
        decided,
        evidence: Some(evidence),
        delay,
        assumed,
    };
    (timing, basis)
}
