//! Tests of the watcher: how paths are classified, watch-limit errors, and live watching of a data directory.

use super::*;

#[test]
fn paths_are_classified_by_place() {
    let table = [
        ("", Some(Hit::Layout)),
        ("environments.json", Some(Hit::Record)),
        ("state.toml", None),
        (".agents-janitor.lock", None),
        (".agents-janitor-ab12.tmp", None),
        ("tasks", Some(Hit::Layout)),
        ("tasks/t1.toml", Some(Hit::Record)),
        ("tasks/T1.TOML", Some(Hit::Record)),
        ("tasks/.agents-janitor-ab12.tmp", None),
        ("tasks/.t1.toml", None),
        ("tasks/notes.txt", None),
        ("tasks/done", Some(Hit::Layout)),
        ("tasks/done/t1.dup-123.toml", Some(Hit::Record)),
        ("tasks/t1.json", Some(Hit::Record)),
        ("tasks/done/t1.dup-123.json", Some(Hit::Record)),
        ("tasks/done/.agents-janitor-x.tmp", None),
        ("tasks/done/deeper/t1.toml", None),
        ("managed-repos", Some(Hit::Layout)),
        ("managed-repos/env-1", Some(Hit::Layout)),
        ("managed-repos/env-1/tasks", Some(Hit::Layout)),
        ("managed-repos/env-1/other", None),
        ("managed-repos/env-1/tasks/t1", Some(Hit::Workspace)),
        ("managed-repos/env-1/tasks/t1/src/main.rs", None),
        ("managed-repos/.janitor-trash", None),
        ("managed-repos/.janitor-trash/tasks", None),
        ("managed-repos/.janitor-trash/tasks/t1", None),
        ("github-context/t1.toml", None),
    ];
    for (path, want) in table {
        assert_eq!(classify(Path::new(path)), want, "{path:?}");
    }
}

#[test]
fn watch_limit_errors_become_too_many_watches() {
    let path = Path::new("/d");
    let max = notify::Error::new(notify::ErrorKind::MaxFilesWatch);
    assert!(matches!(watch_error(path, max), WatchError::TooManyWatches));
    let other = notify::Error::io(io::Error::from(io::ErrorKind::PermissionDenied));
    assert!(matches!(watch_error(path, other), WatchError::Watch { .. }));
    assert!(
        WatchError::TooManyWatches
            .to_string()
            .contains("fs.inotify.max_user_watches")
    );
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn enospc_is_the_inotify_watch_limit() {
    let enospc = notify::Error::io(io::Error::from_raw_os_error(28));
    assert!(matches!(
        watch_error(Path::new("/d"), enospc),
        WatchError::TooManyWatches
    ));
}

#[test]
fn only_entry_changes_reshape() {
    use notify::event::{AccessKind, CreateKind, DataChange, MetadataKind, RenameMode};
    assert!(reshapes(&EventKind::Create(CreateKind::Folder)));
    assert!(reshapes(&EventKind::Modify(ModifyKind::Name(
        RenameMode::From
    ))));
    assert!(!reshapes(&EventKind::Modify(ModifyKind::Data(
        DataChange::Any
    ))));
    assert!(!reshapes(&EventKind::Modify(ModifyKind::Metadata(
        MetadataKind::Any
    ))));
    assert!(!reshapes(&EventKind::Access(AccessKind::Any)));
}

/// Real inotify events: these depend on its semantics (and on the box allowing watches).
#[cfg(target_os = "linux")]
mod live {
    use super::*;
    use std::fs;
    use std::os::unix::fs::MetadataExt;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// A data directory under watch, with the events reported so far.
    struct Watched {
        // Dropped first: stops watching before the folder goes.
        _watcher: DataDirWatcher,
        events: mpsc::Receiver<WatchEvent>,
        root: PathBuf,
        _dir: tempfile::TempDir,
    }

    impl Watched {
        fn start(layout: &[&str], max_watches: usize) -> Result<Self, Box<dyn std::error::Error>> {
            let dir = tempfile::tempdir()?;
            let root = fs::canonicalize(dir.path())?;
            for folder in layout {
                fs::create_dir_all(root.join(folder))?;
            }
            let (sender, events) = mpsc::channel();
            let watcher = start_with_limit(&root, max_watches, move |event| {
                let _ = sender.send(event);
            })?;
            Ok(Self {
                _dir: dir,
                root,
                events,
                _watcher: watcher,
            })
        }

        fn path(&self, relative: &str) -> PathBuf {
            self.root.join(relative)
        }

        /// Merges reported change sets until `done` holds for them (bounded wait).
        fn until(&self, done: impl Fn(&ChangeSet) -> bool) -> Result<ChangeSet, String> {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            let mut seen = ChangeSet::default();
            while !done(&seen) {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                match self.events.recv_timeout(left) {
                    Ok(WatchEvent::Changed(changes)) => {
                        seen.records |= changes.records;
                        seen.workspaces.extend(changes.workspaces);
                    }
                    Ok(WatchEvent::Failed(reason)) => return Err(format!("failed: {reason}")),
                    Err(_) => return Err(format!("not reported within 10 s; saw {seen:?}")),
                }
            }
            Ok(seen)
        }

        fn until_records(&self) -> Result<ChangeSet, String> {
            self.until(|seen| seen.records)
        }

        fn until_workspace(&self, path: &Path) -> Result<ChangeSet, String> {
            self.until(|seen| seen.workspaces.contains(path))
        }

        fn failure(&self) -> Result<String, String> {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            loop {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                match self.events.recv_timeout(left) {
                    Ok(WatchEvent::Failed(reason)) => return Ok(reason),
                    Ok(WatchEvent::Changed(_)) => {}
                    Err(_) => return Err("no failure reported within 10 s".into()),
                }
            }
        }
    }

    const TASK: &str = "task_id = \"t1\"\nstatus = \"done\"\n";

    #[test]
    fn record_added_changed_and_archived_are_reported() -> TestResult {
        let w = Watched::start(&["tasks"], usize::MAX)?;
        fs::write(w.path("tasks/t1.toml"), TASK)?;
        w.until_records()?;
        crate::store::atomic::write_atomic(&w.path("tasks/t1.toml"), b"task_id = \"t1\"\n", None)?;
        w.until_records()?;
        // The first archive creates tasks/done; later changes there are seen too.
        fs::create_dir(w.path("tasks/done"))?;
        fs::rename(w.path("tasks/t1.toml"), w.path("tasks/done/t1.toml"))?;
        w.until_records()?;
        fs::write(w.path("tasks/done/t1.toml"), TASK)?;
        w.until_records()?;
        crate::store::atomic::write_atomic(&w.path("environments.json"), b"[]", None)?;
        w.until_records()?;
        Ok(())
    }

    #[test]
    fn workspaces_appearing_vanishing_and_renamed_are_reported() -> TestResult {
        let w = Watched::start(&["managed-repos/env-1/tasks"], usize::MAX)?;
        let t1 = w.path("managed-repos/env-1/tasks/t1");
        fs::create_dir_all(t1.join("src"))?;
        let seen = w.until_workspace(&t1)?;
        assert!(!seen.records, "{seen:?}");
        let t2 = w.path("managed-repos/env-1/tasks/t2");
        fs::rename(&t1, &t2)?;
        w.until(|seen| seen.workspaces.contains(&t1) && seen.workspaces.contains(&t2))?;
        fs::remove_dir_all(&t2)?;
        w.until_workspace(&t2)?;
        Ok(())
    }

    #[test]
    fn folders_appearing_later_are_followed() -> TestResult {
        // Neither tasks/ nor managed-repos/ exists at the start.
        let w = Watched::start(&[], usize::MAX)?;
        let t5 = w.path("managed-repos/env-2/tasks/t5");
        fs::create_dir_all(&t5)?;
        w.until_workspace(&t5)?;
        // Seen only through the watch added on the way.
        let t6 = w.path("managed-repos/env-2/tasks/t6");
        fs::create_dir(&t6)?;
        w.until_workspace(&t6)?;
        fs::create_dir_all(w.path("tasks/done"))?;
        w.until_records()?;
        fs::write(w.path("tasks/done/t1.toml"), TASK)?;
        w.until_records()?;
        // An env folder renamed away takes its workspaces along, without an event for each.
        let outside = tempfile::tempdir_in(&w.root)?;
        fs::rename(w.path("managed-repos/env-2"), outside.path().join("env-2"))?;
        w.until(|seen| seen.workspaces.contains(&t5) && seen.workspaces.contains(&t6))?;
        // The same name made again is watched afresh.
        let t7 = w.path("managed-repos/env-2/tasks/t7");
        fs::create_dir_all(&t7)?;
        w.until_workspace(&t7)?;
        let t8 = w.path("managed-repos/env-2/tasks/t8");
        fs::create_dir(&t8)?;
        w.until_workspace(&t8)?;
        Ok(())
    }

    #[test]
    fn the_janitors_own_noise_and_workspace_contents_are_not_reported() -> TestResult {
        let w = Watched::start(
            &[
                "tasks/done",
                "managed-repos/env-1/tasks/t1/src",
                "managed-repos/.janitor-trash",
            ],
            usize::MAX,
        )?;
        fs::write(w.path("tasks/t1.toml"), TASK)?;
        w.until_records()?;
        // Noise first ...
        fs::write(
            w.path("managed-repos/env-1/tasks/t1/src/main.rs"),
            "fn main() {}",
        )?;
        fs::create_dir_all(w.path("managed-repos/env-1/tasks/t1/target/debug"))?;
        fs::write(w.path("managed-repos/env-1/tasks/t1/target/debug/x"), "x")?;
        fs::write(w.path(".agents-janitor.lock"), "1")?;
        // Left behind, as by a crash (one made and removed at once cancels out).
        fs::write(w.path("tasks/.agents-janitor-ab12.tmp"), "half")?;
        fs::write(w.path("tasks/done/.agents-janitor-cd34.tmp"), "half")?;
        fs::write(w.path(".agents-janitor-ef56.tmp"), "half")?;
        fs::read_to_string(w.path("tasks/t1.toml"))?;
        fs::create_dir_all(w.path("managed-repos/.janitor-trash/env-1--t9--1/src"))?;
        fs::write(
            w.path("managed-repos/.janitor-trash/env-1--t9--1/src/a"),
            "a",
        )?;
        let _ = fs::read_dir(w.path("managed-repos/env-1/tasks"))?.count();
        // ... then a change of its own kind marks the end of it.
        let sentinel = w.path("managed-repos/env-1/tasks/sentinel");
        fs::create_dir(&sentinel)?;
        let seen = w.until_workspace(&sentinel)?;
        assert_eq!(
            seen,
            ChangeSet {
                records: false,
                workspaces: BTreeSet::from([sentinel]),
            }
        );
        Ok(())
    }

    #[test]
    fn only_the_layout_folders_are_watched() -> TestResult {
        let dir = tempfile::tempdir()?;
        let root = dir.path();
        for folder in [
            "tasks/done",
            "managed-repos/env-1/tasks/t1/src/deep",
            "managed-repos/env-1/tasks/t2",
            "managed-repos/env-2",
            "managed-repos/.janitor-trash/env-1--t9--1/src",
            "github-context",
        ] {
            fs::create_dir_all(root.join(folder))?;
        }
        let outside = tempfile::tempdir()?;
        fs::create_dir_all(outside.path().join("tasks/t3"))?;
        // A symlinked env folder is not followed (nor counted).
        std::os::unix::fs::symlink(outside.path(), root.join("managed-repos/env-link"))?;
        let layout = [
            "",
            "tasks",
            "tasks/done",
            "managed-repos",
            "managed-repos/env-1",
            "managed-repos/env-1/tasks",
            "managed-repos/env-2",
        ];
        let too_few = start_with_limit(root, layout.len() - 1, |_| {});
        assert!(
            matches!(too_few, Err(WatchError::TooManyWatches)),
            "{too_few:?}"
        );
        let _watcher = start_with_limit(root, layout.len(), |_| {})?;
        // What the kernel watches, not what the watcher thinks it does.
        let watched = inotify_watched_inodes()?;
        let inode = |path: PathBuf| fs::metadata(path).map(|meta| meta.ino());
        for folder in layout {
            let ino = inode(root.join(folder))?;
            assert!(watched.contains(&ino), "{folder:?} is not watched");
        }
        for folder in [
            "managed-repos/env-1/tasks/t1",
            "managed-repos/env-1/tasks/t1/src",
            "managed-repos/env-1/tasks/t2",
            "managed-repos/.janitor-trash",
            "github-context",
        ] {
            let ino = inode(root.join(folder))?;
            assert!(!watched.contains(&ino), "{folder:?} is watched");
        }
        for folder in ["", "tasks", "tasks/t3"] {
            let ino = inode(outside.path().join(folder))?;
            assert!(
                !watched.contains(&ino),
                "the symlink's {folder:?} is watched"
            );
        }
        Ok(())
    }

    /// Inodes watched by every inotify instance of this process, from
    /// `/proc/self/fdinfo` (lines `inotify wd:1 ino:1a2b sdev:...`).
    fn inotify_watched_inodes() -> Result<BTreeSet<u64>, Box<dyn std::error::Error>> {
        let mut inodes = BTreeSet::new();
        for entry in fs::read_dir("/proc/self/fdinfo")? {
            // Files closed meanwhile (by other tests) are simply skipped.
            let Ok(info) = fs::read_to_string(entry?.path()) else {
                continue;
            };
            for line in info.lines().filter(|l| l.starts_with("inotify wd:")) {
                let Some(hex) = line
                    .split_whitespace()
                    .find_map(|field| field.strip_prefix("ino:"))
                else {
                    return Err(format!("no inode in {line:?}").into());
                };
                inodes.insert(u64::from_str_radix(hex, 16)?);
            }
        }
        Ok(inodes)
    }

    #[test]
    fn reaching_the_limit_later_fails_the_watcher() -> TestResult {
        // data dir, managed-repos, env-1
        let w = Watched::start(&["managed-repos/env-1"], 3)?;
        fs::create_dir(w.path("managed-repos/env-2"))?;
        let reason = w.failure()?;
        assert!(reason.contains("max_user_watches"), "{reason}");
        Ok(())
    }

    #[test]
    fn a_vanished_data_folder_fails_the_watcher() -> TestResult {
        let w = Watched::start(&[], usize::MAX)?;
        let moved = tempfile::tempdir()?;
        fs::rename(&w.root, moved.path().join("gone"))?;
        let reason = w.failure()?;
        assert!(reason.contains("is gone"), "{reason}");
        Ok(())
    }
}
