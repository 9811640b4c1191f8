//! Settings run ahead of the search's asking, on workers the setting it asks for would leave
//! idle.
//!
//! The search asks for one setting at a time, each at a few replications; with fewer
//! replications than workers (`--replications 1`, or a machine of many cores) the rest of
//! the pool would idle. So where the search knows which settings it may ask for next (a walk's
//! next steps, the queue's next doubling, a ladder's next step for every bank still climbing),
//! they run beside the one asked for, and wait until asked. What the search evaluates, and so
//! the plan, is the same at any thread count: a setting run ahead is the same evaluation it
//! would have been run alone (its replications' seeds do not depend on what runs beside it),
//! and it joins the search's list only when asked for; one never asked for is dropped.

use super::{Conduct, Evaluation, Search};
use crate::strategy::Strategy;

impl Search<'_> {
    /// How many settings one batch runs at `replications`: enough to give every worker a
    /// replication.
    fn width(&self, replications: u32) -> usize {
        let threads = self.pool.current_num_threads();
        threads.div_ceil(replications.max(1) as usize).max(1)
    }

    /// [`Search::at`]: `strategy` at `replications`, acting as the scenario's client does,
    /// evaluated once; run with as many of `ahead` (the settings the search may ask for next,
    /// likeliest first) as the idle workers take.
    pub(super) fn at_ahead(
        &mut self,
        strategy: Strategy,
        ahead: impl IntoIterator<Item = Strategy>,
        replications: u32,
    ) -> Evaluation {
        let conduct = self.conduct();
        if let Some(e) = self.evaluated.iter().find(|e| same(&strategy, conduct)(e)) {
            return e.clone();
        }
        let e = match self.ahead.iter().position(same(&strategy, conduct)) {
            Some(i) => self.ahead.remove(i),
            None => {
                let width = self.width(replications);
                let mut batch = vec![strategy];
                for s in ahead {
                    if batch.len() >= width {
                        break;
                    }
                    let known = self
                        .evaluated
                        .iter()
                        .chain(&self.ahead)
                        .any(same(&s, conduct));
                    if !known && !batch.contains(&s) {
                        batch.push(s);
                    }
                }
                let order = self.order();
                let settings = batch.into_iter().map(|s| (order, s, conduct)).collect();
                let mut runs = self.evaluate_all(settings, replications).into_iter();
                let e = runs.next().expect("the setting asked for");
                self.ahead.extend(runs);
                e
            }
        };
        self.evaluated.push(e.clone());
        e
    }
}

/// Whether an evaluation is of `strategy`, its client acting as `conduct` says.
fn same(strategy: &Strategy, conduct: Conduct) -> impl Fn(&Evaluation) -> bool + '_ {
    move |e| e.strategy == *strategy && e.conduct == conduct
}
