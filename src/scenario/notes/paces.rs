//! A paced client's pace above, or at, what a bank's limits admit steadily: a pace does not
//! slow for 429s, and the model's bank meters calls exactly where a real one may not.

use super::super::Scenario;
use crate::strategy::Strategy;
use crate::time::hour_runs;

impl Scenario {
    /// A paced client's pace above what a bank's limits admit steadily in hours of its band:
    /// valid (a sweep may look for the cliff), but a pace does not slow for 429s, so they are
    /// the run's (a trial's profile without rates failed a third of a CDR holder's calls by
    /// day, under a threshold it never read). A pace within [`NEAR`] of the allowance is noted
    /// too: the model meters it exactly, a bank may not.
    pub fn paces_over_limits(&self) -> Vec<String> {
        let Strategy::Paced {
            rate,
            rates,
            profiles,
            ..
        } = &self.strategy
        else {
            return Vec::new();
        };
        const HOUR: u64 = crate::time::HOUR_US;
        let band = self.schedule.band_or_day();
        let mut out = Vec::new();
        // The banks paced at their allowance, by the hours they are (one note for each).
        let mut at: Vec<(String, Vec<&str>)> = Vec::new();
        for (b, bank) in self.banks.iter().enumerate() {
            let profile = profiles.of(b);
            let spread = self.schedule.weighted_spread(profile).as_secs_f64();
            // The bank's part of the pace at weight 1: its own, its share of one, or its
            // connections over the (weighted) period.
            let pace = match (rates.get(b).copied().flatten(), rate) {
                (Some(r), _) => r,
                (None, Some(r)) => r * bank.share,
                (None, None) => bank.share * self.connections as f64 / spread,
            };
            // Each hour's pace and steady allowance, and the hours over it and near it.
            let hours: Vec<(usize, f64, f64)> = crate::time::hours_in(band)
                .map(|(h, _)| {
                    let w = profile.map_or(1.0, |p| p.weights()[h]);
                    (h, pace * w, bank.hour_rate(h as u64 * HOUR))
                })
                .collect();
            let over: Vec<usize> = (hours.iter())
                .filter(|(_, o, a)| *o > 1.01 * a)
                .map(|h| h.0)
                .collect();
            let near: Vec<usize> = (hours.iter())
                .filter(|(_, o, a)| *o >= NEAR * a && *o <= 1.01 * a && *o > 0.0)
                .map(|h| h.0)
                .collect();
            let ratio = |h: &&(usize, f64, f64)| h.1 / h.2;
            let worst = (hours.iter().filter(|h| over.contains(&h.0)))
                .max_by(|a, b| ratio(a).total_cmp(&ratio(b)));
            if let Some((_, offered, admitted)) = worst {
                out.push(format!(
                    "strategy: bank `{}` is paced above what its limits admit steadily in {} \
                     (at worst {offered:.4} refreshes a second against {admitted:.4}): expect \
                     429s there (a pace does not slow for them)",
                    bank.name,
                    hour_runs(&over)
                ));
            } else if !near.is_empty() {
                let hours = hour_runs(&near);
                match at.iter_mut().find(|(h, _)| *h == hours) {
                    Some((_, banks)) => banks.push(bank.name.as_str()),
                    None => at.push((hours, vec![bank.name.as_str()])),
                }
            }
        }
        out.extend(at.iter().map(|(hours, banks)| at_the_limit(banks, hours)));
        out
    }
}

/// How close to a bank's steady allowance a pace is noted as at it (95 %).
const NEAR: f64 = 0.95;

/// A pace at a bank's steady allowance in `hours` (within [`NEAR`], not over): the model's
/// bank meters calls exactly as its policy says and its burst absorbs the calls' jitter, so
/// the run shows few or no 429s there; a real bank's meter may not (a trial's pace at a CDR
/// holder's 50 calls a second read 0 % own 429s, 3.25 % once the limit was cut to 40).
fn at_the_limit(banks: &[&str], hours: &str) -> String {
    let (who, their) = match banks {
        [one] => (format!("bank `{one}` is"), "its"),
        [rest @ .., last] => {
            let rest: Vec<String> = rest.iter().map(|b| format!("`{b}`")).collect();
            (
                format!("banks {} and `{last}` are", rest.join(", ")),
                "their",
            )
        }
        [] => return String::new(),
    };
    format!(
        "strategy: {who} paced at what {their} limits admit steadily in {hours} (within 5 %): \
         the model's bank meters calls exactly as its policy says, so few or no 429s show; a \
         real bank's meter (its window's edges, its clock, the network's jitter) may refuse \
         some, so leave room (a lower pace) or sweep the limit"
    )
}

#[cfg(test)]
mod tests {
    use crate::scenario;

    /// A pace above a bank's steady allowance in some hours is noted with those hours and
    /// both figures; one within it, or a kind without a pace, is not.
    #[test]
    fn paces_over_a_banks_limits_are_noted() {
        let cdr = |strategy: &str| {
            let text = format!(
                "[window]\nlength = \"1d\"\n[population]\nconnections = 600000\n[strategy]\n\
                 {strategy}\n[[banks]]\nname = \"cba\"\nshare = 1.0\npreset = \"cdr-au\"\n\
                 calls_per_refresh = 8\n"
            );
            scenario::parse(&text, "inline", "t", &[]).unwrap().notes()
        };
        let n = cdr("kind = \"paced\"\nrates = { cba = 6.25 }");
        assert!(
            n.len() == 1
                && n[0].starts_with(
                    "strategy: bank `cba` is paced above what its limits admit steadily in \
                     06:00–24:00 (at worst 6.2500 refreshes a second against 0.6250)"
                ),
            "{n:?}"
        );
        // At the allowance (a CDR holder's day threshold), the note that the model meters
        // it exactly; a tenth under it, none.
        let at = cdr("kind = \"paced\"\nrates = { cba = 0.625 }");
        assert!(
            at.len() == 1
                && at[0].starts_with(
                    "strategy: bank `cba` is paced at what its limits admit steadily in \
                     06:00–24:00 (within 5 %)"
                ),
            "{at:?}"
        );
        assert!(cdr("kind = \"paced\"\nrates = { cba = 0.56 }").is_empty());
        let night = format!("[{}, {}]", ["10"; 6].join(", "), ["1"; 18].join(", "));
        let profiled = format!("kind = \"paced\"\nrates = {{ cba = 0.5 }}\npace_profile = {night}");
        assert!(cdr(&profiled).is_empty());
        let profiled =
            format!("kind = \"paced\"\nrates = {{ cba = 0.625 }}\npace_profile = {night}");
        assert!(cdr(&profiled)[0].contains("steadily in 00:00–24:00 (within 5 %)"));
        // Over the period, 600,000 over 78 weighted hours: 2.14 a second by day, 21.4 by
        // night, over the bank's allowance all day.
        let n = cdr(&format!("kind = \"paced\"\npace_profile = {night}"));
        assert!(
            n.len() == 1 && n[0].contains("steadily in 00:00–24:00 (at worst"),
            "{n:?}"
        );
        assert!(cdr("kind = \"random_offset\"").is_empty());
        assert_eq!(
            crate::time::hour_runs(&[0, 1, 5, 22, 23]),
            "00:00–02:00, 05:00–06:00, 22:00–24:00"
        );
    }
}
