//! The bank-by-bank ladder of per-bank settings (pools, paces): every bank up its own
//! ladder, one run a step measuring every bank at once, each bank stopping where more of it
//! stops paying while the others climb on; then one step per bank, run whole.

use super::{BankCeiling, Evaluation, FailureScope, Figure, Search, LADDER, LADDER_GAIN};
use crate::experiment::plan::pools::{self, Goal, Step};
use crate::strategy::Strategy;

impl Search<'_> {
    /// Per-bank pools: every bank's pool up its ladder together (each run measures every
    /// bank at one step), then one step per bank chosen by [`pools::combine`], run whole;
    /// then, where that passes a bank's concurrency cap, the same pools held to the caps (the
    /// choice weighs coverage bank by bank, and a pool past a cap buys a bank's coverage with
    /// 429s that a whole run may not repay: a trial's hand-set pools at the caps, stalest
    /// first through the lane, covered 99.34 % with 7.80 % of 429s where the plan's, past
    /// them, covered 96.41 % with 25.38 %).
    pub fn per_bank(&mut self, ceilings: &[BankCeiling], reps: u32) {
        let mut ladder: Vec<Vec<f64>> = LADDER
            .iter()
            .map(|&h| self.pools(ceilings, h).into_iter().map(f64::from).collect())
            .collect();
        let caps: Vec<Option<u32>> = self
            .base
            .banks
            .iter()
            .map(|b| b.concurrency_cap())
            .collect();
        for (b, &cap) in caps.iter().enumerate() {
            at_cap(&mut ladder, b, cap);
        }
        let make = |p: &[f64]| Strategy::PerBank {
            pools: p.iter().map(|&n| n as u32).collect(),
        };
        if let Strategy::PerBank { pools } = self.bank_by_bank(ladder, make, ceilings, reps) {
            let within: Vec<u32> = (pools.iter().zip(&caps))
                .map(|(&p, cap)| cap.map_or(p, |c| p.min(c)))
                .collect();
            if within != pools {
                self.at(Strategy::PerBank { pools: within }, reps);
            }
        }
    }

    /// Every bank's setting up its ladder together (`ladder[i][b]` is bank `b`'s at step
    /// `i`; each run measures every bank at one step), each bank stopping where more of it
    /// stops paying ([`Self::bank_done`]) and staying at its step below while the others go
    /// on; then one step per bank chosen by [`pools::combine`], run whole (`make` is the
    /// strategy of one setting per bank). Returns the chosen strategy.
    pub(super) fn bank_by_bank(
        &mut self,
        ladder: Vec<Vec<f64>>,
        make: impl Fn(&[f64]) -> Strategy,
        ceilings: &[BankCeiling],
        reps: u32,
    ) -> Strategy {
        let (runs, ladder) = self.climb(&ladder, &make, ceilings.len(), reps);
        let failure = self.targets.scope.figure();
        // The failure figure is a rate over these attempts: the background's alone when the
        // target bounds its 429s (a bank busy with customers' calls weighs no more).
        let over = match self.targets.scope {
            FailureScope::Background => Figure::BackgroundAttemptsPerDay,
            FailureScope::Client | FailureScope::All => Figure::AttemptsPerDay,
        };
        let steps: Vec<Vec<Step>> = (0..ceilings.len())
            .map(|b| {
                runs.iter()
                    .zip(&ladder)
                    .map(|(e, knobs)| {
                        let m = |x: Figure| e.figures.banks[b][x as usize].mean;
                        Step {
                            knob: knobs[b],
                            coverage: m(Figure::Coverage),
                            attempts: m(over),
                            failures: m(failure) * m(over),
                            api_calls: m(Figure::ApiCallsPerDay),
                        }
                    })
                    .collect()
            })
            .collect();
        let weights: Vec<f64> = ceilings.iter().map(|c| c.connections).collect();
        let goal = Goal {
            coverage: self.targets.coverage,
            min_bank_coverage: self.targets.min_bank_coverage,
            max_failure_rate: self.targets.max_failure_rate,
            max_bank_failure_rate: self.targets.max_bank_failure_rate,
            max_api_calls: self.targets.max_api_calls_per_day,
        };
        let chosen = make(&pools::combine(&steps, &weights, &goal));
        self.at(chosen.clone(), reps);
        chosen
    }

    /// The runs up the ladder of `banks` banks, and each run's settings: a bank done
    /// ([`Self::bank_done`]) holds its step below; a step that moves no bank is skipped,
    /// and the climb ends when every bank is done or the ladder is.
    fn climb(
        &mut self,
        ladder: &[Vec<f64>],
        make: &impl Fn(&[f64]) -> Strategy,
        banks: usize,
        reps: u32,
    ) -> (Vec<Evaluation>, Vec<Vec<f64>>) {
        let mut done: Vec<Option<f64>> = vec![None; banks];
        let mut runs: Vec<Evaluation> = Vec::new();
        let mut rows: Vec<Vec<f64>> = Vec::new();
        let at = |step: &Vec<f64>, done: &[Option<f64>]| -> Vec<f64> {
            (step.iter().zip(done))
                .map(|(&k, d)| d.unwrap_or(k))
                .collect()
        };
        for (i, step) in ladder.iter().enumerate() {
            if done.iter().all(Option::is_some) {
                break;
            }
            let knobs = at(step, &done);
            if rows.last() == Some(&knobs) {
                continue;
            }
            // The steps above, should no bank stop here, run ahead on idle workers.
            let above = ladder[i + 1..].iter().map(|s| make(&at(s, &done)));
            let e = self.at_ahead(make(&knobs), above, reps);
            if let (Some(p), Some(below)) = (runs.last(), rows.last()) {
                for (b, d) in done.iter_mut().enumerate() {
                    // A bank whose step rounds to the same setting has moved nothing.
                    if d.is_none() && knobs[b] != below[b] && self.bank_done(p, &e, b) {
                        *d = Some(below[b]);
                    }
                }
            }
            runs.push(e);
            rows.push(knobs);
        }
        (runs, rows)
    }

    /// Whether bank `b` has gone up its ladder far enough at `e` from the step below, `p`:
    /// less than a point of its coverage gained, where its background's own 429s (what its
    /// setting drives: not the 5xx floor, nor its customers') pass the bound (the tighter of
    /// the population's and the one at each bank: more only buys
    /// 429s) or it covers its goal (the target, or every bank's floor). A bank that gains
    /// goes on whatever its 429s: a bad day's slow calls hold slots its mean does not count,
    /// an incident's 429s come whatever its pool, and a pool large enough to finish its pass
    /// by night can meet a day's limits that smaller ones break (at most the ladder's
    /// fifteen steps). With a bound on the customers' wait, a bank covering its goal goes on
    /// while its customers wait past it through the lane (the climb's runs are candidates
    /// of their own: [`pools::combine`] weighs coverage and failures alone, and its choice
    /// may fall back below the wait's bound).
    fn bank_done(&self, p: &Evaluation, e: &Evaluation, b: usize) -> bool {
        let bank = |x: &Evaluation, f: Figure| x.figures.banks[b][f as usize].mean;
        if bank(e, Figure::Coverage).is_nan() {
            return true; // nothing due at the bank in the run
        }
        let driven = Self::driven(e);
        if bank(e, driven) - bank(p, driven) >= LADDER_GAIN {
            return false;
        }
        let goal = (self.targets.min_bank_coverage)
            .map_or(self.targets.coverage, |f| f.max(self.targets.coverage));
        // Customers queued for the lane's slots past their wait's bound at the bank: more
        // slots shorten it (calling directly, no slot holds them).
        let lane = self.base.customers_lane() == Some(crate::demand::Lane::Priority);
        let waiting = (self.targets.max_customer_wait_seconds)
            .is_some_and(|w| lane && bank(e, Figure::CustomerWaitP95Seconds) > w);
        bank(e, Figure::BackgroundFailureRate) > self.targets.bank_bound()
            || (bank(e, Figure::Coverage) >= goal.min(1.0) && !waiting)
    }
}

/// Bank `b`'s pool at its concurrency cap `cap` as a rung of its ladder (`ladder[i][b]`),
/// in place of its first rung past the cap, where no rung is at it already: a pool past the
/// cap draws its 429s (and a penalty box behind them), one below it leaves the cap idle, and
/// the multiples of Little's law land on it by chance (rungs of 9, 11 and 14 step over a
/// cap of 12, which `check` advises where a penalty box stands behind it).
pub(super) fn at_cap(ladder: &mut [Vec<f64>], b: usize, cap: Option<u32>) {
    let Some(cap) = cap.map(f64::from) else {
        return;
    };
    if ladder.iter().any(|step| step[b] == cap) {
        return;
    }
    if let Some(past) = ladder.iter_mut().find(|step| step[b] > cap) {
        past[b] = cap;
    }
}

#[cfg(test)]
mod tests {
    use super::at_cap;

    /// The first rung past the cap becomes the cap; a ladder with the cap, wholly under it,
    /// or a bank without one, is left as it is; the other banks' columns are untouched.
    #[test]
    fn a_capped_bank_s_ladder_has_a_rung_at_its_cap() {
        let ladder = || {
            vec![
                vec![4.0, 1.0],
                vec![9.0, 2.0],
                vec![30.0, 3.0],
                vec![40.0, 4.0],
            ]
        };
        let mut l = ladder();
        at_cap(&mut l, 0, Some(12));
        let column = |l: &[Vec<f64>], b: usize| l.iter().map(|s| s[b]).collect::<Vec<_>>();
        assert_eq!(column(&l, 0), [4.0, 9.0, 12.0, 40.0]);
        assert_eq!(column(&l, 1), [1.0, 2.0, 3.0, 4.0]);
        let mut l = ladder();
        at_cap(&mut l, 0, Some(2));
        assert_eq!(column(&l, 0), [2.0, 9.0, 30.0, 40.0]);
        for cap in [Some(9), Some(50), None] {
            let mut l = ladder();
            at_cap(&mut l, 0, cap);
            assert_eq!(l, ladder(), "{cap:?}");
        }
    }
}
