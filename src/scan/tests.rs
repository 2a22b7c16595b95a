//! Tests of the scanner: known trees, unreadable folders, missing roots, cancel.

use super::*;
use std::fs;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn scanner() -> Scanner {
    Scanner::new(Arc::new(AtomicBool::new(false)))
}

fn write_file(path: &Path, len: usize) -> io::Result<()> {
    fs::write(path, vec![b'x'; len])
}

/// root/{a.txt, locked/{hidden.txt}, open/{deep/{d.txt}, o.txt}}
fn tree_with_locked_dir(root: &Path) -> io::Result<()> {
    write_file(&root.join("a.txt"), 10)?;
    fs::create_dir_all(root.join("locked"))?;
    write_file(&root.join("locked/hidden.txt"), 1000)?;
    fs::create_dir_all(root.join("open/deep"))?;
    write_file(&root.join("open/deep/d.txt"), 20)?;
    write_file(&root.join("open/o.txt"), 30)
}

#[test]
fn unreadable_dir_is_reported_and_siblings_still_counted() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let root = tmp.path();
    tree_with_locked_dir(root)?;
    let locked = root.join("locked");
    let full = scanner().scan_tree(root);
    let usage = scanner().fail_reading(locked.clone()).scan_tree(root);

    assert!(usage.exists);
    assert!(usage.complete, "a problem is not a cancellation");
    assert_eq!(usage.problems.len(), 1, "{:?}", usage.problems);
    assert_eq!(usage.problems[0].path, locked);
    assert!(
        usage.problems[0].message.contains("permission denied"),
        "message carries the OS error: {}",
        usage.problems[0].message
    );
    // Everything but hidden.txt: the locked directory itself still counts, like du.
    assert_eq!(usage.dirs, full.dirs);
    assert_eq!(usage.dirs, 4);
    assert_eq!(usage.files, full.files - 1);
    assert_eq!(usage.files, 3);
    assert_eq!(usage.apparent_bytes, full.apparent_bytes - 1000);
    assert!(full.problems.is_empty());
    Ok(())
}

#[test]
fn unreadable_root_counts_itself_only() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let root = tmp.path().to_path_buf();
    tree_with_locked_dir(&root)?;
    let root_meta = fs::symlink_metadata(&root)?;
    let usage = scanner().fail_reading(root.clone()).scan_tree(&root);

    assert!(usage.exists && usage.complete);
    assert_eq!((usage.dirs, usage.files), (1, 0));
    assert_eq!(usage.apparent_bytes, root_meta.len());
    assert_eq!(usage.newest_mtime, Some(root_meta.modified()?));
    assert_eq!(usage.problems.len(), 1);
    assert_eq!(usage.problems[0].path, root);
    Ok(())
}

#[test]
fn missing_root_is_empty_and_complete() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let usage = scanner().scan_tree(&tmp.path().join("gone"));
    let expected = Usage {
        complete: true,
        ..Usage::default()
    };
    assert_eq!(usage, expected);
    // A path below a regular file does not exist either.
    write_file(&tmp.path().join("file"), 3)?;
    assert_eq!(scanner().scan_tree(&tmp.path().join("file/sub")), expected);
    Ok(())
}

#[test]
fn counts_known_tree() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let root = tmp.path();
    tree_with_locked_dir(root)?;
    fs::create_dir(root.join("empty"))?;
    let usage = scanner().scan_tree(root);
    let dir_bytes: u64 = ["", "locked", "open", "open/deep", "empty"]
        .iter()
        .map(|dir| fs::symlink_metadata(root.join(dir)).map(|meta| meta.len()))
        .sum::<io::Result<u64>>()?;
    assert_eq!(usage.apparent_bytes, dir_bytes + 10 + 1000 + 20 + 30);
    assert_eq!((usage.dirs, usage.files), (5, 4));
    assert!(usage.exists && usage.complete && usage.problems.is_empty());
    Ok(())
}

#[test]
fn root_that_is_a_file_is_one_file() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let file = tmp.path().join("f.bin");
    write_file(&file, 1234)?;
    let usage = scanner().scan_tree(&file);
    assert_eq!(usage.apparent_bytes, 1234);
    assert_eq!((usage.dirs, usage.files), (0, 1));
    assert_eq!(usage.newest_mtime, Some(fs::metadata(&file)?.modified()?));
    assert!(usage.exists && usage.complete);
    Ok(())
}

#[test]
fn cancel_before_start_walks_nothing() -> TestResult {
    let tmp = tempfile::tempdir()?;
    tree_with_locked_dir(tmp.path())?;
    let scanner = Scanner::new(Arc::new(AtomicBool::new(true)));
    let usage = scanner.scan_tree(tmp.path());
    assert_eq!(usage, Usage::default());
    assert!(!usage.complete);

    let roots = vec![tmp.path().to_path_buf(), tmp.path().join("open")];
    let reports = Mutex::new(Vec::new());
    scanner.scan_all(&roots, |index, usage| {
        reports
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((index, usage));
    });
    let mut reports = reports.into_inner()?;
    reports.sort_by_key(|(index, _)| *index);
    assert_eq!(reports, vec![(0, Usage::default()), (1, Usage::default())]);
    Ok(())
}

#[test]
fn cancel_between_roots_leaves_later_roots_unstarted() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let roots: Vec<PathBuf> = (0..4).map(|i| tmp.path().join(format!("r{i}"))).collect();
    for root in &roots {
        fs::create_dir_all(root.join("sub"))?;
        write_file(&root.join("sub/f"), 5)?;
    }
    let cancel = Arc::new(AtomicBool::new(false));
    let scanner = Scanner::new(Arc::clone(&cancel));
    let reports = Mutex::new(Vec::new());
    // One worker makes the order deterministic: a root runs to its end before the
    // next starts, and the first report cancels the rest.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    pool.install(|| {
        scanner.scan_all(&roots, |index, usage| {
            cancel.store(true, Ordering::Relaxed);
            reports
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((index, usage));
        });
    });
    let reports = reports.into_inner()?;
    assert_eq!(reports.len(), roots.len());
    let finished: Vec<&Usage> = reports
        .iter()
        .map(|(_, u)| u)
        .filter(|u| u.complete)
        .collect();
    assert_eq!(finished.len(), 1, "{reports:?}");
    assert_eq!((finished[0].dirs, finished[0].files), (2, 1));
    for (_, usage) in reports.iter().filter(|(_, u)| !u.complete) {
        assert_eq!(usage, &Usage::default());
    }
    let mut indexes: Vec<usize> = reports.iter().map(|(index, _)| *index).collect();
    indexes.sort_unstable();
    assert_eq!(indexes, vec![0, 1, 2, 3]);
    Ok(())
}

/// More entries than one `getdents64` call returns into the walk's buffer: every call's
/// entries count, whatever the last entry of a call says.
#[test]
fn a_folder_larger_than_one_read_is_counted_whole() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let root = tmp.path();
    let mut expected = 0;
    for i in 0..3000 {
        // Long names: about 120 bytes an entry, so 32 KiB hold fewer than 300.
        let path = root.join(format!("{i:05}-{}", "n".repeat(100)));
        write_file(&path, i % 7)?;
        expected += (i % 7) as u64;
    }
    expected += fs::symlink_metadata(root)?.len();
    let usage = scanner().scan_tree(root);
    assert_eq!((usage.dirs, usage.files), (1, 3000));
    assert_eq!(usage.apparent_bytes, expected);
    assert!(usage.complete && usage.problems.is_empty());
    Ok(())
}

/// Deeper than the walk keeps folder handles open in one chain: everything counts, and
/// a problem far down still names its folder's full path.
#[test]
fn a_tree_deeper_than_the_held_handles_is_counted_and_named() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let root = tmp.path();
    let mut folder = root.to_path_buf();
    let mut deep_folders = Vec::new();
    for level in 0..150 {
        folder.push(format!("d{level}"));
        fs::create_dir(&folder)?;
        write_file(&folder.join("f"), 1)?;
        deep_folders.push(folder.clone());
    }
    let full = scanner().scan_tree(root);
    assert_eq!((full.dirs, full.files), (151, 150));
    assert!(full.problems.is_empty());
    let locked = deep_folders[139].clone();
    let usage = scanner().fail_reading(locked.clone()).scan_tree(root);
    assert_eq!(usage.problems.len(), 1, "{:?}", usage.problems);
    assert_eq!(usage.problems[0].path, locked);
    // Below the locked folder: its own file and ten more levels of a folder and a file.
    assert_eq!((usage.dirs, usage.files), (151 - 10, 150 - 11));
    Ok(())
}

#[cfg(unix)]
#[test]
fn a_tree_keeps_its_stamp_until_something_in_it_changes() -> TestResult {
    use std::time::{Duration, SystemTime};
    let tmp = tempfile::tempdir()?;
    let root = tmp.path().join("tree");
    fs::create_dir_all(root.join("sub"))?;
    fs::write(root.join("sub/file"), b"one")?;
    fs::write(root.join("other"), b"x")?;
    let stamp = |root: &Path| -> Result<crate::scan::TreeStamp, String> {
        scanner()
            .scan_tree(root)
            .tree_stamp
            .ok_or_else(|| "a whole tree has a stamp".to_owned())
    };
    let first = stamp(&root)?;
    assert_eq!(stamp(&root)?, first, "nothing changed");
    let walked = SystemTime::now();
    assert!(!first.settled_before(walked), "written just now");
    assert!(first.settled_before(walked + Duration::from_secs(3)));

    // Each change moves some entry's change time (a file's, or its folder's). The
    // changes are made a few clock ticks apart: the settle rule keeps a change within
    // one tick of a walk from being relied on, and that is not what is tested here.
    let tick = || std::thread::sleep(Duration::from_millis(30));
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let set_old = |path: &Path| {
        fs::File::options()
            .write(true)
            .open(path)?
            .set_modified(old)
    };
    set_old(&root.join("sub/file"))?;
    let before = stamp(&root)?;
    assert_ne!(before, first, "a new modification time");
    tick();
    fs::write(root.join("sub/file"), b"two")?;
    set_old(&root.join("sub/file"))?;
    assert_ne!(
        stamp(&root)?,
        before,
        "same size and modification time, new content"
    );
    let changes: [&dyn Fn() -> std::io::Result<()>; 3] = [
        &|| fs::write(root.join("sub/new"), b""),
        &|| fs::rename(root.join("sub/new"), root.join("moved")),
        &|| fs::remove_file(root.join("moved")),
    ];
    for change in changes {
        let before = stamp(&root)?;
        tick();
        change()?;
        assert_ne!(stamp(&root)?, before);
    }

    // A tree with a problem has no stamp: part of it was not seen.
    let unreadable = scanner().fail_reading(root.join("sub")).scan_tree(&root);
    assert!(unreadable.complete && unreadable.tree_stamp.is_none());
    Ok(())
}
