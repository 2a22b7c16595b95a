//! Where the work of each workspace went, for `list` and `slim`: "Check remotes"
//! (`--fetch`) first when asked, then one inspection per workspace, in parallel.

use super::snapshot::scan;
use crate::git::{self, DEFAULT_GIT_TIMEOUT, FETCH_TIMEOUT, Inspection};
use crate::store::Snapshot;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Fetches the remotes of `paths` (when `fetch`), printing progress and failures on
/// stderr, then inspects each: its git state and what git ignores in it.
pub(super) fn inspect_all(
    snapshot: &Snapshot,
    paths: &[PathBuf],
    fetch: bool,
) -> HashMap<PathBuf, Inspection> {
    if fetch {
        fetch_all(paths);
    }
    let base_branches = snapshot.base_branches();
    paths
        .par_iter()
        .map(|path| {
            let base = base_branches.get(path).map(String::as_str);
            let inspection = git::inspect_workspace(path, base, DEFAULT_GIT_TIMEOUT);
            (path.clone(), inspection)
        })
        .collect()
}

/// `git fetch --prune` of every workspace of `paths` that is on disk, a few at a time.
fn fetch_all(paths: &[PathBuf]) {
    let done = AtomicUsize::new(0);
    let total = paths.len();
    paths.par_iter().for_each(|path| {
        let result = git::fetch(path, FETCH_TIMEOUT);
        let count = done.fetch_add(1, Ordering::Relaxed) + 1;
        match result {
            Ok(()) => eprintln!("[fetch] {count}/{total} {}", path.display()),
            Err(reason) => eprintln!(
                "[fetch] {count}/{total} {}: could not fetch: {reason}",
                path.display()
            ),
        }
    });
}

/// On-disk bytes of what git ignores in each inspected workspace (what `slim` frees).
pub(super) fn reclaimable_bytes(
    inspections: &HashMap<PathBuf, Inspection>,
) -> HashMap<PathBuf, u64> {
    let entries: Vec<PathBuf> = inspections
        .iter()
        .flat_map(|(workspace, inspection)| {
            inspection.ignored.iter().map(|entry| workspace.join(entry))
        })
        .collect();
    let usage = scan(&entries);
    inspections
        .iter()
        .filter(|(_, inspection)| matches!(inspection.status, git::GitStatus::Known(_)))
        .map(|(workspace, inspection)| {
            let bytes = inspection
                .ignored
                .iter()
                .filter_map(|entry| usage.get(&workspace.join(entry)))
                .map(|found| found.disk_bytes)
                .sum();
            (workspace.clone(), bytes)
        })
        .collect()
}
