//! Paired comparison of strategies (`refresh-sim compare`): every variant × `R` replications,
//! each variant's metrics set against a baseline's, replication by replication.
//!
//! A variant is a `--strategies` item: a strategy kind, optionally with fields of the
//! `[strategy]` table (`per_bank:concurrency=13`, `queued:concurrency=32:loop=false`), applied
//! as `strategy.<field>` overrides on top of the scenario and the user's `--set`s. Replication
//! `r` of every variant runs on the seed [`replication_seed`]`(base, r)`, so the variants of
//! one replication share their connections, banks, consents and service-time draws (common
//! random numbers): replication `r` of a variant and of the baseline are a pair, and the
//! spread of their differences is the spread of the model's response to the strategy, not of
//! the luck both sides shared. That is why a paired interval is usually much narrower than
//! the two variants' separate intervals suggest.
//!
//! Runs are spread over a local rayon pool (across runs only, as in the sweep); results are
//! collected in (variant, replication) order, so the files do not depend on the thread count.
//! Everything is parsed and checked before the first run, and nothing is written on bad input.

use super::notes::{once_each, unread_elsewhere};
use crate::error::{Error, Result};
use crate::experiment::sweep::{self, reject_lists};
use crate::metric::Metric;
use crate::output::paired::{self, Bound, PairedRow};
use crate::output::summary::SummaryRow;
use crate::output::{self as writers, write_atomic};
use crate::rng::replication_seed;
use crate::scenario::{Scenario, Source};
use crate::sim;
use items::{baseline_index, items, own_sets};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

mod items;
mod render;
pub use render::markdown;

/// Each bank's paired rows of one metric: the bank, and a row per variant in item order.
pub type BankRows = Vec<(String, Vec<PairedRow>)>;

/// The strategies compared when `--strategies` is not given; the first is the baseline.
pub const DEFAULT_STRATEGIES: &str = "queued,aimd,paced,random_offset";

/// The metrics compared, in the order of `paired.csv`'s rows and `paired.md`'s columns:
/// the background's (every failure, and the client's own 429s, which `plan` bounds), then
/// what customers meet (the age of the data when they open the app,
/// the share of their requests that fail, their wait). The time with data a day old beside
/// the 95th percentile: a client that leaves connections never refreshed has an infinite
/// percentile, and a trial's comparison against one read "—" for every age. The tail beside
/// them (the 99th percentile, the time with data two days old): a trial asked what shortened
/// "data a week old" and found the 95th percentile alone said little. The API calls in all
/// beside those per success: refreshing twice a day doubles the calls at the same cost per
/// success, which a trial's comparison could not show. The share of app opens that find data
/// a day old, beside the ages at opens: the figure a trial's planning doc led with, which
/// `compare` had left to `summary.csv`. The coverage of each period beside coverage, where
/// some item's period is shorter than a day (a daily item's is its coverage; empty, and not
/// shown, where every item's period is a day or more). The background's own coverage beside
/// them where customers fetch: their fetches count in coverage, and a trial's queue read
/// 91.4 % with them and 77.0 % without (shown only with customers, where it differs). The own
/// 429s at each strategy's worst bank beside those in all, where they differ: a trial's risk
/// rule was "under 2 % at any bank", and a pace at 3.9 % in all read 25.8 % at one bank.
pub const METRICS: [Metric; 20] = [
    Metric::Coverage,
    Metric::PeriodCoverage,
    Metric::BackgroundCoverage,
    Metric::FailureRate,
    Metric::ClientFailureRate,
    Metric::WorstBankClientFailureRate,
    Metric::AttemptsPerSuccess,
    Metric::ApiCallsPerSuccess,
    Metric::ApiCalls,
    Metric::StalenessP95Hours,
    Metric::StalenessP99Hours,
    Metric::Stale24hShare,
    Metric::Stale48hShare,
    Metric::UsersPerDay,
    Metric::AtOpenP50Hours,
    Metric::AtOpenP95Hours,
    Metric::Stale24hAtOpenShare,
    Metric::NotFreshAtOpenShare,
    Metric::OnDemandFailureRate,
    Metric::OnDemandP95Seconds,
];

/// What the command line asks for, unchecked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Request {
    /// `--strategies`: comma-separated items; `None` for [`DEFAULT_STRATEGIES`].
    pub strategies: Option<String>,
    /// `--baseline`: one of the items, as written; `None` for the first.
    pub baseline: Option<String>,
    pub replications: u32,
    /// Base seed; `None`: the scenario's.
    pub seed: Option<u64>,
    /// The user's `--set path=value` overrides, applied to every variant.
    pub sets: Vec<String>,
    /// `--rank-by`: a [`METRICS`] column; `None` for coverage.
    pub rank_by: Option<String>,
    /// `--max-failure-rate`: a bound on each strategy's own 429s (a share); a strategy over
    /// it ranks after those within it.
    pub max_failure_rate: Option<f64>,
    /// `--max-bank-failure-rate`: the same bound at each bank, over its attempts (one of the
    /// two at most).
    pub max_bank_failure_rate: Option<f64>,
}

/// One strategy to compare: its item, and the scenario it runs.
#[derive(Clone, Debug)]
pub struct Variant {
    /// The `--strategies` item's name (`today=queued`: `today`), else the item as written
    /// (trimmed): how files and tables name it.
    pub label: String,
    /// The item as written, without its name.
    pub item: String,
    /// The overrides it adds to the user's: `strategy.kind=…`, then its fields.
    pub sets: Vec<String>,
    pub scenario: Scenario,
}

/// A validated comparison: every variant parsed and checked, nothing run or written yet.
#[derive(Clone, Debug)]
pub struct Comparison {
    pub variants: Vec<Variant>,
    /// Index of the baseline in `variants`.
    pub baseline: usize,
    pub replications: u32,
    pub seed: u64,
    /// What the strategies are ranked by (`paired.csv`'s `ranked_by`).
    pub rank_by: Metric,
    /// The bound on each strategy's own 429s (`paired.csv`'s `max_failure_rate` or
    /// `max_bank_failure_rate`).
    pub bound: Option<Bound>,
}

/// What an executed comparison found and wrote.
#[derive(Clone, Debug)]
pub struct CompareOutcome {
    /// The rows of `paired.csv`: variants in item order, [`METRICS`] within each.
    pub rows: Vec<PairedRow>,
    /// `paired.md`'s text (also printed).
    pub markdown: String,
    pub files: Vec<PathBuf>,
    pub threads: usize,
}

impl Comparison {
    /// What `run` would note of each item's scenario, each said once: for every item where
    /// all have it, else naming the items (a trial's night band across the days' boundary
    /// lost 11 points of coverage to counting by calendar day, noted by `check` but not by
    /// `compare`, which ranked it on that coverage).
    pub fn notes(&self) -> Vec<String> {
        let each: Vec<Vec<String>> = (self.variants.iter())
            .map(|v| {
                let mut notes = v.scenario.notes();
                notes.retain(|n| !unread_elsewhere(n, &v.sets));
                notes
            })
            .collect();
        once_each(each)
            .into_iter()
            .map(|(note, items)| match items.len() == self.variants.len() {
                true => note,
                false => {
                    let labels: Vec<&str> = (items.iter())
                        .map(|&i| self.variants[i].label.as_str())
                        .collect();
                    format!("{}: {note}", labels.join(", "))
                }
            })
            .collect()
    }

    /// Parses the items and every variant's scenario. Errors name the item, the flag or the
    /// `--set`; the scenario with the user's `--set`s alone must be valid too.
    pub fn prepare(source: &Source, req: &Request) -> Result<Comparison> {
        check_user_sets(&req.sets)?;
        check_replications(req.replications)?;
        let rank_by = rank_by(req.rank_by.as_deref())?;
        let bound = check_bound(req)?;
        let base = source.parse(&req.sets)?;
        let items = items(req.strategies.as_deref().unwrap_or(DEFAULT_STRATEGIES))?;
        let baseline = baseline_index(&items, req.baseline.as_deref())?;
        let variants = items
            .into_iter()
            .map(|(label, item, own)| {
                let mut sets = req.sets.clone();
                sets.extend(own.iter().cloned());
                let scenario = source.parse(&sets).map_err(|e| Error {
                    kind: e.kind,
                    message: format!(
                        "--strategies item `{label}`: {}",
                        own_sets(&e.message, &own)
                    ),
                })?;
                Ok(Variant {
                    label,
                    item,
                    sets: own,
                    scenario,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let short = |v: &Variant| v.scenario.schedule.is_short();
        if rank_by == Metric::PeriodCoverage && !variants.iter().any(short) {
            return Err(Error::input(
                "--rank-by period_coverage: no item's strategy.period is shorter than a day, so \
                 each item's is its coverage; rank by coverage (the default)"
                    .to_string(),
            ));
        }
        Ok(Comparison {
            variants,
            baseline,
            replications: req.replications,
            seed: req.seed.unwrap_or(base.seed),
            rank_by,
            bound,
        })
    }

    /// The scenario's name (the same for every variant).
    pub fn scenario_name(&self) -> &str {
        &self.variants[self.baseline].scenario.name
    }

    /// `output/<scenario name>/compare`.
    pub fn default_out(&self) -> PathBuf {
        Path::new("output")
            .join(self.scenario_name())
            .join("compare")
    }

    /// Some item's period is shorter than a day: the coverage of each period is compared
    /// (a daily item's is its coverage), and each bank's difference is in it.
    pub fn periods_differ(&self) -> bool {
        (self.variants.iter()).any(|v| v.scenario.schedule.is_short())
    }

    /// What each bank's differences are shown in: the coverage of each period where some
    /// item's period is shorter than a day, else coverage; then the client's own 429s.
    fn bank_metrics(&self) -> [Metric; 2] {
        match self.periods_differ() {
            true => [Metric::PeriodCoverage, Metric::ClientFailureRate],
            false => [Metric::Coverage, Metric::ClientFailureRate],
        }
    }

    /// Total runs: variants × replications.
    pub fn runs(&self) -> usize {
        self.variants.len() * self.replications as usize
    }

    /// Runs every variant's replications on `pool`: per variant, the summary rows of each
    /// replication (its banks', then `bank = all`), in replication order.
    pub fn run(&self, pool: &rayon::ThreadPool) -> Vec<Vec<Vec<SummaryRow>>> {
        let jobs: Vec<(usize, u32)> = (0..self.variants.len())
            .flat_map(|v| (0..self.replications).map(move |r| (v, r)))
            .collect();
        let periods = self.periods_differ();
        let rows: Vec<Vec<SummaryRow>> = pool.install(|| {
            jobs.par_iter()
                .map(|&(v, r)| {
                    let sc = &self.variants[v].scenario;
                    let result = sim::run(sc, replication_seed(self.seed, r));
                    SummaryRow::of_run_beside_periods(&result, periods && sc.schedule.is_daily())
                })
                .collect()
        });
        rows.chunks(self.replications as usize)
            .map(<[Vec<SummaryRow>]>::to_vec)
            .collect()
    }

    /// One bank's rows (`None`: all banks') of each replication of a variant's `runs`.
    fn rows_of(runs: &[Vec<SummaryRow>], bank: Option<&str>) -> Vec<SummaryRow> {
        let pick = |rows: &Vec<SummaryRow>| match bank {
            Some(b) => rows.iter().find(|s| s.bank == b).cloned(),
            None => rows.last().cloned(),
        };
        runs.iter().filter_map(pick).collect()
    }

    /// Each bank's differences in `metric` (each variant against the baseline, in item
    /// order), bank by bank in the baseline's order: where a fix is for one bank, the
    /// all-bank difference hides it (a trial's pools read +0.84 points over the book, where
    /// its building society went from 92.4 % to 99.2 %; another's PSD2 bank failed 38 % of
    /// its attempts at six refreshes a day). Empty at one bank.
    pub fn by_bank(&self, runs: &[Vec<Vec<SummaryRow>>], metric: Metric) -> BankRows {
        let base_runs = &runs[self.baseline];
        let banks: Vec<String> = (base_runs.first().into_iter().flatten())
            .filter(|s| s.bank != "all")
            .map(|s| s.bank.clone())
            .collect();
        if banks.len() < 2 {
            return Vec::new();
        }
        let base = &self.variants[self.baseline].label;
        (banks.into_iter())
            .map(|b| {
                let theirs = Self::rows_of(base_runs, Some(&b));
                let rows = (self.variants.iter().zip(runs))
                    .map(|(v, own)| {
                        let own = Self::rows_of(own, Some(&b));
                        let pair = (v.label.as_str(), base.as_str());
                        self.ranked(PairedRow::of(pair, metric, &own, &theirs))
                    })
                    .collect();
                (b, rows)
            })
            .collect()
    }

    /// The rows of `paired.csv` from [`Comparison::run`]'s runs: each variant (the baseline
    /// included, whose differences are 0) against the baseline, metric by metric.
    pub fn paired(&self, runs: &[Vec<Vec<SummaryRow>>]) -> Vec<PairedRow> {
        let base = &self.variants[self.baseline].label;
        let theirs = Self::rows_of(&runs[self.baseline], None);
        self.variants
            .iter()
            .zip(runs)
            .flat_map(|(v, own)| {
                let own = Self::rows_of(own, None);
                let theirs = &theirs;
                METRICS.iter().map(move |&m| {
                    self.ranked(PairedRow::of(
                        (v.label.as_str(), base.as_str()),
                        m,
                        &own,
                        theirs,
                    ))
                })
            })
            .collect()
    }

    /// `row`, marked with what the comparison ranks by and its bound.
    fn ranked(&self, row: PairedRow) -> PairedRow {
        PairedRow {
            ranked_by: self.rank_by,
            max_failure_rate: (self.bound).filter(|b| !b.at_each_bank()).map(|b| b.share),
            max_bank_failure_rate: (self.bound).filter(|b| b.at_each_bank()).map(|b| b.share),
            ..row
        }
    }

    /// Runs the comparison and writes `paired.csv` and `paired.md` into `out`.
    pub fn execute(&self, out: &Path, pool: &rayon::ThreadPool) -> Result<CompareOutcome> {
        let runs = self.run(pool);
        let rows = self.paired(&runs);
        let banks = self.bank_metrics().map(|m| (m, self.by_bank(&runs, m)));
        let markdown = markdown(self, &rows, &banks);
        let csv_path = out.join(paired::FILE);
        let md_path = out.join(paired::MARKDOWN_FILE);
        writers::write(&csv_path, &rows)?;
        write_atomic(&md_path, markdown.as_bytes())?;
        crate::output::run_dir::remove_derived(out);
        Ok(CompareOutcome {
            rows,
            markdown,
            files: vec![csv_path, md_path],
            threads: pool.current_num_threads(),
        })
    }
}

/// The user's `--set`s take one value each, and leave the kind to `--strategies`.
fn check_user_sets(sets: &[String]) -> Result<()> {
    reject_lists(sets, "compare")?;
    match sets.iter().find(|s| {
        let path = s.split_once('=').map_or(s.as_str(), |(p, _)| p).trim();
        path == "strategy.kind" || path == "strategy"
    }) {
        Some(s) => Err(Error::input(format!(
            "--set {s}: `compare` takes each variant's kind from --strategies (e.g. \
             --strategies queued,per_bank); drop this --set"
        ))),
        None => Ok(()),
    }
}

/// The metric `--rank-by` names (coverage without it): one of those compared.
fn rank_by(name: Option<&str>) -> Result<Metric> {
    let Some(name) = name else {
        return Ok(Metric::Coverage);
    };
    let name = name.trim();
    match METRICS.into_iter().find(|m| m.column() == name) {
        Some(m) => Ok(m),
        None => {
            let names: Vec<&str> = METRICS.iter().map(|m| m.column()).collect();
            Err(Error::input(format!(
                "--rank-by {name}: not a metric compare compares; one of {}",
                names.join(", ")
            )))
        }
    }
}

/// A bound on the own 429s, in all or at each bank (not both: a bound at each bank bounds
/// them in all too), is a share from 0 to 1, taken as `paired.csv` writes it.
fn check_bound(req: &Request) -> Result<Option<Bound>> {
    let (metric, share) = match (req.max_failure_rate, req.max_bank_failure_rate) {
        (Some(_), Some(_)) => {
            return Err(Error::input(
                "--max-failure-rate and --max-bank-failure-rate: give one (own 429s within a \
                 share at every bank are within it in all)"
                    .to_string(),
            ))
        }
        (Some(b), None) => (Metric::ClientFailureRate, b),
        (None, Some(b)) => (Metric::WorstBankClientFailureRate, b),
        (None, None) => return Ok(None),
    };
    let bound = Bound { metric, share };
    match (0.0..=1.0).contains(&share) {
        // As `paired.csv` writes it, so that the report, reading the file, ranks as
        // `paired.md` did (0.7 % parses to 0.006999…, which a mean written 0.007000 passes).
        true => Ok(Some(Bound {
            share: crate::output::text::as_written(share),
            ..bound
        })),
        false => Err(Error::input(format!(
            "{} {share} ({}): must be a share from 0 to 1 (0.01 or 1%; 0: no own 429s at all)",
            bound.flag(),
            crate::output::text::pct(share)
        ))),
    }
}

/// At least two replications: a paired interval needs two differences.
fn check_replications(r: u32) -> Result<()> {
    if (2..=sweep::MAX_REPLICATIONS).contains(&r) {
        return Ok(());
    }
    Err(Error::input(format!(
        "--replications {r}: must be between 2 and {} (a paired interval needs at least two \
         differences)",
        sweep::MAX_REPLICATIONS
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each item's notes, said once: for all where every item has it, else naming those
    /// that do.
    #[test]
    fn notes_name_the_items_they_concern() {
        let source = crate::scenario::Source::read(std::path::Path::new("uk-mix")).unwrap();
        let c = Comparison::prepare(
            &source,
            &Request {
                strategies: Some(r#"queued,night=queued:hours=["22:00","06:00"]"#.into()),
                baseline: None,
                replications: 2,
                seed: None,
                sets: vec!["window.length=30d".into()],
                rank_by: None,
                max_failure_rate: None,
                max_bank_failure_rate: None,
            },
        )
        .unwrap();
        let notes = c.notes();
        assert!(notes[0].starts_with("the book shrinks"), "{notes:?}");
        assert!(
            notes[1].starts_with("night: the band 22:00–06:00"),
            "{notes:?}"
        );
        // uk-mix's 400,000 connections take a queue of 64 about 22 h a pass.
        assert!(
            notes[2].starts_with("night: strategy.hours: a queue of 64 slots takes about"),
            "{notes:?}"
        );
        assert_eq!(notes.len(), 3, "{notes:?}");
    }

    /// An item's bad field is the item's, not a `--set` the user never typed; the user's
    /// own `--set` is still named as one.
    #[test]
    fn an_items_error_names_the_item_not_a_set() {
        let source = Source {
            origin: "s.toml".into(),
            text: "[window]\nlength = \"1d\"\n[strategy]\nkind = \"random_offset\"\n\
                   [population]\nconnections = 100\n[[banks]]\nname = \"b\"\nshare = 1.0\n\
                   service_time = { dist = \"constant\", value = \"5s\" }\n"
                .into(),
            default_name: "s".into(),
        };
        let req = |strategies: &str, sets: &[&str]| Request {
            strategies: Some(strategies.into()),
            baseline: None,
            replications: 2,
            seed: None,
            sets: sets.iter().map(|s| s.to_string()).collect(),
            rank_by: None,
            max_failure_rate: None,
            max_bank_failure_rate: None,
        };
        let m = Comparison::prepare(&source, &req("random_offset,paced:rate=-1", &[]))
            .unwrap_err()
            .message;
        assert!(m.contains("(set by the item's strategy.rate=-1)"), "{m}");
        assert!(!m.contains("--set"), "{m}");
        let m = Comparison::prepare(&source, &req("random_offset,paced", &["strategy.rate=-1"]))
            .unwrap_err()
            .message;
        assert!(m.contains("(set by --set strategy.rate=-1)"), "{m}");
        // The item's setting comes last and wins: it is the one named.
        let both = req("random_offset,paced:rate=-1", &["strategy.rate=5"]);
        let m = Comparison::prepare(&source, &both).unwrap_err().message;
        assert!(m.contains("(set by the item's strategy.rate=-1)"), "{m}");
        // A field the file sets for its own kind is no news of another item's; one the item
        // sets itself is.
        let sets = ["strategy.concurrency=4"];
        let c = Comparison::prepare(&source, &req("random_offset,queued", &sets)).unwrap();
        assert!(c.notes().is_empty(), "{:?}", c.notes());
        let c = Comparison::prepare(&source, &req("queued,random_offset:concurrency=3", &sets));
        let notes = c.unwrap().notes();
        assert!(
            notes.len() == 1
                && notes[0].starts_with("random_offset:concurrency=3: strategy.concurrency: only"),
            "{notes:?}"
        );
        // A dotted field the item sets is its own too.
        let c = Comparison::prepare(&source, &req("random_offset,queued:aimd.max=40", &sets));
        let notes = c.unwrap().notes();
        assert!(
            notes.len() == 1 && notes[0].starts_with("queued:aimd.max=40: strategy.aimd: only"),
            "{notes:?}"
        );
    }
}
