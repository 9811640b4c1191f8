//! Named bank presets: the files in `scenarios/banks/`, built into the binary.
//!
//! A scenario's bank can say `preset = "psd2-4-per-day"`: the preset's fields fill in the
//! ones the bank does not set itself (so `share`, `name` and any override stay the
//! scenario's). Each preset file is commented with what it models and where its numbers come
//! from; `refresh-sim presets` lists them.

/// `(name, file text)` of every preset, in listing order.
const PRESETS: &[(&str, &str)] = &[
    (
        "psd2-4-per-day",
        include_str!("../scenarios/banks/psd2-4-per-day.toml"),
    ),
    ("cdr-au", include_str!("../scenarios/banks/cdr-au.toml")),
    (
        "strict-concurrency",
        include_str!("../scenarios/banks/strict-concurrency.toml"),
    ),
    (
        "fixed-window",
        include_str!("../scenarios/banks/fixed-window.toml"),
    ),
    (
        "nightly-maintenance",
        include_str!("../scenarios/banks/nightly-maintenance.toml"),
    ),
    (
        "penalty-box",
        include_str!("../scenarios/banks/penalty-box.toml"),
    ),
    (
        "queueing-bank",
        include_str!("../scenarios/banks/queueing-bank.toml"),
    ),
];

/// Preset names, in listing order.
pub fn names() -> Vec<&'static str> {
    PRESETS.iter().map(|(n, _)| *n).collect()
}

/// The preset's fields as a TOML table, or `None` for an unknown name.
pub fn table(name: &str) -> Option<toml::Table> {
    let (_, text) = PRESETS.iter().find(|(n, _)| *n == name)?;
    Some(toml::from_str(text).expect("built-in presets are valid TOML (tested)"))
}

/// `(name, one-line description)` of every preset.
pub fn list() -> Vec<(&'static str, String)> {
    PRESETS
        .iter()
        .map(|(n, _)| {
            let t = table(n).expect("known");
            let d = t
                .get("description")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            (*n, d)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_file_is_listed_and_valid() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/banks");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                e.ok()?
                    .path()
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
            })
            .collect();
        files.sort();
        let mut known: Vec<String> = names().iter().map(|s| s.to_string()).collect();
        known.sort();
        assert_eq!(
            files, known,
            "scenarios/banks/ and PRESETS must list the same presets"
        );
        for (name, description) in list() {
            assert!(!description.is_empty(), "{name} has no description");
            let text = format!(
                "[window]\nlength = \"24h\"\n[population]\nconnections = 10\n[strategy]\nkind = \"bulk\"\n\
                 [[banks]]\nname = \"b\"\nshare = 1.0\npreset = \"{name}\"\n"
            );
            crate::scenario::parse(&text, "preset-test", "t", &[])
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
