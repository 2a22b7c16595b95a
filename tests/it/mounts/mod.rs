//! Mount points inside the data directory, made with real `mount --bind` of folders on
//! the *same* filesystem (same device number, so only mount identity finds them) and
//! tmpfs: a workspace that is one or holds one is refused before anything moves, by
//! every command, in delete and in trash mode, also when the mount appears after the
//! plan; sizes never count what is behind a mount. The mounted folders are canaries:
//! byte-identical afterwards, with no new entries. Root only: where mounting is not
//! permitted each test says so and passes, and fails under `CI=1`. Every mount is taken
//! down by the fixtures' `Drop` before their temp dir is deleted (`common::mounts`).
#![cfg(target_os = "linux")]

use crate::common;

use common::mini::{Canaries, ENV, Mini, TestResult, plant};
use common::{Run, mounts};
use std::error::Error;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod commands;
mod refused;
mod sizes;
mod walk;

/// A guard against hanging, not a timing check.
const PATIENCE: Duration = Duration::from_secs(120);

/// The task every case works on.
const ID: &str = "b1d0000001";

/// A mini data dir with the finished task [`ID`], its workspace (30 files in `d000/`),
/// and the user's folder `notes` beside the data dir, on the same filesystem.
struct Case {
    mini: Mini,
    workspace: PathBuf,
    notes: PathBuf,
    record: PathBuf,
}

impl Case {
    fn new() -> Result<Self, Box<dyn Error>> {
        let mini = Mini::new()?;
        let record = mini.add_task(ID, ENV, "done")?;
        let workspace = mini.add_workspace(ENV, ID, 30)?;
        fs::create_dir_all(workspace.join("d000/deeper"))?;
        let notes = fs::canonicalize(mini.root.path())?.join("notes");
        plant(&notes, "the user's notes")?;
        Ok(Self {
            mini,
            workspace,
            notes,
            record,
        })
    }

    /// Bind mounts `notes` at `relative` in the workspace (`""`: the workspace itself);
    /// `None` where mounting is not permitted (said, and an error under `CI=1`).
    fn bind_notes(&self, relative: &str) -> Result<Option<PathBuf>, Box<dyn Error>> {
        let mount_point = if relative.is_empty() {
            self.workspace.clone()
        } else {
            self.workspace.join(relative)
        };
        fs::create_dir_all(&mount_point)?;
        Ok(mounts::bind(&self.notes, &mount_point)?.then_some(mount_point))
    }

    /// The canaries: the user's folder, the trees beside and inside the data dir, and the
    /// workspace as it is now (mounts included).
    fn canaries(&self) -> Canaries {
        Canaries::new(&self.mini, &[&self.notes, &self.workspace])
    }

    fn run(&self, args: &[&str]) -> Result<Run, Box<dyn Error>> {
        self.mini.run(args)
    }

    /// Asserts the run refused the task for `mount_point` and that nothing changed: the
    /// canaries, the record (byte for byte; `record` is empty when there is none, for
    /// an orphan), nothing staged, nothing in any trash and no trash folder made anywhere.
    fn assert_refused(
        &self,
        output: &Run,
        mount_point: &Path,
        canaries: &Canaries,
        record: &[u8],
        what: &str,
    ) -> TestResult {
        canaries.assert_intact(what);
        assert_eq!(output.code, Some(1), "{what}: {output}");
        let said = format!(
            "{} is a mount point: unmount it first",
            mount_point.display()
        );
        assert!(
            output.stdout.contains(&said) && output.stderr.contains(&said),
            "{what}: the plan and the log name the mount point:\n{output}"
        );
        let now = fs::read(&self.record).unwrap_or_default();
        assert_eq!(now, record, "{what}: record not archived or changed");
        assert!(self.mini.staged().is_empty(), "{what}: nothing staged");
        self.assert_no_trash(what)
    }

    /// No trash folder anywhere under the test's root (the home trash included).
    fn assert_no_trash(&self, what: &str) -> TestResult {
        let found = names_under(self.mini.root.path(), &|name| name.starts_with(".Trash"))?;
        assert!(found.is_empty(), "{what}: trash folders made: {found:?}");
        let home_trash = self.mini.root.path().join("xdg-data/Trash/files");
        let trashed = fs::read_dir(&home_trash).map_or(0, |dir| dir.count());
        assert_eq!(trashed, 0, "{what}: nothing in the home trash");
        Ok(())
    }
}

/// Every path under `root` whose file name passes `wanted` (symlinks not followed).
fn names_under(root: &Path, wanted: &dyn Fn(&str) -> bool) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(root)? {
        let path = entry?.path();
        if path
            .file_name()
            .is_some_and(|name| wanted(&name.to_string_lossy()))
        {
            found.push(path.clone());
        }
        if fs::symlink_metadata(&path)?.is_dir() {
            found.extend(names_under(&path, wanted)?);
        }
    }
    Ok(found)
}

/// `args` with `--trash` in trash mode.
fn with_mode<'a>(args: &[&'a str], trash: bool) -> Vec<&'a str> {
    let mut all = args.to_vec();
    if trash {
        all.push("--trash");
    }
    all
}

fn mode_name(trash: bool) -> &'static str {
    if trash { "trash mode" } else { "delete mode" }
}
