//! Putting a workspace back where it was, for Undo: out of staging (a cancelled
//! delete) or out of the system trash. The checks of a delete, turned around: the
//! place it goes back to is exactly the workspace path of a cloned environment, with
//! plain names and every folder on the way a real one in the data dir's mount (no
//! symlink, no mount point), and nothing is there now; what comes out of staging is a
//! real folder directly in the staging folder, holding no mount point.

use super::{RemoveError, Remover, WorkspaceTarget, io_error};
use crate::store::paths::{self, is_exact_safe_id};
use crate::store::{FolderKind, WorkspaceType};
use std::io;
use std::path::{Path, PathBuf};

impl Remover {
    /// Moves the workspace a cancel left at `staged` back to `target`'s path (Undo).
    pub fn unstage_to(
        &self,
        staged: &Path,
        target: &WorkspaceTarget,
    ) -> Result<PathBuf, RemoveError> {
        let path = self.free_workspace_path(target)?;
        let refuse = |reason: &str| RemoveError::Refused {
            path: staged.to_path_buf(),
            reason: reason.into(),
        };
        let Some(staging) = self.checked_staging(false)? else {
            return Err(refuse("there is no staging folder any more"));
        };
        if staged.parent() != Some(staging.as_path()) {
            return Err(refuse("not inside the staging folder"));
        }
        let data_device = self.data_device()?;
        if !self.real_folder(staged, data_device, staged)? {
            return Err(refuse(
                "no longer in staging: its delete was finished, or it was moved",
            ));
        }
        let below =
            self.fs
                .mount_points_under(staged)
                .map_err(|err| RemoveError::MountsUnknown {
                    path: staged.to_path_buf(),
                    checked: staged.to_path_buf(),
                    what: "holds a mount point",
                    message: err.to_string(),
                })?;
        if let Some(mount_point) = below.into_iter().next() {
            return Err(RemoveError::MountPoint {
                path: staged.to_path_buf(),
                mount_point,
            });
        }
        self.fs
            .rename(staged, &path)
            .map_err(|err| io_error(staged, &err))?;
        Ok(path)
    }

    /// Moves `target`'s workspace back out of the system trash (the newest item the
    /// trash says came from its path). Fails, changing nothing, when it is not there.
    pub fn untrash(&self, target: &WorkspaceTarget) -> Result<PathBuf, RemoveError> {
        let path = self.free_workspace_path(target)?;
        self.fs.untrash(&path).map_err(|err| RemoveError::Trash {
            path: path.clone(),
            message: err.to_string(),
        })?;
        Ok(path)
    }

    /// `target`'s workspace path, once it can take a folder back: plain names, a task
    /// folder of a cloned environment, `managed-repos/<env>/tasks/` real folders in the
    /// data dir's mount, and nothing at the path itself.
    fn free_workspace_path(&self, target: &WorkspaceTarget) -> Result<PathBuf, RemoveError> {
        let path = paths::task_workspace_path(&self.data_dir, &target.env_id, &target.task_id);
        let refuse = |reason: String| RemoveError::Refused {
            path: path.clone(),
            reason,
        };
        if !is_exact_safe_id(&target.env_id) || !is_exact_safe_id(&target.task_id) {
            return Err(refuse(format!(
                "{:?}/{:?} are not plain folder names",
                target.env_id, target.task_id
            )));
        }
        if target.kind != FolderKind::TaskWorkspace
            || target.workspace_type != WorkspaceType::Cloned
        {
            return Err(refuse(
                "only a task workspace of a cloned environment is put back".into(),
            ));
        }
        let data_device = self.data_device()?;
        let mut folder = self.data_dir.clone();
        for component in [paths::MANAGED_REPOS, &target.env_id, paths::TASKS_DIR] {
            folder.push(component);
            if !self.real_folder(&folder, data_device, &path)? {
                return Err(refuse(format!("{} is gone", folder.display())));
            }
        }
        match self.fs.symlink_metadata(&path) {
            Ok(_) => Err(refuse(
                "something is at the workspace path again (a new checkout?); left as it is".into(),
            )),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(path),
            Err(err) => Err(io_error(&path, &err)),
        }
    }
}
