//! The sweep's final files, from a complete journal: `sweep.csv` and `sweep_summary.csv`,
//! and, where runs have two banks or more, `sweep_banks.csv` and `sweep_banks_summary.csv`.

use super::*;
use crate::output::sweep::{BANKS_FILE, BANKS_SUMMARY_FILE};

impl Sweep {
    /// Writes the sweep's files from a complete journal (read from `from`, for messages) as
    /// one unit; returns them, each point's summary (all banks) and each point's banks'
    /// (where runs have two banks or more).
    pub(super) fn assemble(
        &self,
        journal: &Journal,
        dir: &Path,
        from: &Path,
    ) -> Result<(Vec<PathBuf>, Vec<PointRow>, Vec<PointRow>)> {
        let mut rows: Vec<&SweepRow> = Vec::with_capacity(self.runs());
        let mut points = Vec::with_capacity(self.points.len());
        let mut bank_points = Vec::new();
        for (p, point) in self.points.iter().enumerate() {
            let runs = self.point_runs(journal, from, p)?;
            let summaries: Vec<&SummaryRow> = runs.iter().map(|r| &r.run).collect();
            points.push(PointRow::of(&point.labels, &summaries));
            bank_points.extend(bank_summaries(&point.labels, &runs));
            rows.extend(runs);
        }
        let columns = self.grid.columns();
        let mut files = vec![
            (
                SWEEP_FILE,
                files::sweep_csv(&columns, rows.iter().copied())?,
            ),
            (SUMMARY_FILE, files::summary_csv(&columns, &points)?),
        ];
        if bank_points.is_empty() {
            // Another sweep's, left in the directory, would read as this one's.
            for name in [BANKS_FILE, BANKS_SUMMARY_FILE] {
                let _ = std::fs::remove_file(dir.join(name));
            }
        } else {
            let by_bank = files::banks_columns(&columns);
            files.push((BANKS_FILE, files::banks_csv(&columns, rows)?));
            let summary = files::summary_csv(&by_bank, &bank_points)?;
            files.push((BANKS_SUMMARY_FILE, summary));
        }
        let names: Vec<&str> = files.iter().map(|f| f.0).collect();
        crate::output::run_dir::replace_files(dir, &names, |tmp| {
            files
                .iter()
                .try_for_each(|(name, bytes)| write_atomic(&tmp.join(name), bytes))
        })?;
        let paths = names.iter().map(|n| dir.join(n)).collect();
        Ok((paths, points, bank_points))
    }

    /// Point `p`'s runs from the journal (read from `from`): every replication there, each
    /// with its scenario's banks' rows where it has two banks or more.
    fn point_runs<'a>(
        &self,
        journal: &'a Journal,
        from: &Path,
        p: usize,
    ) -> Result<Vec<&'a SweepRow>> {
        let runs: Vec<&SweepRow> = (0..self.replications)
            .map(|r| {
                journal.rows.get(&(p, r)).ok_or_else(|| {
                    Error::io(format!(
                        "{}: run (point {p}, replication {r}) is missing",
                        from.display()
                    ))
                })
            })
            .collect::<Result<_>>()?;
        let banks = &self.scenarios[p].banks;
        let expected: Vec<&str> = match banks.len() {
            0 | 1 => vec![],
            _ => banks.iter().map(|b| b.name.as_str()).collect(),
        };
        fn names(r: &SweepRow) -> Vec<&str> {
            r.banks.iter().map(|b| b.bank.as_str()).collect()
        }
        if let Some(odd) = runs.iter().find(|r| names(r) != expected) {
            return Err(Error::input(format!(
                "{}: point {p} replication {} has banks' rows [{}] where its scenario has \
                 banks [{}] (an edited file?); run it again",
                from.display(),
                odd.replication,
                names(odd).join(", "),
                expected.join(", ")
            )));
        }
        Ok(runs)
    }
}

/// Each bank's summary over a point's replications (none where its runs have no banks'
/// rows): `sweep_banks_summary.csv`'s rows, the bank after the grid's values.
fn bank_summaries(labels: &[String], runs: &[&SweepRow]) -> Vec<PointRow> {
    let banks = runs[0].banks.len();
    (0..banks)
        .map(|b| {
            let rows: Vec<&SummaryRow> = runs.iter().map(|r| &r.banks[b]).collect();
            let mut params = labels.to_vec();
            params.push(rows[0].bank.clone());
            PointRow::of(&params, &rows)
        })
        .collect()
}
