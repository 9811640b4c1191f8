//! report.md: reading a results directory, drawing its charts, assembling the document.

use crate::error::Result;
use crate::output::{self, paired, write_atomic};
use crate::report::charts;
use crate::report::dataset::{self, Dataset};
use crate::report::document::days_table::{daily_table, troubled_bank_table};
use crate::report::document::paired_table::paired_table;
use crate::report::document::paragraphs::{results_note, scenario_paragraph};
use crate::report::document::tables::{bank_table, runs_table, sweep_table, table_from_csv};
use crate::report::figures::{is_chart_file, plan, ChartPlan};
use crate::report::findings::capitalise;
use crate::report::findings::key_findings;
use crate::report::phrases::and_list;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

mod days_table;
mod paired_table;
pub(crate) mod paragraphs;
pub(crate) mod tables;

/// Reads `dir`, writes `dir/charts/*.svg|png` and `dir/report.md`; returns the paths written.
pub fn write_report(dir: &Path) -> Result<Vec<PathBuf>> {
    write_report_titled(dir, None)
}

/// [`write_report`], report.md headed `title` where given (`report --title`: a trial's
/// document read "refresh-sim report: out", its directory's name).
pub fn write_report_titled(dir: &Path, title: Option<&str>) -> Result<Vec<PathBuf>> {
    let ds = dataset::discover(dir)?;
    let plan = plan(&ds);
    let mut written = Vec::new();
    let charts_dir = dir.join("charts");
    for p in &plan.charts {
        written.extend(charts::render(&p.chart, &charts_dir, &p.stem)?);
    }
    remove_stale_charts(&charts_dir, &written)?;
    let md_path = dir.join("report.md");
    write_atomic(&md_path, markdown_titled(&ds, &plan, title).as_bytes())?;
    written.push(md_path);
    Ok(written)
}

/// Removes from `charts_dir` the charts an earlier report drew and this one did not (files
/// [`is_chart_file`] names that are not in `current`), so that the directory holds only the
/// charts report.md shows. Nothing else is touched: not other files, not subdirectories,
/// not symbolic links.
pub(crate) fn remove_stale_charts(charts_dir: &Path, current: &[PathBuf]) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(charts_dir) else {
        return Ok(());
    };
    let mut stale: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| e.file_name().to_str().is_some_and(is_chart_file))
        .map(|e| e.path())
        .filter(|p| !current.contains(p))
        .collect();
    stale.sort();
    for p in stale {
        std::fs::remove_file(&p).map_err(|e| {
            crate::error::Error::io(format!("{}: cannot remove a stale chart: {e}", p.display()))
        })?;
    }
    Ok(())
}

/// The files the report was built from (all exist: they were just read).
pub(crate) fn sources(ds: &Dataset) -> Vec<String> {
    let mut v = Vec::new();
    let root = &ds.root;
    for f in [
        "table.csv",
        "table.md",
        "compare.csv",
        "sweep.csv",
        "sweep_summary.csv",
        "sweep_banks.csv",
        "sweep_banks_summary.csv",
    ] {
        if root.join(f).is_file() {
            v.push(format!("`{f}`"));
        }
    }
    for r in &ds.runs {
        if let Some(rel) = &r.rel_dir {
            for f in [
                output::summary::FILE,
                output::daily::FILE,
                output::timeseries::FILE,
                output::staleness::FILE,
                output::age_by_hour::FILE,
            ] {
                let p = rel.join(f);
                if root.join(&p).is_file() {
                    v.push(format!("`{}`", p.to_string_lossy().replace('\\', "/")));
                }
            }
        }
    }
    if let Some(pd) = &ds.paired {
        for f in [paired::FILE, paired::MARKDOWN_FILE] {
            let p = pd.rel_dir.join(f);
            if root.join(&p).is_file() {
                v.push(format!("`{}`", p.to_string_lossy().replace('\\', "/")));
            }
        }
    }
    v
}

/// The whole of `report.md`.
pub fn markdown(ds: &Dataset, plan: &ChartPlan) -> String {
    markdown_titled(ds, plan, None)
}

/// [`markdown`] headed `title`, or `refresh-sim report: DIR`.
fn markdown_titled(ds: &Dataset, plan: &ChartPlan, title: Option<&str>) -> String {
    let mut s = String::new();
    let name = ds
        .root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| ds.root.display().to_string());
    let title = title.map(str::trim).filter(|t| !t.is_empty());
    let heading = title.map_or(format!("refresh-sim report: {name}"), str::to_string);
    let _ = writeln!(s, "# {heading}\n");
    let _ = writeln!(s, "## Scenario\n\n{}\n", scenario_paragraph(ds));

    let findings = key_findings(ds);
    if !findings.is_empty() {
        s.push_str("## Key findings\n\n");
        for f in &findings {
            let _ = writeln!(s, "- {f}");
        }
        s.push('\n');
    }

    results_sections(&mut s, ds);
    charts_sections(&mut s, plan);
    let src = sources(ds);
    if !src.is_empty() {
        let _ = writeln!(
            s,
            "## Data\n\nThis report was computed from {}.",
            and_list(&src)
        );
    }
    s
}

/// The results: the vendor table, the runs (overall, by bank, by day), the sweep.
fn results_sections(s: &mut String, ds: &Dataset) {
    if let Some(rows) = &ds.table {
        s.push_str("## Vendor sizing table\n\n");
        let md = if ds.table_md {
            std::fs::read_to_string(ds.root.join("table.md")).ok()
        } else {
            None
        };
        match md {
            Some(md) => {
                s.push_str(md.trim_end());
                s.push_str("\n\n(From `table.md`.)\n\n");
            }
            None => {
                s.push_str(&table_from_csv(rows));
                s.push('\n');
            }
        }
    }
    if !ds.runs.is_empty() {
        s.push_str(if ds.runs.len() > 1 {
            "## Strategies compared\n\n"
        } else {
            "## Results\n\n"
        });
        let _ = writeln!(s, "{}\n", results_note(ds));
        s.push_str(&runs_table(ds));
        s.push('\n');
        if let Some((t, at_open)) = bank_table(ds) {
            s.push_str(match at_open {
                true => {
                    "Coverage / failure rate (every failure) / the client's own 429s / app opens \
                     finding data 24 h old or older, by bank (each bank's customers find their \
                     own bank's data):\n\n"
                }
                false => {
                    "Coverage / failure rate (every failure) / the client's own 429s, by \
                     bank:\n\n"
                }
            });
            s.push_str(&t);
            s.push('\n');
        }
        if let Some(t) = tables::quarter_table(ds) {
            let old =
                (tables::quarter_fresh(ds)).map_or("24 h".into(), output::terminal::old_words);
            let _ = write!(
                s,
                "App opens finding data {old} old or older (or none), by quarter of the day: \
                 each quarter's hours weighed by their share of the opens, as `run`'s \
                 \"by the clock\" line gives them for all banks:\n\n",
            );
            s.push_str(&t);
            s.push('\n');
        }
        for t in [daily_table(ds), troubled_bank_table(ds)]
            .into_iter()
            .flatten()
        {
            s.push_str(&t);
            s.push('\n');
        }
    }
    if let Some(sw) = &ds.sweep {
        let _ = writeln!(
            s,
            "## Sweep\n\nPoints from `{}`. Users per day and coverage are per-day averages over \
             each run's measured days (after the warm-up), then means over the replications.\n",
            sw.source
        );
        s.push_str(&sweep_table(sw));
        s.push('\n');
    }
    if let Some(pd) = &ds.paired {
        paired_section(s, pd);
    }
}

/// The paired comparison's table, with what its cells are and where the other metrics are.
fn paired_section(s: &mut String, pd: &dataset::PairedData) {
    let reps = pd.replications();
    let more = match pd.markdown.is_some() {
        true => format!(
            " Every metric's difference is in `{}`.",
            pd.rel_dir
                .join(paired::MARKDOWN_FILE)
                .to_string_lossy()
                .replace('\\', "/")
        ),
        false => String::new(),
    };
    let _ = writeln!(
        s,
        "## Paired comparison\n\nEach difference is from the baseline `{}` (strategy − \
         baseline, replication by replication): the mean ± its 95 % half-width (Student's t over \
         {reps} differences), shares in percentage points; beside them, each strategy's means over the \
         {reps} replications. {}.{more}\n",
        pd.baseline(),
        crate::output::paired::ranking_words(&pd.ranked())
    );
    s.push_str(&paired_table(pd));
    s.push('\n');
    // What `run` would note of the items' scenarios, which the ranking reads (a trial's
    // report ranked a pace first whose paired.md said it ran past two banks' limits).
    let notes = (pd.markdown.as_deref()).map_or(Vec::new(), paired::notes_of);
    if !notes.is_empty() {
        let _ = writeln!(
            s,
            "`paired.md`'s notes on the scenarios, as `run` gives them:\n"
        );
        for n in notes {
            let _ = writeln!(s, "- {n}");
        }
        s.push('\n');
    }
}

/// The charts drawn, with their captions (overall ones first, then per bank), and those not
/// drawn, with the reason.
fn charts_sections(s: &mut String, plan: &ChartPlan) {
    if !plan.charts.is_empty() {
        s.push_str("## Charts\n\nEach chart is in `charts/` as PNG (shown) and SVG.\n\n");
        let mut bank_header = false;
        let ordered = plan
            .charts
            .iter()
            .filter(|p| !p.per_bank)
            .chain(plan.charts.iter().filter(|p| p.per_bank));
        for p in ordered {
            if p.per_bank && !bank_header {
                s.push_str("### Per bank\n\n");
                bank_header = true;
            }
            let title = p.chart.title();
            let hashes = if p.per_bank { "####" } else { "###" };
            let _ = writeln!(s, "{hashes} {title}\n");
            let _ = writeln!(s, "![{title}](charts/{}.png)\n", p.stem);
            if !p.caption.is_empty() {
                let _ = writeln!(s, "{}\n", p.caption);
            }
            let _ = writeln!(s, "SVG: [charts/{0}.svg](charts/{0}.svg)\n", p.stem);
        }
    }
    if !plan.skipped.is_empty() {
        s.push_str("## Charts not drawn\n\n");
        for k in &plan.skipped {
            let _ = writeln!(s, "- {}: {}.", capitalise(k.chart), k.why);
        }
        s.push('\n');
    }
}
