//! Tests of the remover: a filesystem with injected failures and a data dir layout,
//! shared by the topic files below.

mod inside;
mod leftovers;
mod purge;
mod put_back;
mod staging;
mod trash;
mod validate;

use super::staged_name::NAME_MAX;
use super::*;
use crate::store::paths;
use std::collections::HashSet;
use std::fs;
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
    /// Paths Undo asked the trash to give back (an empty folder is made there).
    untrashed: Mutex<Vec<PathBuf>>,
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
    fn untrash(&self, original: &Path) -> io::Result<()> {
        if let Ok(mut untrashed) = self.untrashed.lock() {
            untrashed.push(original.to_path_buf());
        }
        fs::create_dir(original)
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
