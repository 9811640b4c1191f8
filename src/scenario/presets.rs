//! Bank presets in a scenario: a `[[banks]]` table naming `preset = "…"` takes the preset's
//! fields it does not set itself, and is told where its own `limits` drop a kind of limit
//! the preset has.

use super::FieldError;
use crate::presets;

/// Fills each `[[banks]]` table that names a `preset` with the preset's fields it lacks;
/// returns a note for each bank whose own `limits` drop a kind of limit its preset has.
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
            "bank `{bank_name}`: its own `limits` replace preset \"{name}\"'s (a bank's own \
             fields win), dropping {}; add {} to its `limits` to keep {}",
            lost.join(" and "),
            if lost.len() == 1 { "it" } else { "them" },
            if lost.len() == 1 { "it" } else { "them" }
        )
    })
}

#[cfg(test)]
mod tests {
    /// A trial's PSD2 bank with its own token bucket: the preset's quota is dropped, and
    /// said; its own quota of another size, or no `limits` of its own, says nothing.
    #[test]
    fn own_limits_dropping_a_presets_kind_are_noted() {
        let notes = |limits: &str| {
            let text = format!(
                "[window]\nlength = \"1d\"\n[strategy]\nkind = \"random_offset\"\n\
                 [population]\nconnections = 100\n[[banks]]\nname = \"coop\"\nshare = 1.0\n\
                 preset = \"psd2-4-per-day\"\n{limits}"
            );
            crate::scenario::parse(&text, "s.toml", "s", &[])
                .unwrap()
                .notes()
        };
        let own = notes("limits = [{ kind = \"token_bucket\", rate = 1.0, burst = 5 }]\n");
        let said: Vec<&String> = own.iter().filter(|n| n.contains("preset")).collect();
        assert_eq!(said.len(), 1, "{own:?}");
        assert!(
            said[0]
                .starts_with("bank `coop`: its own `limits` replace preset \"psd2-4-per-day\"'s")
                && said[0].contains("kind = \"quota\"")
                && said[0].contains("k = 4")
                && !said[0].contains("token_bucket"),
            "{}",
            said[0]
        );
        let quota = "limits = [{ kind = \"quota\", k = 6, period = \"rolling_24h\" }]\n";
        for limits in [quota, ""] {
            let n = notes(limits);
            assert!(n.iter().all(|n| !n.contains("preset")), "{n:?}");
        }
    }
}
