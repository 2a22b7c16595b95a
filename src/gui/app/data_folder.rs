//! The open data folder as the worker reported it: the snapshot, the sizes and git
//! states gathered so far, and the files and folders that could not be used.

use crate::git::GitStatus;
use crate::git::pull_request::PrState;
use crate::scan::{ScanProblem, Usage};
use crate::store::{Problem, Snapshot};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

/// What the worker reported of the open data folder.
#[derive(Default)]
pub(crate) struct DataFolder {
    snapshot: Option<Arc<Snapshot>>,
    usage: HashMap<PathBuf, Usage>,
    git: HashMap<PathBuf, GitStatus>,
    /// What "Slim" would free in each workspace, found with its git state.
    reclaimable: HashMap<PathBuf, u64>,
    /// The last pull request states `gh` gave, by task id.
    pull_requests: HashMap<String, PrState>,
    problems: Vec<Problem>,
    /// The next load sizes every workspace again (F5), not only new ones.
    rescan_on_load: bool,
}

/// What a fresh snapshot still needs from the worker.
pub(crate) struct Unknowns {
    /// Workspaces to size (all of them after a refresh).
    pub(crate) to_size: usize,
    /// Size every workspace again rather than only the new ones.
    pub(crate) rescan: bool,
    /// Workspaces whose git state is not known.
    pub(crate) git_paths: Vec<PathBuf>,
}

impl DataFolder {
    pub(crate) fn snapshot(&self) -> Option<&Arc<Snapshot>> {
        self.snapshot.as_ref()
    }

    pub(crate) fn usage(&self) -> &HashMap<PathBuf, Usage> {
        &self.usage
    }

    pub(crate) fn git(&self) -> &HashMap<PathBuf, GitStatus> {
        &self.git
    }

    pub(crate) fn reclaimable(&self) -> &HashMap<PathBuf, u64> {
        &self.reclaimable
    }

    pub(crate) fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Another folder opens: nothing of the old one is kept.
    pub(crate) fn clear(&mut self) {
        self.snapshot = None;
        self.usage.clear();
        self.git.clear();
        self.reclaimable.clear();
        self.pull_requests.clear();
    }

    /// The folder could not be loaded: nothing is shown of it.
    pub(crate) fn unload(&mut self) {
        self.snapshot = None;
    }

    /// F5: the next load sizes every workspace and asks git again.
    pub(crate) fn rescan_on_next_load(&mut self) {
        self.rescan_on_load = true;
        self.git.clear();
        self.reclaimable.clear();
    }

    /// Takes the first look at a folder just opened (only its active records): shown
    /// until the whole snapshot comes, nothing asked of the worker for it.
    pub(crate) fn first_look(&mut self, snapshot: Arc<Snapshot>) {
        self.problems = snapshot.problems.clone();
        self.snapshot = Some(snapshot);
    }

    /// Whether the archived records of the folder shown are still being read.
    pub(crate) fn archived_records_pending(&self) -> bool {
        self.snapshot
            .as_ref()
            .is_some_and(|snapshot| snapshot.archived_records_pending)
    }

    /// Takes a new snapshot; sizes and git states of folders that are gone are forgotten.
    pub(crate) fn loaded(&mut self, snapshot: Arc<Snapshot>) -> Unknowns {
        self.problems = snapshot.problems.clone();
        let on_disk: HashSet<&PathBuf> = snapshot
            .workspaces
            .iter()
            .map(|w| &w.path)
            .chain(snapshot.legacy_checkouts.iter().map(|c| &c.path))
            .collect();
        self.usage.retain(|path, _| on_disk.contains(path));
        self.git.retain(|path, _| on_disk.contains(path));
        self.reclaimable.retain(|path, _| on_disk.contains(path));
        let rescan = std::mem::take(&mut self.rescan_on_load);
        let to_size = if rescan {
            snapshot.workspaces.len()
        } else {
            snapshot
                .workspaces
                .iter()
                .filter(|w| !self.usage.contains_key(&w.path))
                .count()
        };
        let git_paths = snapshot
            .workspaces
            .iter()
            .filter(|w| w.is_dir && !self.git.contains_key(&w.path))
            .map(|w| w.path.clone())
            .collect();
        self.snapshot = Some(snapshot);
        Unknowns {
            to_size,
            rescan,
            git_paths,
        }
    }

    /// Problems met while sizing a workspace (unreadable entries).
    pub(crate) fn add_problems(&mut self, problems: &[ScanProblem]) {
        for problem in problems {
            self.problems
                .push(Problem::new(&problem.path, problem.message.clone()));
        }
    }

    pub(crate) fn set_usage(&mut self, path: PathBuf, usage: Usage) {
        self.usage.insert(path, usage);
    }

    pub(crate) fn set_git(&mut self, path: PathBuf, status: GitStatus) {
        self.git.insert(path, status);
    }

    pub(crate) fn pull_request(&self, task_id: &str) -> Option<&PrState> {
        self.pull_requests.get(task_id)
    }

    pub(crate) fn add_pull_requests(&mut self, states: HashMap<String, PrState>) {
        self.pull_requests.extend(states);
    }

    pub(crate) fn set_reclaimable(&mut self, path: PathBuf, bytes: u64) {
        self.reclaimable.insert(path, bytes);
    }

    /// These workspaces changed inside (slimmed, fetched): git is asked again at the
    /// next load.
    pub(crate) fn forget_git(&mut self, paths: &[PathBuf]) {
        for path in paths {
            self.git.remove(path);
            self.reclaimable.remove(path);
        }
    }

    /// These folders changed: their sizes are out of date.
    pub(crate) fn forget_sizes(&mut self, paths: &[PathBuf]) {
        for path in paths {
            self.usage.remove(path);
        }
    }
}
