//! Leftovers: the files and folders of Agents-Runner's footprint besides workspaces
//! (artifacts, context files, crash leftovers, crash reports, logs, the model cache,
//! legacy records), each deleted only in one exact shape ([`LeftoverShape`]) under its
//! root (the data dir, or Agents-Runner's home), with every rule a workspace has: each
//! component a real folder (no symlink, no mount point, on the root's filesystem), the
//! entry itself not a symlink and not a mount point, a folder holding no mount point;
//! and never a leftover of a task whose record, read right before, says it may still be
//! running. Files are unlinked; folders are renamed into the home's staging folder
//! first and purged from there by the same walk as workspaces.

use super::staged_name::NAME_MAX;
use super::{ProgressFn, PurgeReport, RemoveError, Remover, StagedWorkspace, device, io_error};
use crate::store::footprint::{self, LeftoverShape, Root, disk_bytes};
use crate::store::{legacy, paths};
use std::fs::Metadata;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// A leftover to delete: its path, and the shape it must have there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftoverTarget {
    /// The shape it was listed as; it must still have it.
    pub shape: LeftoverShape,
    /// Where it is, under the data dir or Agents-Runner's home.
    pub path: PathBuf,
}

/// What became of a leftover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeftoverRemoval {
    /// A file was deleted, giving back `bytes` on disk (none while another hard link
    /// keeps it).
    Removed {
        /// On-disk bytes given back.
        bytes: u64,
    },
    /// A folder left its path for the staging folder; [`Remover::purge_leftover`]
    /// frees its space.
    Staged(StagedWorkspace),
    /// Nothing there any more.
    Missing,
}

impl Remover {
    /// Deletes leftovers of Agents-Runner's home `home` too (resolved once, like the
    /// data dir); without one, every shape under the home is refused.
    pub fn with_runner_home(mut self, home: Option<&Path>) -> Self {
        self.runner_home = home.and_then(|home| std::fs::canonicalize(home).ok());
        self
    }

    /// Agents-Runner's home, as resolved.
    pub fn runner_home(&self) -> Option<&Path> {
        self.runner_home.as_deref()
    }

    fn root(&self, which: Root, path: &Path) -> Result<&Path, RemoveError> {
        match which {
            Root::DataDir => Ok(&self.data_dir),
            Root::RunnerHome => self
                .runner_home
                .as_deref()
                .ok_or_else(|| RemoveError::Refused {
                    path: path.to_path_buf(),
                    reason: "Agents-Runner's home folder is not known".into(),
                }),
        }
    }

    /// Checks every rule for `target` and returns its metadata, or `None` when there is
    /// nothing at its path. Touches the disk only to look (`lstat`/`statx`, the mount
    /// table, and the task's records or the legacy record itself).
    pub fn validate_leftover(
        &self,
        target: &LeftoverTarget,
    ) -> Result<Option<Metadata>, RemoveError> {
        let path = &target.path;
        let refuse = |at: &Path, reason: String| RemoveError::Refused {
            path: at.to_path_buf(),
            reason,
        };
        let root = self.root(target.shape.root(), path)?;
        let relative = path
            .strip_prefix(root)
            .map_err(|_| refuse(path, format!("it is not under {}", root.display())))?;
        let task = match LeftoverShape::of(target.shape.root(), relative) {
            Some((shape, task)) if shape == target.shape => task,
            _ => {
                return Err(refuse(
                    path,
                    format!("not a name Agents-Runner gives a {:?}", target.shape),
                ));
            }
        };
        if let Some(task) = &task
            && let Some(reason) = footprint::task_blocks_removal(&self.data_dir, task)
        {
            return Err(refuse(path, reason));
        }
        let root_device = self
            .fs
            .symlink_metadata(root)
            .map(|meta| device(&meta))
            .map_err(|err| io_error(root, &err))?;
        let mut current = root.to_path_buf();
        let components: Vec<_> = relative.components().collect();
        let Some((last, folders)) = components.split_last() else {
            return Err(refuse(path, "it is the root folder itself".into()));
        };
        for component in folders {
            current.push(component);
            if !self.real_folder(&current, root_device, path)? {
                return Ok(None);
            }
        }
        current.push(last);
        let meta = match self.fs.symlink_metadata(&current) {
            Ok(meta) => meta,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(io_error(&current, &err)),
        };
        if meta.file_type().is_symlink() {
            return Err(refuse(
                path,
                "it is a symlink; its target is left untouched".into(),
            ));
        }
        if target.shape.is_folder() {
            if !self.real_folder(path, root_device, path)? {
                return Ok(None);
            }
            let below =
                self.fs
                    .mount_points_under(path)
                    .map_err(|err| RemoveError::MountsUnknown {
                        path: path.clone(),
                        checked: path.clone(),
                        what: "holds a mount point",
                        message: err.to_string(),
                    })?;
            if let Some(mount_point) = below.into_iter().next() {
                return Err(RemoveError::MountPoint {
                    path: path.clone(),
                    mount_point,
                });
            }
        } else {
            if !meta.is_file() {
                return Err(refuse(path, "it is not a regular file".into()));
            }
            // A file can be a mount point too (a bind mount of a file).
            self.not_a_mount_point(path, path)?;
            if device(&meta) != root_device {
                return Err(refuse(
                    path,
                    "it is on another filesystem than its folder".into(),
                ));
            }
        }
        if target.shape == LeftoverShape::LegacyRecord {
            self.legacy_record_may_go(path)?;
        }
        Ok(Some(meta))
    }

    /// A legacy record may go when it reads, its task finished, and it no longer owns
    /// a workspace folder.
    fn legacy_record_may_go(&self, path: &Path) -> Result<(), RemoveError> {
        let refuse = |reason: String| RemoveError::Refused {
            path: path.to_path_buf(),
            reason,
        };
        let record = legacy::read_record(path, paths::is_archived_record(path))
            .map_err(|reason| refuse(format!("it cannot be read ({reason})")))?;
        if !record.status_class().is_finished() {
            return Err(refuse(format!(
                "its task {} is not finished (status {:?})",
                record.task_id, record.status
            )));
        }
        let workspace =
            paths::task_workspace_path(&self.data_dir, &record.environment_id, &record.task_id);
        if self.fs.symlink_metadata(&workspace).is_ok() {
            return Err(refuse(format!(
                "it still owns its workspace {}",
                workspace.display()
            )));
        }
        Ok(())
    }

    /// Validates `target` and deletes it: a file at once, a folder by a rename into the
    /// staging folder of its root (purge it with [`Remover::purge_leftover`]).
    pub fn remove_leftover(&self, target: &LeftoverTarget) -> Result<LeftoverRemoval, RemoveError> {
        let Some(meta) = self.validate_leftover(target)? else {
            return Ok(LeftoverRemoval::Missing);
        };
        let path = &target.path;
        if !target.shape.is_folder() {
            return match self.fs.remove_file(path) {
                Ok(()) => Ok(LeftoverRemoval::Removed {
                    bytes: freed_bytes(&meta),
                }),
                Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(LeftoverRemoval::Missing),
                Err(err) => Err(io_error(path, &err)),
            };
        }
        let root = self.root(target.shape.root(), path)?;
        let Some(staging) = self.checked_leftover_staging(root, true)? else {
            return Ok(LeftoverRemoval::Missing);
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let staged = staging.join(staged_name(root, path, nanos));
        match self.fs.rename(path, &staged) {
            Ok(()) => Ok(LeftoverRemoval::Staged(StagedWorkspace {
                original: path.clone(),
                staged,
            })),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(LeftoverRemoval::Missing),
            Err(err) => Err(io_error(path, &err)),
        }
    }

    /// `<root>/.janitor-trash`, checked like any folder on the way (a real folder on the
    /// root's filesystem, not a mount point); created when `create`.
    fn checked_leftover_staging(
        &self,
        root: &Path,
        create: bool,
    ) -> Result<Option<PathBuf>, RemoveError> {
        let root_device = self
            .fs
            .symlink_metadata(root)
            .map(|meta| device(&meta))
            .map_err(|err| io_error(root, &err))?;
        self.real_or_created(paths::runner_home_staging_dir(root), root_device, create)
    }

    /// Deletes a leftover folder staged by [`Remover::remove_leftover`], like
    /// [`Remover::purge`] a workspace: never following a symlink or entering a mount.
    pub fn purge_leftover(&self, staged: &Path, progress: ProgressFn) -> PurgeReport {
        let staging = match self.runner_home.as_deref() {
            Some(home) => self.checked_leftover_staging(home, false),
            None => Err(RemoveError::Refused {
                path: staged.to_path_buf(),
                reason: "Agents-Runner's home folder is not known".into(),
            }),
        };
        self.purge_in(staged, staging, progress)
    }

    /// Finishes leftover deletes a crash or a cancel left in the home's staging folder.
    pub fn finish_staged_leftovers(
        &self,
        progress: ProgressFn,
    ) -> Result<Vec<(PathBuf, PurgeReport)>, RemoveError> {
        let Some(home) = self.runner_home.as_deref() else {
            return Ok(Vec::new());
        };
        let Some(staging) = self.checked_leftover_staging(home, false)? else {
            return Ok(Vec::new());
        };
        self.purge_each_in(&staging, |path| self.purge_leftover(path, progress))
    }
}

/// Bytes that deleting this file gives back: nothing while other hard links remain.
#[cfg(unix)]
fn freed_bytes(meta: &Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    if meta.nlink() <= 1 {
        disk_bytes(meta)
    } else {
        0
    }
}

#[cfg(not(unix))]
fn freed_bytes(meta: &Metadata) -> u64 {
    disk_bytes(meta)
}

/// `artifacts--<task>--<nanos>`: the path under its root with `--` between the parts,
/// cut short where the whole would be longer than a file name may be.
fn staged_name(root: &Path, path: &Path, nanos: u128) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let suffix = format!("--{nanos}");
    let mut name = parts.join("--");
    let cut = NAME_MAX.saturating_sub(suffix.len());
    while name.len() > cut {
        name.pop();
    }
    name + &suffix
}
