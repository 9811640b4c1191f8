//! Whether a log's durations sit on a poll grid: the check of a `--callback` claim.
//!
//! A client that polls every `P`, first `F` after submitting, learns every outcome at
//! `F + kP`. Read as exact (callbacks), such durations are wrong by up to `P`, and those
//! learned at the first poll, less a "callback delay" measured from the 429s (learned at that
//! poll too), come out as nothing: a fit that looks precise and is nonsense. Exact durations
//! almost never agree on one residue modulo a whole number of seconds (within ±2 % of `P`,
//! about 4 % of them by chance), so the test is, for a whole number of seconds `P` from 1 s
//! to 2 min coarser than the log's clock:
//!
//! - at least 90 % of the admitted calls' durations lie within ±2 % of `P` (at least 1 ms)
//!   of one residue modulo `P` (polls' timers and networks jitter a little);
//! - so do at least 90 % of those a half-interval or more beyond the first grid point,
//!   of which there are at least 30, on at least three multiples of `P`. This pins `P` down:
//!   on a 10 s grid, the durations past the first poll sit at 20 s, 30 s, 40 s, … so a 20 s
//!   or 30 s grid holds only some of them, and a bank whose calls all end within one
//!   interval of each other (a constant service time) is not taken for a grid.
//!
//! The largest such `P` is the interval. A log whose clock ticks in whole seconds has every
//! duration on a 1 s grid: only intervals coarser than the clock count. Intervals that are
//! not a whole number of seconds are not looked for.

use std::collections::BTreeSet;

/// Share of durations that must sit on the grid (all of them, and those past the first
/// point).
const SHARE: f64 = 0.9;
/// Durations past the first grid point needed to tell the interval.
const MIN_BEYOND: usize = 30;
/// Distinct multiples of the interval those must occupy.
const MIN_MULTIPLES: usize = 3;
/// The longest interval looked for, in seconds.
const MAX_INTERVAL_S: i64 = 120;

/// A poll grid found in a log's durations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grid {
    pub interval_us: i64,
    /// The first grid point: the shortest duration on the grid.
    pub first_us: i64,
    /// Durations on the grid, of all.
    pub on: usize,
    pub of: usize,
}

/// The log's clock tick: 1 s when every time is a whole second, 1 ms when every time is a
/// whole millisecond, else 1 µs.
pub fn clock_tick(times: impl Iterator<Item = i64> + Clone) -> i64 {
    [1_000_000, 1000]
        .into_iter()
        .find(|&t| times.clone().all(|x| x % t == 0))
        .unwrap_or(1)
}

/// The poll grid that the durations (µs) sit on, if they sit on one coarser than the clock's
/// tick (µs).
pub fn find(durations: &[i64], tick_us: i64) -> Option<Grid> {
    if durations.is_empty() {
        return None;
    }
    let ms: Vec<i64> = durations
        .iter()
        .map(|&d| (d + 500).div_euclid(1000))
        .collect();
    (1..=MAX_INTERVAL_S)
        .rev()
        .filter(|&p| p * 1_000_000 > tick_us)
        .find_map(|p| on_grid(&ms, p * 1000))
}

/// Whether the durations (ms) sit on a grid of `p` ms, by the tests of the module's doc.
fn on_grid(ms: &[i64], p: i64) -> Option<Grid> {
    let tol = (p / 50).max(1);
    let r = commonest_residue(ms, p, tol)?;
    let on = |d: i64| {
        let off = (d - r).rem_euclid(p);
        off <= tol || p - off <= tol
    };
    let first = ms.iter().copied().filter(|&d| on(d)).min()?;
    let beyond: Vec<i64> = ms
        .iter()
        .copied()
        .filter(|&d| 2 * (d - first) >= p)
        .collect();
    let beyond_on: Vec<i64> = beyond.iter().copied().filter(|&d| on(d)).collect();
    let multiples: BTreeSet<i64> = beyond_on.iter().map(|&d| (d - first + p / 2) / p).collect();
    let all_on = ms.iter().filter(|&&d| on(d)).count();
    let enough = |k: usize, of: usize| k as f64 >= SHARE * of as f64;
    (enough(all_on, ms.len())
        && beyond.len() >= MIN_BEYOND
        && enough(beyond_on.len(), beyond.len())
        && multiples.len() >= MIN_MULTIPLES)
        .then_some(Grid {
            interval_us: p * 1000,
            first_us: first * 1000,
            on: all_on,
            of: ms.len(),
        })
}

/// The residue modulo `p` with about the most durations within `tol` of it: the centre of
/// the fullest three of `p / tol` bins of residues, moved to the median of the residues
/// near it (a histogram of a few dozen bins, not of `p` milliseconds: the test runs for
/// every candidate interval). `None` when no four bins together, which any `±tol` holds,
/// hold the share a grid needs: the usual answer for exact durations, found in one pass.
fn commonest_residue(ms: &[i64], p: i64, tol: i64) -> Option<i64> {
    let bins = (p + tol - 1) / tol;
    let mut hist = vec![0u64; bins as usize];
    for &d in ms {
        hist[(d.rem_euclid(p) / tol) as usize] += 1;
    }
    let run = |b: i64, k: std::ops::RangeInclusive<i64>| {
        k.map(|k| hist[(b + k).rem_euclid(bins) as usize])
            .sum::<u64>()
    };
    if (0..bins).all(|b| (run(b, 0..=3) as f64) < SHARE * ms.len() as f64) {
        return None;
    }
    let best = (0..bins).max_by_key(|&b| (run(b, -1..=1), -b)).unwrap_or(0);
    let centre = best * tol + tol / 2;
    // Offsets from the centre, taken the short way round the circle of residues.
    let mut near: Vec<i64> = ms
        .iter()
        .map(|&d| (d - centre + p / 2).rem_euclid(p) - p / 2)
        .filter(|o| o.abs() <= tol + tol / 2)
        .collect();
    near.sort_unstable();
    let median = near.get(near.len() / 2).copied().unwrap_or(0);
    Some((centre + median).rem_euclid(p))
}

/// The error for a `--callback` claim that the durations contradict.
pub fn contradicts_callback(g: &Grid) -> String {
    let p = super::bank_file::sig(g.interval_us as f64 / 1e6, 4);
    let f = super::bank_file::sig(g.first_us as f64 / 1e6, 4);
    format!(
        "--callback, but the log says the client polled: {} % of the {} admitted calls' \
         durations (learned_at − submitted_at) sit on a {p} s grid ({f} s, then every {p} s), \
         as a client polling every {p} s learns them, where callbacks would put them anywhere; \
         read as exact they give latencies off by up to {p} s. Fit with --poll-interval {p}s \
         (or with neither flag, to let the log decide)",
        super::bank_file::sig(100.0 * g.on as f64 / g.of as f64, 3),
        g.of
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Durations (µs) of a client polling every `p` s, first after `f` s, over service times
    /// spread between 0 and 60 s.
    fn polled(p: f64, f: f64, n: usize) -> Vec<i64> {
        (0..n)
            .map(|i| {
                let service = 60.0 * ((i as f64 * 0.618_034).fract()).powi(3);
                let k = ((service - f) / p).ceil().max(0.0);
                ((f + k * p) * 1e6) as i64
            })
            .collect()
    }

    #[test]
    fn a_polled_log_shows_its_interval_and_first_poll() {
        let g = find(&polled(10.0, 10.0, 5000), 1).unwrap();
        assert_eq!(
            (g.interval_us, g.first_us, g.on),
            (10_000_000, 10_000_000, 5000)
        );
        let g = find(&polled(5.0, 2.0, 5000), 1).unwrap();
        assert_eq!((g.interval_us, g.first_us), (5_000_000, 2_000_000));
        // Timers and networks jitter by a few tens of milliseconds: still the grid.
        let jittered: Vec<i64> = polled(15.0, 15.0, 5000)
            .iter()
            .enumerate()
            .map(|(i, d)| d + ((i * 7919) % 80_000) as i64)
            .collect();
        assert_eq!(find(&jittered, 1).unwrap().interval_us, 15_000_000);
    }

    #[test]
    fn exact_durations_show_no_grid() {
        let exact: Vec<i64> = (0..5000)
            .map(|i| (60e6 * ((i as f64 * 0.618_034).fract()).powi(3)) as i64 + 200_000)
            .collect();
        assert_eq!(find(&exact, 1), None);
        // A clock of whole seconds puts them on a 1 s grid, which is the clock's, not polls'.
        let seconds: Vec<i64> = exact.iter().map(|d| d / 1_000_000 * 1_000_000).collect();
        assert_eq!(find(&seconds, 1_000_000), None);
        assert_eq!(clock_tick(seconds.iter().copied()), 1_000_000);
        // Constant service times, at two banks: two values, not a grid.
        let constant: Vec<i64> = (0..5000).map(|i| [5_200_000, 10_200_000][i % 2]).collect();
        assert_eq!(find(&constant, 1), None);
    }
}
