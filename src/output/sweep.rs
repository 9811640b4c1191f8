//! A sweep's files: `sweep.csv` (one row per point × replication: the grid's columns,
//! `replication`, then the run's `summary.csv` row for `bank = all`), the journal the sweep
//! appends while it runs (the same rows with the point's index first), and
//! `sweep_summary.csv` (one row per point: the grid's columns, what the point ran, and each
//! [`Metric`]'s mean, standard deviation and 95 % half-width over the replications; after
//! each data age's, `<metric>_lower_bound`: `true` where a replication's age was past the age
//! histogram's horizon, so that the mean is at least what is written).
//!
//! Where a run has two banks or more, each bank's rows follow in two files of the same
//! layouts: `sweep_banks.csv` (as `sweep.csv`, its summary columns a bank's row of
//! `summary.csv`) and `sweep_banks_summary.csv` (as `sweep_summary.csv`, with a `bank` column
//! after the grid's): which bank fails first as the grid moves.
//!
//! The grid's columns vary from sweep to sweep, so these headers are built from them; what
//! follows the grid's columns is fixed, and readers check it.

use super::summary::SummaryRow;
use super::{csv_error, row_error, Record};
use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::metrics::past_horizon;
use crate::stats::Estimate;
use csv::StringRecord;
use std::path::Path;

pub const SWEEP_FILE: &str = "sweep.csv";
pub const SUMMARY_FILE: &str = "sweep_summary.csv";
pub const BANKS_FILE: &str = "sweep_banks.csv";
pub const BANKS_SUMMARY_FILE: &str = "sweep_banks_summary.csv";

/// One run of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepRow {
    /// The point's value of each grid column.
    pub params: Vec<String>,
    pub replication: u32,
    /// The run's `bank = all` row.
    pub run: SummaryRow,
    /// Each bank's row, in the scenario's order, where the run had two banks or more (one
    /// bank's would repeat `run`); empty as read from `sweep.csv`.
    pub banks: Vec<SummaryRow>,
}

/// The columns of `sweep.csv` for a grid whose columns are `params`.
pub fn sweep_header(params: &[String]) -> Vec<String> {
    let mut h = params.to_vec();
    h.push("replication".into());
    h.extend(SummaryRow::HEADER.iter().map(|s| s.to_string()));
    h
}

/// A header-less writer: the headers here are built, not derived.
fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new())
}

impl SweepRow {
    /// The row as one CSV line, with the point's index first when it is for the journal.
    pub fn line(&self, point: Option<usize>) -> Result<Vec<u8>> {
        self.line_of(&self.run, point)
    }

    /// The line of `run` (this row's, or one of its banks') under this row's point.
    pub fn line_of(&self, run: &SummaryRow, point: Option<usize>) -> Result<Vec<u8>> {
        let mut w = writer();
        match point {
            Some(p) => w.serialize((p, &self.params, self.replication, run)),
            None => w.serialize((&self.params, self.replication, run)),
        }
        .map_err(csv_error)?;
        w.into_inner().map_err(|e| Error::io(format!("csv: {e}")))
    }

    /// Parses a record whose first `nparams` fields are the grid's (after the point's index,
    /// if `with_point`); the error says which field is wrong.
    pub fn parse(rec: &StringRecord, nparams: usize, with_point: bool) -> csv::Result<SweepRow> {
        let skip = with_point as usize;
        let params = rec
            .iter()
            .skip(skip)
            .take(nparams)
            .map(String::from)
            .collect();
        let replication: u32 = rec.get(skip + nparams).unwrap_or("").parse().map_err(|_| {
            csv::Error::from(std::io::Error::other(format!(
                "replication `{}` is not a whole number",
                rec.get(skip + nparams).unwrap_or("")
            )))
        })?;
        let tail: StringRecord = rec.iter().skip(skip + nparams + 1).collect();
        // A file from before the summary's added columns has fewer: they read as empty.
        let n = tail.len().clamp(
            SummaryRow::HEADER.len() - SummaryRow::ADDED,
            SummaryRow::HEADER.len(),
        );
        let names = StringRecord::from(SummaryRow::HEADER[..n].to_vec());
        Ok(SweepRow {
            params,
            replication,
            run: tail.deserialize(Some(&names))?,
            banks: vec![],
        })
    }
}

/// The grid's columns of a file whose header ends with `tail`, or an error naming the file.
fn grid_columns(path: &Path, header: &StringRecord, tail: &[String]) -> Result<Vec<String>> {
    let n = header.len().saturating_sub(tail.len());
    let expected: Vec<&str> = header
        .iter()
        .take(n)
        .chain(tail.iter().map(String::as_str))
        .collect();
    super::check_header(path, header, &expected)?;
    Ok(header.iter().take(n).map(String::from).collect())
}

/// `sweep.csv`'s bytes.
pub fn sweep_csv<'a>(
    params: &[String],
    rows: impl IntoIterator<Item = &'a SweepRow>,
) -> Result<Vec<u8>> {
    let mut out = writer();
    out.write_record(sweep_header(params)).map_err(csv_error)?;
    let mut bytes = out
        .into_inner()
        .map_err(|e| Error::io(format!("csv: {e}")))?;
    for r in rows {
        bytes.extend(r.line(None)?);
    }
    Ok(bytes)
}

/// `sweep_banks.csv`'s bytes: `sweep.csv`'s layout, each run's banks' rows in its place.
pub fn banks_csv<'a>(
    params: &[String],
    rows: impl IntoIterator<Item = &'a SweepRow>,
) -> Result<Vec<u8>> {
    let mut bytes = sweep_csv(params, [])?;
    for r in rows {
        for bank in &r.banks {
            bytes.extend(r.line_of(bank, None)?);
        }
    }
    Ok(bytes)
}

/// `sweep_banks_summary.csv`'s columns before the summary's: the grid's, then `bank`.
pub fn banks_columns(params: &[String]) -> Vec<String> {
    let mut columns = params.to_vec();
    columns.push("bank".into());
    columns
}

/// Reads `sweep.csv`: the grid's columns and the rows. A file written before the summary's
/// last columns were added ([`Record::ADDED`]) reads without them.
pub fn read_sweep(path: &Path) -> Result<(Vec<String>, Vec<SweepRow>)> {
    let (mut r, header) = super::open(path)?;
    let tail = sweep_header(&[]);
    let older = |k: usize| grid_columns(path, &header, &tail[..tail.len() - k]).ok();
    let params = match (0..=SummaryRow::ADDED).find_map(older) {
        Some(params) => params,
        None => grid_columns(path, &header, &tail)?,
    };
    let rows = r
        .records()
        .map(|rec| {
            rec.and_then(|rec| SweepRow::parse(&rec, params.len(), false))
                .map_err(|e| row_error(path, e))
        })
        .collect::<Result<_>>()?;
    Ok((params, rows))
}

/// One point of a sweep, summarised over its replications.
#[derive(Clone, Debug, PartialEq)]
pub struct PointRow {
    pub params: Vec<String>,
    /// What the point ran (from its first replication).
    pub scenario: String,
    pub strategy: String,
    pub concurrency: Option<u32>,
    pub replications: usize,
    /// One estimate per [`Metric::ALL`], `None` when no replication measured it.
    pub stats: Vec<Option<Estimate>>,
    /// The data ages ([`Metric::is_age`]) of which a replication's was past the age
    /// histogram's horizon: their means are lower bounds.
    pub lower_bounds: Vec<Metric>,
}

/// The columns of `sweep_summary.csv` after the grid's (`bounds`: with the data ages'
/// `_lower_bound` columns, which files written before them lack).
fn summary_tail(bounds: bool) -> Vec<String> {
    let mut h: Vec<String> = ["scenario", "strategy", "concurrency", "replications"]
        .map(String::from)
        .to_vec();
    for m in Metric::ALL {
        h.extend(["mean", "sd", "ci95"].map(|s| format!("{m}_{s}")));
        if bounds && m.is_age() {
            h.push(format!("{m}_lower_bound"));
        }
    }
    h
}

/// Six decimals without a negative zero (stable bytes); empty when absent.
fn fixed6(x: Option<f64>) -> String {
    x.map(|x| format!("{:.6}", if x == 0.0 { 0.0 } else { x }))
        .unwrap_or_default()
}

impl PointRow {
    /// The point's replications (`runs`, non-empty) summarised: mean, sd and Student-t
    /// half-width of each metric.
    pub fn of(params: &[String], runs: &[&SummaryRow]) -> PointRow {
        let stats = Metric::ALL
            .iter()
            .map(|&m| Estimate::of(&runs.iter().filter_map(|r| r.metric(m)).collect::<Vec<_>>()))
            .collect();
        let past = |m: Metric, r: &&SummaryRow| {
            r.metric(m)
                .is_some_and(|h| past_horizon(h, r.age_horizon_hours))
        };
        let lower_bounds = Metric::ALL
            .into_iter()
            .filter(|&m| m.is_age() && runs.iter().any(|r| past(m, r)))
            .collect();
        PointRow {
            params: params.to_vec(),
            scenario: runs[0].scenario.clone(),
            strategy: runs[0].strategy.clone(),
            concurrency: runs[0].concurrency,
            replications: runs.len(),
            stats,
            lower_bounds,
        }
    }

    pub fn stat(&self, m: Metric) -> Option<Estimate> {
        self.stats[Metric::ALL
            .iter()
            .position(|&x| x == m)
            .expect("every metric")]
    }

    fn fields(&self) -> Vec<String> {
        let mut f = self.params.clone();
        f.extend([
            self.scenario.clone(),
            self.strategy.clone(),
            self.concurrency.map(|c| c.to_string()).unwrap_or_default(),
            self.replications.to_string(),
        ]);
        for (m, e) in Metric::ALL.into_iter().zip(&self.stats) {
            f.push(fixed6(e.map(|e| e.mean)));
            f.push(fixed6(e.and_then(|e| e.sd)));
            f.push(fixed6(e.and_then(|e| e.ci95)));
            if m.is_age() {
                f.push(match e {
                    Some(_) => self.lower_bounds.contains(&m).to_string(),
                    None => String::new(),
                });
            }
        }
        f
    }

    /// A row with the data ages' `_lower_bound` columns if `bounds` (else an older file's:
    /// no mean marked).
    fn parse(
        rec: &StringRecord,
        nparams: usize,
        bounds: bool,
    ) -> std::result::Result<PointRow, String> {
        let field = |i: usize| rec.get(nparams + i).unwrap_or("");
        let num = |i: usize| -> std::result::Result<Option<f64>, String> {
            let s = field(i);
            match s {
                "" => Ok(None),
                s => s
                    .parse()
                    .map(Some)
                    .map_err(|_| format!("field {}: `{s}` is not a number", nparams + i + 1)),
            }
        };
        let replications: usize = field(3)
            .parse()
            .map_err(|_| format!("replications `{}` is not a whole number", field(3)))?;
        let mut stats = Vec::with_capacity(Metric::ALL.len());
        let mut lower_bounds = Vec::new();
        let mut i = 4;
        for m in Metric::ALL {
            let (mean, sd, ci95) = (num(i)?, num(i + 1)?, num(i + 2)?);
            i += 3;
            stats.push(mean.map(|mean| Estimate {
                n: replications,
                mean,
                sd,
                ci95,
            }));
            if bounds && m.is_age() {
                match field(i) {
                    "true" => lower_bounds.push(m),
                    "false" | "" => {}
                    s => return Err(format!("{m}_lower_bound `{s}` is not true or false")),
                }
                i += 1;
            }
        }
        Ok(PointRow {
            params: rec.iter().take(nparams).map(String::from).collect(),
            scenario: field(0).to_string(),
            strategy: field(1).to_string(),
            concurrency: match field(2) {
                "" => None,
                c => Some(
                    c.parse()
                        .map_err(|_| format!("concurrency `{c}` is not a whole number"))?,
                ),
            },
            replications,
            stats,
            lower_bounds,
        })
    }
}

/// `sweep_summary.csv`'s bytes.
pub fn summary_csv(params: &[String], points: &[PointRow]) -> Result<Vec<u8>> {
    let mut w = writer();
    let mut header = params.to_vec();
    header.extend(summary_tail(true));
    w.write_record(&header).map_err(csv_error)?;
    for p in points {
        w.write_record(p.fields()).map_err(csv_error)?;
    }
    w.into_inner().map_err(|e| Error::io(format!("csv: {e}")))
}

/// Reads `sweep_summary.csv`: the grid's columns and the points.
pub fn read_summary(path: &Path) -> Result<(Vec<String>, Vec<PointRow>)> {
    let (mut r, header) = super::open(path)?;
    // A file written before the `_lower_bound` columns is read as it is.
    let (params, bounds) = match grid_columns(path, &header, &summary_tail(true)) {
        Ok(p) => (p, true),
        Err(e) => match grid_columns(path, &header, &summary_tail(false)) {
            Ok(p) => (p, false),
            Err(_) => return Err(e),
        },
    };
    let mut points = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| row_error(path, e))?;
        let p = PointRow::parse(&rec, params.len(), bounds)
            .map_err(|e| Error::input(format!("{}: line {}: {e}", path.display(), i + 2)))?;
        points.push(p);
    }
    Ok((params, points))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(rep: u32, coverage: f64) -> SweepRow {
        SweepRow {
            params: vec!["16".into(), "a,b".into()],
            replication: rep,
            run: SummaryRow {
                bank: "all".into(),
                coverage,
                concurrency: Some(16),
                ..Default::default()
            },
            banks: vec![],
        }
    }

    #[test]
    fn sweep_rows_round_trip_with_and_without_the_point() {
        let dir = tempfile::tempdir().unwrap();
        let params = vec!["strategy.concurrency".to_string(), "x".to_string()];
        let rows = [row(0, 0.5), row(1, 0.75)];
        let path = dir.path().join(SWEEP_FILE);
        std::fs::write(&path, sweep_csv(&params, &rows).unwrap()).unwrap();
        assert_eq!(read_sweep(&path).unwrap(), (params, rows.to_vec()));
        let line = rows[1].line(Some(7)).unwrap();
        let rec = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&line[..])
            .records()
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(&rec[0], "7");
        assert_eq!(SweepRow::parse(&rec, 2, true).unwrap(), rows[1]);
    }

    #[test]
    fn points_round_trip_and_summarise_their_runs() {
        let dir = tempfile::tempdir().unwrap();
        let (mut a, mut b) = (row(0, 0.5), row(1, 0.75));
        // One replication's 95th percentile past the 192 h horizon: the point's mean of the
        // two is a lower bound; the median, within it in both, is not.
        for (r, p95) in [(&mut a, 200.0), (&mut b, 100.0)] {
            r.run.age_horizon_hours = 192.0;
            r.run.staleness_p95_hours = Some(p95);
            r.run.staleness_p99_hours = Some(150.0);
        }
        let p = PointRow::of(&a.params, &[&a.run, &b.run]);
        let cov = p.stat(Metric::Coverage).unwrap();
        assert_eq!((cov.n, cov.mean), (2, 0.625));
        assert_eq!(p.stat(Metric::StalenessP50Hours), None);
        assert_eq!(p.stat(Metric::StalenessP95Hours).unwrap().mean, 150.0);
        assert_eq!(p.lower_bounds, [Metric::StalenessP95Hours]);
        let path = dir.path().join(SUMMARY_FILE);
        let params = vec!["strategy.concurrency".to_string(), "x".to_string()];
        std::fs::write(
            &path,
            summary_csv(&params, std::slice::from_ref(&p)).unwrap(),
        )
        .unwrap();
        let (cols, back) = read_summary(&path).unwrap();
        assert_eq!(cols, params);
        assert_eq!(back[0].params, p.params);
        assert_eq!(back[0].stat(Metric::Coverage).unwrap().mean, 0.625);
        assert_eq!(back[0].lower_bounds, p.lower_bounds);
        let mut r = csv::Reader::from_path(&path).unwrap();
        let head = r.headers().unwrap().clone();
        let cells = r.records().next().unwrap().unwrap();
        let cell = |name: &str| &cells[head.iter().position(|c| c == name).unwrap()];
        assert_eq!(cell("staleness_p95_hours_lower_bound"), "true");
        assert_eq!(cell("staleness_p99_hours_lower_bound"), "false");
        assert_eq!(cell("staleness_p50_hours_lower_bound"), "");
        // A file written before the `_lower_bound` columns is read, no mean marked.
        let mut r = csv::Reader::from_path(&path).unwrap();
        let head = r.headers().unwrap().clone();
        let keep: Vec<usize> = (0..head.len())
            .filter(|&i| !head[i].ends_with("_lower_bound"))
            .collect();
        let strip =
            |rec: &StringRecord| keep.iter().map(|&i| rec[i].to_string()).collect::<Vec<_>>();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(strip(&head)).unwrap();
        for rec in r.records() {
            w.write_record(strip(&rec.unwrap())).unwrap();
        }
        std::fs::write(&path, w.into_inner().unwrap()).unwrap();
        let (_, back) = read_summary(&path).unwrap();
        assert_eq!(back[0].stat(Metric::Coverage).unwrap().mean, 0.625);
        assert!(back[0].lower_bounds.is_empty());
    }

    /// A `sweep.csv` written before `summary.csv`'s last columns reads, without them.
    #[test]
    fn a_sweep_from_before_the_added_columns_reads() {
        let dir = tempfile::tempdir().unwrap();
        let params = vec!["strategy.concurrency".to_string(), "x".to_string()];
        // A label (with a comma) before the added columns, which a shifted column would lose.
        let rows = [row(0, 0.5), row(1, 0.75)].map(|mut r| {
            r.run.label = "nightly, 32".into();
            r
        });
        let path = dir.path().join(SWEEP_FILE);
        let text = String::from_utf8(sweep_csv(&params, &rows).unwrap()).unwrap();
        // The last three columns are empty in these rows: drop their separators.
        for k in 1..=SummaryRow::ADDED {
            let cut: String = (text.lines())
                .map(|l| format!("{}\n", l.rsplitn(k + 1, ',').last().unwrap()))
                .collect();
            std::fs::write(&path, cut).unwrap();
            assert_eq!(
                read_sweep(&path).unwrap(),
                (params.clone(), rows.to_vec()),
                "{k}"
            );
        }
    }

    #[test]
    fn a_foreign_header_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SWEEP_FILE);
        std::fs::write(&path, "x,replication,scenario,strategy\n1,0,s,q\n").unwrap();
        let e = read_sweep(&path).unwrap_err().to_string();
        assert!(e.contains("sweep.csv") && e.contains("column"), "{e}");
    }
}
