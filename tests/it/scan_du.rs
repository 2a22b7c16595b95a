//! The scanner must agree with GNU `du` byte for byte.
#![cfg(unix)]

use std::fs::{self, File};
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::common;
use agents_janitor::scan::{Scanner, Usage};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn scanner() -> Scanner {
    Scanner::new(Arc::new(AtomicBool::new(false)))
}

/// Runs `du ARGS PATHS` and returns the first number of every output line, or `None`
/// (after saying why) when no GNU du is available to compare with.
fn du(args: &[&str], paths: &[&Path]) -> Result<Option<Vec<u64>>, Box<dyn std::error::Error>> {
    if !common::can_compare_with_du()? {
        return Ok(None);
    }
    let output = Command::new("du").args(args).args(paths).output()?;
    if !output.status.success() {
        return Err(format!(
            "du {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let sizes = String::from_utf8(output.stdout)?
        .lines()
        .map(|line| line.split('\t').next().unwrap_or_default().parse::<u64>())
        .collect::<Result<Vec<u64>, _>>()?;
    Ok(Some(sizes))
}

/// Asserts that scanning `root` gives what `du -sb` and `du -sB1` say.
fn assert_matches_du(root: &Path) -> Result<Usage, Box<dyn std::error::Error>> {
    let usage = scanner().scan_tree(root);
    assert!(usage.complete && usage.problems.is_empty(), "{usage:?}");
    if let (Some(apparent), Some(disk)) = (du(&["-sb"], &[root])?, du(&["-s", "-B1"], &[root])?) {
        assert_eq!(
            usage.apparent_bytes, apparent[0],
            "apparent size of {root:?}"
        );
        assert_eq!(usage.disk_bytes, disk[0], "disk usage of {root:?}");
    }
    Ok(usage)
}

fn write_file(path: &Path, len: usize) -> std::io::Result<()> {
    fs::write(path, vec![b'z'; len])
}

/// A 4 MiB file with only its last bytes written: allocates far less than its length.
fn write_sparse(path: &Path) -> std::io::Result<()> {
    let mut file = File::create(path)?;
    file.seek(SeekFrom::Start(4 * 1024 * 1024))?;
    file.write_all(b"end")
}

#[test]
fn nested_tree_with_assorted_entries_matches_du() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let outside = tempfile::tempdir()?;
    write_file(&outside.path().join("big"), 300_000)?;
    let root = tmp.path();
    fs::create_dir_all(root.join("a/b/c/d"))?;
    fs::create_dir_all(root.join("empty/also-empty"))?;
    let sizes = [0, 1, 511, 512, 4095, 4096, 4097, 70_000];
    for (i, len) in sizes.iter().enumerate() {
        write_file(&root.join(format!("a/f{i}")), *len)?;
        write_file(&root.join(format!("a/b/c/d/g{i}")), len * 3)?;
    }
    write_sparse(&root.join("a/b/sparse"))?;
    symlink(root.join("a/f7"), root.join("link-to-file"))?;
    symlink(outside.path(), root.join("a/link-to-outside-dir"))?;
    symlink("does/not/exist/anywhere", root.join("a/b/dangling"))?;

    let usage = assert_matches_du(root)?;
    assert_eq!(usage.dirs, 7);
    assert_eq!(usage.files, 16 + 1 + 3);
    let file_bytes: usize = sizes.iter().map(|len| len * 4).sum::<usize>() + 4 * 1024 * 1024;
    assert!(
        usage.apparent_bytes < file_bytes as u64 + 100_000,
        "the 300 kB behind the symlinked outside dir must not be counted: {usage:?}"
    );
    let sparse = scanner().scan_tree(&root.join("a/b/sparse"));
    assert!(
        sparse.disk_bytes < sparse.apparent_bytes,
        "sparse file: {sparse:?}"
    );
    Ok(())
}

#[test]
fn symlink_to_outside_dir_counts_only_the_link() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let outside = tempfile::tempdir()?;
    write_file(&outside.path().join("big"), 500_000)?;
    symlink(outside.path(), tmp.path().join("out"))?;
    let usage = assert_matches_du(tmp.path())?;
    let link_len = fs::symlink_metadata(tmp.path().join("out"))?.len();
    let root_len = fs::symlink_metadata(tmp.path())?.len();
    assert_eq!(usage.apparent_bytes, root_len + link_len);
    assert_eq!((usage.dirs, usage.files), (1, 1));
    Ok(())
}

#[test]
fn hardlinks_inside_one_tree_count_once() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let root = tmp.path();
    fs::create_dir(root.join("sub"))?;
    write_file(&root.join("orig"), 100_000)?;
    fs::hard_link(root.join("orig"), root.join("sub/link1"))?;
    fs::hard_link(root.join("orig"), root.join("link2"))?;
    let usage = assert_matches_du(root)?;
    assert_eq!(usage.files, 3, "every name is a file entry");
    assert!(
        usage.apparent_bytes < 200_000,
        "bytes counted once: {usage:?}"
    );
    Ok(())
}

#[test]
fn hardlinks_across_roots_sum_like_one_du_run() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let first = tmp.path().join("first");
    let second = tmp.path().join("second");
    fs::create_dir_all(first.join("objects"))?;
    fs::create_dir_all(second.join("objects"))?;
    write_file(&first.join("objects/pack"), 250_000)?;
    write_file(&first.join("own"), 1_000)?;
    write_file(&second.join("own"), 2_000)?;
    fs::hard_link(first.join("objects/pack"), second.join("objects/pack"))?;

    let roots = vec![first.clone(), second.clone()];
    let reports = Mutex::new(Vec::new());
    scanner().scan_all(&roots, |index, usage| {
        if let Ok(mut reports) = reports.lock() {
            reports.push((index, usage));
        }
    });
    let reports = reports.into_inner()?;
    assert_eq!(reports.len(), 2);
    let apparent: u64 = reports.iter().map(|(_, u)| u.apparent_bytes).sum();
    let disk: u64 = reports.iter().map(|(_, u)| u.disk_bytes).sum();
    assert!(apparent < 500_000, "the shared pack is counted once");
    if let (Some(du_apparent), Some(du_disk)) = (
        du(&["-sbc"], &[&first, &second])?,
        du(&["-s", "-B1", "-c"], &[&first, &second])?,
    ) {
        assert_eq!(Some(&apparent), du_apparent.last(), "du -sbc total");
        assert_eq!(Some(&disk), du_disk.last(), "du -sB1c total");
    }
    Ok(())
}

#[test]
fn root_symlink_is_not_followed() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let target = tmp.path().join("target");
    fs::create_dir(&target)?;
    write_file(&target.join("f"), 50_000)?;
    let link = tmp.path().join("link");
    symlink(&target, &link)?;
    let usage = assert_matches_du(&link)?;
    assert_eq!((usage.dirs, usage.files), (0, 1));
    assert_eq!(usage.apparent_bytes, fs::symlink_metadata(&link)?.len());
    assert!(usage.exists);
    Ok(())
}

#[test]
fn root_that_is_a_file_matches_du() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let file = tmp.path().join("file");
    write_file(&file, 12_345)?;
    let usage = assert_matches_du(&file)?;
    assert_eq!(
        (usage.dirs, usage.files, usage.apparent_bytes),
        (0, 1, 12_345)
    );
    Ok(())
}

#[test]
fn missing_root_is_reported_as_missing() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let usage = scanner().scan_tree(&tmp.path().join("never-created"));
    assert!(!usage.exists && usage.complete && usage.problems.is_empty());
    assert_eq!((usage.apparent_bytes, usage.disk_bytes), (0, 0));
    assert_eq!((usage.files, usage.dirs, usage.newest_mtime), (0, 0, None));
    Ok(())
}

/// Sets the mtime of a file or directory.
fn set_mtime(path: &Path, mtime: SystemTime) -> std::io::Result<()> {
    File::open(path)?.set_modified(mtime)
}

#[test]
fn newest_mtime_comes_from_a_deep_file() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let root = tmp.path();
    let deep_dir = root.join("x/y/z");
    fs::create_dir_all(&deep_dir)?;
    write_file(&root.join("shallow"), 10)?;
    write_file(&deep_dir.join("deep"), 10)?;
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let newest = SystemTime::UNIX_EPOCH + Duration::from_secs(1_500_000_000);
    // Directories last: creating entries inside them would bump their mtime.
    for path in ["shallow", "x/y/z", "x/y", "x", ""] {
        set_mtime(&root.join(path), old)?;
    }
    set_mtime(&deep_dir.join("deep"), newest)?;
    let usage = scanner().scan_tree(root);
    assert_eq!(usage.newest_mtime, Some(newest));
    Ok(())
}

#[test]
fn scan_all_reports_each_root_once_with_its_index() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let roots: Vec<PathBuf> = (0..6)
        .map(|i| tmp.path().join(format!("root{i}")))
        .collect();
    for (i, root) in roots.iter().enumerate() {
        fs::create_dir_all(root.join("nested"))?;
        for n in 0..=i {
            write_file(&root.join(format!("nested/f{n}")), 100)?;
        }
    }
    let missing = tmp.path().join("missing");
    let mut all_roots = roots.clone();
    all_roots.push(missing);

    let reports = Mutex::new(Vec::new());
    scanner().scan_all(&all_roots, |index, usage| {
        if let Ok(mut reports) = reports.lock() {
            reports.push((index, usage));
        }
    });
    let mut reports = reports.into_inner()?;
    reports.sort_by_key(|(index, _)| *index);
    let indexes: Vec<usize> = reports.iter().map(|(index, _)| *index).collect();
    assert_eq!(indexes, (0..all_roots.len()).collect::<Vec<_>>());
    for (index, usage) in &reports[..roots.len()] {
        assert_eq!(usage.files, *index as u64 + 1, "root {index}");
        assert_eq!(usage, &scanner().scan_tree(&roots[*index]), "root {index}");
    }
    let (_, missing_usage) = &reports[roots.len()];
    assert!(!missing_usage.exists && missing_usage.complete);
    Ok(())
}
