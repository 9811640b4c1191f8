//! Which banks a sweep's by-bank charts draw where it has more than they hold.

use super::{worst_per_point, Drawn};
use crate::report::dataset::{SweepData, SweepPoint};
use crate::report::figures::MAX_SERIES;

/// The sweep with at most [`MAX_SERIES`] banks, and the names of those left out, in the
/// order of [`worst_first`], by the figures `drawn` (the charts pass one: each figure keeps
/// its own worst). Chosen once a figure, so each of its charts draws the same banks in the
/// same looks (chosen chart by chart, one look named two banks in neighbouring charts); the
/// two figures' charts may keep different banks, and so give a bank another look.
pub(super) fn keep_worst(sw: &SweepData, drawn: &[&Drawn]) -> (SweepData, Vec<String>) {
    let bank = sw.params.len() - 1;
    let names = sw.values(bank);
    if names.len() <= MAX_SERIES {
        return (sw.clone(), vec![]);
    }
    let index = |pt: &SweepPoint| {
        names
            .iter()
            .position(|n| *n == pt.params[bank])
            .unwrap_or(0)
    };
    let mut worst_at = vec![0usize; names.len()];
    let mut worsts: Vec<Vec<f64>> = Vec::new();
    for d in drawn {
        let mut worst = vec![f64::NEG_INFINITY; names.len()];
        for pt in sw.points.iter().filter(|p| !d.badness(p).is_nan()) {
            let b = index(pt);
            worst[b] = worst[b].max(d.badness(pt));
        }
        for pt in worst_per_point(sw, d)
            .into_iter()
            .filter(|p| d.badness(p) > 0.0)
        {
            worst_at[index(pt)] += 1;
        }
        worsts.push(worst);
    }
    let order = worst_first(&worst_at, &worsts);
    let (kept, out) = order.split_at(MAX_SERIES);
    let mut part = sw.clone_without_points();
    part.points = (sw.points.iter())
        .filter(|p| kept.contains(&index(p)))
        .cloned()
        .collect();
    let mut left: Vec<usize> = out.to_vec();
    left.sort_unstable();
    (part, left.into_iter().map(|i| names[i].clone()).collect())
}

/// The banks in the order they are kept: every point's worst bank by either figure first
/// (most often worst first, then the worse at its worst point), then those bad by some
/// figure, each figure's worst in turn (by the worse of the two alone, a trial's 34 banks
/// kept six credit unions short of coverage and at no 429s, and left out the two banks
/// refusing 30.6 % and 12.7 % of their calls, in its own-429s chart; a figure with no
/// bad bank left passes its turn), then the rest by the worse of their figures; equals in
/// file order. `worst_at[b]` counts the points bank `b` is worst at, `worsts[f][b]` is its
/// worst by figure `f` (higher worse, 0 none).
fn worst_first(worst_at: &[usize], worsts: &[Vec<f64>]) -> Vec<usize> {
    let n = worst_at.len();
    let severity = |b: usize| (worsts.iter()).fold(f64::NEG_INFINITY, |m, w| m.max(w[b]));
    let by_severity = |a: &usize, b: &usize| severity(*b).total_cmp(&severity(*a)).then(a.cmp(b));
    let mut order: Vec<usize> = (0..n).filter(|&b| worst_at[b] > 0).collect();
    order.sort_by(|a, b| worst_at[*b].cmp(&worst_at[*a]).then(by_severity(a, b)));
    let mut rankings: Vec<std::vec::IntoIter<usize>> = (worsts.iter())
        .map(|w| {
            let mut bad: Vec<usize> = (0..n).filter(|&b| w[b] > 0.0).collect();
            bad.sort_by(|a, b| w[*b].total_cmp(&w[*a]).then(a.cmp(b)));
            bad.into_iter()
        })
        .collect();
    loop {
        let mut took = false;
        for ranking in &mut rankings {
            if let Some(b) = ranking.find(|b| !order.contains(b)) {
                order.push(b);
                took = true;
            }
        }
        if !took {
            break;
        }
    }
    let mut rest: Vec<usize> = (0..n).filter(|b| !order.contains(b)).collect();
    rest.sort_by(by_severity);
    order.extend(rest);
    order
}

#[cfg(test)]
mod tests {
    use super::super::tests::banks;
    use super::super::DRAWN;
    use super::*;

    /// Banks bad by some figure come before those bad by none, each figure's in turn: a
    /// figure with none bad (no 429s anywhere) takes no turn (by file order it had kept
    /// clean banks over two short of coverage); points' worst banks first, the worse of
    /// equal counts first; without figures, file order.
    #[test]
    fn each_figures_bad_banks_come_in_turn() {
        let none = vec![0.0; 9];
        let cov = vec![0.0, 0.0, 0.0, 0.0, 0.04, 0.1, 0.2, 0.05, 0.3];
        let order = worst_first(&[0; 9], &[none.clone(), cov.clone()]);
        assert_eq!(order, [8, 6, 5, 7, 4, 0, 1, 2, 3]);
        let fails = vec![0.0, 0.0, 0.0, 0.3, 0.1, 0.0, 0.0, 0.0, 0.0];
        let order = worst_first(&[0; 9], &[fails.clone(), cov.clone()]);
        assert_eq!(order, [3, 8, 4, 6, 5, 7, 0, 1, 2]);
        let mut at = [0; 9];
        (at[5], at[8]) = (1, 1);
        assert_eq!(worst_first(&at, &[fails, cov])[..3], [8, 5, 3]);
        assert_eq!(worst_first(&[0; 3], &[]), [0, 1, 2]);
    }

    /// Beyond seven banks: each point's worst by either figure kept, then the worst at any
    /// point; the same banks for every chart.
    #[test]
    fn beyond_seven_banks_the_worst_are_kept() {
        let f = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.05];
        let names: Vec<String> = (0..8).map(|b| format!("b{b}")).collect();
        let pts: Vec<(&str, &str, &str, f64)> = ["8", "64"]
            .iter()
            .flat_map(|c| {
                names
                    .iter()
                    .zip(f)
                    .map(move |(n, f)| ("1000", *c, n.as_str(), f))
            })
            .collect();
        let (kept, left) = keep_worst(&banks(&pts), &[&DRAWN[0], &DRAWN[1]]);
        // b6 fails most and b7 is least covered at both points; then the failures' worst
        // (b5, b4, b3) and the coverage's (b0, b1) in turn: b2, the next by either, is left
        // out (by the worse of its two figures it was among the worst, b4 the least bad).
        assert_eq!(left, ["b2"]);
        assert_eq!(kept.points.len(), 14);
        assert!(kept.points.iter().all(|p| p.params[2] != "b2"));
    }
}
