//! Bank presets in a scenario: a `[[banks]]` table naming `preset = "…"` takes the preset's
//! fields it does not set itself, and is told where its own `limits` drop the preset's
//! per-connection quota.

use super::FieldError;
use crate::presets;

/// Fills each `[[banks]]` table that names a `preset` with the preset's fields it lacks;
/// returns a note for each bank whose own `limits` drop its preset's quota.
pub(super) fn apply(table: &mut toml::Table) -> Result<Vec<String>, FieldError> {
    let mut dropped = Vec::new();
    let Some(toml::Value::Array(banks)) = table.get_mut("banks") else {
        return Ok(dropped);
    };
    for (i, bank) in banks.iter_mut().enumerate() {
        let Some(bank) = bank.as_table_mut() else {
            continue;
        };
        let Some(name) = bank
            .get("preset")
            .and_then(|v| v.as_str())
            .map(str::to_string)
        else {
            continue;
        };
        let preset = presets::table(&name).ok_or_else(|| FieldError {
            field: format!("banks[{i}].preset"),
            reason: format!(
                "unknown preset \"{name}\" (known: {})",
                presets::names().join(", ")
            ),
        })?;
        dropped.extend(dropped_limits(bank, &preset, &name));
        for (k, v) in preset {
            bank.entry(k).or_insert(v);
        }
    }
    Ok(dropped)
}

/// The note for a bank whose own `limits` replace those of its preset `name` without a
/// per-connection quota the preset has (PSD2's four a day: the rule the preset is named for;
/// its own quota of another size is a choice, not a loss, as is its own rate limit for the
/// preset's).
fn dropped_limits(bank: &toml::Table, preset: &toml::Table, name: &str) -> Option<String> {
    let limits_of = |t: &toml::Table| -> Vec<toml::Value> {
        let limits = t.get("limits").and_then(|l| l.as_array());
        limits.into_iter().flatten().cloned().collect()
    };
    let kind = |l: &toml::Value| l.get("kind").and_then(|k| k.as_str()).map(str::to_string);
    let own: Vec<Option<String>> = limits_of(bank).iter().map(kind).collect();
    bank.get("limits")?;
    let lost: Vec<String> = (limits_of(preset).iter())
        .filter(|l| kind(l).as_deref() == Some("quota") && !own.contains(&kind(l)))
        .map(|l| format!("`{l}`"))
        .collect();
    let bank_name = bank.get("name").and_then(|n| n.as_str()).unwrap_or("?");
    (!lost.is_empty()).then(|| {
        format!(
            "banks.{bank_name}.limits: the bank's own list replaces preset \"{name}\"'s (a \
             bank's own fields win), dropping its quota {}; add it to the list to keep it",
            lost.join(" and ")
        )
    })
}

#[cfg(test)]
mod tests {
    /// A trial's PSD2 bank with its own token bucket: the preset's quota is dropped, and
    /// said, from the file or from a `--set`; its own quota of another size, no `limits` of
    /// its own, or a preset without a quota says nothing.
    #[test]
    fn own_limits_dropping_a_presets_quota_are_noted() {
        let notes = |preset: &str, limits: &str, sets: &[&str]| {
            let text = format!(
                "[window]\nlength = \"1d\"\n[strategy]\nkind = \"random_offset\"\n\
                 [population]\nconnections = 100\n[[banks]]\nname = \"coop\"\nshare = 1.0\n\
                 preset = \"{preset}\"\n{limits}"
            );
            let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            let notes = crate::scenario::parse(&text, "s.toml", "s", &sets)
                .unwrap()
                .notes();
            notes
                .into_iter()
                .filter(|n| n.contains("preset"))
                .collect::<Vec<_>>()
        };
        let bucket = "[{ kind = \"token_bucket\", rate = 1.0, burst = 5 }]";
        let own = notes("psd2-4-per-day", &format!("limits = {bucket}\n"), &[]);
        let set = format!("banks.coop.limits={bucket}");
        assert_eq!(own, notes("psd2-4-per-day", "", &[&set]), "by --set alike");
        assert_eq!(own.len(), 1, "{own:?}");
        assert!(
            own[0].starts_with(
                "banks.coop.limits: the bank's own list replaces preset \"psd2-4-per-day\"'s"
            ) && own[0].contains("kind = \"quota\"")
                && own[0].contains("k = 4")
                && !own[0].contains("token_bucket"),
            "{}",
            own[0]
        );
        let quota = "limits = [{ kind = \"quota\", k = 6, period = \"rolling_24h\" }]\n";
        for limits in [quota, ""] {
            assert_eq!(notes("psd2-4-per-day", limits, &[]), Vec::<String>::new());
        }
        let no_quota = notes("strict-concurrency", &format!("limits = {bucket}\n"), &[]);
        assert_eq!(no_quota, Vec::<String>::new());
    }
}
