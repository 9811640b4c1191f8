//! Field paths: `--set` overrides, and mapping between paths and positions in the file.
//!
//! A path is dotted keys with array elements addressed by index or by the element's `name`:
//! `strategy.concurrency`, `banks[0].share`, `banks.0.share`, `banks.big-bank.share`.

use toml::de::{DeTable, DeValue};
use toml::{Table, Value};

/// Splits `banks[0].share` or `banks.0.share` into steps. Numbers after a dot are indices
/// only when the parent turns out to be an array (see [`apply_set`]).
pub fn parse_path(path: &str) -> Result<Vec<String>, String> {
    let mut parts = Vec::new();
    for raw in path.split('.') {
        let mut rest = raw;
        let key_end = rest.find('[').unwrap_or(rest.len());
        let key = &rest[..key_end];
        if key.is_empty() && key_end == rest.len() {
            return Err(format!("invalid path \"{path}\": empty key"));
        }
        if !key.is_empty() {
            parts.push(key.to_string());
        }
        rest = &rest[key_end..];
        while let Some(inner) = rest.strip_prefix('[') {
            let close = inner
                .find(']')
                .ok_or_else(|| format!("invalid path \"{path}\": missing ']'"))?;
            parts.push(inner[..close].to_string());
            rest = &inner[close + 1..];
        }
        if !rest.is_empty() {
            return Err(format!("invalid path \"{path}\""));
        }
    }
    if parts.is_empty() {
        return Err(format!("invalid path \"{path}\""));
    }
    Ok(parts)
}

/// Splits `path=value` and reads the value as TOML (`42`, `0.5`, `true`, `"x"`, `[1, 2]`),
/// a percentage as its share (`3%` → 0.03, as `plan`'s share flags take it: a trial's
/// `--set population.growth_per_week=3%` was refused), or as a bare string when it is not
/// TOML (`random_offset`, `10s`).
pub fn parse_set(set: &str) -> Result<(Vec<String>, Value), String> {
    let (path, raw) = set
        .split_once('=')
        .ok_or_else(|| "expected path=value (e.g. --set strategy.concurrency=8)".to_string())?;
    let path = parse_path(path.trim())?;
    let raw = raw.trim();
    let percent = raw
        .strip_suffix('%')
        .and_then(|p| p.trim().parse::<f64>().ok());
    let value = match toml::from_str::<Table>(&format!("v = {raw}")) {
        Ok(mut t) => t.remove("v").expect("key v"),
        Err(_) if percent.is_some_and(f64::is_finite) => {
            Value::Float(percent.unwrap_or(0.0) / 100.0)
        }
        Err(_) => Value::String(raw.to_string()),
    };
    Ok((path, value))
}

/// Sets `path` to `value` in the document. Tables along the way are created when missing
/// (unknown keys are then rejected by the typed parse); array elements must exist.
pub fn apply_set(root: &mut Table, path: &[String], value: Value) -> Result<(), String> {
    let mut table = root;
    let mut walked = String::new();
    let (last, parents) = path.split_last().expect("non-empty path");
    let mut i = 0;
    while i < parents.len() {
        let key = &parents[i];
        let next = parents.get(i + 1).unwrap_or(last);
        // Only a bank's `limits`, the list a preset gives: a typo or a map's key that reads
        // as a number is the typed parse's to refuse (a review).
        if key == "limits" && !table.contains_key(key) && next.parse::<usize>().is_ok() {
            push_key(&mut walked, key);
            // A trial's `banks.cba.limits[1].rate` was told "invalid type: map".
            return Err(format!(
                "`{walked}` is not written in the scenario (it comes from the bank's preset, or \
                 a default), so its element [{next}] cannot be set alone: give the whole list, \
                 quoted for the shell, e.g. --set '{walked}=[…]' (`check` says what a bank's own \
                 list replaces)"
            ));
        }
        let entry = table
            .entry(key.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        push_key(&mut walked, key);
        match entry {
            Value::Table(t) => {
                table = t;
                i += 1;
            }
            Value::Array(items) => {
                let sel = parents.get(i + 1).unwrap_or(last);
                let idx = select(items, sel, &walked)?;
                walked.push_str(&format!("[{idx}]"));
                if i + 1 == parents.len() {
                    return set_element(&mut items[idx], &walked, value);
                }
                match &mut items[idx] {
                    Value::Table(t) => table = t,
                    _ => return Err(format!("`{walked}` is not a table")),
                }
                i += 2;
            }
            other => {
                return Err(format!(
                    "`{walked}` is a {}, not a table, so it has no field `{}`",
                    other.type_str(),
                    parents.get(i + 1).unwrap_or(last)
                ))
            }
        }
    }
    let list = matches!(table.get(last.as_str()), Some(Value::Array(_)));
    let section = matches!(table.get(last.as_str()), Some(Value::Table(_))) || list;
    if section && !matches!(value, Value::Table(_) | Value::Array(_)) {
        push_key(&mut walked, last);
        // A trial wrote strategy.hours=22:00-06:00 and was told it was a section.
        let example = match walked.ends_with("hours") {
            true => "[\"22:00\", \"06:00\"]",
            false => "[…]",
        };
        return Err(match list {
            true => format!(
                "`{walked}` is a list, not a single value: give it in brackets, quoted for the \
                 shell, e.g. --set '{walked}={example}'"
            ),
            false => format!("`{walked}` is a section, not a single value; set one of its fields"),
        });
    }
    table.insert(last.clone(), value);
    Ok(())
}

/// Sets a list's element `walked` whole, to a table (`banks.citi.limits[1]={ kind = … }`);
/// else says which of its fields to set (a trial was told `banks[3].limits[1].share` of a
/// maintenance window, which has none).
fn set_element(item: &mut Value, walked: &str, value: Value) -> Result<(), String> {
    let Value::Table(t) = item else {
        // A list of values (`strategy.hours[1]`): the typed parse judges the new one.
        *item = value;
        return Ok(());
    };
    if let Value::Table(_) = value {
        *item = value;
        return Ok(());
    }
    // A field a limit or a bank is most often set by, else its first but its kind and name.
    let usual = ["rate", "max_in_flight", "limit", "share", "start"];
    let field = (usual.iter().copied())
        .find(|k| t.contains_key(*k))
        .or_else(|| {
            t.keys()
                .map(String::as_str)
                .find(|k| !["kind", "name"].contains(k))
        });
    let field = field.map_or(String::new(), |f| format!(", e.g. `{walked}.{f}`"));
    Err(format!(
        "`{walked}` is a table: set one of its fields{field}, or the whole of it as a table, \
         quoted for the shell, e.g. --set '{walked}={{ … }}'"
    ))
}

fn push_key(walked: &mut String, key: &str) {
    if !walked.is_empty() {
        walked.push('.');
    }
    walked.push_str(key);
}

/// Picks an array element by index or by its `name` field.
fn select(items: &[Value], sel: &str, walked: &str) -> Result<usize, String> {
    if let Ok(i) = sel.parse::<usize>() {
        return if i < items.len() {
            Ok(i)
        } else {
            let n = items.len();
            let entries = if n == 1 { "entry" } else { "entries" };
            Err(format!(
                "`{walked}` has {n} {entries}; index {i} is out of range"
            ))
        };
    }
    items
        .iter()
        .position(|v| v.get("name").and_then(Value::as_str) == Some(sel))
        .ok_or_else(|| {
            let names: Vec<&str> = items
                .iter()
                .filter_map(|v| v.get("name").and_then(Value::as_str))
                .collect();
            format!(
                "`{walked}` has no entry named \"{sel}\" (names: {})",
                names.join(", ")
            )
        })
}

/// Does `--set` string `set` address the validated field path `field` (`banks[0].share`)?
pub fn set_targets(set: &str, field: &str) -> bool {
    let Some((path, _)) = set.split_once('=') else {
        return false;
    };
    let Ok(steps) = parse_path(path.trim()) else {
        return false;
    };
    let Ok(target) = parse_path(field) else {
        return false;
    };
    // Compare ignoring how array elements were named (index or name): the set writes the
    // field itself or something inside it (`banks.neobank.share` for a failure of `banks`,
    // such as shares that no longer sum to 1).
    steps.len() >= target.len()
        && steps
            .iter()
            .zip(&target)
            .all(|(a, b)| a == b || b.parse::<usize>().is_ok())
}

/// 1-based line and column of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map(|nl| before.len() - nl)
        .unwrap_or(before.len() + 1);
    (line, col)
}

/// The path of the innermost key whose entry contains byte `offset`. (Spans of tables and
/// arrays of tables cover only their headers, so children are searched regardless.)
pub fn path_at(text: &str, offset: usize) -> Option<String> {
    let doc = DeTable::parse(text).ok()?;
    find_in_table(doc.get_ref(), offset)
}

fn find_in_table(t: &DeTable<'_>, offset: usize) -> Option<String> {
    for (k, v) in t.iter() {
        let key = k.get_ref().to_string();
        if let Some(inner) = find_in_value(v.get_ref(), offset) {
            return Some(if inner.starts_with('[') {
                key + &inner
            } else {
                format!("{key}.{inner}")
            });
        }
        let (ks, vs) = (k.span(), v.span());
        if (ks.start..vs.end.max(ks.end)).contains(&offset) || vs.contains(&offset) {
            return Some(key);
        }
    }
    None
}

fn find_in_value(v: &DeValue<'_>, offset: usize) -> Option<String> {
    match v {
        DeValue::Table(t) => find_in_table(t, offset),
        DeValue::Array(items) => {
            items.iter().enumerate().find_map(|(i, item)| {
                match find_in_value(item.get_ref(), offset) {
                    Some(inner) if inner.starts_with('[') => Some(format!("[{i}]{inner}")),
                    Some(inner) => Some(format!("[{i}].{inner}")),
                    None => item.span().contains(&offset).then(|| format!("[{i}]")),
                }
            })
        }
        _ => None,
    }
}

/// Line and column of the value at validated field path `field` (`banks[1].limits[0].rate`),
/// or of its nearest ancestor present in the file.
pub fn line_col_of(text: &str, field: &str) -> Option<(usize, usize)> {
    let doc = DeTable::parse(text).ok()?;
    let steps = parse_path(field).ok()?;
    let mut best = None;
    let mut cur: Option<&DeValue<'_>> = None;
    let root = doc.get_ref();
    for step in &steps {
        let next = match (cur, step.parse::<usize>()) {
            (None, _) => root
                .iter()
                .find(|(k, _)| k.get_ref() == step)
                .map(|(k, v)| (k.span(), v)),
            (Some(DeValue::Table(t)), _) => t
                .iter()
                .find(|(k, _)| k.get_ref() == step)
                .map(|(k, v)| (k.span(), v)),
            (Some(DeValue::Array(a)), Ok(i)) => a.get(i).map(|v| (v.span(), v)),
            _ => None,
        };
        match next {
            Some((span, v)) => {
                best = Some(span.start);
                cur = Some(v.get_ref());
            }
            None => break,
        }
    }
    best.map(|o| line_col(text, o))
}

/// What an error on `field` says of the command line's `--set`s: the one that set it, or,
/// when none did, those that set other fields of its table. A check across fields blames
/// the field it checks, which the file may hold: a warm-up no longer shorter than a window
/// that `--set window.length` shortened.
pub fn sets_behind(sets: &[String], field: &str) -> String {
    // The last wins, as the overrides apply in order.
    if let Some(s) = sets.iter().rev().find(|s| set_targets(s, field)) {
        return format!(" (set by --set {s})");
    }
    let table = |path: &str| parse_path(path.trim()).ok()?.into_iter().next();
    let Some(own) = table(field) else {
        return String::new();
    };
    let near: Vec<&str> = sets
        .iter()
        .filter(|s| s.split_once('=').and_then(|(p, _)| table(p)) == Some(own.clone()))
        .map(String::as_str)
        .collect();
    if near.is_empty() {
        String::new()
    } else {
        format!(" (after --set {})", near.join(", --set "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_names_the_sets_behind_it() {
        let sets = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let field = "window.warmup";
        let s = sets(&["window.warmup=2d", "seed=3"]);
        assert_eq!(sets_behind(&s, field), " (set by --set window.warmup=2d)");
        let s = sets(&["window.length=1d", "seed=3", "window.start=02:00"]);
        assert_eq!(
            sets_behind(&s, field),
            " (after --set window.length=1d, --set window.start=02:00)"
        );
        assert_eq!(sets_behind(&sets(&["seed=3"]), field), "");
        assert_eq!(sets_behind(&sets(&[]), field), "");
    }

    /// An element of a list the file does not write (a preset's limits) is refused with
    /// what to do, not "invalid type: map"; one the file writes is set.
    #[test]
    fn an_element_of_an_unwritten_list_says_to_give_the_list() {
        let mut doc: Table = toml::from_str(
            "[[banks]]\nname = \"cba\"\npreset = \"cdr-au\"\n\
             [[banks]]\nname = \"own\"\nlimits = [{ kind = \"token_bucket\", rate = 1.0, burst = 2 }]\n",
        )
        .unwrap();
        let path = parse_path("banks.cba.limits[1].rate").unwrap();
        let e = apply_set(&mut doc, &path, Value::Float(2.0)).unwrap_err();
        assert!(
            e.contains("`banks[0].limits` is not written in the scenario")
                && e.contains("--set 'banks[0].limits=[…]'"),
            "{e}"
        );
        let path = parse_path("banks.own.limits[0].rate").unwrap();
        apply_set(&mut doc, &path, Value::Float(2.0)).unwrap();
        assert_eq!(doc["banks"][1]["limits"][0]["rate"].as_float(), Some(2.0));
        // The element whole, as a table; a single value names one of its own fields.
        let path = parse_path("banks.own.limits[0]").unwrap();
        let e = apply_set(&mut doc, &path, Value::Float(2.0)).unwrap_err();
        assert!(e.contains("e.g. `banks[1].limits[0].rate`"), "{e}");
        let (path, value) =
            parse_set("banks.own.limits[0]={ kind = \"concurrency\", max_in_flight = 3 }").unwrap();
        apply_set(&mut doc, &path, value).unwrap();
        let limit = &doc["banks"][1]["limits"][0];
        assert_eq!(limit["max_in_flight"].as_integer(), Some(3));
        assert!(limit.get("rate").is_none(), "{limit:?}");
        // An element of a list of values is replaced; past the end is refused.
        let mut doc: Table =
            toml::from_str("[strategy]\nhours = [\"00:00\", \"06:00\"]\n").unwrap();
        let (path, value) = parse_set("strategy.hours[1]=\"07:00\"").unwrap();
        apply_set(&mut doc, &path, value).unwrap();
        assert_eq!(doc["strategy"]["hours"][1].as_str(), Some("07:00"));
        let (path, value) = parse_set("strategy.hours[2]=\"08:00\"").unwrap();
        let e = apply_set(&mut doc, &path, value).unwrap_err();
        assert_eq!(e, "`strategy.hours` has 2 entries; index 2 is out of range");
    }

    #[test]
    fn paths_accept_dots_and_brackets() {
        assert_eq!(
            parse_path("banks[0].share").unwrap(),
            ["banks", "0", "share"]
        );
        assert_eq!(
            parse_path("banks.0.share").unwrap(),
            ["banks", "0", "share"]
        );
        assert_eq!(
            parse_path("a.b[1][2].c").unwrap(),
            ["a", "b", "1", "2", "c"]
        );
        assert!(parse_path("a..b").is_err());
        assert!(parse_path("a[0").is_err());
    }

    #[test]
    fn set_values_are_typed() {
        assert_eq!(parse_set("a=42").unwrap().1, Value::Integer(42));
        assert_eq!(parse_set("a=0.5").unwrap().1, Value::Float(0.5));
        assert_eq!(
            parse_set("a=random_offset").unwrap().1,
            Value::String("random_offset".into())
        );
        assert_eq!(parse_set("a=10s").unwrap().1, Value::String("10s".into()));
        assert_eq!(parse_set("a=3%").unwrap().1, Value::Float(0.03));
        assert_eq!(parse_set("a=2.5 %").unwrap().1, Value::Float(0.025));
        assert_eq!(parse_set("a=x%").unwrap().1, Value::String("x%".into()));
        assert!(parse_set("novalue").is_err());
    }

    #[test]
    fn applies_into_arrays_by_index_or_name() {
        let mut t: Table = toml::from_str(
            "[[banks]]\nname = \"a\"\nshare = 1.0\n[[banks]]\nname = \"b\"\nshare = 0.0",
        )
        .unwrap();
        apply_set(
            &mut t,
            &parse_path("banks.b.share").unwrap(),
            Value::Float(0.5),
        )
        .unwrap();
        apply_set(
            &mut t,
            &parse_path("banks[0].share").unwrap(),
            Value::Float(0.5),
        )
        .unwrap();
        let shares: Vec<f64> = t["banks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["share"].as_float().unwrap())
            .collect();
        assert_eq!(shares, [0.5, 0.5]);
        assert!(apply_set(
            &mut t,
            &parse_path("banks.9.share").unwrap(),
            Value::Float(0.5)
        )
        .unwrap_err()
        .contains("out of range"));
        assert!(apply_set(
            &mut t,
            &parse_path("banks.zz.share").unwrap(),
            Value::Float(0.5)
        )
        .unwrap_err()
        .contains("no entry named"));
    }

    #[test]
    fn finds_positions_of_fields() {
        let text = "[window]\nlength = \"24h\"\n\n[[banks]]\nname = \"a\"\nshare = 2.0\n";
        assert_eq!(line_col_of(text, "window.length"), Some((2, 1)));
        assert_eq!(line_col_of(text, "banks[0].share"), Some((6, 1)));
        let off = text.find("2.0").unwrap();
        assert_eq!(path_at(text, off).as_deref(), Some("banks[0].share"));
    }
}
