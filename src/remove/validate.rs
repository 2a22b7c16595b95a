//! Validation: every rule a folder must pass before anything moves.

use super::{RemoveError, Remover, WorkspaceTarget, device, io_error};
use crate::store::paths::{self, is_exact_safe_id};
use crate::store::{FolderKind, WorkspaceType, environments};
use std::io;
use std::path::{Path, PathBuf};

impl Remover {
    /// Checks every rule for `target` and returns its path, or `None` when there is
    /// nothing to delete. Never touches the disk beyond `lstat`/`statx`, a read of the
    /// mount table and, for a deleted environment's folder, a fresh read of
    /// `environments.json`.
    pub fn validate(&self, target: &WorkspaceTarget) -> Result<Option<PathBuf>, RemoveError> {
        self.validate_folder(target, true)
    }

    /// [`Remover::validate`]; a mount point below the folder refuses it only when
    /// `whole` (the whole folder goes). Slimming checks below each entry instead.
    pub(super) fn validate_folder(
        &self,
        target: &WorkspaceTarget,
        whole: bool,
    ) -> Result<Option<PathBuf>, RemoveError> {
        // Shown in messages; names are checked before it is used for anything else.
        let path = match target.kind {
            FolderKind::TaskWorkspace => {
                paths::task_workspace_path(&self.data_dir, &target.env_id, &target.task_id)
            }
            FolderKind::Backup | FolderKind::DeletedEnvironment => self.target_path(target),
        };
        let refuse = |path: &Path, reason: String| RemoveError::Refused {
            path: path.to_path_buf(),
            reason,
        };
        if !is_exact_safe_id(&target.env_id) {
            return Err(refuse(
                &path,
                format!(
                    "environment id {:?} is not a plain folder name",
                    target.env_id
                ),
            ));
        }
        let is_backup = paths::backup_task_folder(&target.task_id).is_some();
        let name_ok = match target.kind {
            FolderKind::TaskWorkspace => is_exact_safe_id(&target.task_id),
            FolderKind::Backup => is_backup,
            FolderKind::DeletedEnvironment => is_exact_safe_id(&target.task_id) || is_backup,
        };
        if !name_ok {
            return Err(refuse(
                &path,
                match target.kind {
                    FolderKind::Backup => format!(
                        "{:?} is not a backup folder name (<task>.bak-<digits>)",
                        target.task_id
                    ),
                    _ => format!("task id {:?} is not a plain folder name", target.task_id),
                },
            ));
        }
        match (target.kind, target.workspace_type) {
            (FolderKind::DeletedEnvironment, _) => self.check_environment_deleted(target, &path)?,
            (_, WorkspaceType::Cloned) => {}
            (_, WorkspaceType::Mounted) => {
                return Err(refuse(
                    &path,
                    "mounted workspace: the folder belongs to the user".into(),
                ));
            }
            (_, WorkspaceType::None) => {
                return Err(refuse(
                    &path,
                    "the environment has no managed workspace".into(),
                ));
            }
        }
        let data_device = self.data_device()?;
        // Walk down from the data dir: every component must be a real folder in the data
        // dir's mount.
        let mut current = self.data_dir.clone();
        for component in [
            paths::MANAGED_REPOS,
            &target.env_id,
            paths::TASKS_DIR,
            &target.task_id,
        ] {
            current.push(component);
            if !self.real_folder(&current, data_device, &path)? {
                return Ok(None);
            }
        }
        if !whole {
            return Ok(Some(path));
        }
        self.no_mount_below(&path)?;
        Ok(Some(path))
    }

    /// Refuses `path` when a mount point is at any depth below it: one read of the
    /// mount table finds a mount hidden anywhere.
    pub(super) fn no_mount_below(&self, path: &Path) -> Result<(), RemoveError> {
        let below = self
            .fs
            .mount_points_under(path)
            .map_err(|err| RemoveError::MountsUnknown {
                path: path.to_path_buf(),
                checked: path.to_path_buf(),
                what: "holds a mount point",
                message: err.to_string(),
            })?;
        match below.into_iter().next() {
            Some(mount_point) => Err(RemoveError::MountPoint {
                path: path.to_path_buf(),
                mount_point,
            }),
            None => Ok(()),
        }
    }

    /// A deleted environment's folder: `environments.json`, read now, must be whole
    /// and name no environment whose folder this may be (items Agents-Runner ignores
    /// count too).
    fn check_environment_deleted(
        &self,
        target: &WorkspaceTarget,
        path: &Path,
    ) -> Result<(), RemoveError> {
        let mut problems = Vec::new();
        let loaded =
            environments::load_all(&paths::environments_file(&self.data_dir), &mut problems);
        if loaded.is_deleted_env_folder(&target.env_id) {
            return Ok(());
        }
        let reason = match (loaded.all_ids.is_some(), problems.first()) {
            (true, _) => format!(
                "environment folder {} belongs to an environment in {}",
                target.env_id,
                paths::ENVIRONMENTS_FILE
            ),
            (false, Some(problem)) => format!(
                "cannot tell whether environment {} still exists: {}",
                target.env_id, problem.message
            ),
            (false, None) => format!(
                "cannot tell whether environment {} still exists: there is no {}",
                target.env_id,
                paths::ENVIRONMENTS_FILE
            ),
        };
        Err(RemoveError::Refused {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Refuses `refused` when `folder` (it or one of its folders) is a mount point.
    pub(super) fn not_a_mount_point(
        &self,
        folder: &Path,
        refused: &Path,
    ) -> Result<(), RemoveError> {
        match self.fs.is_mount_point(folder) {
            Ok(false) => Ok(()),
            Ok(true) => Err(RemoveError::MountPoint {
                path: refused.to_path_buf(),
                mount_point: folder.to_path_buf(),
            }),
            Err(err) => Err(RemoveError::MountsUnknown {
                path: refused.to_path_buf(),
                checked: folder.to_path_buf(),
                what: "is a mount point",
                message: err.to_string(),
            }),
        }
    }

    pub(super) fn data_device(&self) -> Result<u64, RemoveError> {
        self.fs
            .symlink_metadata(&self.data_dir)
            .map(|meta| device(&meta))
            .map_err(|err| io_error(&self.data_dir, &err))
    }

    /// True when `path` is a real folder (not a symlink, not a mount point) on the data
    /// dir's filesystem, false when it does not exist; anything else refuses `refused`
    /// (`path` or a folder below it).
    pub(super) fn real_folder(
        &self,
        path: &Path,
        data_device: u64,
        refused: &Path,
    ) -> Result<bool, RemoveError> {
        let refuse = |reason: &str| RemoveError::Refused {
            path: path.to_path_buf(),
            reason: reason.into(),
        };
        let meta = match self.fs.symlink_metadata(path) {
            Ok(meta) => meta,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(err) => return Err(io_error(path, &err)),
        };
        if meta.file_type().is_symlink() {
            return Err(refuse("it is a symlink; its target is left untouched"));
        }
        if !meta.is_dir() {
            return Err(refuse("it is not a folder"));
        }
        self.not_a_mount_point(path, refused)?;
        if device(&meta) != data_device {
            return Err(refuse(
                "it is on another filesystem than the data directory",
            ));
        }
        Ok(true)
    }
}
