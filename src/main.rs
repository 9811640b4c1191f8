//! The `refresh-sim` binary: parse arguments, call the library, print errors once.

use clap::Parser;
use refresh_sim::cli::{self, Cli};

fn main() {
    quiet_on_closed_pipe();
    let args = Cli::parse();
    if let Err(e) = cli::dispatch(args) {
        std::process::exit(cli::report_error(&e));
    }
}

/// A reader that stops early (`refresh-sim plan … | head`) closes the pipe, and the next
/// print fails; Rust's print macros then panic. Unix tools end quietly there, with the
/// status SIGPIPE would give (141), and so does this binary. Any other panic is reported as
/// before.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}
