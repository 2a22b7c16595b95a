//! The wall time of the task table's Git column: the worker asked about every workspace
//! of a data dir, as the window asks after a load (`Command::InspectGit`), until the last
//! answer is in. `scripts/bench.sh` runs it on the bench data's git set. Benchmark
//! tooling, not part of the shipped binary.
//!
//! ```text
//! cargo run --release --example git_states -- DATA_DIR [RUNS]
//! ```
//!
//! Prints one JSON object: the runs' times in seconds, their median, and how many
//! workspaces git called clean, holding unsaved work, or could not answer about.

use agents_janitor::container::ContainerRuntime;
use agents_janitor::git::GitStatus;
use agents_janitor::worker::{Command, Event, Worker};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long one event may take to come before the run is given up.
const PATIENCE: Duration = Duration::from_secs(600);

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let data_dir = PathBuf::from(args.next().context("usage: git_states DATA_DIR [RUNS]")?);
    let runs: usize = args.next().map_or(Ok(5), |runs| runs.parse())?;
    let worker = Worker::spawn(data_dir, ContainerRuntime::default(), Arc::new(|| {}));
    worker.send(Command::Reload);
    let snapshot = loop {
        match worker.events().recv_timeout(PATIENCE)? {
            Event::Loaded(snapshot) => break snapshot,
            Event::LoadFailed(message) => bail!("cannot load: {message}"),
            _ => {}
        }
    };
    let paths: Vec<PathBuf> = snapshot
        .workspaces
        .iter()
        .filter(|w| w.is_dir)
        .map(|w| w.path.clone())
        .collect();
    let mut times = Vec::with_capacity(runs);
    let (mut clean, mut unsaved, mut unknown) = (0, 0, 0);
    for _ in 0..runs {
        let start = Instant::now();
        worker.send(Command::InspectGit(paths.clone()));
        let (mut answered, mut counts) = (0, (0, 0, 0));
        while answered < paths.len() {
            if let Event::GitInspected { status, .. } = worker.events().recv_timeout(PATIENCE)? {
                answered += 1;
                match status {
                    GitStatus::Unknown { .. } => counts.2 += 1,
                    known if known.has_unsaved_work() => counts.1 += 1,
                    _ => counts.0 += 1,
                }
            }
        }
        times.push(start.elapsed().as_secs_f64());
        (clean, unsaved, unknown) = counts;
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or_default();
    println!(
        "{}",
        serde_json::json!({
            "workspaces": paths.len(),
            "runs_s": times,
            "median_s": median,
            "min_s": sorted.first(),
            "max_s": sorted.last(),
            "clean": clean,
            "unsaved": unsaved,
            "unknown": unknown,
        })
    );
    Ok(())
}
