//! Every `refresh-sim` example in README.md and the manual (docs/manual.md) runs as written:
//! the commands of their `sh` blocks,
//! its inline `refresh-sim …` commands, and its inline `--set …` overrides (checked against
//! uk-mix). Each runs in an empty temporary directory, so the built-in scenarios are what a
//! user who has only installed the binary would get. Synopses with placeholders (`SCENARIO`,
//! `[--seed N]`, `…`) are not commands and are skipped.

mod common;

use common::TempDir;
use std::path::Path;
use std::process::Command;

/// README.md and the manual, one after the other.
fn readme() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    ["README.md", "docs/manual.md"]
        .iter()
        .map(|f| std::fs::read_to_string(root.join(f)).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Splits a command line as a POSIX shell would for the examples' simple quoting: words
/// separated by spaces, `'…'` and `"…"` quoted.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for ch in line.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(ch);
                started = true;
            }
            (None, ' ' | '\t') => {
                if started {
                    out.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            (None, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(word);
    }
    out
}

/// The commands of the `sh` blocks that call refresh-sim, continuation lines joined.
fn block_commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_sh = !in_sh && line.trim() == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        let line = line.split(" #").next().unwrap_or("").trim();
        match line.strip_suffix('\\') {
            Some(head) => pending.push_str(head),
            None => {
                pending.push_str(line);
                if pending.starts_with("refresh-sim ") {
                    out.push(std::mem::take(&mut pending));
                }
                pending.clear();
            }
        }
    }
    out
}

/// Inline code spans (line breaks inside a span read as spaces), outside fenced blocks.
fn inline_spans(text: &str) -> Vec<String> {
    let mut prose = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            prose.push_str(line);
            prose.push(' ');
        }
    }
    prose
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// A synopsis rather than a command: placeholders in capitals, optional parts, ellipses.
fn is_synopsis(cmd: &str) -> bool {
    cmd.contains('[')
        || cmd.contains('…')
        || words(cmd)
            .iter()
            .any(|w| w.len() > 1 && w.chars().all(|c| c.is_ascii_uppercase()))
}

fn run(dir: &Path, args: &[String]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_refresh-sim"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn every_readme_example_runs_as_written() {
    let text = readme();
    let mut commands: Vec<Vec<String>> = Vec::new();
    for cmd in block_commands(&text) {
        commands.push(words(&cmd)[1..].to_vec());
    }
    let mut inline = 0;
    for span in inline_spans(&text) {
        if let Some(rest) = span.strip_prefix("refresh-sim ") {
            // Names of commands in running text, not invocations: `refresh-sim run` (needs a
            // scenario) and `refresh-sim report output` (needs the default run's output).
            if is_synopsis(&span) || span == "refresh-sim run" || rest.starts_with("report ") {
                continue;
            }
            commands.push(words(rest));
            inline += 1;
        } else if span.starts_with("--set ") && !is_synopsis(&span) {
            let mut args = vec!["check".to_string(), "uk-mix".to_string()];
            args.extend(words(&span));
            commands.push(args);
            inline += 1;
        }
    }
    // The README shows a sweep, plans, several inline commands and overrides: if the
    // extraction found none of them, it is broken, not the README.
    assert!(commands.len() >= 8 && inline >= 4, "found {commands:?}");
    let tmp = TempDir::new("readme");
    for args in &commands {
        eprintln!("refresh-sim {}", args.join(" "));
        let out = run(tmp.path(), args);
        assert!(
            out.status.success(),
            "README example `refresh-sim {}` failed ({}):\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_word_splitter_follows_shell_quoting() {
    assert_eq!(
        words("sweep a --set 'x=[{k = \"c\"}],[]' --set y=1,2"),
        [
            "sweep",
            "a",
            "--set",
            "x=[{k = \"c\"}],[]",
            "--set",
            "y=1,2"
        ]
    );
    assert!(is_synopsis("refresh-sim run SCENARIO [--seed N]"));
    assert!(!is_synopsis(
        "refresh-sim plan scenarios/uk-mix.toml --users 400000"
    ));
}
