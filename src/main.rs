//! The `agents-janitor` binary: parses the command line, runs it through [`cli::run`] and
//! exits with its code (an [`ExitError`]'s, else 1 for any other error).

use agents_janitor::cli::{self, Cli, ExitError};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            let code = err.downcast_ref::<ExitError>().map_or(1, |e| e.code);
            ExitCode::from(code)
        }
    }
}
