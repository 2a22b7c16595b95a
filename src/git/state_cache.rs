//! Git states kept between runs of `list`, each for as long as its workspace is
//! unchanged. Listing 2,000 workspaces ran 2,000 `git status` processes every time
//! (about 1.2 ms of CPU each), while an unchanged tree has the same state.
//!
//! A state is kept against the workspace's [`TreeStamp`] (every entry of the work tree
//! and of `.git`, from the walk that sized it), the base branch it was compared with, and
//! the user's git setup ([`GitSetup`]: the program, the system and global configs, the
//! global ignore and attributes files). It is kept only when those alone decide it: the
//! tree had settled before the walk, every git run ended by itself, and the repository
//! keeps nothing outside the workspace ([`super::Inspection::repeatable`]).
//!
//! Only `list` (without `--fetch`) reads it, to show the WORK column: plans, discards,
//! `slim` and the window always ask git afresh.

use super::runner::user_config;
use super::{DEFAULT_GIT_TIMEOUT, GitStatus, Inspection};
use crate::scan::TreeStamp;
use crate::store::atomic::write_atomic;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::ffi::OsStr;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Bumped when what is kept, or how a state is worked out, changes.
const FORMAT: u32 = 1;

/// The user's git setup, as far as it can change a workspace's state: which `git`
/// runs, the system and global config entries, and the files those name for ignores
/// and attributes. `None` from [`GitSetup::current`] when it cannot be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitSetup(u64);

impl GitSetup {
    /// The setup of `program` (as found on `PATH`) now: two `git config` runs (the
    /// system and the global config, their includes followed).
    pub fn current(program: &OsStr) -> Option<Self> {
        let mut hasher = DefaultHasher::new();
        (FORMAT, env!("CARGO_PKG_VERSION")).hash(&mut hasher);
        stamp_of(&find_on_path(program)?).hash(&mut hasher);
        let entries = user_config(program, ".", DEFAULT_GIT_TIMEOUT)?;
        // A conditional include may apply to some repositories and not others, and the
        // listing outside any repository does not show what it brings.
        if entries.iter().any(|(key, _)| key.starts_with("includeif.")) {
            return None;
        }
        entries.hash(&mut hasher);
        for (key, default_name) in [
            ("core.excludesfile", "ignore"),
            ("core.attributesfile", "attributes"),
        ] {
            let named = entries.iter().rev().find(|(found, _)| found == key);
            let file = match named {
                Some((_, value)) => expand_home(value)?,
                None => default_config_dir()?.join(default_name),
            };
            (key, stamp_of(&file)).hash(&mut hasher);
        }
        Some(Self(hasher.finish()))
    }
}

/// The states of one data dir's workspaces, read from and written to one file in the
/// janitor's cache folder.
pub struct StateCache {
    file: PathBuf,
    setup: GitSetup,
    kept: HashMap<PathBuf, Kept>,
    changed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Kept {
    tree: TreeStamp,
    base_branch: Option<String>,
    status: GitStatus,
    ignored: Vec<PathBuf>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    format: u32,
    setup: GitSetup,
    workspaces: HashMap<PathBuf, Kept>,
}

impl StateCache {
    /// The cache kept beside the record cache file `records_file` (same folder, same
    /// data-dir hash), for `setup`. What was kept for another setup, or cannot be
    /// read, is dropped.
    pub fn beside(records_file: &Path, setup: GitSetup) -> Self {
        let file = super::cache_file_beside(records_file, "git-states");
        let stored: Option<Stored> = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let kept = stored
            .filter(|stored| stored.format == FORMAT && stored.setup == setup)
            .map(|stored| stored.workspaces)
            .unwrap_or_default();
        Self {
            file,
            setup,
            kept,
            changed: false,
        }
    }

    /// The state kept for `workspace` when its tree and base branch are the ones it
    /// was worked out from.
    pub fn get(
        &self,
        workspace: &Path,
        tree: &TreeStamp,
        base_branch: Option<&str>,
    ) -> Option<Inspection> {
        let kept = self.kept.get(workspace)?;
        (kept.tree == *tree && kept.base_branch.as_deref() == base_branch).then(|| Inspection {
            status: kept.status.clone(),
            ignored: kept.ignored.clone(),
            git_runs: 0,
            repeatable: true,
        })
    }

    /// Keeps `inspection` of `workspace`, worked out after a walk that started at
    /// `walk_started` and found `tree`, when that tree alone decides it; else (a tree
    /// without a stamp among them) forgets what was kept for the workspace.
    pub fn keep(
        &mut self,
        workspace: &Path,
        tree: Option<&TreeStamp>,
        walk_started: SystemTime,
        base_branch: Option<&str>,
        inspection: &Inspection,
    ) {
        let settled = tree.filter(|tree| tree.settled_before(walk_started));
        if let Some(tree) = settled.filter(|_| inspection.repeatable) {
            let kept = Kept {
                tree: *tree,
                base_branch: base_branch.map(str::to_owned),
                status: inspection.status.clone(),
                ignored: inspection.ignored.clone(),
            };
            self.kept.insert(workspace.to_path_buf(), kept);
            self.changed = true;
        } else if self.kept.remove(workspace).is_some() {
            self.changed = true;
        }
    }

    /// Forgets the workspaces for which `still_there` is false.
    pub fn retain(&mut self, still_there: impl Fn(&Path) -> bool) {
        let before = self.kept.len();
        self.kept.retain(|workspace, _| still_there(workspace));
        self.changed |= self.kept.len() != before;
    }

    /// Writes the cache when something changed (atomically, readable by the user only).
    pub fn save(&self) -> io::Result<()> {
        if !self.changed {
            return Ok(());
        }
        if let Some(folder) = self.file.parent() {
            std::fs::create_dir_all(folder)?;
        }
        let stored = Stored {
            format: FORMAT,
            setup: self.setup,
            workspaces: self.kept.clone(),
        };
        let bytes = serde_json::to_vec(&stored).map_err(io::Error::other)?;
        write_atomic(&self.file, &bytes, Some(0o600))
    }
}

/// The first `program` on `PATH` (or `program` itself when it is a path).
fn find_on_path(program: &OsStr) -> Option<PathBuf> {
    let program = Path::new(program);
    if program.components().count() > 1 {
        return Some(program.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|folder| folder.join(program))
        .find(|candidate| candidate.is_file())
}

/// What tells a file's versions apart: size, modification time and, on unix, inode
/// and change time; `None` when it is not there.
fn stamp_of(path: &Path) -> Option<(PathBuf, u64, Option<SystemTime>, u64, i64, i64)> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let (ino, ctime, ctime_nsec) = {
        use std::os::unix::fs::MetadataExt;
        (meta.ino(), meta.ctime(), meta.ctime_nsec())
    };
    #[cfg(not(unix))]
    let (ino, ctime, ctime_nsec) = (0, 0, 0);
    Some((
        path.to_path_buf(),
        meta.len(),
        meta.modified().ok(),
        ino,
        ctime,
        ctime_nsec,
    ))
}

/// `~/...` as git expands it in a config value; `None` when there is no home to expand.
fn expand_home(value: &str) -> Option<PathBuf> {
    match value.strip_prefix("~/") {
        Some(rest) => Some(home()?.join(rest)),
        None => Some(PathBuf::from(value)),
    }
}

/// `$XDG_CONFIG_HOME/git`, or `~/.config/git`.
fn default_config_dir() -> Option<PathBuf> {
    match std::env::var_os("XDG_CONFIG_HOME").filter(|dir| !dir.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir).join("git")),
        None => Some(home()?.join(".config").join("git")),
    }
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::GitState;
    use crate::git::Work;
    use std::time::Duration;

    /// A tree stamp of this test's own: the cache compares stamps, it does not make them.
    fn tree(digest: u64, newest_change: SystemTime) -> TreeStamp {
        TreeStamp::for_test(3, digest, newest_change)
    }

    fn inspection(repeatable: bool) -> Inspection {
        Inspection {
            status: GitStatus::Known(GitState {
                branch: Some("feat".into()),
                uncommitted: 0,
                unpushed: 0,
                work: Work::Pushed,
                base: None,
            }),
            ignored: vec![PathBuf::from("target")],
            git_runs: 2,
            repeatable,
        }
    }

    #[test]
    fn only_a_settled_tree_and_a_repeatable_answer_are_kept_and_only_for_one_setup()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let records_file = dir.path().join("records-00ff.json");
        let ws = Path::new("/data/managed-repos/env/tasks/t1");
        let changed = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let stamp = tree(7, changed);
        let mut cache = StateCache::beside(&records_file, GitSetup(1));

        // Changed less than the settle time before the walk: a change in the same clock
        // tick could hide behind equal times.
        cache.keep(
            ws,
            Some(&stamp),
            changed + Duration::from_secs(1),
            None,
            &inspection(true),
        );
        assert!(cache.get(ws, &stamp, None).is_none());
        // Git was interrupted (a timeout): the answer says nothing of the tree.
        let walk = changed + crate::scan::SETTLE_TIME;
        cache.keep(ws, Some(&stamp), walk, None, &inspection(false));
        assert!(cache.get(ws, &stamp, None).is_none());
        cache.keep(ws, Some(&stamp), walk, None, &inspection(true));
        assert!(cache.get(ws, &stamp, None).is_some());
        assert!(
            cache.get(ws, &tree(8, changed), None).is_none(),
            "another tree"
        );
        cache.save()?;

        assert!(
            StateCache::beside(&records_file, GitSetup(1))
                .get(ws, &stamp, None)
                .is_some()
        );
        // Another git, or other global config: nothing kept is used.
        assert!(
            StateCache::beside(&records_file, GitSetup(2))
                .get(ws, &stamp, None)
                .is_none()
        );

        // A later answer that cannot be kept forgets the kept one, and so does a tree
        // without a stamp; a workspace that is gone is forgotten.
        let mut cache = StateCache::beside(&records_file, GitSetup(1));
        cache.keep(ws, Some(&stamp), walk, None, &inspection(false));
        assert!(cache.get(ws, &stamp, None).is_none());
        cache.keep(ws, Some(&stamp), walk, None, &inspection(true));
        cache.keep(ws, None, walk, None, &inspection(true));
        assert!(
            cache.get(ws, &stamp, None).is_none(),
            "a tree the walk saw only in part"
        );
        cache.keep(ws, Some(&stamp), walk, None, &inspection(true));
        cache.retain(|workspace| workspace != ws);
        assert!(cache.get(ws, &stamp, None).is_none());

        // A file that cannot be read is no cache, and is replaced whole on save.
        std::fs::write(dir.path().join("git-states-00ff.json"), b"{not json")?;
        let mut cache = StateCache::beside(&records_file, GitSetup(1));
        assert!(cache.get(ws, &stamp, None).is_none());
        cache.keep(ws, Some(&stamp), walk, None, &inspection(true));
        cache.save()?;
        assert!(
            StateCache::beside(&records_file, GitSetup(1))
                .get(ws, &stamp, None)
                .is_some()
        );
        Ok(())
    }
}
