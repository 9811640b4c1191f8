//! How often the log's client came round to its connections: its period, where it refreshed
//! each connection more than once a day, and the warm-up a run needs, where it took days to
//! come round. Without the period a fitted file refreshes once a day: a trial's twice-a-day
//! queue read 99.83 % coverage and 56.6 % failures from its fitted file, against the log's
//! 91.88 % and 48.4 %, and nothing said why.

use super::log::{Row, Seen};
use super::Fit;
use crate::sim::Reason;
#[cfg(test)]
const DAY_US: i64 = crate::time::DAY_US as i64;

/// The median return at or above which the client reads as daily (5 % short of a day): a
/// daily client comes back a day after (uk-mix's queue, random offsets: 24.0 h), and a
/// trial's 12-hour queue, behind its period, after 20.5 h.
const DAILY_HOURS: f64 = 22.8;

/// The median return above which the client comes back less than daily (the file's period
/// stays a day, and the summary says so).
const DAYS_HOURS: f64 = 36.0;

/// A refresh counts when it began this long before the log's end: a daily client's next
/// one, a day later and a little late, falls within the log; a log shorter than that shows
/// only the quick returns, and no period is read from it.
const HORIZON_US: i64 = 26 * 3_600_000_000;

/// The periods a fit writes (hours), which divide the day, longest first: real clients
/// refresh twice a day, every 6 hours; a client back after 18 h reads as 12 h.
const PERIODS: [u32; 7] = [12, 8, 6, 4, 3, 2, 1];

/// How soon the client came back to a connection, and the period that does as soon.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cadence {
    /// The median time (hours) from the client's first call of a refresh that succeeded to
    /// its first call of the connection's next refresh, over `returns` refreshes (infinite:
    /// most were not followed within the log); `None`: not read, for `unread`'s reason.
    pub median_hours: Option<f64>,
    pub returns: usize,
    /// The period written (hours), the longest no longer than the median; `None`: a day.
    pub period_hours: Option<u32>,
    /// Why no period is read, where none is.
    pub unread: Option<&'static str>,
}

/// The state of one connection's current refresh: when the client's first call of it was
/// made, and whether it has succeeded.
#[derive(Clone, Copy)]
struct Refresh {
    start: i64,
    done: bool,
}

/// The cadence of `rows` (sorted by submission; `connections` ids below it; `told`: the log
/// tells customers' calls from the client's). A refresh runs from the client's first call
/// for a connection after its last success (retries, and a queue taking a failed connection
/// up again later in the period, belong to it: uk-mix's daily queue made 2.35 first attempts
/// a connection a day), and the return is the time between two refreshes' first calls,
/// however late the first succeeded. A customer's success refreshes the connection too, and
/// a client skips it that period: the client's next call after one is no return. A client
/// that falls behind its period comes back at its own pace, later than the period: the
/// period written is the longest no longer than the median, under which the fitted queue
/// falls behind as the log's did (a trial's 12-hour queue came back after 20.5 h, and its
/// file, written daily, covered 99.83 % where the log's client covered 91.88 %).
pub fn cadence(rows: &[Row], connections: usize, told: bool) -> Cadence {
    let unread = |why| Cadence {
        median_hours: None,
        returns: 0,
        period_hours: None,
        unread: Some(why),
    };
    if !told {
        return unread(
            "the log has no `reason` or `on_demand` column, so its customers' calls are not \
             told from the client's",
        );
    }
    let mut gaps = returns(rows, connections);
    if gaps.is_empty() {
        return unread("the log is too short to see the client come back (a day and more)");
    }
    let mid = gaps.len() / 2;
    let median = *gaps.select_nth_unstable(mid).1;
    let m = match median {
        i64::MAX => f64::INFINITY,
        us => us as f64 / 3_600_000_000.0,
    };
    let period_hours = (m < DAILY_HOURS).then(|| {
        PERIODS
            .into_iter()
            .find(|&p| p as f64 <= 1.05 * m)
            .unwrap_or(1)
    });
    Cadence {
        median_hours: Some(m),
        returns: gaps.len(),
        period_hours,
        unread: None,
    }
}

/// Each return of the client to a connection whose refresh began [`HORIZON_US`] or more
/// before the log's end (µs; `i64::MAX` where none followed within the log).
fn returns(rows: &[Row], connections: usize) -> Vec<i64> {
    let Some(end) = rows.iter().map(|r| r.submitted).max() else {
        return Vec::new();
    };
    let counted = |start: i64| start <= end - HORIZON_US;
    let mut now: Vec<Option<Refresh>> = vec![None; connections];
    let mut gaps = Vec::new();
    for r in rows {
        let Some(c) = now.get_mut(r.conn as usize) else {
            continue;
        };
        if r.reason != Reason::Schedule {
            if r.seen == Seen::Success {
                *c = None;
            }
            continue;
        }
        if let Some(f) = c.filter(|f| f.done && counted(f.start)) {
            gaps.push(r.submitted - f.start);
        }
        if c.is_none_or(|f| f.done) {
            *c = Some(Refresh {
                start: r.submitted,
                done: false,
            });
        }
        if let Some(f) = c.as_mut().filter(|_| r.seen == Seen::Success) {
            f.done = true;
        }
    }
    let unfollowed = now.into_iter().flatten();
    gaps.extend(
        unfollowed
            .filter(|f| f.done && counted(f.start))
            .map(|_| i64::MAX),
    );
    gaps
}

impl Cadence {
    /// No period for a client keeping to a band of hours, which the model runs daily.
    pub fn banded(self) -> Cadence {
        Cadence {
            period_hours: None,
            ..self
        }
    }

    /// The fitted file's `period` line, where the client came back within the day.
    pub fn toml(self) -> Option<String> {
        let (h, m) = (self.period_hours?, self.median_hours?);
        Some(format!(
            "period = \"{h}h\"  # the log's client came back to a connection {m:.1} h after \
             starting its last refresh of it (median of {}): the longest period no longer; a \
             queue that falls behind comes back at its own pace, so yours may be shorter: set it",
            self.returns
        ))
    }

    /// The summary's line (`band`: the client kept to a band of hours).
    pub fn line(self, band: bool) -> String {
        let (Some(m), None) = (self.median_hours, self.unread) else {
            return format!(
                "client: its period is not read: {}; the fitted file refreshes once a day (set \
                 strategy.period to yours)",
                self.unread.unwrap_or_default()
            );
        };
        let back = match m.is_finite() {
            true => {
                format!("came back to a connection {m:.1} h after starting its last refresh of it")
            }
            false => "did not come back to most connections within the log".to_string(),
        };
        let period = match (self.period_hours, band) {
            (Some(h), _) => format!("strategy.period = \"{h}h\" for the fitted file"),
            (None, true) => "the fitted file refreshes once a day, in its band of hours".into(),
            (None, false) if m <= DAYS_HOURS => "about a day, the fitted file's period".into(),
            (None, false) => "less often than daily; the fitted file refreshes once a day (set \
                              strategy.period to yours)"
                .into(),
        };
        format!("client: {back} (median of {}): {period}", self.returns)
    }
}

/// The warm-up a run of the fitted scenario needs (days) and why: a day, or, where the log's
/// client took over a day and a half to come round to every connection (its successes a day
/// against the book), that and a day (a trial's queue covering 23 % a day was given one).
pub fn warmup(fit: &Fit) -> (u64, String) {
    let span = ((fit.span.1 - fit.span.0) as f64 / 86_400e6).max(1.0 / 24.0);
    let successes: u64 = fit.banks.iter().map(|b| b.errors.n - b.errors.k).sum();
    let pass = fit.connections as f64 * span / successes.max(1) as f64;
    match pass <= 1.5 {
        true => (
            1,
            "a day before the log's: its connections had data when it began, a run's \
                     have none"
                .into(),
        ),
        false => (
            pass.round() as u64 + 1,
            format!(
                "the log's client came round to every connection in about {pass:.1} days (its \
             successes a day against the book), and a run starts with no data"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` connections refreshed every `every` µs for `days` days, each refresh a 429 and a
    /// retry that succeeds.
    fn rows(n: u32, every: i64, days: i64) -> Vec<Row> {
        let mut out = Vec::new();
        for k in 0..days * DAY_US / every {
            for conn in 0..n {
                let t = k * every + conn as i64 * 1_000_000;
                for (attempt, seen) in [(1, Seen::RateLimited), (2, Seen::Success)] {
                    out.push(Row {
                        submitted: t + attempt as i64,
                        learned: t + 10,
                        conn,
                        bank: 0,
                        seen,
                        retry_after: None,
                        attempt,
                        on_demand: false,
                        reason: Reason::Schedule,
                    });
                }
            }
        }
        out
    }

    const H: i64 = 3_600_000_000;

    /// Twice a day reads 12 h, four times 6 h, once a day no period; a client falling behind
    /// a 12 h period (back after 19 h) reads 12 h; a return every half hour, 1 h; a retry
    /// after a failure is no return; customers' calls are not the client's, and a client
    /// skipping a connection a customer's fetch refreshed is no return; a log without a day
    /// to spare, or one not telling customers apart, reads none.
    #[test]
    fn the_period_is_the_longest_no_longer_than_the_clients_return() {
        let period = |rows: &[Row]| cadence(rows, 5, true).period_hours;
        assert_eq!(period(&rows(5, 12 * H, 4)), Some(12));
        assert_eq!(period(&rows(5, 6 * H, 4)), Some(6));
        assert_eq!(period(&rows(5, 24 * H, 4)), None);
        assert_eq!(period(&rows(5, 19 * H, 8)), Some(12));
        assert_eq!(period(&rows(5, H / 2, 3)), Some(1));
        let daily = rows(5, 24 * H, 4);
        let with = |seen: Seen| {
            let mut all = daily.clone();
            all.extend(daily.iter().map(|r| Row {
                submitted: r.submitted + 3 * H,
                reason: Reason::Customer,
                on_demand: true,
                seen,
                ..*r
            }));
            all.sort_by_key(|r| r.submitted);
            cadence(&all, 5, true)
        };
        let refused = with(Seen::RateLimited);
        assert_eq!(
            (refused.period_hours, refused.median_hours),
            (None, Some(24.0))
        );
        assert_eq!(with(Seen::Success).returns, 0);
        assert!(cadence(&rows(5, 24 * H, 1), 5, true).unread.is_some());
        let untold = cadence(&rows(5, 12 * H, 4), 5, false);
        assert!(untold
            .line(false)
            .contains("no `reason` or `on_demand` column"));
        let line = cadence(&rows(5, 12 * H, 4), 5, true).line(false);
        assert!(
            line.contains("12.0 h after") && line.contains("\"12h\" for the fitted"),
            "{line}"
        );
        let banded = cadence(&rows(5, 12 * H, 4), 5, true).banded();
        assert_eq!(banded.toml(), None);
        assert!(banded.line(true).contains("in its band of hours"));
    }
}
