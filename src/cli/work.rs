//! Where the work of each workspace went, for `list` and `slim`: "Check remotes"
//! (`--fetch`) first when asked, then one inspection per workspace, in parallel.

use super::snapshot::scan;
use crate::git::pull_request::{self, PrCache, PrState};
use crate::git::{self, DEFAULT_GIT_TIMEOUT, FETCH_TIMEOUT, Inspection};
use crate::store::{RecordCache, Snapshot, TaskRecord};
use rayon::prelude::*;
use std::collections::HashMap;
use std::ffi::OsStr;
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

/// The last pull request states of `tasks` (by task id), from the janitor's cache; with
/// `fetch`, `gh` is asked first about every task with a `gh_pr_url` (when it is
/// installed and logged in) and the cache updated. Failures go to stderr.
pub(super) fn pull_requests(
    snapshot: &Snapshot,
    tasks: &[&TaskRecord],
    fetch: bool,
) -> HashMap<String, PrState> {
    let Some(cache) = RecordCache::for_user() else {
        return HashMap::new();
    };
    let cache = PrCache::beside(&cache.file_for(&snapshot.data_dir));
    if fetch {
        let asked: Vec<(String, String)> = tasks
            .iter()
            .filter_map(|task| {
                let url = task.gh_pr_url.as_deref()?.trim();
                (!url.is_empty()).then(|| (task.task_id.clone(), url.to_owned()))
            })
            .collect();
        let (states, failures) = pull_request::pr_states(OsStr::new("gh"), &asked);
        for failure in failures {
            eprintln!("[fetch] {failure}");
        }
        if let Err(err) = cache.update(&states) {
            eprintln!("problem: cannot keep the pull request states: {err}");
        }
    }
    cache.read()
}
