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

use crate::error::{Error, Result};
use crate::experiment::sweep::{self, reject_lists, split_top_level, split_values};
use crate::metric::Metric;
use crate::output::paired::{self, PairedRow};
use crate::output::summary::SummaryRow;
use crate::output::{self as writers, write_atomic};
use crate::rng::replication_seed;
use crate::scenario::{Scenario, Source, StrategyKind};
use crate::sim;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

mod render;
pub use render::markdown;

/// The strategies compared when `--strategies` is not given; the first is the baseline.
pub const DEFAULT_STRATEGIES: &str = "queued,aimd,paced,random_offset";

/// The metrics compared, in the order of `paired.csv`'s rows and `paired.md`'s columns:
/// the background's (every failure, and the client's own 429s, which `plan` bounds), then
/// what customers meet (the age of the data when they open the app,
/// the share of their requests that fail, their wait). The time with data a day old beside
/// the 95th percentile: a client that leaves connections never refreshed has an infinite
/// percentile, and a trial's comparison against one read "—" for every age. The tail beside
/// them (the 99th percentile, the time with data two days old): a trial asked what shortened
/// "data a week old" and found the 95th percentile alone said little.
pub const METRICS: [Metric; 14] = [
    Metric::Coverage,
    Metric::FailureRate,
    Metric::ClientFailureRate,
    Metric::AttemptsPerSuccess,
    Metric::ApiCallsPerSuccess,
    Metric::StalenessP95Hours,
    Metric::StalenessP99Hours,
    Metric::Stale24hShare,
    Metric::Stale48hShare,
    Metric::UsersPerDay,
    Metric::AtOpenP50Hours,
    Metric::AtOpenP95Hours,
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
        let each: Vec<Vec<String>> = self.variants.iter().map(|v| v.scenario.notes()).collect();
        let mut out: Vec<(String, Vec<&str>)> = Vec::new();
        for (v, notes) in self.variants.iter().zip(&each) {
            for n in notes {
                match out.iter_mut().find(|(m, _)| m == n) {
                    Some((_, items)) => items.push(&v.label),
                    None => out.push((n.clone(), vec![&v.label])),
                }
            }
        }
        out.into_iter()
            .map(|(note, items)| match items.len() == self.variants.len() {
                true => note,
                false => format!("{}: {note}", items.join(", ")),
            })
            .collect()
    }

    /// Parses the items and every variant's scenario. Errors name the item, the flag or the
    /// `--set`; the scenario with the user's `--set`s alone must be valid too.
    pub fn prepare(source: &Source, req: &Request) -> Result<Comparison> {
        check_user_sets(&req.sets)?;
        check_replications(req.replications)?;
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
                    message: format!("--strategies item `{label}`: {}", e.message),
                })?;
                Ok(Variant {
                    label,
                    item,
                    sets: own,
                    scenario,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Comparison {
            variants,
            baseline,
            replications: req.replications,
            seed: req.seed.unwrap_or(base.seed),
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
        let rows: Vec<Vec<SummaryRow>> = pool.install(|| {
            jobs.par_iter()
                .map(|&(v, r)| {
                    let result =
                        sim::run(&self.variants[v].scenario, replication_seed(self.seed, r));
                    SummaryRow::of_run(&result)
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

    /// Each bank's coverage differences (each variant against the baseline, in item order),
    /// bank by bank in the baseline's order: where a fix is for one bank, the all-bank
    /// difference hides it (a trial's pools read +0.84 points over the book, where its
    /// building society went from 92.4 % to 99.2 %). Empty at one bank.
    pub fn by_bank(&self, runs: &[Vec<Vec<SummaryRow>>]) -> Vec<(String, Vec<PairedRow>)> {
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
                        PairedRow::of(pair, crate::metric::Metric::Coverage, &own, &theirs)
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
                    PairedRow::of((v.label.as_str(), base.as_str()), m, &own, theirs)
                })
            })
            .collect()
    }

    /// Runs the comparison and writes `paired.csv` and `paired.md` into `out`.
    pub fn execute(&self, out: &Path, pool: &rayon::ThreadPool) -> Result<CompareOutcome> {
        let runs = self.run(pool);
        let rows = self.paired(&runs);
        let markdown = markdown(self, &rows, &self.by_bank(&runs));
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

/// The `--strategies` list: each item's label (its name, or the item), the item, and its
/// overrides; labels distinct, at least two items.
fn items(list: &str) -> Result<Vec<(String, String, Vec<String>)>> {
    let mut out: Vec<(String, String, Vec<String>)> = Vec::new();
    for (i, raw) in split_values(list).into_iter().enumerate() {
        let (label, item) = named(raw.trim());
        if item.is_empty() || label.is_empty() {
            return Err(Error::input(format!(
                "--strategies {list}: item {} is empty (items are separated by commas, e.g. \
                 queued,per_bank:concurrency=13)",
                i + 1
            )));
        }
        if out.iter().any(|(l, _, _)| l == label) {
            return Err(Error::input(format!(
                "--strategies {list}: `{label}` names two items (items and their names must be \
                 distinct)"
            )));
        }
        let sets = item_sets(item)
            .map_err(|m| Error::input(format!("--strategies item `{label}`: {m}")))?;
        out.push((label.to_string(), item.to_string(), sets));
    }
    if out.len() < 2 {
        return Err(Error::input(format!(
            "--strategies {list}: a comparison needs at least two items (e.g. queued,per_bank)"
        )));
    }
    Ok(out)
}

/// An item's name and the item: `today=queued:concurrency=8` is `today` for
/// `queued:concurrency=8` (a name is whatever precedes an `=` before the first colon, as no
/// kind holds one); an item without one is its own name. Long items made five-line labels
/// on a trial's chart.
fn named(raw: &str) -> (&str, &str) {
    let head = &raw[..raw.find(':').unwrap_or(raw.len())];
    match head.split_once('=') {
        Some((name, _)) => (name.trim(), raw[name.len() + 1..].trim()),
        None => (raw, raw),
    }
}

/// The scenario's sections an item may name a path in; any other field is the strategy's
/// (`aimd.max=40` is `strategy.aimd.max`).
const SECTIONS: [&str; 7] = [
    "window",
    "population",
    "platform",
    "strategy",
    "retry",
    "banks",
    "on_demand",
];

/// `kind:field=value:…` as overrides: `strategy.kind=kind`, then `strategy.field=value`, or,
/// for a dotted path (`platform.status=callback`, `retry.max_attempts=3`), that path of the
/// scenario as `--set` names it: a platform's settings are compared on the same luck as a
/// client's (a trial at an aggregator could only sweep them). Colons inside brackets, braces
/// and quotes belong to the value.
fn item_sets(item: &str) -> std::result::Result<Vec<String>, String> {
    let mut parts = split_top_level(item, ':').into_iter().map(str::trim);
    let kind = parts.next().unwrap_or_default();
    if !StrategyKind::NAMES.contains(&kind) {
        return Err(format!(
            "starts with `{kind}`, not a strategy kind ({})",
            StrategyKind::NAMES.join(", ")
        ));
    }
    let mut sets = vec![format!("strategy.kind={kind}")];
    for field in parts {
        let Some((name, value)) = field.split_once('=') else {
            return Err(format!(
                "`{field}` is not field=value (e.g. {kind}:concurrency=32; a value with a colon, \
                 as times of day have, goes in brackets and quotes: \
                 {kind}:hours=[\"22:00\",\"06:00\"])"
            ));
        };
        let name = name.trim();
        let section = name.split_once('.').map(|(s, _)| s);
        let path = match section.is_some_and(|s| SECTIONS.contains(&s)) {
            true => name.to_string(),
            false => format!("strategy.{name}"),
        };
        if name.is_empty() || path == "strategy.kind" {
            return Err(format!(
                "`{field}`: name a field of [strategy] other than kind (the item's first part \
                 is the kind), e.g. {kind}:concurrency=32, or a path of the scenario, e.g. \
                 {kind}:platform.status=callback"
            ));
        }
        if value.trim().is_empty() {
            return Err(format!("field `{name}` has no value"));
        }
        sets.push(format!("{path}={}", value.trim()));
    }
    Ok(sets)
}

/// The baseline's index: `--baseline`'s item (matched by its text), else the first.
fn baseline_index(
    items: &[(String, String, Vec<String>)],
    baseline: Option<&str>,
) -> Result<usize> {
    let Some(b) = baseline else {
        return Ok(0);
    };
    items
        .iter()
        .position(|(l, _, _)| l == named(b.trim()).0)
        .ok_or_else(|| {
            Error::input(format!(
                "--baseline {b}: not one of the --strategies items ({}); write it as the list does",
                items
                    .iter()
                    .map(|(l, _, _)| l.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
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
            },
        )
        .unwrap();
        let notes = c.notes();
        assert!(notes[0].starts_with("the book shrinks"), "{notes:?}");
        assert!(
            notes[1].starts_with("night: the band 22:00–06:00"),
            "{notes:?}"
        );
        assert_eq!(notes.len(), 2, "{notes:?}");
    }

    #[test]
    fn items_become_strategy_overrides() {
        assert_eq!(
            item_sets("per_bank:concurrency=13").unwrap(),
            ["strategy.kind=per_bank", "strategy.concurrency=13"]
        );
        assert_eq!(
            item_sets("random_offset : hours=[\"00:00\", \"06:00\"]").unwrap(),
            [
                "strategy.kind=random_offset",
                "strategy.hours=[\"00:00\", \"06:00\"]"
            ]
        );
        assert!(item_sets("queued:concurrency")
            .unwrap_err()
            .contains("field=value"));
        assert!(item_sets("queued:kind=bulk").unwrap_err().contains("kind"));
        assert!(item_sets("concurrency=3").is_err());
        // An unknown kind is named as one, with every kind listed (a trial's quoted item
        // read "not a strategy kind (bulk, queued, per_bank, random_offset)", four of six).
        let unknown = item_sets("foo").unwrap_err();
        assert!(unknown.contains("`foo`, not a strategy kind"), "{unknown}");
        for kind in StrategyKind::NAMES {
            assert!(unknown.contains(kind), "{unknown}");
            assert!(item_sets(kind).is_ok());
        }
        assert!(item_sets("queued:concurrency=")
            .unwrap_err()
            .contains("no value"));
        // A path of the scenario is set as written; a dotted field of [strategy] stays its.
        assert_eq!(
            item_sets("queued:platform.status=callback:retry.max_attempts=3:aimd.max=40").unwrap(),
            [
                "strategy.kind=queued",
                "platform.status=callback",
                "retry.max_attempts=3",
                "strategy.aimd.max=40"
            ]
        );
        assert!(item_sets("queued:strategy.kind=bulk")
            .unwrap_err()
            .contains("kind"));
    }

    #[test]
    fn lists_are_distinct_and_at_least_two() {
        let labels =
            |l: &str| items(l).map(|v| v.into_iter().map(|(l, _, _)| l).collect::<Vec<_>>());
        assert_eq!(
            labels("queued, per_bank:pools={ a = 1, b = 2 }").unwrap(),
            ["queued", "per_bank:pools={ a = 1, b = 2 }"]
        );
        // Named items: the name labels the item, which runs as written.
        let named = items("today = queued, rec=per_bank:pools={ a = 1, b = 2 }").unwrap();
        assert_eq!(
            named[1],
            (
                "rec".to_string(),
                "per_bank:pools={ a = 1, b = 2 }".to_string(),
                vec![
                    "strategy.kind=per_bank".to_string(),
                    "strategy.pools={ a = 1, b = 2 }".to_string()
                ]
            )
        );
        assert_eq!(named[0].0, "today");
        // `--baseline` takes the name, or the named item as the list writes it.
        assert_eq!(baseline_index(&named, Some("rec")).unwrap(), 1);
        assert_eq!(baseline_index(&named, Some("today = queued")).unwrap(), 0);
        assert!(labels("a=queued,a=bulk")
            .unwrap_err()
            .message
            .contains("names two items"));
        assert!(labels("=queued,bulk")
            .unwrap_err()
            .message
            .contains("empty"));
        assert!(labels("queued,queued")
            .unwrap_err()
            .message
            .contains("names two items"));
        assert!(labels("queued")
            .unwrap_err()
            .message
            .contains("at least two"));
        assert!(labels("queued,,bulk")
            .unwrap_err()
            .message
            .contains("item 2 is empty"));
        let two = items("queued,bulk").unwrap();
        assert_eq!(baseline_index(&two, Some("bulk")).unwrap(), 1);
        assert!(baseline_index(&two, Some("per_bank"))
            .unwrap_err()
            .message
            .contains("--baseline per_bank"));
    }
}
