//! Some of a bank's calls fitted alone: a band of hours' (`band.rs`), or the unattended
//! ones, for a bucket that counts the client's background only (the CDR's thresholds,
//! `applies_to = "unattended"`: a customer in the app neither spends nor meets them, so a
//! bucket fitted on every call must let the customers' calls through and explains few of
//! the background's 429s; a trial's CDR log was fitted a cap of 2 instead).

use super::{covered, Call, Candidate, Policy};

/// The calls `keep` keeps, and where each of their rejections is among all of them.
pub(super) struct Subset {
    pub calls: Vec<Call>,
    /// The kept rejections, as indices into `calls`.
    pub rejected: Vec<usize>,
    /// Whether each kept rejection is still open.
    pub open: Vec<bool>,
    /// Each kept rejection's index among all the rejections.
    back: Vec<usize>,
    all: usize,
}

impl Subset {
    pub fn of(
        calls: &[Call],
        rejected: &[usize],
        open: &[bool],
        keep: impl Fn(&Call) -> bool,
    ) -> Subset {
        let mut index = vec![usize::MAX; calls.len()];
        let mut mine = Vec::new();
        for (i, c) in calls.iter().enumerate().filter(|(_, c)| keep(c)) {
            index[i] = mine.len();
            mine.push(*c);
        }
        let (mut rej, mut still, mut back) = (Vec::new(), Vec::new(), Vec::new());
        for (r, (&i, &o)) in rejected.iter().zip(open).enumerate() {
            if index[i] != usize::MAX {
                rej.push(index[i]);
                still.push(o);
                back.push(r);
            }
        }
        Subset {
            calls: mine,
            rejected: rej,
            open: still,
            back,
            all: rejected.len(),
        }
    }

    /// A verdict on the kept rejections as one on all of them (the others not explained).
    pub fn widen(&self, verdict: &[bool]) -> Vec<bool> {
        let mut v = vec![false; self.all];
        for (&e, &r) in verdict.iter().zip(&self.back) {
            v[r] = e;
        }
        v
    }
}

/// The bucket `fit` gives on the unattended calls alone, counting those only, where the
/// bank had customer-present calls and it explains more of the 429s still `open` than
/// `every`, fitted on every call (which it returns otherwise).
pub(super) fn or_unattended(
    every: Candidate,
    (calls, rejected, open): (&[Call], &[usize], &[bool]),
    fit: impl Fn(&[Call], &[usize], &[bool]) -> Candidate,
) -> Candidate {
    let present = calls.iter().filter(|c| c.on_demand).count();
    if present == 0 || present == calls.len() {
        return every;
    }
    let s = Subset::of(calls, rejected, open, |c| !c.on_demand);
    let mut c = fit(&s.calls, &s.rejected, &s.open);
    c.explains = s.widen(&c.explains);
    c.likely = c.likely.map(|l| s.widen(&l));
    if covered(&c.explains, open) <= covered(&every.explains, open) {
        return every;
    }
    if let Policy::TokenBucket { unattended, .. } = &mut c.policy {
        *unattended = true;
    }
    c.evidence = format!(
        "counting the unattended calls only ({present} customer-present calls pass it uncounted, \
         and a bucket of every call, letting them through, explains {} of these 429s); {}",
        covered(&every.explains, open),
        c.evidence
    );
    c
}
