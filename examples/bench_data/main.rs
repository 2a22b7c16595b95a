//! Writes the benchmark data `scripts/bench.sh` and `benches/gui_frames.rs` measure on.
//! Benchmark tooling, not part of the shipped binary.
//!
//! ```text
//! cargo run --release --example bench_data -- [DIR]   # the full sets, about 5 GB
//! cargo run --example bench_data -- --tiny DIR        # the tests' tiny sets, to try it
//! ```
//!
//! `DIR` defaults to `/tmp/agents-janitor-bench`. Sets already complete at that scale
//! are kept; see `generator.rs` for what they hold.

mod generator;
#[cfg(test)]
mod tests;

use anyhow::{Result, bail};
use generator::{BenchScale, DEFAULT_BENCH_DIR, write_bench_data};
use std::path::PathBuf;

/// A few of everything: what the tests write, in about a second.
const TINY: BenchScale = BenchScale {
    workspaces: 11,
    huge_files: 30,
    records: 6,
    log_lines: 7,
    many_records: 40,
    many_log_lines: 3,
    many_workspaces: 2,
    git_workspaces: 11,
};

const USAGE: &str = "usage: bench_data [--tiny] [DIR]";

fn main() -> Result<()> {
    let mut scale = BenchScale::FULL;
    let mut dir = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--tiny" => scale = TINY,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            flag if flag.starts_with('-') => bail!("unknown option {flag}\n{USAGE}"),
            _ if dir.is_some() => bail!("one folder only\n{USAGE}"),
            _ => dir = Some(PathBuf::from(arg)),
        }
    }
    let dir = dir.unwrap_or_else(|| PathBuf::from(DEFAULT_BENCH_DIR));
    print!("{}", write_bench_data(&dir, scale)?);
    Ok(())
}
