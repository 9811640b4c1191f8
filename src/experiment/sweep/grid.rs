//! The grid of a sweep: axes (a field path and its values, from `--set path=v1,v2,...`,
//! ranges included, or the file's `[sweep] grid`) and their Cartesian product.

use super::*;
use crate::output::text::thousands;

/// One swept field: its path and its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GridAxis {
    /// The field path as written (`strategy.concurrency`, `banks.neobank.share`).
    pub path: String,
    /// Each value as the text of a `--set` value (TOML, or a bare string).
    pub values: Vec<String>,
    /// Each value for display and CSV: strings without their quotes.
    pub labels: Vec<String>,
    /// Where the axis was given, for errors: `--set strategy.concurrency=8,16`.
    pub origin: String,
}

impl GridAxis {
    /// An axis from a command-line `--set path=v1,v2,...`. Values are separated by commas
    /// outside brackets, braces and quotes, so `limits=[{...}, {...}]` is one value.
    pub fn from_set(set: &str) -> std::result::Result<GridAxis, String> {
        let (path, raw) = set.split_once('=').ok_or_else(|| {
            "expected path=v1,v2,... (e.g. --set strategy.concurrency=8,16,32)".to_string()
        })?;
        let path = path.trim();
        check_path(path)?;
        let items: Vec<&str> = split_values(raw).into_iter().map(str::trim).collect();
        if let Some(k) = items.iter().position(|v| v.is_empty()) {
            return Err(format!(
                "value {} of {} is empty; separate values with single commas, e.g. {path}=8,16",
                k + 1,
                items.len()
            ));
        }
        let mut expanded: Vec<String> = Vec::new();
        for item in &items {
            match expand_range(item)? {
                Some(values) => expanded.extend(values),
                None => expanded.push(item.to_string()),
            }
        }
        if expanded.len() > MAX_AXIS_VALUES {
            return Err(format!(
                "{} values on one axis is more than the {MAX_AXIS_VALUES} supported",
                expanded.len()
            ));
        }
        let items: Vec<&str> = expanded.iter().map(String::as_str).collect();
        let labels = items.iter().map(|v| label_of_text(v)).collect();
        GridAxis::new(
            path,
            items.iter().map(|v| v.to_string()).collect(),
            labels,
            format!("--set {set}"),
        )
    }

    /// An axis from entry `entry` of the file's `[sweep] grid`.
    pub fn from_file(
        path: &str,
        values: &[toml::Value],
        entry: usize,
    ) -> std::result::Result<GridAxis, String> {
        let path = path.trim();
        check_path(path)?;
        if values.is_empty() {
            return Err("`values` must list at least one value".into());
        }
        let text = values.iter().map(|v| v.to_string()).collect();
        let labels = values
            .iter()
            .map(|v| match v {
                toml::Value::String(s) => clean_label(s),
                other => clean_label(&other.to_string()),
            })
            .collect();
        GridAxis::new(
            path,
            text,
            labels,
            format!("[sweep] grid[{entry}] (path = \"{path}\")"),
        )
    }

    fn new(
        path: &str,
        values: Vec<String>,
        labels: Vec<String>,
        origin: String,
    ) -> std::result::Result<GridAxis, String> {
        for (i, v) in labels.iter().enumerate() {
            if labels[..i].contains(v) {
                return Err(format!("value \"{v}\" is listed twice"));
            }
        }
        Ok(GridAxis {
            path: path.to_string(),
            values,
            labels,
            origin,
        })
    }

    /// The `--set` string selecting value `k`.
    pub fn set(&self, k: usize) -> String {
        format!("{}={}", self.path, self.values[k])
    }
}

fn check_path(path: &str) -> std::result::Result<(), String> {
    if path.is_empty() {
        return Err("the path is empty (e.g. strategy.concurrency)".into());
    }
    if path == "sweep" || path.starts_with("sweep.") || path.starts_with("sweep[") {
        return Err("the [sweep] section cannot be swept; use --replications, or list values in [sweep] grid".into());
    }
    Ok(())
}

/// Most values one axis may have (ranges make large axes easy to write by mistake).
const MAX_AXIS_VALUES: usize = 100_000;

/// A number as a range bound: digits with an optional sign and decimals, and no leading zero
/// (so that a time of day such as `00:00:30` is never read as a range).
fn bound(text: &str) -> Option<f64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let leading_zero = digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
    if digits.is_empty() || leading_zero || !digits.chars().all(|c| c.is_ascii_digit() || c == '.')
    {
        return None;
    }
    text.parse().ok()
}

/// Expands a range written in a `--set` list: `a..b` (integers, `b` excluded, as in Rust),
/// `a..=b` (integers, `b` included) or `a:b:step` (numbers from `a` to `b` inclusive in steps
/// of `step`). `None` when `item` is not a range.
fn expand_range(item: &str) -> std::result::Result<Option<Vec<String>>, String> {
    let int = |t: &str| bound(t).filter(|x| x.fract() == 0.0).map(|x| x as i64);
    if let Some((a, b)) = item.split_once("..") {
        let (inclusive, b) = match b.strip_prefix('=') {
            Some(b) => (true, b),
            None => (false, b),
        };
        let (Some(a), Some(b)) = (int(a), int(b)) else {
            return Ok(None);
        };
        let end = if inclusive { b + 1 } else { b };
        if end <= a {
            return Err(format!("the range {item} is empty"));
        }
        if (end - a) as usize > MAX_AXIS_VALUES {
            return Err(format!(
                "the range {item} has more than {MAX_AXIS_VALUES} values"
            ));
        }
        return Ok(Some((a..end).map(|x| x.to_string()).collect()));
    }
    let parts: Vec<&str> = item.split(':').collect();
    let [a, b, step] = parts[..] else {
        return Ok(None);
    };
    let (Some(a), Some(b), Some(step)) = (bound(a), bound(b), bound(step)) else {
        return Ok(None);
    };
    if step <= 0.0 || b < a {
        return Err(format!(
            "the range {item} needs start <= end and a step > 0 (e.g. 8:64:8)"
        ));
    }
    let n = ((b - a) / step + 1e-9).floor() as usize + 1;
    if n > MAX_AXIS_VALUES {
        return Err(format!(
            "the range {item} has more than {MAX_AXIS_VALUES} values"
        ));
    }
    let integers = [a, b, step].iter().all(|x| x.fract() == 0.0);
    Ok(Some(
        (0..n)
            .map(|k| {
                let x = a + k as f64 * step;
                if integers {
                    format!("{}", x as i64)
                } else {
                    // Rounded to 12 significant decimals: 0.1 steps print as 0.3, not 0.30000000000000004.
                    let r = (x * 1e12).round() / 1e12;
                    format!("{r}")
                }
            })
            .collect(),
    ))
}

/// Splits `v1,v2,...` at commas that are outside brackets, braces and quotes.
pub fn split_values(raw: &str) -> Vec<&str> {
    split_top_level(raw, ',')
}

/// Splits `raw` at each `sep` outside brackets, braces and quotes (a TOML value's commas or
/// colons stay inside it: `[{a = 1, b = "x:y"}]`).
pub fn split_top_level(raw: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut escaped, mut start) = (0i32, None, false, 0);
    for (i, ch) in raw.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if ch == '\\' && q == '"' {
                escaped = true;
            } else if ch == q {
                quote = None;
            }
            continue;
        }
        match ch {
            '"' | '\'' => quote = Some(ch),
            '[' | '{' => depth += 1,
            ']' | '}' => depth -= 1,
            c if c == sep && depth == 0 => {
                out.push(&raw[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&raw[start..]);
    out
}

/// The display form of a `--set` value: a quoted TOML string loses its quotes.
fn label_of_text(raw: &str) -> String {
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(t) => match t.get("v") {
            Some(toml::Value::String(s)) => clean_label(s),
            _ => clean_label(raw),
        },
        Err(_) => clean_label(raw),
    }
}

/// Labels are single-line (the journal is read back line by line).
fn clean_label(s: &str) -> String {
    s.replace('\r', "\\r").replace('\n', "\\n")
}

/// `banks[0].share` and `banks.0.share` are the same field.
fn normalized(path: &str) -> String {
    path.replace('[', ".").replace(']', "")
}

/// Refuses `--set path=v1,v2` for commands that run one scenario (`run`, `plan`): each
/// `--set` must carry a single value.
pub fn reject_lists(sets: &[String], command: &str) -> Result<()> {
    for set in sets {
        let Some((_, raw)) = set.split_once('=') else {
            continue; // the scenario parser explains a missing `=`
        };
        let items = split_values(raw);
        if items.len() > 1 {
            return Err(Error::input(format!(
                "--set {set}: `{command}` takes one value per --set, got a list of {} ({}); \
                 to compare values, use `refresh-sim sweep` (or quote a string that contains commas)",
                items.len(),
                items.iter().map(|s| s.trim()).collect::<Vec<_>>().join(" | ")
            )));
        }
    }
    Ok(())
}

/// The axes of a sweep.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grid {
    pub axes: Vec<GridAxis>,
}

/// One combination of values: `choice[i]` indexes the values of axis `i`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    pub index: usize,
    pub choice: Vec<usize>,
    /// `--set` strings, one per axis.
    pub sets: Vec<String>,
    /// Display values, one per axis.
    pub labels: Vec<String>,
}

impl Grid {
    /// The file's axes in file order, then the command line's; a command-line axis for a
    /// path the file also sweeps replaces the file's axis in its place.
    pub fn new(file: Vec<GridAxis>, cli: Vec<GridAxis>) -> std::result::Result<Grid, String> {
        if let Some(a) = file
            .iter()
            .chain(&cli)
            .find(|a| normalized(&a.path) == "seed")
        {
            return Err(format!(
                "{} sweeps the seed: use --replications (seeds derive from --seed and the \
                 replication) so that every point shares its random numbers",
                a.origin
            ));
        }
        let mut axes = file;
        for (i, a) in axes.iter().enumerate() {
            if let Some(b) = axes[..i]
                .iter()
                .find(|b| normalized(&b.path) == normalized(&a.path))
            {
                return Err(format!(
                    "{} and {} sweep the same field",
                    b.origin, a.origin
                ));
            }
        }
        let mut seen: Vec<&GridAxis> = Vec::new();
        for a in &cli {
            if let Some(b) = seen
                .iter()
                .find(|b| normalized(&b.path) == normalized(&a.path))
            {
                return Err(format!("{} and {} set the same field", b.origin, a.origin));
            }
            seen.push(a);
        }
        for a in cli {
            match axes
                .iter_mut()
                .find(|b| normalized(&b.path) == normalized(&a.path))
            {
                Some(slot) => *slot = a,
                None => axes.push(a),
            }
        }
        Ok(Grid { axes })
    }

    /// Number of points (1 for an empty grid: the scenario as it is).
    pub fn len(&self) -> u64 {
        self.axes
            .iter()
            .map(|a| a.values.len() as u64)
            .fold(1u64, |acc, n| acc.saturating_mul(n))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The column names of the grid: its paths.
    pub fn columns(&self) -> Vec<String> {
        self.axes.iter().map(|a| a.path.clone()).collect()
    }

    /// Every point, first axis slowest.
    pub fn points(&self) -> Vec<Point> {
        let n = self.len() as usize;
        let mut out = Vec::with_capacity(n);
        for index in 0..n {
            let mut rest = index;
            let mut choice = vec![0; self.axes.len()];
            for (i, a) in self.axes.iter().enumerate().rev() {
                choice[i] = rest % a.values.len();
                rest /= a.values.len();
            }
            let sets = choice
                .iter()
                .zip(&self.axes)
                .map(|(&k, a)| a.set(k))
                .collect();
            let labels = choice
                .iter()
                .zip(&self.axes)
                .map(|(&k, a)| a.labels[k].clone())
                .collect();
            out.push(Point {
                index,
                choice,
                sets,
                labels,
            });
        }
        out
    }
}

/// For a grid of scenarios (a sweep's points): customers' requests given as a volume
/// (`on_demand.per_day`) stay that volume at every user base the grid has, so each user's
/// rate changes along it; `on_demand.per_connection` scales them. `None` when the user base
/// does not vary or the requests scale.
pub fn fixed_demand_note(points: &[Scenario]) -> Option<String> {
    let (lo, hi) = points.iter().fold((u32::MAX, 0), |(lo, hi), s| {
        (lo.min(s.connections), hi.max(s.connections))
    });
    let fixed = points
        .iter()
        .filter_map(|s| s.on_demand.as_ref())
        .find(|d| d.per_connection.is_none() && d.per_day > 0.0)?;
    (lo < hi).then(|| {
        let per = |n: u32| fixed.per_day / n.max(1) as f64;
        format!(
            "on_demand.per_day is a volume: customers' requests stay {} a day at every \
             population.connections of the sweep, {:.3} a user a day at {} and {:.3} at {} \
             (on_demand.per_connection = r makes them scale with the users)",
            thousands(fixed.per_day),
            per(lo),
            thousands(lo as f64),
            per(hi),
            thousands(hi as f64),
        )
    })
}

#[cfg(test)]
mod note_tests {
    use super::*;
    use crate::scenario;

    /// A sweep along the user base with customers' requests as a volume is told so; one
    /// whose requests scale, or whose user base is fixed, is not.
    #[test]
    fn a_fixed_request_volume_along_the_user_base_is_noted() {
        let at = |connections: u32, on_demand: &str| {
            let text = format!(
                "[window]\nlength = \"1d\"\n[population]\nconnections = {connections}\n\
                 [strategy]\nkind = \"bulk\"\n[on_demand]\n{on_demand}\n[[banks]]\n\
                 name = \"b\"\nshare = 1.0\nservice_time = {{ dist = \"constant\", value = \"1s\" }}\n"
            );
            scenario::parse(&text, "inline", "t", &[]).unwrap()
        };
        let volume = [at(1000, "per_day = 500"), at(4000, "per_day = 500")];
        let note = fixed_demand_note(&volume).unwrap();
        assert!(
            note.contains("stay 500 a day") && note.contains("0.500 a user a day at 1,000"),
            "{note}"
        );
        let scaled = [
            at(1000, "per_connection = 0.5"),
            at(4000, "per_connection = 0.5"),
        ];
        assert_eq!(fixed_demand_note(&scaled), None);
        assert_eq!(fixed_demand_note(&volume[..1]), None);
    }
}
