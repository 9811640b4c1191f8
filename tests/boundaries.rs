//! The crate's layers, as ARCHITECTURE.md draws them ("Boundaries"), checked on the source:
//! every `crate::module` a file names must belong to its own layer or one below it.
//!
//! vocabulary ← model ← writers ← experiments, and writers ← document; cli uses them all.
//! The document layer (the report: charts, findings, report.md) reads a results directory
//! and never imports the model or the experiments.

use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layer {
    Vocabulary,
    Model,
    Writers,
    Experiments,
    Document,
    Cli,
}

/// The layer of a top-level module, by name.
fn layer_of_module(name: &str) -> Option<Layer> {
    use Layer::*;
    Some(match name {
        "time" | "rng" | "stats" | "vendor" | "error" | "metric" | "numbers" => Vocabulary,
        "engine" | "sim" | "bank" | "platform" | "strategy" | "scenario" | "metrics" | "retry"
        | "presets" | "demand" | "consent" => Model,
        "output" => Writers,
        "report" => Document,
        "experiment" | "fit" => Experiments,
        "cli" => Cli,
        _ => return None,
    })
}

/// The layer of a source file: that of its top-level module (`report.rs` and `report/` are
/// one module).
fn layer_of_file(rel: &Path) -> Option<Layer> {
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [f] if f == "main.rs" || f == "lib.rs" => Some(Layer::Cli),
        [f] => layer_of_module(f.strip_suffix(".rs")?),
        [dir, ..] => layer_of_module(dir),
        [] => None,
    }
}

/// What each layer may name.
fn allowed(from: Layer, to: Layer) -> bool {
    use Layer::*;
    match from {
        Vocabulary => to == Vocabulary,
        Model => matches!(to, Vocabulary | Model),
        Writers => matches!(to, Vocabulary | Model | Writers),
        Experiments => matches!(to, Vocabulary | Model | Writers | Experiments),
        Document => matches!(to, Vocabulary | Writers | Document),
        Cli => true,
    }
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules a file names as `crate::x` (or in `use crate::{x, y}`), comments
/// left out.
fn named_modules(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            if let Some(list) = rest.strip_prefix('{') {
                let end = list.find('}').unwrap_or(list.len());
                for item in list[..end].split(',') {
                    let name: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        out.push(name);
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        }
    }
    out
}

#[test]
fn no_file_imports_across_a_boundary() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    let mut checked = 0;
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let from = layer_of_file(rel)
            .unwrap_or_else(|| panic!("{}: which layer? add it to this test", rel.display()));
        let text = std::fs::read_to_string(file).unwrap();
        for module in named_modules(&text) {
            let to = layer_of_module(&module)
                .unwrap_or_else(|| panic!("{}: crate::{module} has no layer", rel.display()));
            checked += 1;
            if !allowed(from, to) {
                violations.push(format!(
                    "{} ({from:?}) names crate::{module} ({to:?})",
                    rel.display()
                ));
            }
        }
    }
    assert!(
        checked > 50,
        "the scan found only {checked} imports: it is broken"
    );
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

/// The scan sees what it must: grouped imports, paths inside code, not comments.
#[test]
fn the_scan_reads_imports_and_skips_comments() {
    let text =
        "use crate::{metrics::RunResult, time};\nlet x = crate::sim::run(a); // crate::cli\n";
    assert_eq!(named_modules(text), ["metrics", "time", "sim"]);
    assert!(!allowed(Layer::Document, Layer::Model));
    assert!(!allowed(Layer::Model, Layer::Experiments));
    assert!(allowed(Layer::Experiments, Layer::Writers));
}

/// Function lengths in `text`: (name, lines from `fn` to its closing brace), found by brace
/// depth (string and char literals with braces are rare enough in this code base to ignore;
/// a miscount only ever makes a function look longer).
fn function_lengths(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let code = lines[i].split("//").next().unwrap_or("");
        let Some(at) = code.find("fn ").filter(|&at| {
            let before = code[..at].trim_end();
            before.is_empty()
                || before.ends_with("pub")
                || before.ends_with(')')
                || before.ends_with("const")
                || before.ends_with("unsafe")
        }) else {
            i += 1;
            continue;
        };
        let name: String = code[at + 3..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let (mut depth, mut opened, mut j) = (0i32, false, i);
        while j < lines.len() {
            let l = lines[j].split("//").next().unwrap_or("");
            if !opened && depth == 0 && l.trim_end().ends_with(';') {
                break; // a declaration without a body
            }
            for ch in l.chars() {
                match ch {
                    '{' => (depth, opened) = (depth + 1, true),
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if opened && depth <= 0 {
                out.push((name.clone(), j - i + 1));
                break;
            }
            j += 1;
        }
        i = if opened { j + 1 } else { i + 1 };
    }
    out
}

/// The house rules of ARCHITECTURE.md: files of one concept, short functions.
#[test]
fn no_file_over_600_lines_and_no_function_over_80() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut long = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap().display().to_string();
        let text = std::fs::read_to_string(file).unwrap();
        let n = text.lines().count();
        if n > 600 {
            long.push(format!("{rel}: {n} lines"));
        }
        for (name, len) in function_lengths(&text) {
            if len > 80 {
                long.push(format!("{rel}: fn {name} is {len} lines"));
            }
        }
    }
    assert!(long.is_empty(), "{}", long.join("\n"));
}

#[test]
fn function_lengths_count_from_fn_to_its_closing_brace() {
    let text = "/// doc\npub fn a(x: u32) -> u32 {\n    if x > 0 {\n        1\n    } else { 0 }\n}\nfn b();\nfn c() { }\n";
    assert_eq!(
        function_lengths(text),
        [("a".to_string(), 5), ("c".to_string(), 1)]
    );
}
