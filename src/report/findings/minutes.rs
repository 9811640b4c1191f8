//! The busiest minutes of a run: the most 429s in one minute, and a bank's peak in flight.

use crate::output::text::thousands;
use crate::report::dataset::RunData;
use crate::report::figures::day::{minute_series, outage_503s, when};
use crate::report::figures::run_name;
use crate::report::findings::clock;
use crate::report::phrases::and_list;

/// The most 429s in one minute, per run: in its measured days where it has some (a trial's
/// peaks were a warm-up day's, a slow client's backlog at the start, not its steady state).
pub(crate) fn busiest_sentence(runs: &[&RunData], several: bool) -> Option<String> {
    let parts: Vec<String> = runs
        .iter()
        .filter(|r| r.has_series)
        .map(|r| {
            let (_, b) = minute_series(r, None);
            let measured = measured_minutes(r, b.len());
            let (m, v) = b.iter().enumerate().filter(|&(i, _)| measured(i)).fold(
                (0, 0.0),
                |acc, (i, &v)| if v > acc.1 { (i, v) } else { acc },
            );
            if v > 0.0 {
                // The count first: a label ending in a number ran into it ("nightly 142 629").
                format!(
                    "{} under {} ({}{})",
                    thousands(v),
                    run_name(r, several),
                    when(r, m),
                    most_at(r, m, v)
                )
            } else {
                format!("none under {}", run_name(r, several))
            }
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    let closed: Vec<String> = runs
        .iter()
        .filter(|r| r.has_series)
        .filter_map(|r| {
            let n = outage_503s(r, None);
            (n > 0).then(|| format!("{} under {}", thousands(n as f64), run_name(r, several)))
        })
        .collect();
    let outage = match &closed[..] {
        [] => String::new(),
        _ => format!(
            " Calls refused by a closed maintenance window (503s, not rate limits, not drawn): \
             {}.",
            and_list(&closed)
        ),
    };
    // Where a day was left out (a warm-up, a last day cut short), the minute is a measured
    // day's: said (a trial's day chart beside it had counted the warm-up).
    let some_left = (runs.iter()).any(|r| r.daily_totals().iter().any(|d| !d.measured));
    let after = match some_left {
        true => " of the measured days",
        false => "",
    };
    Some(format!(
        "Most 429 responses in one minute{after}: {}.{outage}",
        and_list(&parts)
    ))
}

/// Whether each minute of a run's `len` is in a measured day (every minute, where no day is
/// marked measured).
fn measured_minutes(r: &RunData, len: usize) -> impl Fn(usize) -> bool {
    let days = r.daily_totals();
    let some = days.iter().any(|d| d.measured);
    let n = len / 1440 + 1;
    let mut day_measured = vec![!some; n];
    for d in days.iter().filter(|d| d.measured && d.day < n) {
        day_measured[d.day] = true;
    }
    move |m: usize| day_measured.get(m / 1440).copied().unwrap_or(!some)
}

/// Banks whose 429s fall in part of the day, by the clock, per run: `northbank's fell in
/// 06:00–22:00 (99.9 % of them)`, the runs of whole hours [`band_of`] finds in a bank's
/// measured 429s, where it is 18 hours or less and the bank had 100 or more. When the 429s
/// start and stop is what a team with a morning incident asks (a trial's report named only
/// the busiest minute, past midnight).
pub(crate) fn clock_sentence(runs: &[&RunData], several: bool) -> Option<String> {
    let mut parts = Vec::new();
    for r in runs.iter().filter(|r| r.has_series) {
        let Some(start) = r.start_minute_of_day else {
            continue;
        };
        let measured = measured_minutes(r, r.window_minutes());
        for bank in r.bank_names() {
            let mut by_hour = [0u64; 24];
            for x in r
                .series
                .iter()
                .filter(|x| x.bank == bank && measured(x.minute))
            {
                let hour = (start as usize + x.minute) % 1440 / 60;
                by_hour[hour] += x.rate_limited.saturating_sub(x.outage_rejected) as u64;
            }
            let Some((hours, share)) = band_of(&by_hour) else {
                continue;
            };
            let spans: Vec<String> = (hours.iter())
                .map(|&(from, len)| {
                    let to = match from + len {
                        24 => "24:00".to_string(),
                        end => clock((end % 24 * 60) as u32),
                    };
                    format!("{}–{to}", clock((from * 60) as u32))
                })
                .collect();
            let who = match runs.len() {
                1 => format!("{bank}'s"),
                _ => format!("{bank}'s under {}", run_name(r, several)),
            };
            parts.push(format!(
                "{who} fell in {} ({:.1} % of them)",
                and_list(&spans),
                100.0 * share
            ));
        }
    }
    // Banks apart by semicolons: a bank's runs of hours are joined by "and".
    (!parts.is_empty()).then(|| format!("429s by the clock: {}.", parts.join("; ")))
}

/// The runs of whole hours (across midnight or not) where `by_hour` falls, each `(first
/// hour, hours)`, and their share, where they are 18 hours or less of 100 or more: the hours
/// with at least a twentieth of the busiest hour's, where they are one to three runs holding
/// 90 % of them (a night's queue refused at both ends of its band, in 22:00–24:00 and
/// 06:00–08:00, and never between: a trial read its band, 22:00–08:00, said as where its
/// 429s fell); else the shortest run holding 90 % (a limit of every hour may add a few at
/// other hours).
fn band_of(by_hour: &[u64; 24]) -> Option<(Vec<(usize, usize)>, f64)> {
    let total: u64 = by_hour.iter().sum();
    if total < 100 {
        return None;
    }
    let busiest = by_hour.iter().copied().max().unwrap_or(0);
    let active = |h: usize| by_hour[h % 24] * 20 >= busiest;
    // Each run from an active hour after one that is not, the first after the longest quiet
    // stretch (a night's 22:00–24:00 before its 06:00–08:00).
    let mut spans: Vec<(usize, usize)> = (0..24)
        .filter(|&h| active(h) && !active(h + 23))
        .map(|from| (from, (from..from + 24).take_while(|&h| active(h)).count()))
        .collect();
    let quiet_before = |i: usize| {
        let (prev, len) = spans[(i + spans.len() - 1) % spans.len()];
        (spans[i].0 + 48 - prev - len) % 24
    };
    if let Some(first) = (0..spans.len()).max_by_key(|&i| (quiet_before(i), usize::MAX - i)) {
        spans.rotate_left(first);
    }
    let hours: usize = spans.iter().map(|s| s.1).sum();
    let held: u64 = (spans.iter())
        .flat_map(|&(from, len)| from..from + len)
        .map(|h| by_hour[h % 24])
        .sum();
    if (1..=3).contains(&spans.len()) && hours <= 18 && held * 100 >= total * 90 {
        return Some((spans, held as f64 / total as f64));
    }
    (1..=18).find_map(|len| {
        let (from, held) = (0..24)
            .map(|from| {
                (
                    from,
                    (from..from + len).map(|h| by_hour[h % 24]).sum::<u64>(),
                )
            })
            .max_by_key(|&(from, held)| (held, std::cmp::Reverse(from)))?;
        (held * 100 >= total * 90).then(|| (vec![(from, len)], held as f64 / total as f64))
    })
}

/// Where a run has several banks, the one with most of minute `m`'s `v` 429s: `, 90 of
/// them at uk-fixedwin` (a trial's peak was a bank its day chart had no row for).
fn most_at(r: &RunData, m: usize, v: f64) -> String {
    if r.bank_names().len() < 2 {
        return String::new();
    }
    // Minute m's rows, one a bank: their 429s as `minute_series` counts them (503s apart).
    let worst = (r.series.iter())
        .filter(|x| x.minute == m)
        .map(|x| {
            (
                x.rate_limited.saturating_sub(x.outage_rejected) as f64,
                &x.bank,
            )
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match worst {
        Some((n, bank)) if n >= v => format!(", all at {bank}"),
        Some((n, bank)) if n > 0.0 => format!(", {} of them at {bank}", thousands(n)),
        _ => String::new(),
    }
}

/// The busiest minute at one bank, per run.
pub(crate) fn bank_sentence(runs: &[&RunData], bank: &str, several: bool) -> Option<String> {
    let parts: Vec<String> = runs
        .iter()
        .map(|r| {
            let (a, b) = minute_series(r, Some(bank));
            let busiest = a.iter().copied().fold(0.0, f64::max);
            let total: f64 = b.iter().sum();
            let mut n429 = if total > 0.0 {
                format!("{} 429s in all", thousands(total))
            } else {
                "no 429s".to_string()
            };
            let closed = outage_503s(r, Some(bank));
            if closed > 0 {
                let n = thousands(closed as f64);
                n429.push_str(&format!(" and {n} 503s of its maintenance window"));
            }
            // Peak in flight is the instantaneous maximum (summary.csv); the chart's curve
            // is of minute means, whose highest is lower.
            let peak = r
                .summary
                .iter()
                .find(|s| s.bank == bank)
                .map(|s| format!("peak in flight {}, ", thousands(s.peak_in_flight as f64)))
                .unwrap_or_default();
            format!(
                "{}: {n429}, {peak}busiest minute's mean {:.1} refreshes in flight",
                run_name(r, several),
                busiest
            )
        })
        .collect();
    (!parts.is_empty()).then(|| format!("At {bank}: {}.", parts.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::band_of;

    /// A band's 429s at both its ends are two runs of hours, not the band; one run across
    /// midnight is one; 429s every hour are no band.
    #[test]
    fn the_hours_429s_fell_in_are_their_runs() {
        let mut h = [0u64; 24];
        (h[22], h[23], h[6], h[7]) = (23_621, 16_394, 15_353, 15_550);
        let (spans, share) = band_of(&h).unwrap();
        assert_eq!(spans, vec![(22, 2), (6, 2)]);
        assert_eq!(share, 1.0);
        let mut night = [0u64; 24];
        (night[23], night[0], night[1]) = (500, 400, 300);
        assert_eq!(band_of(&night).unwrap().0, vec![(23, 3)]);
        assert_eq!(band_of(&[100; 24]), None);
        // Three runs are listed; a fourth makes the shortest stretch holding nine tenths.
        let mut three = [0u64; 24];
        (three[1], three[5], three[9]) = (100, 100, 100);
        assert_eq!(band_of(&three).unwrap().0, vec![(1, 1), (5, 1), (9, 1)]);
        three[13] = 100;
        assert_eq!(band_of(&three), Some((vec![(1, 13)], 1.0)));
    }
}
