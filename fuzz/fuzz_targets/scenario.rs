//! Arbitrary text through the scenario parser and validation (`refresh_sim::scenario::parse`)
//! with no overrides. Errors are expected; a panic is a bug. A scenario that parses is not run.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = refresh_sim::scenario::parse(text, "fuzz.toml", "fuzz", &[]);
});
