//! What a report refuses to read: files a user edited or cut, checked against what wrote
//! them, so that a damaged file is named rather than drawn.

use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::output::summary::SummaryRow;
use crate::output::sweep::{self, PointRow};
use std::path::Path;

/// Every share of a summary (coverage, failure rate, the stale shares: `Metric::is_share`)
/// lies in [0, 1]: one that does not is an edited file, refused naming its line and column,
/// not drawn as 150 %.
pub(super) fn check_shares(path: &Path, rows: &[SummaryRow]) -> Result<()> {
    for (i, r) in rows.iter().enumerate() {
        share_in_range(path, i, |m| r.metric(m), "")?;
    }
    Ok(())
}

/// The same of a sweep's points, by their means (`<metric>_mean`).
pub(super) fn check_point_shares(path: &Path, points: &[PointRow]) -> Result<()> {
    for (i, p) in points.iter().enumerate() {
        share_in_range(path, i, |m| p.stat(m).map(|e| e.mean), "_mean")?;
    }
    Ok(())
}

/// Row `i`'s shares, each read by `value`, in [0, 1].
fn share_in_range(
    path: &Path,
    i: usize,
    value: impl Fn(Metric) -> Option<f64>,
    suffix: &str,
) -> Result<()> {
    for m in Metric::ALL.into_iter().filter(|m| m.is_share()) {
        if let Some(v) = value(m).filter(|v| !(0.0..=1.0).contains(v)) {
            return Err(Error::input(format!(
                "{}: line {}: `{m}{suffix}` is {v}, not a share between 0 and 1 (an edited \
                 file? rerun to write it again)",
                path.display(),
                i + 2
            )));
        }
    }
    Ok(())
}

/// `sweep_summary.csv`'s points are those `sweep.csv`'s rows summarise: the same points, in
/// order, with the same means (to the six decimals written). One that is not is a cut-off or
/// edited file, refused naming its line and column rather than drawn.
pub(super) fn agrees(path: &Path, points: &[PointRow], from_rows: &[PointRow]) -> Result<()> {
    let refuse = |what: String| {
        Err(Error::input(format!(
            "{}: {what}: a cut-off or edited file (remove it, and the report summarises {} \
             itself)",
            path.display(),
            sweep::SWEEP_FILE
        )))
    };
    if points.len() != from_rows.len() {
        let n = from_rows.len();
        return refuse(format!(
            "{} point(s) where {} has {n}",
            points.len(),
            sweep::SWEEP_FILE
        ));
    }
    for (i, (p, q)) in points.iter().zip(from_rows).enumerate() {
        if p.params != q.params {
            return refuse(format!(
                "line {}: the point is not {}'s",
                i + 2,
                sweep::SWEEP_FILE
            ));
        }
        for m in Metric::ALL {
            let (a, b) = (p.stat(m).map(|e| e.mean), q.stat(m).map(|e| e.mean));
            let same = match (a, b) {
                (Some(a), Some(b)) => a == b || (a - b).abs() <= 1e-6 * b.abs().max(1.0),
                (None, None) => true,
                _ => false,
            };
            if !same {
                return refuse(format!(
                    "line {}: `{m}_mean` is not the mean of {}'s runs",
                    i + 2,
                    sweep::SWEEP_FILE
                ));
            }
        }
    }
    Ok(())
}
