//! The walk elsewhere: std's directory reading and metadata.

use super::*;

pub(super) struct DirTask {
    path: PathBuf,
}

/// Nothing to keep between folders here: std reads the entries.
#[derive(Default)]
pub(super) struct ReadBuffer;

/// Looks at the root. Without device numbers in std here, mounts are not seen.
pub(super) fn root_entry(root: &Path) -> io::Result<RootEntry> {
    let meta = fs::symlink_metadata(root)?;
    let entry = Entry::of(&meta);
    let dir = entry.is_dir.then(|| DirTask {
        path: root.to_path_buf(),
    });
    Ok(RootEntry::Inside {
        entry,
        dir,
        problem: None,
    })
}

impl Entry {
    fn of(meta: &Metadata) -> Self {
        Self {
            is_dir: meta.is_dir(),
            len: meta.len(),
            disk_bytes: meta.len(),
            mtime: meta.modified().ok(),
            // std gives no inode and no change time everywhere.
            stamp: None,
        }
    }
}

impl Scanner {
    /// Counts the entries of `dir` into `tally`; adds its subfolders to `subdirs`.
    pub(super) fn read_dir(
        &self,
        dir: DirTask,
        tally: &mut Tally,
        _buffer: &mut ReadBuffer,
        subdirs: &mut Vec<DirTask>,
    ) {
        let entries = match self
            .check_readable(|| dir.path.clone())
            .and_then(|()| fs::read_dir(&dir.path))
        {
            Ok(entries) => entries,
            Err(err) => {
                tally
                    .problems
                    .push(problem(&dir.path, "cannot read directory", &err));
                return;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    tally
                        .problems
                        .push(problem(&dir.path, "cannot list entry", &err));
                    continue;
                }
            };
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                Err(err) => {
                    tally
                        .problems
                        .push(problem(&entry.path(), "cannot read metadata", &err));
                    continue;
                }
            };
            self.count(tally, &Entry::of(&meta));
            if meta.is_dir() {
                subdirs.push(DirTask { path: entry.path() });
            }
        }
    }
}
