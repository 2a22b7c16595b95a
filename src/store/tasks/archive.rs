//! Archiving and restoring a task record: renames between `tasks/` and
//! `tasks/done/` that never replace a file, ending a name clash as Agents-Runner does.

use super::{EDIT_ATTEMPTS, StoreError, TaskRecord, read_record, refuse_legacy};
use crate::store::atomic::sync_folder;
use crate::store::paths::{self, ARCHIVE_DIR, is_exact_safe_id};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Moves an active record into `tasks/done/` under its own file name, its content
/// untouched (a rename), so a crash leaves the record in exactly one place. When an
/// archived record of that name exists, it ends as Agents-Runner's save leaves a
/// clash: the record being archived becomes `done/<name>.toml` (the newest copy, the
/// one list, policy and restore take), and the older archived copy moves to
/// `done/<name>.dup-<nanoseconds>.toml`. Neither rename replaces a file; a legacy
/// JSON record is refused.
pub fn archive_record(path: &Path) -> Result<PathBuf, StoreError> {
    refuse_legacy(path)?;
    let write_err = |source| StoreError::Write {
        path: path.into(),
        source,
    };
    let folder = path
        .parent()
        .ok_or_else(|| write_err(std::io::Error::other("no parent folder")))?;
    let done = folder.join(ARCHIVE_DIR);
    std::fs::create_dir_all(&done).map_err(write_err)?;
    let name = path
        .file_name()
        .ok_or_else(|| write_err(std::io::Error::other("no file name")))?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let target = done.join(name);
    // Another writer may put a file at the target between our two renames: try again.
    let mut last_clash = None;
    for _ in 0..EDIT_ATTEMPTS {
        if target.symlink_metadata().is_ok() {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let older = done.join(format!("{stem}.dup-{nanos}.toml"));
            match move_no_replace(&target, &older) {
                Ok(()) => {}
                // Gone meanwhile, or the name taken: look again.
                Err(err)
                    if matches!(
                        err.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::AlreadyExists
                    ) => {}
                Err(err) => {
                    return Err(StoreError::Write {
                        path: target.clone(),
                        source: err,
                    });
                }
            }
        }
        match move_no_replace(path, &target) {
            Ok(()) => {
                sync_folder(&done)
                    .and_then(|()| sync_folder(folder))
                    .map_err(write_err)?;
                return Ok(target);
            }
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => last_clash = Some(err),
            Err(err) => return Err(write_err(err)),
        }
    }
    Err(write_err(last_clash.unwrap_or_else(|| {
        std::io::Error::other("the archived name keeps being taken")
    })))
}

/// Un-archives the record of `task_id`: moves it from `tasks/done/` back to
/// `tasks/<id>.toml`, its content untouched (a rename), never replacing a file.
///
/// Refused when the id is not a plain folder name, when an active record of the task
/// exists (a file of that name, or any active file whose `task_id` is the id), and when
/// no archived record is found. Of several archived records of the task (Agents-Runner
/// stores a clash as `<id>.dup-<nanoseconds>.toml`, see [`archive_record`]) the
/// original `<id>.toml` is restored, else a non-duplicate of another name, else the
/// newest duplicate; the others stay archived.
pub fn restore_record(data_dir: &Path, task_id: &str) -> Result<PathBuf, StoreError> {
    if !is_exact_safe_id(task_id) {
        return Err(StoreError::InvalidTaskId(task_id.to_owned()));
    }
    let active_dir = paths::active_tasks_dir(data_dir);
    let archive_dir = paths::archived_tasks_dir(data_dir);
    let file_name = format!("{task_id}.toml");
    let target = active_dir.join(&file_name);
    let active_exists = |path: PathBuf| StoreError::ActiveExists {
        task_id: task_id.to_owned(),
        path,
    };
    if target.symlink_metadata().is_ok() {
        return Err(active_exists(target));
    }
    if let Some(active) = records_of(&active_dir, task_id)?.into_iter().next() {
        return Err(active_exists(active.file));
    }
    let original = archive_dir.join(&file_name);
    let source = records_of(&archive_dir, task_id)?
        .into_iter()
        .min_by_key(|record| {
            (
                record.duplicate,
                record.file != original,
                std::cmp::Reverse(dup_nanos(&record.file)),
            )
        })
        .map(|record| record.file);
    let Some(source) = source else {
        // Only a legacy JSON record: say so rather than "not archived".
        let legacy = archive_dir.join(format!("{task_id}.json"));
        if legacy.symlink_metadata().is_ok() {
            return Err(StoreError::Legacy { path: legacy });
        }
        return Err(StoreError::NotArchived {
            task_id: task_id.to_owned(),
            folder: archive_dir.clone(),
        });
    };
    move_no_replace(&source, &target).map_err(|err| {
        if err.kind() == std::io::ErrorKind::AlreadyExists {
            active_exists(target.clone())
        } else {
            StoreError::Write {
                path: source.clone(),
                source: err,
            }
        }
    })?;
    sync_folder(&active_dir)
        .and_then(|()| sync_folder(&archive_dir))
        .map_err(|source| StoreError::Write {
            path: target.clone(),
            source,
        })?;
    Ok(target)
}

/// The readable task records in `folder` (regular `*.toml` files, not hidden) whose
/// `task_id` is `task_id`. Unreadable files are skipped: the store reports them.
fn records_of(folder: &Path, task_id: &str) -> Result<Vec<TaskRecord>, StoreError> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(StoreError::Read {
                path: folder.to_path_buf(),
                source,
            });
        }
    };
    let archived = folder.file_name().is_some_and(|name| name == ARCHIVE_DIR);
    Ok(entries
        .filter_map(Result::ok)
        .filter(|entry| crate::store::is_task_file(&entry.path()))
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .filter_map(|entry| read_record(&entry.path(), archived).ok())
        .filter(|record| record.task_id == task_id)
        .collect())
}

/// The nanoseconds of a `<id>.dup-<nanoseconds>.toml` name (0 for other names).
fn dup_nanos(path: &Path) -> u128 {
    path.file_stem()
        .and_then(|stem| stem.to_str())
        .and_then(|stem| stem.rsplit_once(".dup-"))
        .and_then(|(_, nanos)| nanos.parse().ok())
        .unwrap_or(0)
}

/// Renames `from` to `to`, failing with `AlreadyExists` rather than replacing a file
/// at `to`.
fn move_no_replace(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(()),
            // The filesystem cannot rename without replacing: link and unlink instead.
            Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {}
            Err(errno) => return Err(errno.into()),
        }
    }
    // A hard link is never made over an existing file.
    std::fs::hard_link(from, to)?;
    if let Err(err) = std::fs::remove_file(from) {
        // Not left in both places: the new link goes again.
        let _ = std::fs::remove_file(to);
        return Err(err);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
