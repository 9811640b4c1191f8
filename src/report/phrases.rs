//! Numbers and phrases for report.md and chart subtitles: hours, ratios, lists, parameter
//! values, where the data came from.

use crate::output::text::thousands;
use crate::report::dataset::{self, Dataset, RunData, SweepData};
use crate::report::figures::scenarios_of;
use crate::report::figures::sweep_series::sweep_reps;
use std::fmt::Write as _;

pub(crate) fn hours(h: f64) -> String {
    if h < 10.0 {
        format!("{h:.1} h")
    } else {
        format!("{h:.0} h")
    }
}

pub(crate) fn ratio(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{x:.0}×")
    } else if x < 10.0 {
        format!("{x:.2}×")
    } else {
        format!("{x:.1}×")
    }
}

/// `["a", "b", "c"]` → `a, b and c`.
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        _ => format!(
            "{} and {}",
            items[..items.len() - 1].join(", "),
            items[items.len() - 1]
        ),
    }
}

/// The point between a curve's ends (shares, in order along x) that rises above both, or
/// falls below both, by half a point and a tenth of the nearer end's distance from 0 or 1 or
/// more (the highest, else the lowest; the first of equals; a coverage of 99 % dipping to
/// 95 % turns as a failure rate of 1 % rising to 5 % does): where a sentence of its ends
/// alone would misread it (a trial's report said its failure rate "went from 14.19 % at
/// concurrency 32 to 3.38 % at 192", where it peaked at 34.15 % at 96).
pub(crate) fn turn(ys: &[f64]) -> Option<usize> {
    let (&a, &b) = (ys.first()?, ys.last()?);
    let inner = 1..ys.len().saturating_sub(1);
    let top = (inner.clone()).max_by(|&i, &j| ys[i].total_cmp(&ys[j]).then(j.cmp(&i)))?;
    let bottom = inner.min_by(|&i, &j| ys[i].total_cmp(&ys[j]).then(i.cmp(&j)))?;
    let (hi, lo) = (a.max(b), a.min(b));
    let margin = |end: f64| (0.1 * end.min(1.0 - end)).max(0.005);
    if ys[top] - hi >= margin(hi) {
        Some(top)
    } else if lo - ys[bottom] >= margin(lo) {
        Some(bottom)
    } else {
        None
    }
}

/// A file-name-safe version of a bank name.
pub(crate) fn slug(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() {
        out.push_str("bank");
    }
    out
}

/// How a sweep's parameters are named in legends, titles and sentences: the last segment of
/// the field path (`population.connections` → `connections`), with more segments where two
/// parameters would read the same; a bank's field with its bank (`banks.neobank.share` →
/// `neobank share`, `banks.megabank.limits[0].max_in_flight` → `megabank max in flight`), a
/// customers' field as theirs (`on_demand.per_day` → `on-demand per day`), a client's setting
/// for a bank as that bank's (`strategy.rates.neobank` → `neobank pace`); `strategy` for
/// `strategy.kind`; underscores as spaces.
pub(crate) fn param_names(params: &[String]) -> Vec<String> {
    let segs: Vec<(String, Vec<&str>)> = params.iter().map(|p| named_segments(p)).collect();
    let mut take = vec![1usize; params.len()];
    let name = |i: usize, k: usize| -> String {
        let (owner, s) = &segs[i];
        if s.last() == Some(&"kind") && k == 1 {
            return "strategy".into();
        }
        let field = s[s.len() - k.min(s.len())..].join(" ").replace('_', " ");
        match owner.is_empty() {
            true => field,
            false => format!("{owner} {field}"),
        }
    };
    // Lengthen the names that collide until none do (or the whole path is used).
    for _ in 0..8 {
        let names: Vec<String> = (0..params.len()).map(|i| name(i, take[i])).collect();
        let mut changed = false;
        for i in 0..params.len() {
            let clash = (0..params.len()).any(|j| j != i && names[j] == names[i]);
            if clash && take[i] < segs[i].1.len() {
                take[i] += 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // Names still alike (two limits of one bank: their index is what tells them apart)
    // are their whole paths.
    let names: Vec<String> = (0..params.len()).map(|i| name(i, take[i])).collect();
    (0..params.len())
        .map(
            |i| match (0..params.len()).any(|j| j != i && names[j] == names[i]) {
                true => params[i].replace('_', " "),
                false => names[i].clone(),
            },
        )
        .collect()
}

/// Who a field belongs to in its name (a bank's name, `on-demand`, or nobody) and the
/// segments that name the field itself: a bank's path without `banks` and its name, and
/// without the index of a limit (`limits[0]`, `limits.0`) when a field of it follows.
fn named_segments(path: &str) -> (String, Vec<&str>) {
    let s: Vec<&str> = path.split('.').collect();
    match s[..] {
        ["banks", bank, ref rest @ ..] if !rest.is_empty() => {
            let last = rest.len() - 1;
            let field = rest
                .iter()
                .enumerate()
                .filter(|&(j, seg)| {
                    let index = *seg == "limits"
                        || seg.starts_with("limits[")
                        || seg.bytes().all(|b| b.is_ascii_digit());
                    j == last || !index
                })
                .map(|(_, seg)| *seg)
                .collect();
            (bank.to_string(), field)
        }
        ["on_demand", ref rest @ ..] if !rest.is_empty() => ("on-demand".into(), rest.to_vec()),
        // A client's setting for one bank is that bank's (a trial read `coop-group 0.6`, the
        // pace of `strategy.rates.coop-group`, as a share).
        ["strategy", field @ ("rates" | "pools" | "outstanding"), bank] => {
            let field = match field {
                "rates" => "pace",
                "pools" => "pool",
                _ => "outstanding",
            };
            (bank.to_string(), vec![field])
        }
        _ => (String::new(), s),
    }
}

/// Whether parameter `p` is the strategy's kind.
pub(crate) fn is_kind(p: &str) -> bool {
    p == "kind" || p.ends_with(".kind")
}

/// A swept value as read: `random offset` for a strategy kind, a band of hours as
/// `01:00–06:00` or `all day` (a trial's legend read `hours []`), thousands separators for
/// whole numbers of 1,000 or more (`100,000`), else as written (`0.2`, `30s`).
pub(crate) fn value_text(param: &str, v: &str) -> String {
    if is_kind(param) {
        v.replace('_', " ")
    } else if param == "strategy.hours" {
        let times: Vec<&str> = (v.trim_matches(|c| c == '[' || c == ']').split(','))
            .map(|t| t.trim().trim_matches(|c| c == '"' || c == '\''))
            .filter(|t| !t.is_empty())
            .collect();
        match times[..] {
            [] => "all day".into(),
            [from, to] => format!("{from}–{to}"),
            _ => v.to_string(),
        }
    } else if let Some(n) = v.parse::<u64>().ok().filter(|&n| n >= 1000) {
        thousands(n as f64)
    } else {
        v.to_string()
    }
}

/// Parameter `i` of a sweep at value `v`, for legends: `connections 100,000`, or for the
/// strategy's kind only the strategy (`random offset`).
pub(crate) fn param_text(sw: &SweepData, names: &[String], i: usize, v: &str) -> String {
    let val = value_text(&sw.params[i], v);
    if is_kind(&sw.params[i]) {
        val
    } else {
        format!("{} {val}", names[i])
    }
}

/// `100,000 connections`, `100,000 and 200,000 connections`, or for more than three values
/// `100,000–800,000 connections (5 sizes)`.
pub(crate) fn connections_phrase(values: &[f64]) -> Option<String> {
    Some(match values {
        [] => return None,
        [one] => format!("{} connections", thousands(*one)),
        v if v.len() <= 3 => format!(
            "{} connections",
            and_list(&v.iter().map(|x| thousands(*x)).collect::<Vec<_>>())
        ),
        v => format!(
            "{}–{} connections ({} sizes)",
            thousands(v[0]),
            thousands(v[v.len() - 1]),
            v.len()
        ),
    })
}

/// A sweep's book at the start, as its `population.connections`, and those that joined (a
/// trial's subtitle said 271,700 connections for a book of 250,000 that grew).
pub(crate) fn book_phrase(c: &crate::report::dataset::SweepContext) -> Option<String> {
    connections_phrase(&c.connections).map(|b| match c.joined[..] {
        [] | [0.0] => b,
        [j] => format!("{b} (+{} joined)", thousands(j)),
        _ => format!("{b} (+ those that joined)"),
    })
}

/// `4-day window (day 0 warm-up)`, `one-day window`, `8 h window`: the window and, when
/// whole days of it are left out of the per-day figures, which.
pub(crate) fn window_phrase(hours: f64, measured_days: Option<f64>) -> String {
    let days = hours / 24.0;
    if hours < 24.0 || (days - days.round()).abs() > 1e-9 {
        return format!("{} window", self::hours(hours));
    }
    let days = days.round() as u64;
    let mut s = if days == 1 {
        "one-day window".to_string()
    } else {
        format!("{days}-day window")
    };
    if let Some(m) = measured_days.map(|m| m.round() as u64).filter(|&m| m > 0) {
        match days.saturating_sub(m) {
            0 => {}
            1 => s.push_str(" (day 0 warm-up)"),
            w => {
                let _ = write!(s, " (days 0–{} warm-up)", w - 1);
            }
        }
    }
    s
}

/// `seed 1`, `seeds 1 and 7`, or with `base` the sweep's `base seed 1`.
pub(crate) fn seeds_phrase(seeds: &[u64], base: bool) -> Option<String> {
    let list: Vec<String> = seeds.iter().map(u64::to_string).collect();
    let word = if base { "base seed" } else { "seed" };
    match list.len() {
        0 => None,
        1 => Some(format!("{word} {}", list[0])),
        _ => Some(format!("{word}s {}", and_list(&list))),
    }
}

/// Distinct values in first-appearance order.
pub(crate) fn distinct<T: PartialEq + Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = Vec::new();
    for x in items {
        if !v.contains(&x) {
            v.push(x);
        }
    }
    v
}

/// Where runs came from, as a subtitle line: `uk-mix · 400,000 connections · 4-day window
/// (day 0 warm-up) · seed 1`.
pub(crate) fn runs_provenance(runs: &[&RunData]) -> Option<String> {
    if runs.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = Vec::new();
    let scen = scenarios_of(runs);
    if !scen.is_empty() {
        parts.push(and_list(&scen));
    }
    // The connections at the start, and those that joined (one count, or said as varying).
    let start = |r: &&RunData| (r.total().connections - r.total().joined) as f64;
    let mut conns: Vec<f64> = distinct(runs.iter().map(start));
    conns.sort_by(f64::total_cmp);
    let joined: Vec<u64> = distinct(runs.iter().map(|r| r.total().joined));
    parts.extend(connections_phrase(&conns).map(|c| match joined[..] {
        [0] => c,
        [j] => format!("{c} (+{} joined)", thousands(j as f64)),
        _ => format!("{c} (+ those that joined)"),
    }));
    let windows: Vec<String> = distinct(runs.iter().map(|r| {
        let t = r.total();
        window_phrase(t.window_hours, Some(t.measured_days))
    }));
    if !windows.is_empty() {
        parts.push(and_list(&windows));
    }
    let seeds: Vec<u64> = distinct(runs.iter().map(|r| r.total().seed));
    parts.extend(seeds_phrase(&seeds, false));
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// Where a sweep's runs came from, as a subtitle line: `sweep of uk-mix · 100,000 and
/// 200,000 connections · 4-day window (day 0 warm-up) · base seed 1 · means of 2
/// replications per point`.
pub(crate) fn sweep_provenance(sw: &SweepData) -> String {
    let c = &sw.context;
    let mut parts: Vec<String> = Vec::new();
    parts.push(if c.scenarios.is_empty() {
        "sweep".to_string()
    } else {
        format!("sweep of {}", and_list(&c.scenarios))
    });
    parts.extend(book_phrase(c));
    let windows: Vec<String> = distinct(c.window_hours.iter().map(|&h| {
        let m = match c.measured_days[..] {
            [m] => Some(m),
            _ => None,
        };
        window_phrase(h, m)
    }));
    if !windows.is_empty() {
        parts.push(and_list(&windows));
    }
    parts.extend(seeds_phrase(&c.base_seeds, true));
    parts.push(match sweep_reps(sw) {
        Some(1) => "one replication per point".into(),
        Some(r) => format!("means of {r} replications per point"),
        None => "means of each point's replications".into(),
    });
    parts.join(" · ")
}

/// The vendor table's rows as a subtitle line: `vendor table rows: vendor-table at 1–16 and
/// uk-mix at 32–256, each a looping queue over a backlog`.
pub(crate) fn table_provenance(rows: &[dataset::TableRow]) -> Option<String> {
    if rows.is_empty() {
        return None;
    }
    let scen: Vec<String> = distinct(rows.iter().map(|r| r.scenario.clone()));
    let parts: Vec<String> = scen
        .iter()
        .map(|s| {
            let cs: Vec<f64> = rows
                .iter()
                .filter(|r| &r.scenario == s)
                .map(|r| r.concurrency as f64)
                .collect();
            let lo = cs.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = cs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let at = if lo == hi {
                format!("{lo}")
            } else {
                format!("{lo}–{hi}")
            };
            if s.is_empty() {
                format!("concurrency {at}")
            } else {
                format!("{s} at {at}")
            }
        })
        .collect();
    Some(format!(
        "vendor table rows: {}, each a looping queue over a backlog",
        and_list(&parts)
    ))
}

/// Where a chart's data came from (the sweep's, else the runs'), for its subtitle.
pub(crate) fn provenance(ds: &Dataset) -> Option<String> {
    match &ds.sweep {
        Some(sw) => Some(sweep_provenance(sw)),
        None => runs_provenance(&ds.runs.iter().collect::<Vec<_>>()),
    }
}

/// A subtitle: what the chart shows, then one line per source it names.
pub(crate) fn subtitle(what: &str, sources: impl IntoIterator<Item = Option<String>>) -> String {
    let mut lines = vec![what.to_string()];
    lines.extend(sources.into_iter().flatten());
    lines.join("\n")
}

/// Bold-free Markdown-safe cell text.
pub(crate) fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::{param_names, turn, value_text};

    #[test]
    fn a_band_of_hours_reads_as_times_or_all_day() {
        let h = "strategy.hours";
        assert_eq!(value_text(h, r#"["01:00", "06:00"]"#), "01:00–06:00");
        assert_eq!(value_text(h, "['22:00','06:00']"), "22:00–06:00");
        assert_eq!(value_text(h, "[]"), "all day");
        assert_eq!(
            value_text("strategy.kind", "random_offset"),
            "random offset"
        );
        assert_eq!(value_text("population.connections", "100000"), "100,000");
    }

    /// A peak or a dip between the ends is found where it stands out from both; a wiggle, a
    /// monotone curve or one of two points has none.
    #[test]
    fn a_curve_that_turns_is_told_by_its_turn() {
        let trial = [0.1419, 0.3153, 0.3415, 0.2133, 0.0128, 0.0338];
        assert_eq!(turn(&trial), Some(2));
        assert_eq!(turn(&[0.99, 0.80, 0.85, 0.99]), Some(1));
        assert_eq!(turn(&[0.995, 0.95, 0.99]), Some(1), "a coverage's dip");
        assert_eq!(turn(&[0.995, 0.993, 0.996]), None, "a coverage's wiggle");
        assert_eq!(turn(&[0.14, 0.145, 0.13]), None, "a wiggle");
        assert_eq!(turn(&[0.1, 0.2, 0.3, 0.4]), None);
        assert_eq!(turn(&[0.1, 0.4]), None);
        assert_eq!(turn(&[0.2, 0.5, 0.5, 0.1]), Some(1), "the first of equals");
    }

    #[test]
    fn a_banks_field_is_named_with_its_bank_and_a_customers_field_as_theirs() {
        let params = [
            "banks.megabank.limits[0].max_in_flight",
            "banks.bucketbank.limits.1.rate",
            "banks.neobank.share",
            "banks.neobank.limits",
            "on_demand.per_day",
            "population.connections",
            "strategy.kind",
            "strategy.rates.coop-group",
            "strategy.pools.coop-group",
            "strategy.outstanding.coop-group",
        ]
        .map(String::from);
        assert_eq!(
            param_names(&params),
            [
                "megabank max in flight",
                "bucketbank rate",
                "neobank share",
                "neobank limits",
                "on-demand per day",
                "connections",
                "strategy",
                "coop-group pace",
                "coop-group pool",
                "coop-group outstanding"
            ]
        );
        // Two fields of one name at two banks read apart; at one bank, by their paths.
        let two = ["banks.a.share", "banks.b.share"].map(String::from);
        assert_eq!(param_names(&two), ["a share", "b share"]);
        // Two limits of one bank, told apart by their index.
        let limits = ["banks.m.limits[0].limit", "banks.m.limits[1].limit"].map(String::from);
        assert_eq!(
            param_names(&limits),
            ["banks.m.limits[0].limit", "banks.m.limits[1].limit"]
        );
        let same = ["banks.a.service_time.median", "banks.a.latency.median"].map(String::from);
        assert_eq!(
            param_names(&same),
            ["a service time median", "a latency median"]
        );
    }
}
