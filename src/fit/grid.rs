//! Whether a log's durations sit on a poll grid: how `fit` tells polls from callbacks, both
//! to infer the timing when no flag gives it and to check a `--callback` claim.
//!
//! A client that polls every `P`, first `F` after submitting, learns every outcome at
//! `F + kP`. Read as exact (callbacks), such durations are wrong by up to `P`, and those
//! learned at the first poll, less a "callback delay" measured from the 429s (learned at that
//! poll too), come out as nothing: a fit that looks precise and is nonsense. Exact durations
//! almost never agree on one residue modulo an interval (within ±2 % of `P`, about 4 % of them
//! by chance), so the test is, for each candidate `P` (multiples of 100 ms, or of the log's
//! clock tick when coarser, from the first coarser than the tick up to 10 min):
//!
//! - at least 90 % of the admitted calls' durations lie within ±2 % of `P` (at least 1 ms)
//!   of one residue modulo `P` (polls' timers and networks jitter a little);
//! - so do at least 90 % of those a half-interval or more beyond the first grid point,
//!   of which there are at least 30, on at least three multiples of `P`. This pins `P` down:
//!   on a 10 s grid, the durations past the first poll sit at 20 s, 30 s, 40 s, … so a 20 s
//!   or 30 s grid holds only some of them, and a bank whose calls all end within one
//!   interval of each other (a constant service time) is not taken for a grid.
//!
//! The largest such `P` is the grid, its interval refined to the slope of the durations on
//! their poll numbers and put back on the candidates' step (the largest candidate that
//! passes can be a step or two long: 10.1 s holds 10, 20 and 30 s within its ±2 %). A log
//! whose clock ticks in whole seconds has every duration on a 1 s grid: only intervals
//! coarser than the clock count, and the tick is found among 1 s, 100 ms, 10 ms and 1 ms.
//!
//! When no candidate passes, the durations may still be *thin* on a grid: on one residue, and
//! past the first point too (at least 5 of them, 90 % on it), but with fewer than 30 calls
//! there or on fewer than three multiples (a fast bank under coarse polls learns nearly
//! everything at the first poll; a 150 s poll over calls of a minute gives two values). With
//! no third multiple to pin it, a thin grid must also hold within ±1 s: poll answers are not
//! seconds late however long the interval, where ±2 % of 5 min would take a bank's calls of
//! 1–10 s and its timeouts at 300 s for two polls. Or nearly all durations are about one
//! value. Either is what polls give, and also what constant service times under callbacks
//! give: the log cannot tell, and the reading says so ([`Reading`]).

use std::collections::BTreeSet;

/// Share of durations that must sit on the grid (all of them, and those past the first
/// point).
const SHARE: f64 = 0.9;
/// Durations past the first grid point needed to tell the interval.
const MIN_BEYOND: usize = 30;
/// Distinct multiples of the interval those must occupy.
const MIN_MULTIPLES: usize = 3;
/// Durations past the first grid point, all on it, for a thin grid: fewer are as likely
/// to be a few stray exact durations that some one of the thousands of candidates holds.
const MIN_THIN: usize = 5;
/// The widest tolerance (ms) of a thin grid. Polls' answers are late by their timers and
/// networks, which do not grow with the interval; ±2 % of a 5 min interval is ±6 s, which
/// holds a whole bank's calls of 1–10 s and its timeouts at 300 s as "two grid points".
const THIN_TOL_MS: i64 = 1000;
/// The candidate intervals' step (ms), unless the clock's tick is coarser.
const STEP_MS: i64 = 100;
/// The longest interval looked for (ms).
pub const MAX_INTERVAL_MS: i64 = 600_000;
/// Durations the quick first look at each candidate takes (evenly spaced in the log): a
/// share of 90 % over all shows as at least 85 % in so many, and exact durations fail it
/// without a pass over a million of them for each of 6,000 candidates.
const SAMPLE: usize = 4096;

/// A poll grid found in a log's durations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grid {
    pub interval_us: i64,
    /// The first grid point: the shortest duration on the grid.
    pub first_us: i64,
    /// Durations on the grid, of all.
    pub on: usize,
    pub of: usize,
    /// Durations a half-interval or more past the first point, and the multiples of the
    /// interval those on the grid occupy.
    pub beyond: usize,
    pub multiples: usize,
}

impl Grid {
    /// Whether a claimed interval (µs) is this grid's, within the grid's ±2 % (and a
    /// millisecond): a client's 10 s reads as a grid of 10 s, give or take its jitter.
    pub fn agrees_with(&self, claimed_us: i64) -> bool {
        let tol = (self.interval_us / 50).max(1000);
        (claimed_us - self.interval_us).abs() <= tol
    }

    /// Whether a delay (µs) from submission falls on the grid (within its ±2 %).
    pub fn holds(&self, us: i64) -> bool {
        let (p, tol) = (self.interval_us / 1000, (self.interval_us / 50_000).max(1));
        let off = (ms(us) - self.first_us / 1000).rem_euclid(p);
        off <= tol || p - off <= tol
    }
}

/// What a log's durations say about how outcomes were learned.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reading {
    /// On a poll grid by every test: polled.
    Grid(Grid),
    /// On a grid, but too few durations past its first point, or on too few multiples, to
    /// rule out constant service times under callbacks.
    Thin(Grid),
    /// Nearly all (90 %) about one value (within ±2 %): polls that came after every call
    /// had ended, or a constant service time.
    OneValue { value_us: i64, on: usize, of: usize },
    /// On no grid coarser than the clock: exact durations.
    NoGrid { of: usize },
}

/// The log's clock tick: the coarsest of 1 s, 100 ms, 10 ms and 1 ms that every time is a
/// whole number of, else 1 µs.
pub fn clock_tick(times: impl Iterator<Item = i64> + Clone) -> i64 {
    [1_000_000, 100_000, 10_000, 1000]
        .into_iter()
        .find(|&t| times.clone().all(|x| x % t == 0))
        .unwrap_or(1)
}

fn ms(us: i64) -> i64 {
    (us + 500).div_euclid(1000)
}

/// The candidates' step (ms): 100 ms, or the clock's tick when coarser.
fn step(tick_us: i64) -> i64 {
    STEP_MS.max((tick_us + 999) / 1000)
}

/// The candidate intervals (ms), longest first: multiples of the step coarser than the
/// clock's tick, up to 10 min.
fn candidates(tick_us: i64) -> impl Iterator<Item = i64> {
    let step = step(tick_us);
    (1..=MAX_INTERVAL_MS / step)
        .rev()
        .map(move |k| k * step)
        .filter(move |&p| p * 1000 > tick_us)
}

/// The shortest interval looked for on a clock of `tick_us` (µs).
pub fn shortest_interval_us(tick_us: i64) -> i64 {
    candidates(tick_us).last().unwrap_or(MAX_INTERVAL_MS) * 1000
}

/// What the durations (µs) say, on a clock of `tick_us`, by the tests of the module's doc.
pub fn read(durations: &[i64], tick_us: i64) -> Reading {
    let of = durations.len();
    let stride = of.div_ceil(SAMPLE).max(1);
    let sample: Vec<(i64, usize)> = durations
        .iter()
        .step_by(stride)
        .map(|&d| (ms(d), 1))
        .collect();
    let values = distinct(durations);
    let (Some(&(lo, _)), Some(&(hi, _))) = (values.first(), values.last()) else {
        return Reading::NoGrid { of };
    };
    let step = step(tick_us);
    let mut thin = None;
    for p in candidates(tick_us) {
        // Nothing can lie past the first point of a grid wider than twice the durations' span.
        if 2 * (hi - lo) < p || !concentrated(&sample, p, (p / 50).max(1), SHARE - 0.05) {
            continue;
        }
        if let Some(t) = sure(&values, p) {
            return Reading::Grid(refine(&values, t, step, sure));
        }
        if thin.is_none() {
            thin = thin_grid(&values, p);
        }
    }
    if let Some(t) = thin {
        return Reading::Thin(refine(&values, t, step, thin_grid));
    }
    one_value(&values, of).unwrap_or(Reading::NoGrid { of })
}

/// The durations in ms, distinct and in order, with how many of each.
fn distinct(durations: &[i64]) -> Vec<(i64, usize)> {
    let mut sorted: Vec<i64> = durations.iter().map(|&d| ms(d)).collect();
    sorted.sort_unstable();
    let mut values: Vec<(i64, usize)> = Vec::new();
    for d in sorted {
        match values.last_mut() {
            Some((v, c)) if *v == d => *c += 1,
            _ => values.push((d, 1)),
        }
    }
    values
}

fn enough(k: usize, of: usize) -> bool {
    k as f64 >= SHARE * of as f64
}

/// A test of a candidate interval (ms): its measurements if it passes.
type Tester = fn(&[(i64, usize)], i64) -> Option<Test>;

/// One candidate's measurements (ms).
#[derive(Clone, Copy, Debug)]
struct Test {
    p: i64,
    tol: i64,
    residue: i64,
    first: i64,
    on: usize,
    of: usize,
    beyond: usize,
    beyond_on: usize,
    multiples: usize,
}

impl Test {
    fn holds(&self, d: i64) -> bool {
        let off = (d - self.residue).rem_euclid(self.p);
        off <= self.tol || self.p - off <= self.tol
    }

    fn is_grid(&self) -> bool {
        self.beyond >= MIN_BEYOND
            && self.multiples >= MIN_MULTIPLES
            && enough(self.beyond_on, self.beyond)
    }

    fn is_thin(&self) -> bool {
        self.beyond_on >= MIN_THIN && enough(self.beyond_on, self.beyond)
    }

    fn grid(&self) -> Grid {
        Grid {
            interval_us: self.p * 1000,
            first_us: self.first * 1000,
            on: self.on,
            of: self.of,
            beyond: self.beyond,
            multiples: self.multiples,
        }
    }
}

/// A sure grid of `p` ms in the distinct durations (ms, count), by the tests of the module's
/// doc.
fn sure(values: &[(i64, usize)], p: i64) -> Option<Test> {
    measure(values, p, (p / 50).max(1)).filter(Test::is_grid)
}

/// A thin grid of `p` ms: on it within ±2 % and within ±1 s.
fn thin_grid(values: &[(i64, usize)], p: i64) -> Option<Test> {
    let wide = measure(values, p, (p / 50).max(1)).filter(Test::is_thin)?;
    if p / 50 <= THIN_TOL_MS {
        return Some(wide);
    }
    measure(values, p, THIN_TOL_MS).filter(Test::is_thin)
}

/// The candidate `p` (ms) measured on the distinct durations (ms, count), on the grid within
/// `tol` ms; `None` when no residue holds 90 % of them.
fn measure(values: &[(i64, usize)], p: i64, tol: i64) -> Option<Test> {
    let residue = commonest_residue(values, p, tol)?;
    let mut t = Test {
        p,
        tol,
        residue,
        first: 0,
        on: 0,
        of: values.iter().map(|v| v.1).sum(),
        beyond: 0,
        beyond_on: 0,
        multiples: 0,
    };
    t.on = values.iter().filter(|v| t.holds(v.0)).map(|v| v.1).sum();
    if !enough(t.on, t.of) {
        return None;
    }
    t.first = values.iter().find(|v| t.holds(v.0))?.0;
    let mut multiples = BTreeSet::new();
    for &(d, c) in values.iter().filter(|v| 2 * (v.0 - t.first) >= p) {
        t.beyond += c;
        if t.holds(d) {
            t.beyond_on += c;
            multiples.insert((d - t.first + p / 2) / p);
        }
    }
    t.multiples = multiples.len();
    Some(t)
}

/// The interval the durations on `t`'s grid rise by from one poll to the next (least squares
/// over their poll numbers), put on the candidates' `step`, if the grid there still passes
/// the same test (`keep`); else `t`'s own.
fn refine(values: &[(i64, usize)], t: Test, step: i64, keep: Tester) -> Grid {
    let points: Vec<(f64, f64, f64)> = values
        .iter()
        .filter(|v| t.holds(v.0))
        .map(|&(d, c)| (((d - t.first + t.p / 2) / t.p) as f64, d as f64, c as f64))
        .collect();
    let w: f64 = points.iter().map(|x| x.2).sum();
    let (k, d) = points.iter().fold((0.0, 0.0), |(k, d), x| {
        (k + x.0 * x.2 / w, d + x.1 * x.2 / w)
    });
    let (sxy, sxx) = points.iter().fold((0.0, 0.0), |(sxy, sxx), x| {
        (
            sxy + x.2 * (x.0 - k) * (x.1 - d),
            sxx + x.2 * (x.0 - k).powi(2),
        )
    });
    if sxx <= 0.0 {
        return t.grid();
    }
    let p = ((sxy / sxx / step as f64).round() as i64).max(1) * step;
    match keep(values, p) {
        Some(u) if p != t.p => u.grid(),
        _ => t.grid(),
    }
}

/// A histogram of the residues modulo `p` in bins of `tol`.
fn histogram(values: &[(i64, usize)], p: i64, tol: i64) -> Vec<usize> {
    let mut hist = vec![0; ((p + tol - 1) / tol) as usize];
    for &(d, c) in values {
        hist[(d.rem_euclid(p) / tol) as usize] += c;
    }
    hist
}

/// The count in bins `b + k` for `k` in `ks`, round the circle.
fn run(hist: &[usize], b: i64, ks: std::ops::RangeInclusive<i64>) -> usize {
    let bins = hist.len() as i64;
    ks.map(|k| hist[(b + k).rem_euclid(bins) as usize]).sum()
}

/// Whether some four bins of `tol` together (which any `±tol` of a residue lies within)
/// hold `share` of the durations: the usual answer for exact durations is no, found in one
/// pass over a histogram of a few dozen bins.
fn concentrated(values: &[(i64, usize)], p: i64, tol: i64, share: f64) -> bool {
    let hist = histogram(values, p, tol);
    let n: usize = values.iter().map(|v| v.1).sum();
    (0..hist.len() as i64).any(|b| run(&hist, b, 0..=3) as f64 >= share * n as f64)
}

/// The residue modulo `p` with about the most durations within `tol` of it: the centre of
/// the fullest three of `p / tol` bins of residues, moved to the median of the residues
/// near it. `None` when no four bins hold the share a grid needs.
fn commonest_residue(values: &[(i64, usize)], p: i64, tol: i64) -> Option<i64> {
    if !concentrated(values, p, tol, SHARE) {
        return None;
    }
    let hist = histogram(values, p, tol);
    let bins = hist.len() as i64;
    let best = (0..bins)
        .max_by_key(|&b| (run(&hist, b, -1..=1), -b))
        .unwrap_or(0);
    let centre = best * tol + tol / 2;
    // Offsets from the centre, taken the short way round the circle of residues.
    let mut near: Vec<(i64, usize)> = values
        .iter()
        .map(|&(d, c)| ((d - centre + p / 2).rem_euclid(p) - p / 2, c))
        .filter(|o| o.0.abs() <= tol + tol / 2)
        .collect();
    near.sort_unstable();
    Some((centre + weighted_median(&near)).rem_euclid(p))
}

/// The middle value of sorted (value, count) pairs (the upper one of an even count).
fn weighted_median(sorted: &[(i64, usize)]) -> i64 {
    let half = sorted.iter().map(|v| v.1).sum::<usize>() / 2;
    let mut seen = 0;
    for &(v, c) in sorted {
        seen += c;
        if seen > half {
            return v;
        }
    }
    0
}

/// Nearly all durations about their median: 90 % within ±2 % of it (at least 1 ms).
fn one_value(values: &[(i64, usize)], of: usize) -> Option<Reading> {
    let m = weighted_median(values);
    let tol = (m / 50).max(1);
    let on = values
        .iter()
        .filter(|v| (v.0 - m).abs() <= tol)
        .map(|v| v.1)
        .sum();
    enough(on, of).then_some(Reading::OneValue {
        value_us: m * 1000,
        on,
        of,
    })
}

/// `us` in seconds for a message.
fn secs(us: i64) -> String {
    super::bank_file::sig(us as f64 / 1e6, 4)
}

/// The share of durations on `g`, for a message.
pub fn share(on: usize, of: usize) -> String {
    super::bank_file::sig(100.0 * on as f64 / of.max(1) as f64, 3)
}

/// The error for a `--callback` claim that the durations contradict.
/// Why a `--poll-interval` claim is refused: the durations sit on a grid of another interval.
pub fn contradicts_poll(g: &Grid, claimed_us: i64) -> String {
    let (p, f, c) = (secs(g.interval_us), secs(g.first_us), secs(claimed_us));
    format!(
        "--poll-interval {c}s, but the log says the client polled every {p} s: {} % of the {} \
         admitted calls' durations (learned_at − submitted_at) sit on a {p} s grid ({f} s, \
         then every {p} s); read on a {c} s grid they give latencies off by up to the \
         difference. Fit with --poll-interval {p}s (or with neither flag, to let the log \
         decide)",
        share(g.on, g.of),
        g.of
    )
}

pub fn contradicts_callback(g: &Grid) -> String {
    let (p, f) = (secs(g.interval_us), secs(g.first_us));
    format!(
        "--callback, but the log says the client polled: {} % of the {} admitted calls' \
         durations (learned_at − submitted_at) sit on a {p} s grid ({f} s, then every {p} s), \
         as a client polling every {p} s learns them, where callbacks would put them anywhere; \
         read as exact they give latencies off by up to {p} s. Fit with --poll-interval {p}s \
         (or with neither flag, to let the log decide)",
        share(g.on, g.of),
        g.of
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Service times (s) spread between 0 and `max` s, heavier near 0.
    fn service(i: usize, max: f64) -> f64 {
        max * ((i as f64 * 0.618_034).fract()).powi(3)
    }

    /// Durations (µs) of a client polling every `p` s, first after `f` s, over `n` service
    /// times spread between 0 and `max` s.
    fn polled(p: f64, f: f64, n: usize, max: f64) -> Vec<i64> {
        (0..n)
            .map(|i| {
                let k = ((service(i, max) - f) / p).ceil().max(0.0);
                ((f + k * p) * 1e6).round() as i64
            })
            .collect()
    }

    fn grid(r: Reading) -> Grid {
        match r {
            Reading::Grid(g) => g,
            other => panic!("no grid: {other:?}"),
        }
    }

    #[test]
    fn a_polled_log_shows_its_interval_and_first_poll() {
        let g = grid(read(&polled(10.0, 10.0, 5000, 60.0), 1));
        assert_eq!(
            (g.interval_us, g.first_us, g.on),
            (10_000_000, 10_000_000, 5000)
        );
        let g = grid(read(&polled(5.0, 2.0, 5000, 60.0), 1));
        assert_eq!((g.interval_us, g.first_us), (5_000_000, 2_000_000));
        // Timers and networks jitter by a few tens of milliseconds: still the grid.
        let jittered: Vec<i64> = polled(15.0, 15.0, 5000, 60.0)
            .iter()
            .enumerate()
            .map(|(i, d)| d + ((i * 7919) % 80_000) as i64)
            .collect();
        assert_eq!(grid(read(&jittered, 1)).interval_us, 15_000_000);
        assert!(g.holds(7_000_000) && g.holds(7_090_000) && !g.holds(8_000_000));
    }

    /// Intervals that are not whole seconds, and up to 10 min, are found; on a clock of whole
    /// seconds the interval is a whole number of seconds above 1 s.
    #[test]
    fn intervals_off_whole_seconds_and_up_to_ten_minutes_are_found() {
        let g = grid(read(&polled(2.5, 10.0, 5000, 60.0), 1));
        assert_eq!((g.interval_us, g.first_us), (2_500_000, 10_000_000));
        let g = grid(read(&polled(0.5, 0.5, 5000, 20.0), 1000));
        assert_eq!(g.interval_us, 500_000);
        let g = grid(read(&polled(150.0, 10.0, 5000, 1200.0), 1));
        assert_eq!((g.interval_us, g.first_us), (150_000_000, 10_000_000));
        let g = grid(read(&polled(600.0, 600.0, 5000, 3000.0), 1_000_000));
        assert_eq!(g.interval_us, 600_000_000);
        assert_eq!(
            grid(read(&polled(2.0, 2.0, 5000, 60.0), 1_000_000)).interval_us,
            2_000_000
        );
    }

    /// Over calls of at most 35 s, a 10 s grid has durations at 10, 20, 30 and 40 s, which a
    /// 10.1 s or 10.2 s grid holds within its ±2 % too: the interval is their slope, 10 s.
    #[test]
    fn the_interval_is_the_durations_slope_not_the_largest_candidate() {
        for (p, f) in [(10.0, 10.0), (30.0, 5.0), (2.5, 2.5)] {
            let g = grid(read(&polled(p, f, 5000, 3.5 * p), 1));
            assert_eq!(g.interval_us, (p * 1e6) as i64, "{p} s");
        }
    }

    #[test]
    fn exact_durations_show_no_grid() {
        let exact: Vec<i64> = (0..5000)
            .map(|i| (service(i, 60.0) * 1e6) as i64 + 200_000)
            .collect();
        assert_eq!(read(&exact, 1), Reading::NoGrid { of: 5000 });
        // A clock of whole seconds puts them on a 1 s grid, which is the clock's, not polls'.
        let seconds: Vec<i64> = exact.iter().map(|d| d / 1_000_000 * 1_000_000).collect();
        assert_eq!(clock_tick(seconds.iter().copied()), 1_000_000);
        assert_eq!(read(&seconds, 1_000_000), Reading::NoGrid { of: 5000 });
        // So does one of tenths of a second.
        let tenths: Vec<i64> = exact.iter().map(|d| d / 100_000 * 100_000).collect();
        assert_eq!(clock_tick(tenths.iter().copied()), 100_000);
        assert_eq!(read(&tenths, 100_000), Reading::NoGrid { of: 5000 });
        // Forty of them, a small bank's worth: still no grid.
        assert_eq!(read(&exact[..40], 1), Reading::NoGrid { of: 40 });
    }

    /// Where polls and constant service times give the same durations, the reading says the
    /// log cannot tell; a few stray exact durations are not taken for a grid.
    #[test]
    fn what_the_log_cannot_tell_is_read_as_such() {
        // A fast bank under 10 s polls: 95 % at the first poll, the rest at the second.
        let fast: Vec<i64> = (0..2000)
            .map(|i| if i % 20 == 0 { 20_000_000 } else { 10_000_000 })
            .collect();
        let thin = |r: Reading| match r {
            Reading::Thin(g) => g,
            other => panic!("not thin: {other:?}"),
        };
        let g = thin(read(&fast, 1));
        assert_eq!(
            (g.interval_us, g.first_us, g.multiples),
            (10_000_000, 10_000_000, 1)
        );
        // A 150 s poll over calls of a minute: two values.
        let slow = polled(150.0, 10.0, 5000, 60.0);
        assert_eq!(thin(read(&slow, 1)).interval_us, 150_000_000);
        // Constant service times, at two banks: two values, a grid or two constants.
        let constant: Vec<i64> = (0..5000).map(|i| [5_200_000, 10_200_000][i % 2]).collect();
        assert_eq!(thin(read(&constant, 1)).interval_us, 5_000_000);
        // Every call learned at the first poll, or one constant.
        assert_eq!(
            read(&[10_000_000; 43], 1_000_000),
            Reading::OneValue {
                value_us: 10_000_000,
                on: 43,
                of: 43
            }
        );
        // Calls of 1–10 s learned by callback, 2 % of them timed out at 300 s: the body is
        // within ±2 % of a 295 s interval of one residue, and the timeouts at the next point,
        // but polls' answers are not seconds apart.
        let timeouts: Vec<i64> = (0..5000)
            .map(|i| match i % 50 {
                0 => 300_200_000 + (i as i64 * 7919) % 200_000,
                _ => (1e6 + 9e6 * service(i, 1.0).cbrt()) as i64,
            })
            .collect();
        assert_eq!(read(&timeouts, 1), Reading::NoGrid { of: 5000 });
        // A constant service time with two stray long calls.
        let mut stray: Vec<i64> = (0..3000).map(|i| 5_200_000 + (i % 50) * 1000).collect();
        stray.extend([37_310_000, 81_934_000]);
        assert!(matches!(read(&stray, 1), Reading::OneValue { .. }));
    }
}
