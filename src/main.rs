//! The `refresh-sim` binary: parse arguments, call the library, print errors once.

use clap::Parser;
use refresh_sim::cli::{self, Cli};

fn main() {
    let args = Cli::parse();
    if let Err(e) = cli::dispatch(args) {
        std::process::exit(cli::report_error(&e));
    }
}
