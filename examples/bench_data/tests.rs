//! The generator at the tiny scale: loadable sets, reused when complete, rewritten to
//! the same tree when interrupted.

use super::TINY;
use super::generator::*;
use agents_janitor::scan::Scanner;
use agents_janitor::store::Snapshot;
use std::fs;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn writes_loadable_sets_reuses_them_and_rewrites_an_interrupted_one() -> TestResult {
    // The git set is made of real clones.
    let git = std::process::Command::new("git").arg("--version").output();
    if !git.is_ok_and(|out| out.status.success()) {
        let why = "git is not installed: the bench data's git set cannot be written";
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("skipped: {why}");
        return Ok(());
    }
    let root = tempfile::tempdir()?;
    let summary = write_bench_data(root.path(), TINY)?;
    assert!(summary.reused.is_empty());

    let set = root.path().join(WORKSPACES_SET);
    let workspaces = Snapshot::load(&set)?;
    assert!(workspaces.problems.is_empty(), "{:?}", workspaces.problems);
    assert_eq!(workspaces.tasks.len(), TINY.workspaces);
    assert_eq!(workspaces.workspaces.len(), TINY.workspaces);
    let records = Snapshot::load(&root.path().join(RECORDS_SET))?;
    assert_eq!(records.tasks.len(), TINY.records);
    assert!(records.tasks.iter().all(|t| t.log_count == TINY.log_lines));
    assert_eq!(records.tasks.iter().filter(|t| t.archived).count(), 1);
    let many = Snapshot::load(&root.path().join(MANY_SET))?;
    assert!(many.problems.is_empty(), "{:?}", many.problems);
    assert_eq!(many.tasks.len(), TINY.many_records);
    let active = many.tasks.iter().filter(|t| !t.archived).count();
    assert!(
        (1..=TINY.many_records / 4).contains(&active),
        "{active} active"
    );
    assert_eq!(many.workspaces.len(), TINY.many_workspaces.min(active));
    let clones = Snapshot::load(&root.path().join(GIT_SET))?;
    assert_eq!(clones.workspaces.len(), TINY.git_workspaces);
    let states: Vec<_> = clones
        .workspaces
        .iter()
        .map(|w| agents_janitor::git::inspect(&w.path, agents_janitor::git::DEFAULT_GIT_TIMEOUT))
        .collect();
    let unsaved = states.iter().filter(|s| s.has_unsaved_work()).count();
    assert_eq!(
        unsaved, 2,
        "one clone with a commit not pushed, one with changes: {states:?}"
    );
    let huge = Snapshot::load(&root.path().join(HUGE_SET))?;
    assert_eq!(huge.workspaces.len(), 1);
    let huge_usage = Scanner::new(Default::default()).scan_tree(&huge.workspaces[0].path);
    assert_eq!(huge_usage.files, TINY.huge_files as u64);

    // Workspaces of one group share their base pack.
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let pack_dir = workspaces.workspaces[0].path.join(".git/objects/pack");
        let linked = fs::read_dir(&pack_dir)?
            .filter_map(Result::ok)
            .filter(|e| e.metadata().is_ok_and(|m| m.nlink() > 1))
            .count();
        assert_eq!(linked, 2, "the shared .pack and .idx");
    }

    let again = write_bench_data(root.path(), TINY)?;
    assert_eq!(
        again.reused,
        vec![WORKSPACES_SET, HUGE_SET, RECORDS_SET, MANY_SET, GIT_SET]
    );

    // As if the first run had stopped before finishing this set: it is written
    // again over itself (read-only parts included), to the same tree.
    let before = Scanner::new(Default::default()).scan_tree(&set);
    fs::remove_file(set.join(COMPLETE_MARKER))?;
    let summary = write_bench_data(root.path(), TINY)?;
    assert_eq!(
        summary.reused,
        vec![HUGE_SET, RECORDS_SET, MANY_SET, GIT_SET]
    );
    let after = Scanner::new(Default::default()).scan_tree(&set);
    assert_eq!(
        (after.apparent_bytes, after.files, after.dirs),
        (before.apparent_bytes, before.files, before.dirs)
    );
    Ok(())
}
