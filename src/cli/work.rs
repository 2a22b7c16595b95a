//! Where the work of each workspace went, for `list` and `slim`: "Check remotes"
//! (`--fetch`) first when asked, then one inspection per workspace, in parallel.

use super::snapshot::scan;
use crate::git::pull_request::{self, PrCache, PrState};
use crate::git::state_cache::{GitSetup, StateCache};
use crate::git::{self, DEFAULT_GIT_TIMEOUT, FETCH_TIMEOUT, Inspection};
use crate::process;
use crate::scan::Usage;
use crate::store::{RecordCache, Snapshot, TaskRecord, WorkspaceLocation, paths};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

/// Fetches the remotes of `paths` (when `fetch`), printing progress and failures on
/// stderr, then inspects each: its git state and what git ignores in it. A workspace
/// whose tree (`usage`, from a walk that started at `walk_started`) is as it was when
/// its state was last worked out is not shown to git again (see
/// [`git::state_cache`]); with `fetch`, every one is.
pub(super) fn inspect_all(
    snapshot: &Snapshot,
    paths: &[PathBuf],
    usage: &HashMap<PathBuf, Usage>,
    walk_started: SystemTime,
    fetch: bool,
) -> HashMap<PathBuf, Inspection> {
    if fetch {
        fetch_all(paths);
    }
    let base_branches = base_branches_of(snapshot, paths);
    let base_of = |path: &Path| base_branches.get(path).map(String::as_str);
    let tree_of = |path: &Path| usage.get(path).and_then(|found| found.tree_stamp);
    let mut cache = if fetch { None } else { state_cache(snapshot) };
    let mut inspections = HashMap::new();
    let mut asked = Vec::new();
    for path in paths {
        let kept = cache
            .as_ref()
            .zip(tree_of(path))
            .and_then(|(cache, tree)| cache.get(path, &tree, base_of(path)));
        match kept {
            Some(inspection) => {
                inspections.insert(path.clone(), inspection);
            }
            None => asked.push(path),
        }
    }
    let fresh: Vec<(PathBuf, Inspection)> = process::in_program_pool(|| {
        asked
            .par_iter()
            .map(|path| {
                let inspection = git::inspect_workspace(path, base_of(path), DEFAULT_GIT_TIMEOUT);
                ((*path).clone(), inspection)
            })
            .collect()
    });
    if let Some(cache) = &mut cache {
        for (path, inspection) in &fresh {
            let tree = tree_of(path);
            cache.keep(path, tree.as_ref(), walk_started, base_of(path), inspection);
        }
        let workspaces: HashSet<&Path> = snapshot
            .workspaces
            .iter()
            .map(|w| w.path.as_path())
            .collect();
        cache.retain(|workspace| workspaces.contains(workspace));
        if let Err(err) = cache.save() {
            eprintln!("problem: cannot keep the git states: {err}");
        }
    }
    inspections.extend(fresh);
    inspections
}

/// The kept git states of the snapshot's data dir, when there is a cache folder and
/// the user's git setup can be told.
fn state_cache(snapshot: &Snapshot) -> Option<StateCache> {
    let records = RecordCache::for_user()?.file_for(&snapshot.data_dir);
    let setup = GitSetup::current(OsStr::new("git"))?;
    Some(StateCache::beside(&records, setup))
}

/// The base branch of each workspace of `workspaces`, as [`Snapshot::base_branches`]
/// gives it, without working out the workspace of every record (100,000 paths for
/// 2,000 workspaces): only a record whose task folder name is one of theirs can be
/// theirs.
fn base_branches_of(snapshot: &Snapshot, workspaces: &[PathBuf]) -> HashMap<PathBuf, String> {
    let folder_names: HashSet<&OsStr> = workspaces.iter().filter_map(|p| p.file_name()).collect();
    let wanted: HashSet<&Path> = workspaces.iter().map(PathBuf::as_path).collect();
    let mut bases = HashMap::new();
    for task in &snapshot.tasks {
        let Some(branch) = task.gh_base_branch.as_deref().map(str::trim) else {
            continue;
        };
        if branch.is_empty() || !folder_names.contains(OsStr::new(&paths::safe_id(&task.task_id))) {
            continue;
        }
        if let WorkspaceLocation::Managed(path) = snapshot.workspace_location(task)
            && wanted.contains(path.as_path())
        {
            bases.insert(path, branch.to_owned());
        }
    }
    bases
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::paths;
    use std::fs;

    #[test]
    fn base_branches_of_some_workspaces_are_those_the_snapshot_gives()
    -> Result<(), Box<dyn std::error::Error>> {
        let root = tempfile::tempdir()?;
        let data = root.path();
        fs::write(
            data.join("environments.json"),
            r#"{"environments": [{"env_id": "env-a", "name": "A", "version": 1, "workspace_type": "cloned"}]}"#,
        )?;
        let tasks = paths::active_tasks_dir(data);
        fs::create_dir_all(paths::archived_tasks_dir(data))?;
        let record = |id: &str, base: &str| {
            format!("task_id = \"{id}\"\nenvironment_id = \"env-a\"\ngh_base_branch = \"{base}\"\n")
        };
        fs::write(tasks.join("t1.toml"), record("t1", "main"))?;
        fs::write(tasks.join("t2.toml"), record("t2", " dev "))?;
        fs::write(tasks.join("t3.toml"), record("t3", ""))?;
        fs::write(tasks.join("t4.toml"), record("t4", "other"))?;
        // An archived copy of t1 with another base: the later record wins, as in
        // `Snapshot::base_branches`.
        fs::write(
            paths::archived_tasks_dir(data).join("t1.toml"),
            record("t1", "old"),
        )?;
        let snapshot = Snapshot::load(data)?;
        let workspace = |id: &str| paths::task_workspace_path(&snapshot.data_dir, "env-a", id);
        let asked = [
            workspace("t1"),
            workspace("t2"),
            workspace("t3"),
            workspace("none"),
        ];
        let all = snapshot.base_branches();
        let want: HashMap<PathBuf, String> = asked
            .iter()
            .filter_map(|path| Some((path.clone(), all.get(path)?.clone())))
            .collect();
        assert_eq!(want.len(), 2, "{all:?}");
        assert_eq!(base_branches_of(&snapshot, &asked), want);
        Ok(())
    }
}
