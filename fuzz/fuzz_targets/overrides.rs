//! `--set path=value` overrides on a fixed valid scenario (scenarios/uk-mix.toml): the input's
//! first three lines are the overrides (one to three; an empty input gives one empty `--set`).
//! Errors are expected; a panic is a bug. A scenario that parses is not run.
#![no_main]

use libfuzzer_sys::fuzz_target;

const UK_MIX: &str = include_str!("../../scenarios/uk-mix.toml");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let sets: Vec<String> = text.split('\n').take(3).map(str::to_string).collect();
    let _ = refresh_sim::scenario::parse(UK_MIX, "uk-mix.toml", "uk-mix", &sets);
});
