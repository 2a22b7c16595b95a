//! The only code that deletes files.
//!
//! A workspace is deleted only if it is exactly `<data>/managed-repos/<env>/tasks/<task>`
//! of a cloned environment, with plain ids, no symlink on the way, on the data dir's
//! filesystem, and neither a mount point nor holding one (by mount identity, so a bind
//! mount of a folder on the same filesystem counts; see [`crate::mounts`]): such a
//! workspace is refused before anything moves. Two more shapes the user may delete by
//! name, each checked as strictly: `<task>.bak-<digits>` beside the task folders of a
//! cloned environment, and a folder under `managed-repos/<env>/tasks/` of an environment
//! `environments.json` no longer names (read again right before the delete). It is first
//! renamed into a staging folder (so it vanishes from its real path at once, and a crash
//! never leaves a half-deleted checkout under its real name), then deleted from there
//! (see `walk`) without ever following a symlink or entering a mount, even when a folder
//! is swapped for a symlink or a mount appears while the walk runs.
//! Leftovers in staging from a crash are finished by [`Remover::finish_staged`].
//!
//! In trash mode ([`Remover::trash`]) the validated workspace is moved to the system
//! trash from its real path, so the trash remembers where it came from and "Restore" in a
//! file manager puts it back (see [`move_to_system_trash`] for what is checked last).

use crate::mounts;
use crate::store::paths::{self, is_exact_safe_id};
use crate::store::{FolderKind, WorkspaceType, environments};
use serde::Serialize;
use std::fs::{self, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use thiserror::Error;

mod walk;

/// A step of the deleting walk, announced to [`Filesystem::before`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    ListDir,
    RemoveFile,
    RemoveDir,
    /// Giving the owner rwx on a folder (read-only git packs, `chmod -R a-w` trees).
    MakeWritable,
}

/// The filesystem calls of validation and staging, and a hook before every step of
/// the deleting walk: a seam through which tests inject the failures (permission
/// denied, busy files) that root cannot otherwise provoke. Every method defaults to the
/// real filesystem, so a test overrides only the calls it makes fail.
pub trait Filesystem: Send + Sync {
    fn symlink_metadata(&self, path: &Path) -> io::Result<Metadata> {
        fs::symlink_metadata(path)
    }
    /// The entries of a folder.
    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        fs::read_dir(dir)?
            .map(|entry| entry.map(|entry| entry.path()))
            .collect()
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        fs::create_dir_all(path)
    }
    /// Called before the walk does `operation` on `path`; an error stands in for the
    /// OS's answer.
    fn before(&self, _operation: Operation, _path: &Path) -> io::Result<()> {
        Ok(())
    }
    /// Whether `path` is the root of a mount ([`mounts::is_mount_point`]).
    fn is_mount_point(&self, path: &Path) -> io::Result<bool> {
        mounts::is_mount_point(path)
    }
    /// Every mount point at or below `path` ([`mounts::mount_points_under`]; none can be
    /// listed off Linux).
    fn mount_points_under(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        mounts::mount_points_under(path)
    }
    /// Moves a validated workspace of `data_dir` to the system trash
    /// ([`move_to_system_trash`]).
    fn trash(&self, path: &Path, data_dir: &Path) -> io::Result<()> {
        move_to_system_trash(path, data_dir)
    }
}

/// The real filesystem.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealFilesystem;

impl Filesystem for RealFilesystem {}

/// What to delete: a task workspace named by its environment and task ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceTarget {
    pub env_id: String,
    /// The folder name under `tasks/`: a task id, or for a backup `<task>.bak-<digits>`.
    pub task_id: String,
    /// The environment's workspace type, from the store. `TaskWorkspace` and `Backup`
    /// are deleted only when it is `Cloned`; a deleted environment has none.
    pub workspace_type: WorkspaceType,
    /// Which shape of folder this is, and so which rules validate it.
    pub kind: FolderKind,
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RemoveError {
    #[error("Refusing to remove non-task directory: {path} ({reason})")]
    Refused { path: PathBuf, reason: String },
    #[error("Failed to remove task workspace: {path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("Failed to move task workspace to the trash: {path}: {message}")]
    Trash { path: PathBuf, message: String },
    /// `path` is, or holds, or lies under the mount point `mount_point`: deleting it
    /// would delete, or fail on, what the mount shows, which is not ours.
    #[error("Refusing to remove {path}: {mount_point} is a mount point: unmount it first")]
    MountPoint { path: PathBuf, mount_point: PathBuf },
    /// Whether `path` is, holds or lies under a mount point could not be told (no mount
    /// table to read, say): refused as if it were.
    #[error("Refusing to remove {path}: cannot tell whether {checked} {what}: {message}")]
    MountsUnknown {
        path: PathBuf,
        checked: PathBuf,
        what: &'static str,
        message: String,
    },
}

impl RemoveError {
    /// A refusal because of a mount point, or because mount points could not be listed.
    pub fn is_about_mounts(&self) -> bool {
        matches!(self, Self::MountPoint { .. } | Self::MountsUnknown { .. })
    }
}

/// One entry that could not be deleted, with the OS's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoveFailure {
    pub path: PathBuf,
    pub message: String,
}

/// The outcome of deleting one staged tree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    /// On-disk bytes released (files whose last link went, and folders).
    pub bytes_freed: u64,
    pub entries_removed: u64,
    pub failures: Vec<RemoveFailure>,
    /// True when the whole tree is gone.
    pub complete: bool,
}

impl PurgeReport {
    fn merged(mut self, other: PurgeReport) -> Self {
        self.bytes_freed += other.bytes_freed;
        self.entries_removed += other.entries_removed;
        self.failures.extend(other.failures);
        self
    }
}

/// A workspace that has left its real path and waits in staging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedWorkspace {
    pub original: PathBuf,
    pub staged: PathBuf,
}

/// Result of moving a workspace out of the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staging {
    Staged(StagedWorkspace),
    /// Nothing at the workspace path: already clean (as the seed counts it, a success).
    Missing(PathBuf),
}

/// Result of moving a workspace to the system trash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trashed {
    /// Moved from this path (the one the trash records as its origin).
    Moved(PathBuf),
    /// Nothing at the workspace path: already clean.
    Missing(PathBuf),
}

/// Progress of a purge: entries and bytes removed since the last report.
pub type ProgressFn<'a> = &'a (dyn Fn(u64, u64) + Sync);

pub struct Remover {
    data_dir: PathBuf,
    fs: Arc<dyn Filesystem>,
    cancel: Arc<AtomicBool>,
}

impl Remover {
    /// `data_dir` must be canonical (the store's snapshot resolves it once).
    pub fn new(data_dir: &Path, cancel: Arc<AtomicBool>) -> Self {
        Self::with_filesystem(data_dir, cancel, Arc::new(RealFilesystem))
    }

    pub fn with_filesystem(
        data_dir: &Path,
        cancel: Arc<AtomicBool>,
        fs: Arc<dyn Filesystem>,
    ) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            fs,
            cancel,
        }
    }

    pub fn staging_dir(&self) -> PathBuf {
        paths::staging_dir(&self.data_dir)
    }

    /// `<data>/managed-repos/<env>/tasks/<folder>` with the names as given; only
    /// meaningful once [`Remover::validate`] has checked them.
    fn target_path(&self, target: &WorkspaceTarget) -> PathBuf {
        paths::managed_repos_dir(&self.data_dir)
            .join(&target.env_id)
            .join(paths::TASKS_DIR)
            .join(&target.task_id)
    }

    /// Checks every rule for `target` and returns its path, or `None` when there is
    /// nothing to delete. Never touches the disk beyond `lstat`/`statx`, a read of the
    /// mount table and, for a deleted environment's folder, a fresh read of
    /// `environments.json`.
    pub fn validate(&self, target: &WorkspaceTarget) -> Result<Option<PathBuf>, RemoveError> {
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
        // Any depth below: one read of the mount table finds a mount hidden anywhere.
        let below =
            self.fs
                .mount_points_under(&path)
                .map_err(|err| RemoveError::MountsUnknown {
                    path: path.clone(),
                    checked: path.clone(),
                    what: "holds a mount point",
                    message: err.to_string(),
                })?;
        if let Some(mount_point) = below.into_iter().next() {
            return Err(RemoveError::MountPoint { path, mount_point });
        }
        Ok(Some(path))
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
    fn not_a_mount_point(&self, folder: &Path, refused: &Path) -> Result<(), RemoveError> {
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

    fn data_device(&self) -> Result<u64, RemoveError> {
        self.fs
            .symlink_metadata(&self.data_dir)
            .map(|meta| device(&meta))
            .map_err(|err| io_error(&self.data_dir, &err))
    }

    /// True when `path` is a real folder (not a symlink, not a mount point) on the data
    /// dir's filesystem, false when it does not exist; anything else refuses `refused`
    /// (`path` or a folder below it).
    fn real_folder(
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

    /// The staging folder, checked like a workspace path (`managed-repos` and the
    /// staging folder itself real folders in the data dir's mount). `None` when it
    /// does not exist and `create` is false.
    fn checked_staging(&self, create: bool) -> Result<Option<PathBuf>, RemoveError> {
        let data_device = self.data_device()?;
        let managed = paths::managed_repos_dir(&self.data_dir);
        let staging = self.staging_dir();
        if !self.real_folder(&managed, data_device, &staging)? {
            return Ok(None);
        }
        if self.real_folder(&staging, data_device, &staging)? {
            return Ok(Some(staging));
        }
        if !create {
            return Ok(None);
        }
        self.fs
            .create_dir_all(&staging)
            .map_err(|err| io_error(&staging, &err))?;
        Ok(Some(staging))
    }

    /// Validates `target` and renames it into staging. After this the workspace is
    /// gone from its real path; [`Remover::purge`] frees the space.
    pub fn stage(&self, target: &WorkspaceTarget) -> Result<Staging, RemoveError> {
        let Some(original) = self.validate(target)? else {
            return Ok(Staging::Missing(self.target_path(target)));
        };
        // No `managed-repos` any more means the workspace went with it.
        let Some(staging) = self.checked_staging(true)? else {
            return Ok(Staging::Missing(original));
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let staged = staging.join(staged_name(&target.env_id, &target.task_id, nanos));
        match self.fs.rename(&original, &staged) {
            Ok(()) => Ok(Staging::Staged(StagedWorkspace { original, staged })),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Staging::Missing(original)),
            Err(err) => Err(io_error(&original, &err)),
        }
    }

    /// Validates `target` like [`Remover::stage`] and moves it to the system trash from
    /// its real path. The space is freed only when the trash is emptied. On any failure
    /// the workspace stays where it was.
    pub fn trash(&self, target: &WorkspaceTarget) -> Result<Trashed, RemoveError> {
        let Some(original) = self.validate(target)? else {
            return Ok(Trashed::Missing(self.target_path(target)));
        };
        match self.fs.trash(&original, &self.data_dir) {
            Ok(()) => Ok(Trashed::Moved(original)),
            Err(err) => Err(RemoveError::Trash {
                path: original,
                message: err.to_string(),
            }),
        }
    }

    /// Deletes a staged tree: never follows symlinks (a link is removed, not its target),
    /// never enters another mount, makes read-only folders writable and retries, and
    /// carries on past entries that still fail, reporting each.
    pub fn purge(&self, staged: &Path, progress: ProgressFn) -> PurgeReport {
        let refused = |path: &Path, message: String| PurgeReport {
            failures: vec![RemoveFailure {
                path: path.to_path_buf(),
                message,
            }],
            ..PurgeReport::default()
        };
        let staging = match self.checked_staging(false) {
            Ok(Some(staging)) => staging,
            Ok(None) => {
                return refused(staged, "the staging folder does not exist; refused".into());
            }
            Err(err) => return refused(staged, err.to_string()),
        };
        if staged.parent() != Some(staging.as_path()) {
            return refused(staged, "not inside the staging folder; refused".into());
        }
        let walk = walk::Walk {
            fs: self.fs.as_ref(),
            cancel: &self.cancel,
            progress,
        };
        let mut report = walk.purge(staged);
        report.complete = report.failures.is_empty() && !self.cancelled();
        report
    }

    /// Finishes deletes that a crash or a cancel left in staging. Returns each
    /// leftover with its report; refuses a staging folder that is not a real one.
    pub fn finish_staged(
        &self,
        progress: ProgressFn,
    ) -> Result<Vec<(PathBuf, PurgeReport)>, RemoveError> {
        let Some(staging) = self.checked_staging(false)? else {
            return Ok(Vec::new());
        };
        let leftovers = self
            .fs
            .list(&staging)
            .map_err(|err| io_error(&staging, &err))?;
        Ok(leftovers
            .into_iter()
            .map(|path| {
                let report = self.purge(&path, progress);
                (path, report)
            })
            .collect())
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// The longest file name common filesystems take, in bytes.
const NAME_MAX: usize = 255;

/// `<env>--<task>--<nanos>`, with the ids cut short where the whole would be longer than
/// a file name may be (a task id of 250 characters is a valid folder name on its own).
/// The nanoseconds keep it unique; ids are plain ASCII, so any cut is on a character.
fn staged_name(env_id: &str, task_id: &str, nanos: u128) -> String {
    let suffix = format!("--{nanos}");
    let mut name = format!("{env_id}--{task_id}");
    name.truncate(NAME_MAX.saturating_sub(suffix.len()));
    name + &suffix
}

/// Moves `path`, a workspace [`Remover::validate`] just accepted, to the system trash
/// with the `trash` crate, after last checks for what that crate does on its own:
///
/// - It resolves the parent folder's symlinks (its freedesktop backend canonicalizes the
///   parent, keeps the final name, and renames that entry, so a final symlink would be
///   moved, not followed). Here the parent must resolve to itself, and `path` must still
///   be a real folder: a symlink is refused.
/// - On freedesktop systems it picks the home trash (`$XDG_DATA_HOME/Trash`, else
///   `~/.local/share/Trash`) when the path is in the home trash's mount (the nearest
///   mount point above each, from the mount table), else `$topdir/.Trash-$uid` of the
///   path's mount `topdir`, falling back to the home trash when that is not writable;
///   where a rename crosses filesystems it copies the whole tree and then deletes the
///   original. Here the home trash must be on the workspace's filesystem and (Linux) in
///   its mount, so the crate always picks the home trash and the move is always a rename:
///   it never makes a trash folder of its own (which, for a workspace that is a mount
///   point, would be inside the workspace, or inside the data dir when that is one), and
///   never copies. The home trash must not be inside `data_dir` either (the canonical
///   data directory, holding every workspace). Otherwise it is refused.
///
/// What remains is a race: a folder on the way swapped for a symlink, or a mount made,
/// between these checks and the crate's own resolution. Agents-Runner never does that;
/// see docs/safety.md.
pub fn move_to_system_trash(path: &Path, data_dir: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() || !meta.is_dir() {
        return Err(io::Error::other(
            "it is no longer a real folder (a symlink or a file); left untouched",
        ));
    }
    let parent = path
        .parent()
        .ok_or_else(|| io::Error::other("it has no parent folder"))?;
    if fs::canonicalize(parent)? != parent {
        return Err(io::Error::other(format!(
            "its folder {} resolves to another place (a symlink on the way); left untouched",
            parent.display()
        )));
    }
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    ))]
    check_home_trash(path, device(&meta), data_dir)?;
    #[cfg(not(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    )))]
    let _ = data_dir;
    trash::delete(path).map_err(trash_error)
}

/// The home trash the `trash` crate uses on freedesktop systems must be where it moves
/// `workspace` by a rename: on its filesystem (the device of the nearest folder of the
/// trash that exists: the rest is created on that filesystem) and, on Linux, in its
/// mount; and it must not be inside `data_dir`.
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn check_home_trash(workspace: &Path, workspace_device: u64, data_dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let non_empty = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    let home_trash = non_empty("XDG_DATA_HOME")
        .map(|data| PathBuf::from(data).join("Trash"))
        .or_else(|| non_empty("HOME").map(|home| PathBuf::from(home).join(".local/share/Trash")))
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "no trash: neither XDG_DATA_HOME nor HOME is set",
            )
        })?;
    let mut existing = home_trash.as_path();
    let meta = loop {
        match fs::metadata(existing) {
            Ok(meta) => break meta,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                existing = existing.parent().ok_or(err)?;
            }
            Err(err) => return Err(err),
        }
    };
    if meta.dev() != workspace_device {
        return Err(io::Error::new(
            io::ErrorKind::CrossesDevices,
            format!(
                "the trash {} is on another filesystem than the workspace, so it would be copied there instead of moved; use delete mode",
                home_trash.display()
            ),
        ));
    }
    // Where the crate puts it: the nearest existing folder resolved, the rest as given.
    let resolved = match home_trash.strip_prefix(existing) {
        Ok(rest) => fs::canonicalize(existing)?.join(rest),
        Err(_) => fs::canonicalize(existing)?,
    };
    if resolved.starts_with(data_dir) {
        return Err(io::Error::other(format!(
            "the trash {} is inside the data directory {}; use delete mode",
            resolved.display(),
            data_dir.display()
        )));
    }
    #[cfg(target_os = "linux")]
    {
        let table = mounts::MountTable::read()?;
        let workspace_mount = table.mount_of(workspace);
        let trash_mount = table.mount_of(&resolved);
        if workspace_mount != trash_mount {
            return Err(io::Error::other(format!(
                "the trash {} is in the mount at {}, the workspace in the one at {}: the trash crate would make a trash folder at {} instead of using it; use delete mode",
                resolved.display(),
                trash_mount.display(),
                workspace_mount.display(),
                workspace_mount.display()
            )));
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = workspace;
    Ok(())
}

/// The `trash` crate's error as an I/O error people can read (its own text is a debug dump).
fn trash_error(err: trash::Error) -> io::Error {
    match err {
        #[cfg(all(
            unix,
            not(any(target_os = "macos", target_os = "ios", target_os = "android"))
        ))]
        trash::Error::FileSystem { path, source } => {
            io::Error::new(source.kind(), format!("{}: {source}", path.display()))
        }
        trash::Error::Unknown { description } => io::Error::other(description),
        trash::Error::Os { code, description } => {
            io::Error::other(format!("{description} (OS error {code})"))
        }
        trash::Error::CouldNotAccess { target } => {
            io::Error::new(io::ErrorKind::NotFound, format!("cannot access {target}"))
        }
        trash::Error::CanonicalizePath { original } => io::Error::new(
            io::ErrorKind::NotFound,
            format!("cannot resolve {}", original.display()),
        ),
        other => io::Error::other(format!("{other:?}")),
    }
}

fn io_error(path: &Path, err: &io::Error) -> RemoveError {
    RemoveError::Io {
        path: path.to_path_buf(),
        message: err.to_string(),
    }
}

#[cfg(unix)]
fn device(meta: &Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.dev()
}

#[cfg(not(unix))]
fn device(_meta: &Metadata) -> u64 {
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::Mutex;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// Real filesystem with injected failures: folders that act read-only until the walk
    /// makes them writable, and entries that can never be removed.
    #[derive(Default)]
    struct FaultyFilesystem {
        read_only: Mutex<HashSet<PathBuf>>,
        stubborn: HashSet<PathBuf>,
        fail_rename: bool,
        made_writable: Mutex<Vec<PathBuf>>,
        /// Just before the walk lists this folder, it is moved aside and a symlink to the
        /// given target put in its place (a still-running agent could do that).
        swap_for_symlink: Option<(PathBuf, PathBuf)>,
        /// Paths handed to the trash (never the real one here: it would use this
        /// process's home); it fails when `fail_trash`.
        trashed: Mutex<Vec<PathBuf>>,
        fail_trash: bool,
        /// The mount points there are, in place of the real ones (`None`: the real ones).
        mount_points: Option<Vec<PathBuf>>,
        /// Listing the mount points below a folder fails, as without `/proc`.
        unreadable_mount_table: bool,
    }

    impl Filesystem for FaultyFilesystem {
        fn is_mount_point(&self, path: &Path) -> io::Result<bool> {
            match &self.mount_points {
                None => RealFilesystem.is_mount_point(path),
                Some(points) => Ok(points.iter().any(|point| point == path)),
            }
        }
        fn mount_points_under(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
            if self.unreadable_mount_table {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    "/proc/self/mountinfo: injected: no such file",
                ));
            }
            match &self.mount_points {
                None => RealFilesystem.mount_points_under(path),
                Some(points) => Ok(points
                    .iter()
                    .filter(|point| point.starts_with(path))
                    .cloned()
                    .collect()),
            }
        }
        fn trash(&self, path: &Path, _data_dir: &Path) -> io::Result<()> {
            if let Ok(mut trashed) = self.trashed.lock() {
                trashed.push(path.to_path_buf());
            }
            if self.fail_trash {
                return Err(io::Error::other("injected: the trash is full"));
            }
            Ok(())
        }
        fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
            if self.fail_rename {
                return Err(io::Error::from(io::ErrorKind::PermissionDenied));
            }
            RealFilesystem.rename(from, to)
        }
        fn before(&self, operation: Operation, path: &Path) -> io::Result<()> {
            let denied = || Err(io::Error::from(io::ErrorKind::PermissionDenied));
            match operation {
                Operation::ListDir => {
                    #[cfg(unix)]
                    if let Some((folder, target)) = &self.swap_for_symlink
                        && folder == path
                    {
                        fs::rename(folder, folder.with_extension("moved"))?;
                        std::os::unix::fs::symlink(target, folder)?;
                    }
                    Ok(())
                }
                Operation::RemoveFile | Operation::RemoveDir => {
                    let parent_read_only = path
                        .parent()
                        .is_some_and(|p| self.read_only.lock().is_ok_and(|set| set.contains(p)));
                    if parent_read_only || self.stubborn.contains(path) {
                        denied()
                    } else {
                        Ok(())
                    }
                }
                Operation::MakeWritable => {
                    if let Ok(mut set) = self.read_only.lock() {
                        set.remove(path);
                    }
                    if let Ok(mut log) = self.made_writable.lock() {
                        log.push(path.to_path_buf());
                    }
                    Ok(())
                }
            }
        }
    }

    struct Layout {
        _root: tempfile::TempDir,
        data: PathBuf,
        outside: PathBuf,
    }

    fn layout() -> Result<Layout, Box<dyn std::error::Error>> {
        let root = tempfile::tempdir()?;
        let data = fs::canonicalize(root.path())?.join("data");
        let outside = fs::canonicalize(root.path())?.join("outside");
        fs::create_dir_all(&outside)?;
        fs::write(outside.join("canary.txt"), "keep me")?;
        Ok(Layout {
            _root: root,
            data,
            outside,
        })
    }

    fn target(env: &str, task: &str) -> WorkspaceTarget {
        WorkspaceTarget {
            env_id: env.into(),
            task_id: task.into(),
            workspace_type: WorkspaceType::Cloned,
            kind: FolderKind::TaskWorkspace,
        }
    }

    fn make_workspace(data: &Path, env: &str, task: &str) -> io::Result<PathBuf> {
        let ws = paths::task_workspace_path(data, env, task);
        fs::create_dir_all(ws.join(".git/objects/pack"))?;
        fs::write(ws.join("README.md"), "hello")?;
        fs::write(ws.join(".git/objects/pack/pack-1.pack"), vec![7u8; 10_000])?;
        Ok(ws)
    }

    fn remover(data: &Path, fs: Arc<dyn Filesystem>) -> Remover {
        Remover::with_filesystem(data, Arc::new(AtomicBool::new(false)), fs)
    }

    fn no_progress(_: u64, _: u64) {}

    #[test]
    fn stages_then_purges_a_workspace() -> TestResult {
        let l = layout()?;
        let ws = make_workspace(&l.data, "env-1", "t1")?;
        let r = remover(&l.data, Arc::new(RealFilesystem));
        let Staging::Staged(staged) = r.stage(&target("env-1", "t1"))? else {
            return Err("expected a staged workspace".into());
        };
        assert!(!ws.exists(), "gone from its real path right after staging");
        assert!(staged.staged.starts_with(r.staging_dir()));
        let report = r.purge(&staged.staged, &no_progress);
        assert!(report.complete && report.failures.is_empty(), "{report:?}");
        assert_eq!(report.entries_removed, 6);
        assert!(report.bytes_freed >= 10_000);
        assert!(!staged.staged.exists());
        Ok(())
    }

    #[test]
    fn a_missing_workspace_is_a_success() -> TestResult {
        let l = layout()?;
        fs::create_dir_all(&l.data)?;
        let r = remover(&l.data, Arc::new(RealFilesystem));
        assert!(matches!(
            r.stage(&target("env-1", "nothere"))?,
            Staging::Missing(_)
        ));
        make_workspace(&l.data, "env-1", "other")?;
        assert!(matches!(
            r.stage(&target("env-1", "nothere"))?,
            Staging::Missing(_)
        ));
        Ok(())
    }

    fn of_kind(env: &str, folder: &str, kind: FolderKind, ty: WorkspaceType) -> WorkspaceTarget {
        WorkspaceTarget {
            kind,
            workspace_type: ty,
            ..target(env, folder)
        }
    }

    #[test]
    fn a_backup_folder_is_deleted_only_in_its_exact_shape_of_a_cloned_environment() -> TestResult {
        use FolderKind::{Backup, TaskWorkspace};
        use WorkspaceType::{Cloned, Mounted};
        let l = layout()?;
        let tasks = paths::managed_repos_dir(&l.data).join("env-1/tasks");
        for name in [
            "t1.bak-1764000000123456789",
            "t1.bak-12x",
            "a.b.bak-1",
            "t1.bak-",
        ] {
            fs::create_dir_all(tasks.join(name).join("src"))?;
        }
        let r = remover(&l.data, Arc::new(RealFilesystem));
        let refused = [
            (
                of_kind("env-1", "t1.bak-12x", Backup, Cloned),
                "not a backup folder name",
            ),
            (
                of_kind("env-1", "a.b.bak-1", Backup, Cloned),
                "not a backup folder name",
            ),
            (
                of_kind("env-1", "t1.bak-", Backup, Cloned),
                "not a backup folder name",
            ),
            (
                of_kind("env-1", "../t1.bak-1", Backup, Cloned),
                "not a backup folder name",
            ),
            (
                of_kind("env-1", "t1", Backup, Cloned),
                "not a backup folder name",
            ),
            (
                of_kind("env-1", "t1.bak-1764000000123456789", TaskWorkspace, Cloned),
                "not a plain folder name",
            ),
            (
                of_kind("env-1", "t1.bak-1764000000123456789", Backup, Mounted),
                "belongs to the user",
            ),
            (
                of_kind("../env-1", "t1.bak-1764000000123456789", Backup, Cloned),
                "not a plain folder name",
            ),
        ];
        for (wanted, reason) in &refused {
            match r.validate(wanted) {
                Err(RemoveError::Refused { reason: got, .. }) => {
                    assert!(got.contains(reason), "{wanted:?}: {got}");
                }
                other => return Err(format!("{wanted:?}: {other:?}").into()),
            }
        }
        let good = of_kind("env-1", "t1.bak-1764000000123456789", Backup, Cloned);
        let Staging::Staged(staged) = r.stage(&good)? else {
            return Err("expected the backup staged".into());
        };
        assert_eq!(staged.original, tasks.join("t1.bak-1764000000123456789"));
        assert!(r.purge(&staged.staged, &no_progress).complete);
        for name in ["t1.bak-12x", "a.b.bak-1", "t1.bak-"] {
            assert!(tasks.join(name).join("src").is_dir(), "{name}");
        }
        Ok(())
    }

    #[test]
    fn a_deleted_environments_folder_goes_only_while_environments_json_names_it_nowhere()
    -> TestResult {
        use FolderKind::DeletedEnvironment;
        use WorkspaceType::None;
        let l = layout()?;
        let gone = make_workspace(&l.data, "env-gone", "t1")?;
        let backup = paths::managed_repos_dir(&l.data).join("env-gone/tasks/t2.bak-5");
        fs::create_dir_all(&backup)?;
        make_workspace(&l.data, "env-1", "t1")?;
        let envs = paths::environments_file(&l.data);
        let r = remover(&l.data, Arc::new(RealFilesystem));
        let wanted = of_kind("env-gone", "t1", DeletedEnvironment, None);
        let reason_of = |target: &WorkspaceTarget| match r.validate(target) {
            Err(RemoveError::Refused { reason, .. }) => reason,
            other => format!("not refused: {other:?}"),
        };
        // No environments.json, or one that does not read whole: no one can tell.
        assert!(reason_of(&wanted).contains("there is no environments.json"));
        fs::write(&envs, "{broken")?;
        assert!(reason_of(&wanted).contains("not valid JSON"));
        fs::write(&envs, r#"[{"env_id": "env-1"}, {"env_id": 2.5}]"#)?;
        assert!(reason_of(&wanted).contains("cannot tell"));
        // Named by an item, even one Agents-Runner ignores.
        fs::write(
            &envs,
            r#"[{"env_id": "env-1"}, {"env_id": "env-gone", "version": 2}]"#,
        )?;
        assert!(reason_of(&wanted).contains("belongs to an environment"));
        assert!(
            reason_of(&of_kind("env-1", "t1", DeletedEnvironment, None))
                .contains("belongs to an environment")
        );
        for odd in ["../t1", "t1.bak-x", "a.b"] {
            assert!(
                reason_of(&of_kind("env-gone", odd, DeletedEnvironment, None))
                    .contains("not a plain folder name"),
                "{odd}"
            );
        }
        assert!(gone.is_dir() && backup.is_dir());

        fs::write(&envs, r#"{"environments": [{"env_id": "env-1"}]}"#)?;
        for (folder, path) in [("t1", &gone), ("t2.bak-5", &backup)] {
            let Staging::Staged(staged) =
                r.stage(&of_kind("env-gone", folder, DeletedEnvironment, None))?
            else {
                return Err(format!("{folder}: expected it staged").into());
            };
            assert_eq!(&staged.original, path);
            assert!(r.purge(&staged.staged, &no_progress).complete);
        }
        assert!(paths::task_workspace_path(&l.data, "env-1", "t1").is_dir());
        Ok(())
    }

    #[test]
    fn refuses_everything_but_a_plain_managed_folder() -> TestResult {
        let l = layout()?;
        make_workspace(&l.data, "env-1", "good")?;
        let managed = paths::managed_repos_dir(&l.data);
        // A workspace that is a symlink to a folder outside.
        let tasks = managed.join("env-1/tasks");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&l.outside, tasks.join("linked"))?;
        // A file where a folder is expected.
        fs::write(tasks.join("afile"), "x")?;
        // An environment folder that is a symlink.
        #[cfg(unix)]
        std::os::unix::fs::symlink(managed.join("env-1"), managed.join("env-2"))?;
        let r = remover(&l.data, Arc::new(RealFilesystem));
        let mounted = WorkspaceTarget {
            workspace_type: WorkspaceType::Mounted,
            ..target("env-1", "good")
        };
        let none = WorkspaceTarget {
            workspace_type: WorkspaceType::None,
            ..target("env-1", "good")
        };
        let mut cases = vec![
            (target("env-1", "../good"), "not a plain folder name"),
            (target("..", "good"), "not a plain folder name"),
            (target("env-1", ""), "not a plain folder name"),
            (target("env-1/../env-1", "good"), "not a plain folder name"),
            (mounted, "belongs to the user"),
            (none, "no managed workspace"),
            (target("env-1", "afile"), "not a folder"),
        ];
        if cfg!(unix) {
            cases.push((target("env-1", "linked"), "symlink"));
            cases.push((target("env-2", "good"), "symlink"));
        }
        for (case, want) in cases {
            match r.stage(&case) {
                Err(RemoveError::Refused { reason, .. }) => {
                    assert!(reason.contains(want), "{case:?}: {reason}")
                }
                other => return Err(format!("{case:?} was not refused: {other:?}").into()),
            }
        }
        assert_eq!(fs::read_to_string(l.outside.join("canary.txt"))?, "keep me");
        assert!(
            paths::task_workspace_path(&l.data, "env-1", "good")
                .join("README.md")
                .exists()
        );
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_inside_are_removed_not_followed() -> TestResult {
        let l = layout()?;
        let ws = make_workspace(&l.data, "env-1", "t1")?;
        std::os::unix::fs::symlink(&l.outside, ws.join("to-outside"))?;
        std::os::unix::fs::symlink(l.outside.join("canary.txt"), ws.join("canary-link"))?;
        let r = remover(&l.data, Arc::new(RealFilesystem));
        let Staging::Staged(staged) = r.stage(&target("env-1", "t1"))? else {
            return Err("expected staged".into());
        };
        let report = r.purge(&staged.staged, &no_progress);
        assert!(report.complete, "{report:?}");
        assert_eq!(fs::read_to_string(l.outside.join("canary.txt"))?, "keep me");
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_swapped_for_a_symlink_mid_walk_is_not_followed() -> TestResult {
        let l = layout()?;
        make_workspace(&l.data, "env-1", "t1")?;
        let staged =
            match remover(&l.data, Arc::new(RealFilesystem)).stage(&target("env-1", "t1"))? {
                Staging::Staged(staged) => staged.staged,
                Staging::Missing(_) => return Err("expected staged".into()),
            };
        let swapped = staged.join(".git");
        let fs_ops = Arc::new(FaultyFilesystem {
            swap_for_symlink: Some((swapped.clone(), l.outside.clone())),
            ..Default::default()
        });
        let report = remover(&l.data, fs_ops).purge(&staged, &no_progress);
        assert!(!report.complete);
        assert!(
            report.failures.iter().any(|f| f.path == swapped),
            "{report:?}"
        );
        assert_eq!(fs::read_to_string(l.outside.join("canary.txt"))?, "keep me");
        assert!(
            fs::symlink_metadata(&swapped)?.file_type().is_symlink(),
            "the link is left for the next run"
        );
        Ok(())
    }

    #[test]
    fn read_only_folders_are_made_writable_and_retried() -> TestResult {
        let l = layout()?;
        let ws = make_workspace(&l.data, "env-1", "t1")?;
        let fs_ops = Arc::new(FaultyFilesystem::default());
        let r = remover(&l.data, fs_ops.clone());
        let Staging::Staged(staged) = r.stage(&target("env-1", "t1"))? else {
            return Err("expected staged".into());
        };
        let pack = staged.staged.join(".git/objects/pack");
        if let Ok(mut set) = fs_ops.read_only.lock() {
            set.insert(pack.clone());
            set.insert(staged.staged.clone());
        }
        let report = r.purge(&staged.staged, &no_progress);
        assert!(report.complete, "{report:?}");
        assert!(!staged.staged.exists() && !ws.exists());
        let made = fs_ops
            .made_writable
            .lock()
            .map(|v| v.clone())
            .unwrap_or_default();
        assert!(
            made.contains(&pack) && made.contains(&staged.staged),
            "{made:?}"
        );
        Ok(())
    }

    #[test]
    fn one_failing_entry_does_not_stop_the_rest() -> TestResult {
        let l = layout()?;
        make_workspace(&l.data, "env-1", "t1")?;
        let staged_name = |r: &Remover| -> Result<PathBuf, Box<dyn std::error::Error>> {
            match r.stage(&target("env-1", "t1"))? {
                Staging::Staged(s) => Ok(s.staged),
                Staging::Missing(_) => Err("expected staged".into()),
            }
        };
        let staged = staged_name(&remover(&l.data, Arc::new(RealFilesystem)))?;
        let stubborn = staged.join(".git/objects/pack/pack-1.pack");
        let fs_ops = Arc::new(FaultyFilesystem {
            stubborn: HashSet::from([stubborn.clone()]),
            ..Default::default()
        });
        let r = remover(&l.data, fs_ops);
        let report = r.purge(&staged, &no_progress);
        assert!(!report.complete);
        assert_eq!(report.failures.len(), 1, "{report:?}");
        assert_eq!(report.failures[0].path, stubborn);
        assert!(
            report.failures[0]
                .message
                .to_lowercase()
                .contains("permission denied"),
            "{report:?}"
        );
        assert!(
            !staged.join("README.md").exists(),
            "siblings are still deleted"
        );
        assert!(stubborn.exists());
        Ok(())
    }

    /// Mount points found through the seam (the real ones are made in tests/mounts.rs).
    #[test]
    fn a_workspace_that_is_under_is_or_holds_a_mount_point_is_refused_before_anything_moves()
    -> TestResult {
        let l = layout()?;
        let ws = make_workspace(&l.data, "env-1", "t1")?;
        let tasks = paths::managed_repos_dir(&l.data).join("env-1/tasks");
        for mount_point in [
            ws.clone(),
            ws.join(".git"),
            ws.join(".git/objects/pack"),
            tasks.clone(),
        ] {
            let fs_ops = Arc::new(FaultyFilesystem {
                mount_points: Some(vec![mount_point.clone()]),
                ..Default::default()
            });
            let r = remover(&l.data, fs_ops.clone());
            let staged = r.stage(&target("env-1", "t1")).map(|_| ());
            let trashed = r.trash(&target("env-1", "t1")).map(|_| ());
            for result in [staged, trashed] {
                match result {
                    Err(RemoveError::MountPoint {
                        path,
                        mount_point: named,
                    }) => {
                        assert_eq!((&path, &named), (&ws, &mount_point))
                    }
                    other => {
                        return Err(format!("{mount_point:?}: not refused: {other:?}").into());
                    }
                }
            }
            let trashed = fs_ops.trashed.lock().map(|v| v.len()).ok();
            assert_eq!(trashed, Some(0), "nothing reaches the trash");
            assert!(ws.join(".git/objects/pack/pack-1.pack").exists());
            assert!(r.staging_dir().read_dir().is_err(), "nothing was staged");
        }
        let err = RemoveError::MountPoint {
            path: ws.clone(),
            mount_point: ws.join("mnt"),
        };
        assert_eq!(
            err.to_string(),
            format!(
                "Refusing to remove {}: {}/mnt is a mount point: unmount it first",
                ws.display(),
                ws.display()
            )
        );
        Ok(())
    }

    #[test]
    fn a_workspace_is_refused_when_its_mount_points_cannot_be_listed() -> TestResult {
        let l = layout()?;
        let ws = make_workspace(&l.data, "env-1", "t1")?;
        let fs_ops = Arc::new(FaultyFilesystem {
            unreadable_mount_table: true,
            ..Default::default()
        });
        let r = remover(&l.data, fs_ops);
        for result in [
            r.stage(&target("env-1", "t1")).map(|_| ()),
            r.trash(&target("env-1", "t1")).map(|_| ()),
        ] {
            match result {
                Err(err @ RemoveError::MountsUnknown { .. }) => {
                    assert!(err.is_about_mounts());
                    assert_eq!(
                        err.to_string(),
                        format!(
                            "Refusing to remove {}: cannot tell whether {} holds a mount point: /proc/self/mountinfo: injected: no such file",
                            ws.display(),
                            ws.display()
                        )
                    );
                }
                other => return Err(format!("not refused: {other:?}").into()),
            }
        }
        assert!(ws.join("README.md").exists());
        Ok(())
    }

    #[test]
    fn a_staging_folder_that_is_a_mount_point_is_neither_used_nor_purged() -> TestResult {
        let l = layout()?;
        make_workspace(&l.data, "env-1", "t1")?;
        let staging = paths::staging_dir(&l.data);
        let leftover = staging.join("env-1--t9--123");
        fs::create_dir_all(&leftover)?;
        fs::write(leftover.join("file"), "the user's")?;
        let fs_ops = Arc::new(FaultyFilesystem {
            mount_points: Some(vec![staging.clone()]),
            ..Default::default()
        });
        let r = remover(&l.data, fs_ops);
        let refused = |result: Result<(), RemoveError>| match result {
            Err(RemoveError::MountPoint { mount_point, .. }) => mount_point == staging,
            _ => false,
        };
        assert!(refused(r.stage(&target("env-1", "t1")).map(|_| ())));
        assert!(refused(r.finish_staged(&no_progress).map(|_| ())));
        let report = r.purge(&leftover, &no_progress);
        assert!(!report.complete, "{report:?}");
        assert!(report.failures[0].message.contains("is a mount point"));
        assert_eq!(fs::read_to_string(leftover.join("file"))?, "the user's");
        Ok(())
    }

    #[test]
    fn a_failed_rename_leaves_the_workspace_in_place() -> TestResult {
        let l = layout()?;
        let ws = make_workspace(&l.data, "env-1", "t1")?;
        let fs_ops = Arc::new(FaultyFilesystem {
            fail_rename: true,
            ..Default::default()
        });
        let err = remover(&l.data, fs_ops).stage(&target("env-1", "t1"));
        match err {
            Err(RemoveError::Io { message, .. }) => {
                assert!(message.to_lowercase().contains("permission denied"))
            }
            other => return Err(format!("expected an I/O error, got {other:?}").into()),
        }
        assert!(ws.join("README.md").exists());
        Ok(())
    }

    #[test]
    fn trash_validates_like_a_delete_and_keeps_the_workspace_when_the_trash_fails() -> TestResult {
        let l = layout()?;
        let ws = make_workspace(&l.data, "env-1", "t1")?;
        let tasks = ws.parent().ok_or("no parent")?.to_path_buf();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&l.outside, tasks.join("linked"))?;
        let fs_ops = Arc::new(FaultyFilesystem::default());
        let r = remover(&l.data, fs_ops.clone());
        let mounted = WorkspaceTarget {
            workspace_type: WorkspaceType::Mounted,
            ..target("env-1", "t1")
        };
        let mut refused = vec![target("env-1", "../t1"), mounted];
        if cfg!(unix) {
            refused.push(target("env-1", "linked"));
        }
        for case in refused {
            assert!(
                matches!(r.trash(&case), Err(RemoveError::Refused { .. })),
                "{case:?}"
            );
        }
        assert!(matches!(
            r.trash(&target("env-1", "nothere"))?,
            Trashed::Missing(_)
        ));
        let calls = |fs_ops: &FaultyFilesystem| fs_ops.trashed.lock().map(|v| v.clone()).ok();
        assert_eq!(
            calls(&fs_ops),
            Some(vec![]),
            "nothing refused reaches the trash"
        );
        assert_eq!(r.trash(&target("env-1", "t1"))?, Trashed::Moved(ws.clone()));
        assert_eq!(
            calls(&fs_ops),
            Some(vec![ws.clone()]),
            "the real path, not a staged copy"
        );

        let failing = Arc::new(FaultyFilesystem {
            fail_trash: true,
            ..Default::default()
        });
        match remover(&l.data, failing).trash(&target("env-1", "t1")) {
            Err(RemoveError::Trash { path, message }) => {
                assert_eq!(path, ws);
                assert!(message.contains("injected"), "{message}");
            }
            other => return Err(format!("expected a trash error, got {other:?}").into()),
        }
        assert!(ws.join("README.md").exists());
        assert!(r.staging_dir().read_dir().is_err(), "no staging was made");
        Ok(())
    }

    /// The last checks before the real trash: none of these cases reaches the `trash`
    /// crate, so the test's own home trash is never used.
    #[cfg(unix)]
    #[test]
    fn the_system_trash_refuses_symlinks_files_and_parents_that_resolve_elsewhere() -> TestResult {
        let l = layout()?;
        let ws = make_workspace(&l.data, "env-1", "t1")?;
        let tasks = ws.parent().ok_or("no parent")?.to_path_buf();
        let link = tasks.join("linked");
        std::os::unix::fs::symlink(&l.outside, &link)?;
        let file = tasks.join("afile");
        fs::write(&file, "x")?;
        let linked_tasks = l.data.join("linked-tasks");
        std::os::unix::fs::symlink(&tasks, &linked_tasks)?;
        for (path, want) in [
            (link.clone(), "no longer a real folder"),
            (file.clone(), "no longer a real folder"),
            (linked_tasks.join("t1"), "resolves to another place"),
        ] {
            match move_to_system_trash(&path, &l.data) {
                Err(err) => assert!(err.to_string().contains(want), "{path:?}: {err}"),
                Ok(()) => return Err(format!("{path:?} went to the trash").into()),
            }
        }
        assert!(fs::symlink_metadata(&link)?.file_type().is_symlink());
        assert_eq!(fs::read_to_string(l.outside.join("canary.txt"))?, "keep me");
        assert!(file.exists() && ws.join("README.md").exists());
        Ok(())
    }

    #[test]
    fn leftovers_in_staging_are_finished_and_nothing_outside_is_purged() -> TestResult {
        let l = layout()?;
        let r = remover(&l.data, Arc::new(RealFilesystem));
        let leftover = r.staging_dir().join("env-1--t9--123");
        fs::create_dir_all(leftover.join("sub"))?;
        fs::write(leftover.join("sub/file"), "x")?;
        let finished = r.finish_staged(&no_progress)?;
        assert_eq!(finished.len(), 1);
        assert!(finished[0].1.complete);
        assert!(!leftover.exists());
        let report = r.purge(&l.outside, &no_progress);
        assert!(!report.complete && report.failures[0].message.contains("staging"));
        assert!(l.outside.join("canary.txt").exists());
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn staging_behind_a_symlinked_managed_repos_is_never_purged() -> TestResult {
        let l = layout()?;
        fs::create_dir_all(&l.data)?;
        let elsewhere = l.outside.join("managed");
        fs::create_dir_all(elsewhere.join(paths::STAGING).join("victim"))?;
        fs::write(elsewhere.join(paths::STAGING).join("victim/file"), "keep")?;
        std::os::unix::fs::symlink(&elsewhere, paths::managed_repos_dir(&l.data))?;
        let r = remover(&l.data, Arc::new(RealFilesystem));
        match r.finish_staged(&no_progress) {
            Err(RemoveError::Refused { reason, .. }) => {
                assert!(reason.contains("symlink"), "{reason}")
            }
            other => return Err(format!("expected a refusal, got {other:?}").into()),
        }
        let report = r.purge(&r.staging_dir().join("victim"), &no_progress);
        assert!(
            !report.complete && report.failures[0].message.contains("symlink"),
            "{report:?}"
        );
        assert_eq!(
            fs::read_to_string(elsewhere.join(paths::STAGING).join("victim/file"))?,
            "keep"
        );
        Ok(())
    }

    #[test]
    fn a_workspace_with_the_longest_id_can_be_staged() -> TestResult {
        let l = layout()?;
        let task = "t".repeat(NAME_MAX);
        make_workspace(&l.data, "env-1", &task)?;
        let r = remover(&l.data, Arc::new(RealFilesystem));
        let Staging::Staged(staged) = r.stage(&target("env-1", &task))? else {
            return Err("expected staged".into());
        };
        let name = staged.staged.file_name().map_or(0, |n| n.len());
        assert_eq!(name, NAME_MAX);
        assert!(r.purge(&staged.staged, &no_progress).complete);
        Ok(())
    }

    #[test]
    fn cancel_stops_a_purge_and_leaves_the_rest_staged() -> TestResult {
        let l = layout()?;
        make_workspace(&l.data, "env-1", "t1")?;
        let cancel = Arc::new(AtomicBool::new(false));
        let r = Remover::with_filesystem(&l.data, cancel.clone(), Arc::new(RealFilesystem));
        let Staging::Staged(staged) = r.stage(&target("env-1", "t1"))? else {
            return Err("expected staged".into());
        };
        cancel.store(true, Ordering::Relaxed);
        let report = r.purge(&staged.staged, &no_progress);
        assert!(!report.complete);
        assert!(staged.staged.exists(), "left in staging for the next start");
        Ok(())
    }
}
