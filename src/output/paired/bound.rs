//! `compare --max-failure-rate` and `--max-bank-failure-rate`: a bound on each strategy's
//! own 429s (the client's traffic's 429s over its attempts, as `plan` bounds them by
//! default), over every bank's attempts or at each bank. A strategy over it ranks after every
//! strategy within it, whatever the ranking's rule: a trial's comparison put a queue refused
//! 41 % of its attempts first for the freshest data, where a data recipient's unattended
//! calls past a holder's threshold are a compliance risk, not a cost; another's risk rule was
//! "under 2 % at any bank", where a pace read 3.9 % in all and 25.8 % at its building
//! society. Each row of `paired.csv` carries the bound (`max_failure_rate` or
//! `max_bank_failure_rate`), so the report ranks as `compare` did.

use super::PairedRow;
use crate::metric::Metric;
use crate::output::text::{as_written, pct};

/// A bound on each strategy's own 429s, and what it bounds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound {
    /// [`Metric::ClientFailureRate`] (over every bank's attempts, `--max-failure-rate`) or
    /// [`Metric::WorstBankClientFailureRate`] (at each bank, `--max-bank-failure-rate`).
    pub metric: Metric,
    /// The bound, a share as `paired.csv` writes it.
    pub share: f64,
}

impl Bound {
    /// The bound a row carries (a row from our writer carries one at most).
    pub fn of_row(r: &PairedRow) -> Option<Bound> {
        let at = |metric: Metric, share: Option<f64>| share.map(|share| Bound { metric, share });
        (at(Metric::ClientFailureRate, r.max_failure_rate)).or(at(
            Metric::WorstBankClientFailureRate,
            r.max_bank_failure_rate,
        ))
    }

    /// The flag that gives it.
    pub fn flag(self) -> &'static str {
        match self.at_each_bank() {
            true => "--max-bank-failure-rate",
            false => "--max-failure-rate",
        }
    }

    /// At each bank, over that bank's attempts.
    pub fn at_each_bank(self) -> bool {
        self.metric == Metric::WorstBankClientFailureRate
    }

    /// What a strategy over it did: `own 429s exceed 2.00 % of its attempts` (or `at its
    /// worst bank`, each replication's averaged, of that bank's: at least the worst of the
    /// banks' averages).
    pub fn exceeded(self) -> String {
        match self.at_each_bank() {
            true => format!(
                "own 429s at its worst bank (each replication's, averaged) exceed {} of that \
                 bank's attempts",
                pct(self.share)
            ),
            false => format!("own 429s exceed {} of its attempts", pct(self.share)),
        }
    }

    /// The bound after "within": `2.00 %` (or `2.00 % at every bank`).
    pub fn phrase(self) -> String {
        match self.at_each_bank() {
            true => format!("{} at every bank", pct(self.share)),
            false => pct(self.share),
        }
    }

    /// The bound after "over" or "past": `2.00 %` (or `2.00 % at some bank`).
    pub fn past_phrase(self) -> String {
        match self.at_each_bank() {
            true => format!("{} at some bank", pct(self.share)),
            false => pct(self.share),
        }
    }

    /// What is measured against it, for prose and headings: `own 429s` (or `own 429s at the
    /// worst bank`).
    pub fn measure(self) -> &'static str {
        match self.at_each_bank() {
            true => "own 429s at the worst bank",
            false => "own 429s",
        }
    }
}

/// The bound the rows carry (`None`: none was given).
pub fn bound(per_variant: &[&[PairedRow]]) -> Option<Bound> {
    Bound::of_row(per_variant.first()?.first()?)
}

/// Whether a strategy's own 429s (its mean, as `paired.csv` writes it; at its worst bank
/// under a bound at each bank) exceed the bound its rows carry. A strategy without the
/// figure is not over it.
pub fn over_bound(rows: &[PairedRow]) -> bool {
    let Some(b) = rows.first().and_then(Bound::of_row) else {
        return false;
    };
    (rows.iter().find(|r| r.metric == b.metric))
        .and_then(|r| r.variant_mean)
        .is_some_and(|m| as_written(m) > b.share)
}

/// The strategies within the bound ranked by `rule`, then those over it ranked by `rule`
/// among themselves (variant indices into `per_variant`, best first): a strategy over the
/// bound neither stands before nor sets back one within it.
pub(super) fn within_first(
    per_variant: &[&[PairedRow]],
    rule: impl Fn(&[&[PairedRow]]) -> Vec<usize>,
) -> Vec<usize> {
    let (within, over): (Vec<usize>, Vec<usize>) =
        (0..per_variant.len()).partition(|&v| !over_bound(per_variant[v]));
    [within, over]
        .into_iter()
        .flat_map(|part| {
            let rows: Vec<&[PairedRow]> = part.iter().map(|&v| per_variant[v]).collect();
            rule(&rows).into_iter().map(move |k| part[k])
        })
        .collect()
}

/// The ranking's words for the bound, after its rule's (empty without one).
pub fn bound_words(per_variant: &[&[PairedRow]]) -> String {
    match bound(per_variant) {
        Some(b) => format!(
            "; a strategy whose {} (`{}`) ranks after every strategy within it",
            b.exceeded(),
            b.flag()
        ),
        None => String::new(),
    }
}

/// The legend of the mark ("‡") beside a strategy [`over_bound`], where one is.
pub fn over_bound_legend(per_variant: &[&[PairedRow]]) -> Option<String> {
    let b = bound(per_variant)?;
    (per_variant.iter().any(|rows| over_bound(rows))).then(|| {
        format!(
            "‡: its {} (`{}`), so it ranks after every strategy within the bound.",
            b.exceeded(),
            b.flag()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::paired::{ranking, ranking_words, set_back};

    /// A strategy's rows: its coverage and failure-rate differences from the baseline's 0.5
    /// and 0.1, and its own 429s, under `bound`.
    fn rows(v: &str, (cov, fail, own): (f64, f64, f64), bound: Option<f64>) -> Vec<PairedRow> {
        [
            (Metric::Coverage, 0.5 + cov, cov),
            (Metric::FailureRate, 0.1 + fail, fail),
            (Metric::ClientFailureRate, own, 0.0),
        ]
        .map(|(metric, mean, d)| PairedRow {
            variant: v.into(),
            baseline: "base".into(),
            metric,
            variant_mean: Some(mean),
            baseline_mean: Some(0.5),
            difference_mean: Some(d),
            difference_sd: Some(0.0),
            difference_ci95: Some(0.0),
            replications: 2,
            lower_bound: false,
            ranked_by: Metric::Coverage,
            max_failure_rate: bound,
            max_bank_failure_rate: None,
        })
        .to_vec()
    }

    /// The ranking, its words, its legend of the bound and the strategies set back.
    fn ranked(all: &[Vec<PairedRow>]) -> (Vec<usize>, String, Option<String>, Vec<bool>) {
        let per: Vec<&[PairedRow]> = all.iter().map(Vec::as_slice).collect();
        let back = per.iter().map(|rows| set_back(&per, rows)).collect();
        (
            ranking(&per),
            ranking_words(&per),
            over_bound_legend(&per),
            back,
        )
    }

    /// The most coverage, refused past the bound, ranks after every strategy within it, the
    /// others in coverage's order; at the bound exactly is within it; without a bound,
    /// coverage's order alone.
    #[test]
    fn a_strategy_over_the_bound_ranks_after_those_within_it() {
        let all = |bound: Option<f64>| {
            [
                rows("base", (0.0, 0.0, 0.01), bound),
                rows("hammer", (0.2, 0.01, 0.41), bound),
                rows("edge", (0.1, 0.0, 0.05), bound),
            ]
        };
        let (order, words, legend, _) = ranked(&all(Some(0.05)));
        assert_eq!(order, [2, 0, 1]);
        assert!(words.ends_with(
            "; a strategy whose own 429s exceed 5.00 % of its attempts (`--max-failure-rate`) \
             ranks after every strategy within it"
        ));
        assert!(legend.is_some_and(|l| l.starts_with("‡: its own 429s exceed 5.00 % of its")));
        let (order, words, legend, _) = ranked(&all(None));
        assert_eq!(order, [1, 2, 0]);
        assert!(!words.contains("max-failure-rate"));
        assert_eq!(legend, None);
        // A bound every strategy keeps: no mark, no legend.
        assert_eq!(ranked(&all(Some(0.5))).2, None);
    }

    /// A strategy over the bound that fails far less in all (its 5xx fewer) sets back no
    /// strategy within it, which coverage's rule alone would: the two sides rank apart.
    #[test]
    fn only_a_strategy_on_the_same_side_sets_one_back() {
        let all = |bound: Option<f64>| {
            [
                rows("base", (0.0, 0.0, 0.0), bound),
                rows("within", (0.10, 0.09, 0.02), bound),
                rows("over", (0.05, -0.08, 0.20), bound),
            ]
        };
        let (order, _, _, back) = ranked(&all(None));
        assert_eq!((order, back), (vec![2, 1, 0], vec![true, true, false]));
        let (order, _, _, back) = ranked(&all(Some(0.05)));
        assert_eq!((order, back), (vec![1, 0, 2], vec![false, false, false]));
    }

    /// Under a bound at each bank, a strategy's own 429s at its worst bank are held to it, not
    /// those over every bank's attempts: a pace at 1.9 % in all and 25.8 % at its worst bank
    /// is past 2 % at some bank, ranked after a queue at 1.5 % in all and 1.9 % at its worst,
    /// though its coverage is higher.
    #[test]
    fn a_bound_at_each_bank_reads_the_worst_bank() {
        let at_each = |v: &str, cov: f64, own: f64, worst: f64| {
            let mut r = rows(v, (cov, 0.0, own), None);
            r.push(PairedRow {
                metric: Metric::WorstBankClientFailureRate,
                variant_mean: Some(worst),
                ..r[2].clone()
            });
            r.iter_mut()
                .for_each(|r| r.max_bank_failure_rate = Some(0.02));
            r
        };
        let all = [
            at_each("base", 0.0, 0.01, 0.015),
            at_each("paced", 0.1, 0.019, 0.258),
            at_each("queue", 0.05, 0.015, 0.019),
        ];
        let (order, words, legend, _) = ranked(&all);
        assert_eq!(order, [2, 0, 1]);
        assert!(words.ends_with(
            "; a strategy whose own 429s at its worst bank (each replication's, averaged) exceed \
             2.00 % of that bank's attempts (`--max-bank-failure-rate`) ranks after every \
             strategy within it"
        ));
        assert!(
            legend.is_some_and(|l| l.starts_with("‡: its own 429s at its worst bank")
                && l.ends_with("within the bound."))
        );
        let per: Vec<&[PairedRow]> = all.iter().map(Vec::as_slice).collect();
        let b = bound(&per).unwrap();
        assert_eq!(
            (b.flag(), b.phrase(), b.past_phrase()),
            (
                "--max-bank-failure-rate",
                "2.00 % at every bank".into(),
                "2.00 % at some bank".into()
            )
        );
    }

    /// A `paired.csv` from before the bound (no `max_failure_rate` column) reads without one.
    #[test]
    fn a_file_from_before_the_bound_reads_without_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("paired.csv");
        std::fs::write(
            &path,
            "variant,baseline,metric,variant_mean,baseline_mean,difference_mean,difference_sd,\
             difference_ci95,replications,lower_bound,ranked_by\n\
             a,a,coverage,0.5,0.5,0,0,0,2,false,coverage\n",
        )
        .unwrap();
        let read: Vec<PairedRow> = crate::output::read(&path).unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].max_failure_rate, None);
        // One from before the bound at each bank reads with its bound.
        std::fs::write(
            &path,
            "variant,baseline,metric,variant_mean,baseline_mean,difference_mean,difference_sd,\
             difference_ci95,replications,lower_bound,ranked_by,max_failure_rate\n\
             a,a,coverage,0.5,0.5,0,0,0,2,false,coverage,0.01\n",
        )
        .unwrap();
        let read: Vec<PairedRow> = crate::output::read(&path).unwrap();
        let b = Bound::of_row(&read[0]).unwrap();
        assert_eq!((b.metric, b.share), (Metric::ClientFailureRate, 0.01));
        assert_eq!(read[0].max_bank_failure_rate, None);
    }
}
