//! The note on connection-time with no data: whether it is the window's start (a simulation
//! starts with no data behind any connection, which no running client has) or the client's
//! own, said by `run` and quoted by `report`.

use super::text::pct;
use crate::metrics::{cover_days, RunResult};

/// Connection-time never refreshed above this share, after the warm-up, is worth a note.
pub const NEVER_NOTED: f64 = 0.001;

/// A note when much of the measured connection-time had no data (see
/// [`never_refreshed_phrase`]).
pub fn never_refreshed_note(r: &RunResult) -> Option<String> {
    let never = r.staleness.never_share(None).filter(|&s| s > NEVER_NOTED)?;
    let part = |b: Option<usize>| {
        let s = r.summary(b);
        NeverPart {
            bank: b.map_or("all", |b| &r.bank_names[b]),
            connections: b.map_or(0, |b| r.banks[b].connections) as f64,
            never: r.staleness.never_share(b).unwrap_or(0.0),
            coverage: s.coverage,
            background: s.background_coverage,
            cover_days: cover_days(r.period) as f64,
        }
    };
    let parts: Vec<NeverPart> = (0..r.banks.len()).map(|b| part(Some(b))).collect();
    let measured = r.daily.measured(r.window_start + r.warmup);
    let run = NeverRun {
        window_days: r.window.as_secs_f64() / 86_400.0,
        warmup_days: r.warmup.as_secs_f64() / 86_400.0,
        in_turn: r.order == Some("fifo"),
        queue: r.order.is_some(),
        days: (measured.iter())
            .filter_map(|&d| r.daily_age.day(d, None).never_share)
            .collect(),
    };
    Some(never_refreshed_phrase(never, &part(None), &parts, &run))
}

/// The run a never-refreshed note is about: its window's and warm-up's days, and whether its
/// client takes due connections in turn (a queue in FIFO order, which `strategy.order`
/// changes).
pub struct NeverRun {
    pub window_days: f64,
    pub warmup_days: f64,
    pub in_turn: bool,
    /// The client keeps a queue of due connections (any order): they wait for a turn.
    pub queue: bool,
    /// The share of each measured day's connection-time with no data, all banks, in order.
    pub days: Vec<f64>,
}

/// One bank's part in the connection-time with no data (or the whole's, as `all`).
pub struct NeverPart<'a> {
    pub bank: &'a str,
    pub connections: f64,
    /// The share of its own connection-time with no data.
    pub never: f64,
    /// Its coverage a day, and the part its background refreshes gave (if known).
    pub coverage: f64,
    pub background: Option<f64>,
    /// The days one refresh covers: a client refreshing every two days covers a connection
    /// on both, so its pass is twice one over its coverage a day.
    pub cover_days: f64,
}

impl NeverPart<'_> {
    /// Days the client's pass takes to come round to every connection: one over the
    /// background's coverage a day, the pass's own (customers' fetches come out of turn; a
    /// trial's queue at 41 % coverage, 21 % its own, took 4 to 5 days, not 2), else the
    /// whole coverage's; infinite when it covers none. Times the days one refresh covers:
    /// a client refreshing every two days at 50 % a day (refreshed on the day or the day
    /// before) comes round in 4 days, not 2 (a trial's "about 1 day" at 100 %).
    fn round_days(&self) -> f64 {
        let pass = self
            .background
            .filter(|&b| b > 0.0)
            .unwrap_or(self.coverage);
        self.cover_days / pass.max(0.0)
    }

    /// Its coverage a day, and its background's own where customers' fetches add to it: the
    /// pass's days are the latter's.
    fn coverage_words(&self) -> String {
        match self.background {
            Some(b) if b < self.coverage - 0.001 => {
                format!(
                    "{} a day, {} its background's own",
                    pct(self.coverage),
                    pct(b)
                )
            }
            _ => format!("{} a day", pct(self.coverage)),
        }
    }

    /// The client's own where its pass is longer than the window, and than two days (a
    /// pass a little over a one-day window leaves little without data, mostly the start's).
    fn outlasts(&self, window_days: f64) -> bool {
        self.round_days() > window_days.max(2.0)
    }
}

/// How long a connection goes without data, `days` the pass: a client taking connections
/// in turn comes round to it; one trying every connection each period (random offsets, bulk)
/// has no turn, and gets through at random (a trial read "waits about 5 days for its turn"
/// of random offsets as wrong).
fn wait_words(days: f64, queue: bool) -> String {
    let d = days_words(days);
    match (queue, d.starts_with("about")) {
        (true, _) => format!("a connection waits {d} for its turn"),
        (false, true) => format!("a connection, tried every period, gets through once in {d}"),
        (false, false) => "a connection, tried every period, rarely gets through".to_string(),
    }
}

/// `about 3 days`, `about 1 day`: a pass's length, rounded.
fn days_words(d: f64) -> String {
    let n = d.round().max(1.0);
    if !n.is_finite() || n > 3650.0 {
        // A client that covers almost nothing (bulk against a tight limit): a pass of
        // "17934 days" is no figure.
        "longer than any window".to_string()
    } else if n <= 1.0 {
        "about 1 day".to_string()
    } else {
        format!("about {n:.0} days")
    }
}

/// The window opens with no data behind any connection, where a real book's have older data:
/// time with no data is the start's artefact, and the ages it hides are the client's. A
/// client whose pass comes round to every connection within the window leaves none once the
/// warm-up is as long as the pass (said, in days); one whose pass is longer than the window
/// leaves connections without data throughout, and then it is the client's own (bulk against
/// a tight limit, or one bank's cap in a mix the client otherwise keeps up with). `whole` is
/// the run's (its coverage), `parts` its banks', `run` its window. Where the warm-up already
/// outlasts the pass, the time with no data is not the start's: a trial's 22-day warm-up
/// against a 21-day pass still left a fifth of the time without data, where most attempts
/// failed and which connection got through was close to a lottery rather than a turn.
pub fn never_refreshed_phrase(
    never: f64,
    whole: &NeverPart,
    parts: &[NeverPart],
    run: &NeverRun,
) -> String {
    let head = format!(
        "{} of the connection-time measured had no data (never refreshed since the window \
         opened, and a simulation starts with no data behind any connection)",
        pct(never)
    );
    persisting_phrase(&head, whole, run)
        .unwrap_or_else(|| estimated_phrase(&head, whole, parts, run))
}

/// The phrase by the pass estimated from coverage, after `head`: the start's, or the
/// client's own where the pass outlasts the window or the warm-up.
fn estimated_phrase(head: &str, whole: &NeverPart, parts: &[NeverPart], run: &NeverRun) -> String {
    let (window_days, warmup_days) = (run.window_days, run.warmup_days);
    let waits = |p: &NeverPart| wait_words(p.round_days(), run.queue);
    let noted: Vec<&NeverPart> = parts.iter().filter(|p| p.never > NEVER_NOTED).collect();
    let own: Vec<&&NeverPart> = noted.iter().filter(|p| p.outlasts(window_days)).collect();
    let weight = |p: &NeverPart| p.connections * p.never;
    let all: f64 = parts.iter().map(weight).sum();
    let own_share = match all > 0.0 {
        true => own.iter().map(|p| weight(p)).sum::<f64>() / all,
        false => 0.0,
    };
    let at = |p: &&&NeverPart| {
        format!(
            "{} ({} of its time; covered at {}, {})",
            p.bank,
            pct(p.never),
            p.coverage_words(),
            waits(p)
        )
    };
    let listed = || own.iter().map(at).collect::<Vec<_>>().join(", ");
    if whole.outlasts(window_days) {
        return format!(
            "{head}: at a coverage of {}, much of it is the client's own ({}), longer than \
             the window, not only the start's; a \
             window.warmup (and window) longer than that shows the data ages it hides",
            whole.coverage_words(),
            waits(whole)
        );
    }
    if own_share >= 0.5 {
        let much = match own_share > 0.9999 {
            true => "all".to_string(),
            false => pct(own_share),
        };
        return format!(
            "{head}: {much} of it at {}: the client's own, not the start's (a longer \
             window.warmup turns it into data days old, not fresh data); the data-age tail \
             there (p95, p99, the share 48 h old or older) is a fact of the client",
            listed()
        );
    }
    let except = match own.is_empty() {
        true => String::new(),
        false => format!(", except at {}, where it is the client's own", listed()),
    };
    // The slowest pass that fits in the window sets the warm-up: a bank's, named where it
    // is longer than the whole's (a trial read "about 2 days" at 90.65 % as wrong).
    let slow_bank = noted
        .iter()
        .filter(|p| p.round_days() <= window_days.max(2.0))
        .max_by(|a, b| a.round_days().total_cmp(&b.round_days()))
        .filter(|p| p.round_days().round() > whole.round_days().round());
    let slowest = slow_bank.map_or(whole.round_days(), |p| p.round_days());
    // The whole book's first, then the slow bank's (a trial found the other order hard).
    let pass = match slow_bank {
        Some(p) => format!(
            "{} over the whole book and {} at {} (covered at {})",
            days_words(whole.round_days()),
            days_words(slowest),
            p.bank,
            p.coverage_words(),
        ),
        None => days_words(slowest),
    };
    if warmup_days >= slowest.round().max(1.0) + 1.0 {
        return format!("{head}: {}", outlasted_phrase(whole, &pass, run, &except));
    }
    starts_phrase(head, whole, slowest, &pass, &except, run)
}

/// Where the measured days' time with no data does not shrink (the last day's at least
/// [`PERSISTS`] of the first's, over two days or more), it is the client's own whatever its
/// pass is estimated at: a start's would shrink as the pass comes round. A trial's random
/// offsets left 15.29 % without data after a 2-day warm-up and 14.46 % after a 4-day one,
/// and the note called the first "mostly the start's artefact": each connection keeps its
/// time of day, and a connection whose time meets a bank's limit spent is refused day after
/// day.
fn persisting_phrase(head: &str, whole: &NeverPart, run: &NeverRun) -> Option<String> {
    let (&first, &last) = (run.days.first()?, run.days.last()?);
    // A pass longer than the window shrinks the share by little a day as a start's does
    // (a queue of one slot covering 4.6 % a day: 93.1 %, 88.5 %, 83.9 %): the estimate
    // judges it (a review).
    let slow = whole.round_days() > run.window_days;
    if slow || run.days.len() < 2 || first <= 0.0 || last < PERSISTS * first {
        return None;
    }
    let why = match run.queue {
        true => "its refreshes do not come round to every connection in a pass",
        false => {
            "each connection keeps its time of day (give or take strategy.jitter), so one whose \
             time meets a bank's limit already spent is refused day after day"
        }
    };
    Some(format!(
        "{head}: {} of the last measured day's time still had none, against {} of the \
         first's, so it is the client's own, not the start's (whose share would shrink as \
         the client came round): {why}; a longer window.warmup turns it into data days old, \
         not fresh data, and the data-age tail (p95, p99, the share 48 h old or older) is a \
         fact of the client",
        pct(last),
        pct(first)
    ))
}

/// The last measured day's share of time with no data, over the first's, at or above which
/// it persists.
const PERSISTS: f64 = 0.8;

/// The time with no data where the warm-up outlasts the pass (`pass`, its days in words):
/// not the start's but the client's, whose refreshes do not come round in turn.
fn outlasted_phrase(whole: &NeverPart, pass: &str, run: &NeverRun, except: &str) -> String {
    let why = match run.in_turn {
        true => {
            " (taken in turn, where most attempts fail, which get through is closer to a \
             lottery; strategy.order = \"stalest\" with per-bank pools gives them to the \
             oldest data)"
        }
        false => "",
    };
    let (round, missed) = match run.queue {
        true => (
            format!("the client's pass would come round to every connection in {pass}"),
            "its refreshes do not come round to every connection in a pass",
        ),
        false => (
            format!("a connection, tried every period, would get through once in {pass}"),
            "which tries get through is a lottery",
        ),
    };
    format!(
        "at a coverage of {}, {round}, and the window.warmup of {} outlasts it, so this is the \
         client's own, not the start's: {missed}{why}, and some wait far longer{except}",
        whole.coverage_words(),
        days_words(run.warmup_days).trim_start_matches("about "),
    )
}

/// The time with no data (`head`) as the start's: the whole's coverage, the days the slowest pass
/// that fits in the window takes (`slowest`; `pass` in words), and the warm-up that leaves
/// none (and the window it needs, where the run's window does not hold it and a day more).
fn starts_phrase(
    head: &str,
    whole: &NeverPart,
    slowest: f64,
    pass: &str,
    except: &str,
    run: &NeverRun,
) -> String {
    // Whole days (a pass of 1.05 days is a day's; the warm-up adds one).
    let warmup = slowest.round().max(1.0) + 1.0;
    let longer = match warmup + 1.0 > run.window_days {
        true => format!(
            " (and a window.length of {} days or more to hold it)",
            warmup + 1.0
        ),
        false => String::new(),
    };
    let round = match run.queue {
        true => format!("the client's pass comes round to every connection in {pass}"),
        false => format!("a connection, tried every period, gets through once in {pass}"),
    };
    format!(
        "{head}: at a coverage of {}, {round}, so \
         this is mostly the start's artefact, not a fact about refreshes{except}, and the \
         data-age tail (p99, the share 48 h old or older) reads high for want of history; a \
         window.warmup of {warmup} days or more{longer} leaves none where the pass does come \
         round to every connection (a run with it says whether what remains is the client's \
         own: a trial's queue left a building society's connections without data for days \
         on end), and shows the data ages it hides",
        whole.coverage_words(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(window_days: f64, warmup_days: f64) -> NeverRun {
        NeverRun {
            window_days,
            warmup_days,
            in_turn: true,
            queue: true,
            days: Vec::new(),
        }
    }

    fn part(coverage: f64, background: Option<f64>) -> NeverPart<'static> {
        NeverPart {
            bank: "b",
            connections: 1000.0,
            never: 0.01,
            coverage,
            background,
            cover_days: 1.0,
        }
    }

    /// A client refreshing every two days, every connection covered each day (refreshed on
    /// it or the day before), comes round in 2 days, not 1 (a trial's "about 1 day" for a
    /// 2-day period); at half a day's coverage, in 4.
    #[test]
    fn a_pass_of_a_longer_period_counts_its_days() {
        let two = |coverage| NeverPart {
            cover_days: 2.0,
            ..part(coverage, None)
        };
        let s = never_refreshed_phrase(0.01, &two(1.0), &[two(1.0)], &run(4.0, 0.0));
        assert!(
            s.contains("comes round to every connection in about 2 days"),
            "{s}"
        );
        let s = never_refreshed_phrase(0.01, &two(0.5), &[two(0.5)], &run(8.0, 0.0));
        assert!(
            s.contains("comes round to every connection in about 4 days"),
            "{s}"
        );
    }

    /// A daily client covering 95 % in a one-day window leaves the start's artefact, a pass
    /// of a day (a review found it called the client's own, "about 1 days"); one covering 15 %
    /// in it is the client's own; a pass counted by the background's own coverage.
    #[test]
    fn a_pass_a_little_over_a_short_window_is_the_starts() {
        let whole = part(0.95, None);
        let s = never_refreshed_phrase(0.01, &whole, &[part(0.95, None)], &run(1.0, 0.0));
        assert!(
            s.contains(
                "comes round to every connection in about 1 day, so this is mostly the start's"
            ) && s.contains(
                "window.warmup of 2 days or more (and a window.length of 3 days or more to hold it) \
                 leaves"
            ),
            "{s}"
        );
        // A window that holds the warm-up and a measured day needs no word of its length (a
        // trial's 4-day window was told of a warm-up of 4 days, which the window refuses).
        let s = never_refreshed_phrase(0.01, &whole, &[part(0.95, None)], &run(3.0, 0.0));
        assert!(s.contains("window.warmup of 2 days or more leaves"), "{s}");
        let slow = part(0.15, None);
        let s = never_refreshed_phrase(0.2, &slow, &[part(0.15, None)], &run(1.0, 0.0));
        assert!(
            s.contains("much of it is the client's own (a connection waits about 7 days"),
            "{s}"
        );
        // A client without a queue tries every connection each period: no turn to wait for.
        let tries = NeverRun {
            queue: false,
            in_turn: false,
            ..run(1.0, 0.0)
        };
        let s = never_refreshed_phrase(0.2, &slow, &[part(0.15, None)], &tries);
        assert!(
            s.contains("(a connection, tried every period, gets through once in about 7 days)"),
            "{s}"
        );
        let s = never_refreshed_phrase(0.01, &whole, &[part(0.95, None)], &tries);
        assert!(
            s.contains("a connection, tried every period, gets through once in about 1 day, so"),
            "{s}"
        );
        let helped = part(0.41, Some(0.206));
        let s = never_refreshed_phrase(0.06, &helped, &[part(0.41, Some(0.206))], &run(14.0, 1.0));
        assert!(
            s.contains("at a coverage of 41.00 % a day, 20.60 % its background's own, the client's pass comes round to every connection in about 5 days"),
            "{s}"
        );
        // A slower bank sets the pass, and is named.
        let slow = NeverPart {
            bank: "sparkasse",
            ..part(0.53, None)
        };
        let s = never_refreshed_phrase(0.02, &part(0.9065, None), &[slow], &run(4.0, 1.0));
        assert!(
            s.contains(
                "at a coverage of 90.65 % a day, the client's pass comes round to every \
                 connection in about 1 day over the whole book and about 2 days at sparkasse \
                 (covered at 53.00 % a day), so this"
            ) && s.contains("window.warmup of 3 days or more"),
            "{s}"
        );
        // A warm-up that outlasts the pass (and the day it advises beyond it) has no start's
        // artefact left: what remains is the client's.
        let s = never_refreshed_phrase(0.2, &helped, &[part(0.41, Some(0.206))], &run(14.0, 6.0));
        assert!(
            s.contains("the window.warmup of 6 days outlasts it, so this is the client's own")
                && !s.contains("start's artefact"),
            "{s}"
        );
    }

    /// Time with no data that does not shrink over the measured days is the client's own,
    /// whatever the pass is estimated at (a trial's random offsets: 15.55 % on the first
    /// measured day, 15.04 % on the last, called "mostly the start's artefact"); one that
    /// shrinks is judged by the pass as before.
    #[test]
    fn time_with_no_data_that_persists_is_the_clients() {
        let whole = part(0.82, None);
        let offsets = NeverRun {
            queue: false,
            in_turn: false,
            days: vec![0.1555, 0.1530, 0.1504],
            ..run(4.0, 2.0)
        };
        let s = never_refreshed_phrase(0.15, &whole, &[part(0.82, None)], &offsets);
        assert!(
            s.contains("15.04 % of the last measured day's time still had none, against 15.55 % of the first's, so it is the client's own")
                && s.contains("each connection keeps its time of day")
                && !s.contains("start's artefact"),
            "{s}"
        );
        let queue = NeverRun {
            days: vec![0.05, 0.045],
            ..run(4.0, 1.0)
        };
        let s = never_refreshed_phrase(0.05, &whole, &[part(0.82, None)], &queue);
        assert!(
            s.contains("do not come round to every connection in a pass"),
            "{s}"
        );
        let shrinking = NeverRun {
            days: vec![0.2, 0.05],
            ..run(4.0, 0.0)
        };
        let s = never_refreshed_phrase(0.15, &whole, &[part(0.82, None)], &shrinking);
        assert!(s.contains("start's artefact"), "{s}");
        // A pass longer than the window shrinks the share slowly, as a start's does: the
        // estimate speaks (a queue of one slot covering 4.6 % a day).
        let slow = part(0.046, None);
        let crawl = NeverRun {
            days: vec![0.931, 0.885, 0.839],
            ..run(5.0, 1.0)
        };
        let s = never_refreshed_phrase(0.88, &slow, &[part(0.046, None)], &crawl);
        assert!(
            s.contains("much of it is the client's own (a connection waits about 22 days"),
            "{s}"
        );
    }
}
