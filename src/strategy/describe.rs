//! A strategy's setting in words, bank by bank where it has settings per bank: what the
//! planner's memo lists and what `run` prints under its summary.

use super::Strategy;
use crate::bank::Bank;

impl Strategy {
    /// The setting in words: `queued, concurrency 54`, `per_bank, pools a 3, b 5`,
    /// `paced per bank, a 1.2/s, b 0.95/s ≤ 4 out` (`banks` in the scenario's order), `, by the
    /// hour` when a pace profile weights it (its weights are its weight-1 hours' paces).
    pub fn describe(&self, banks: &[Bank]) -> String {
        let setting = self.setting(banks);
        match self.pace_profiles() {
            Some(_) => format!("{setting}, by the hour"),
            None => setting,
        }
    }

    pub(crate) fn setting(&self, banks: &[Bank]) -> String {
        match self {
            Strategy::Queued { concurrency } => format!("queued, concurrency {concurrency}"),
            Strategy::PerBank { pools } => {
                let p: Vec<String> = banks
                    .iter()
                    .zip(pools)
                    .map(|(b, n)| format!("{} {n}", b.name))
                    .collect();
                format!("per_bank, pools {}", p.join(", "))
            }
            Strategy::Aimd(r) => format!(
                "aimd, {}–{} slots per bank from {}, ×{} on a 429",
                r.min, r.max, r.initial, r.decrease
            ),
            Strategy::Paced {
                rates, outstanding, ..
            } if rates.iter().any(Option::is_some) || outstanding.iter().any(Option::is_some) => {
                let p: Vec<String> = (0..banks.len())
                    .map(|b| {
                        let pace = match rates.get(b).copied().flatten() {
                            Some(r) => format!("{r}/s"),
                            None => "by share".to_string(),
                        };
                        match outstanding.get(b).copied().flatten() {
                            Some(k) => format!("{} {pace} ≤ {k} out", banks[b].name),
                            None => format!("{} {pace}", banks[b].name),
                        }
                    })
                    .collect();
                format!("paced per bank, {}", p.join(", "))
            }
            Strategy::Paced {
                rate: Some(r),
                per_bank,
                ..
            } => format!(
                "paced, {r}/s{}",
                if *per_bank {
                    " split by bank share"
                } else {
                    ""
                }
            ),
            Strategy::Paced { per_bank, .. } => match per_bank {
                true => "paced, each bank's connections over the period".to_string(),
                false => "paced, every connection over the period".to_string(),
            },
            Strategy::RandomOffset => "random_offset".to_string(),
            Strategy::Bulk => "bulk".to_string(),
        }
    }
}
