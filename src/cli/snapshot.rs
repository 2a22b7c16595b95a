//! The data directory as a subcommand reads it: the snapshot (its problems on stderr), the
//! note while Agents-Runner runs on it, and the sizes of its folders.

use super::bad_input;
use crate::agents_runner::{LiveProbe, Probe, RunnerProcess};
use crate::executor;
use crate::scan::Usage;
use crate::store::{self, Snapshot, paths};
use anyhow::Result;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// The data directory: `--data-dir`, else `$AGENTS_RUNNER_STATE_PATH`, else the default
/// under the home folder; bad input when there is no home folder either.
pub(super) fn data_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    paths::data_dir_from_env(explicit).ok_or_else(|| {
        bad_input("no data directory: give --data-dir DIR (no home folder is known)")
    })
}

/// Loads the data directory's snapshot and prints what could not be read on stderr; a
/// data directory that cannot be read at all is bad input.
pub(super) fn open(explicit: Option<&Path>) -> Result<Snapshot> {
    let data_dir = data_dir(explicit)?;
    let cache = store::RecordCache::for_user();
    let snapshot = Snapshot::load_with(&data_dir, cache.as_ref()).map_err(|err| {
        bad_input(format!(
            "{err} (give --data-dir DIR or set {})",
            paths::STATE_PATH_VAR
        ))
    })?;
    for problem in &snapshot.problems {
        eprintln!("problem: {}: {}", problem.path.display(), problem.message);
    }
    Ok(snapshot)
}

/// A note on stderr while Agents-Runner runs on the data directory: reading works,
/// record changes are refused.
pub(super) fn note_agents_runner(snapshot: &Snapshot) {
    print_agents_runner_note(LiveProbe.check(&snapshot.data_dir).as_ref());
}

/// The note of [`note_agents_runner`] for a look already taken.
pub(super) fn print_agents_runner_note(runner: Option<&RunnerProcess>) {
    if let Some(runner) = runner {
        eprintln!("note: {}", runner.notice());
    }
}

/// Sizes `paths` like `du`, printing what could not be read on stderr.
pub(super) fn scan(paths: &[PathBuf]) -> HashMap<PathBuf, Usage> {
    let mut usage = HashMap::new();
    executor::size_missing(paths, &mut usage, &Arc::new(AtomicBool::new(false)));
    for found in usage.values() {
        for problem in &found.problems {
            eprintln!("problem: {}: {}", problem.path.display(), problem.message);
        }
    }
    usage
}
