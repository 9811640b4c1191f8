//! The `--strategies` list: items, their names and the overrides they make, and what is said
//! of an item in its errors and notes.

use crate::error::{Error, Result};
use crate::experiment::sweep::{split_top_level, split_values};
use crate::scenario::StrategyKind;

/// The `--strategies` list: each item's label (its name, or the item), the item, and its
/// overrides; labels distinct, at least two items.
pub(super) fn items(list: &str) -> Result<Vec<(String, String, Vec<String>)>> {
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

/// An item's error with the overrides the item made said as the item's (`(set by the item's
/// strategy.rate=-1)`), not as `--set`s the user never typed.
pub(super) fn own_sets(message: &str, own: &[String]) -> String {
    // Whole overrides only, as `sets_behind` ends them: `rate=1` is not `rate=10`'s start.
    own.iter().fold(message.to_string(), |m, s| {
        [")", ","].iter().fold(m, |m, end| {
            m.replace(&format!("--set {s}{end}"), &format!("the item's {s}{end}"))
        })
    })
}

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
pub(super) fn baseline_index(
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
