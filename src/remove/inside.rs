//! The "inside a workspace" kind ("Slim"): build output that git ignores, deleted from
//! a workspace that stays.
//!
//! The workspace is validated as for a whole delete (exact path of a cloned
//! environment's task folder, plain ids, no symlink, no mount); then each entry must be
//! a plain relative path below it (no `..`, no `.git` component), every folder on its
//! way a real folder on the data dir's filesystem and no mount point, the entry itself
//! no symlink and no mount point (nor holding one); and git, asked again right before
//! anything moves, must still list it as ignored, so a tracked file or an untracked one
//! that is not ignored never goes. The entry is then renamed into staging and purged
//! like a workspace.

use super::{RemoveError, Remover, StagedWorkspace, Staging, WorkspaceTarget, io_error};
use crate::git;
use crate::store::FolderKind;
use std::collections::HashSet;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long git may take to list a workspace's ignored entries right before a slim.
const IGNORED_TIMEOUT: Duration = Duration::from_secs(30);

impl Remover {
    /// Validates each of `entries` (relative to the workspace of `target`) and renames
    /// it into staging, for [`Remover::purge`]. Git lists the ignored entries once,
    /// first; an entry it no longer lists is refused. Each entry gets its own answer.
    pub fn stage_inside(
        &self,
        target: &WorkspaceTarget,
        entries: &[PathBuf],
    ) -> Vec<(PathBuf, Result<Staging, RemoveError>)> {
        let refuse_all = |error: RemoveError| {
            entries
                .iter()
                .map(|entry| (entry.clone(), Err(error.clone())))
                .collect()
        };
        if target.kind != FolderKind::TaskWorkspace {
            return refuse_all(RemoveError::Refused {
                path: self.target_path(target),
                reason: "only a task's own workspace is slimmed".into(),
            });
        }
        let workspace = match self.validate_folder(target, false) {
            Ok(Some(workspace)) => workspace,
            Ok(None) => {
                return entries
                    .iter()
                    .map(|entry| {
                        let path = self.target_path(target).join(entry);
                        (entry.clone(), Ok(Staging::Missing(path)))
                    })
                    .collect();
            }
            Err(error) => return refuse_all(error),
        };
        let ignored: HashSet<PathBuf> = match git::ignored_entries(&workspace, IGNORED_TIMEOUT) {
            Ok(ignored) => ignored.into_iter().collect(),
            Err(reason) => {
                return refuse_all(RemoveError::Refused {
                    path: workspace,
                    reason: format!("git cannot list what it ignores: {reason}"),
                });
            }
        };
        entries
            .iter()
            .map(|entry| {
                let result = self.stage_entry(target, &workspace, entry, &ignored);
                (entry.clone(), result)
            })
            .collect()
    }

    /// Checks every rule for one entry and renames it into staging.
    fn stage_entry(
        &self,
        target: &WorkspaceTarget,
        workspace: &Path,
        entry: &Path,
        ignored: &HashSet<PathBuf>,
    ) -> Result<Staging, RemoveError> {
        let path = workspace.join(entry);
        let refuse = |reason: String| RemoveError::Refused {
            path: path.clone(),
            reason,
        };
        let names = plain_names(entry).map_err(refuse)?;
        if !ignored.contains(entry) {
            return Err(refuse(
                "git does not ignore it (tracked, or untracked work)".into(),
            ));
        }
        let data_device = self.data_device()?;
        let mut current = workspace.to_path_buf();
        for name in &names[..names.len() - 1] {
            current.push(name);
            if !self.real_folder(&current, data_device, &path)? {
                return Ok(Staging::Missing(path));
            }
        }
        let meta = match self.fs.symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Staging::Missing(path)),
            Err(err) => return Err(io_error(&path, &err)),
        };
        if meta.file_type().is_symlink() {
            return Err(refuse(
                "it is a symlink; it and its target are left untouched".into(),
            ));
        }
        if meta.is_dir() {
            if !self.real_folder(&path, data_device, &path)? {
                return Ok(Staging::Missing(path));
            }
            self.no_mount_below(&path)?;
            // Git does not look inside an ignored folder: a repository there (a vendored
            // checkout, a nested clone) may hold work that exists nowhere else.
            if let Some(repository) = repository_below(self.fs.as_ref(), &path)? {
                return Err(refuse(format!(
                    "it holds a git repository ({}) whose work may exist nowhere else",
                    repository.display()
                )));
            }
        } else {
            self.not_a_mount_point(&path, &path)?;
            if super::device(&meta) != data_device {
                return Err(refuse(
                    "it is on another filesystem than the data directory".into(),
                ));
            }
        }
        let Some(staging) = self.checked_staging(true)? else {
            return Ok(Staging::Missing(path));
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        // The name without an intent: a leftover is only ever deleted, no record changes.
        let staged = staging.join(super::staged_name::fallback_name(
            &target.env_id,
            &format!("{}--slim", target.task_id),
            nanos,
        ));
        match self.fs.rename(&path, &staged) {
            Ok(()) => Ok(Staging::Staged(StagedWorkspace {
                original: path,
                staged,
            })),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Staging::Missing(path)),
            Err(err) => Err(io_error(&path, &err)),
        }
    }
}

/// The first `.git` (folder or file) at any depth below `folder`, never following a
/// symlink: an ignored folder holding one is a repository git does not look into (a
/// vendored checkout, a nested clone), whose work may exist nowhere else. Only looks.
pub fn repository_below(
    fs: &dyn super::Filesystem,
    folder: &Path,
) -> Result<Option<PathBuf>, RemoveError> {
    let mut todo = vec![folder.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let entries = fs.list(&dir).map_err(|err| io_error(&dir, &err))?;
        for entry in entries {
            if entry.file_name().is_some_and(|name| name == ".git") {
                return Ok(Some(entry));
            }
            let meta = fs
                .symlink_metadata(&entry)
                .map_err(|err| io_error(&entry, &err))?;
            if meta.is_dir() {
                todo.push(entry);
            }
        }
    }
    Ok(None)
}

/// The names of a relative path below a workspace, or why it is not one: empty,
/// absolute, with `.` or `..`, or through `.git`.
fn plain_names(entry: &Path) -> Result<Vec<&std::ffi::OsStr>, String> {
    let mut names = Vec::new();
    for component in entry.components() {
        match component {
            Component::Normal(name) if name == ".git" => {
                return Err("git's own folder is never slimmed".into());
            }
            Component::Normal(name) => names.push(name),
            _ => {
                return Err(format!(
                    "{} is not a plain path below the workspace",
                    entry.display()
                ));
            }
        }
    }
    if names.is_empty() {
        return Err("the workspace itself is not an entry inside it".into());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::plain_names;
    use std::path::Path;

    #[test]
    fn only_plain_paths_below_the_workspace_outside_git() {
        assert_eq!(plain_names(Path::new("target")).map(|n| n.len()), Ok(1));
        assert_eq!(
            plain_names(Path::new("web/node_modules")).map(|n| n.len()),
            Ok(2)
        );
        for bad in [
            "",
            "/etc",
            "../x",
            "a/../b",
            "./a",
            ".git",
            "sub/.git/objects",
        ] {
            assert!(plain_names(Path::new(bad)).is_err(), "{bad:?} accepted");
        }
    }
}
